"""Publish one thread from a separate process, so a test can SIGKILL it in the middle of a submit.

Usage: python -m testkit.reddit_publish_process REDDIT_URL DB_PATH KEY SUBREDDIT TITLE BODY
Credentials come from the environment (REDDIT_CLIENT_ID, …) as in production; prints the action.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.reddit import RedditPoster, Thread, reddit_client
from bot.settings import Settings
from db.store import Store


async def publish(url: str, db_path: str, thread: Thread) -> str:
    settings = Settings.load(env_file=None)
    async with reddit_client(settings.reddit, oauth_url=url, reddit_url=url) as reddit, Store.open(Path(db_path)) as store:
        return (await RedditPoster(reddit, store).publish(thread)).action


if __name__ == "__main__":
    reddit_url, db, key, subreddit, title, body = sys.argv[1:7]
    print(asyncio.run(publish(reddit_url, db, Thread(key, subreddit, title, body))), flush=True)
