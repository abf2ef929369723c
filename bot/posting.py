"""From a race in the store to its post-race thread on each subreddit (used by the CLI and the watcher), and the links
among a race's Reddit threads (pre-race, live, post-race; bot/reddit_race_day.py writes the first two)."""

from __future__ import annotations

from bot.reddit import PublishResult, RedditPoster, Thread, thread_url
from bot.render import recap
from bot.render.race_threads import ThreadLinks, links_line, relinked
from db import threads
from db.models import RaceSummary, race_key
from db.recaps import F1RecapFacts, Recap
from db.store import Store
from db.threads import ThreadKind

NO_LINKS = ThreadLinks()


def recap_race(facts: Recap) -> RaceSummary:
    return facts.race if isinstance(facts, F1RecapFacts) else facts.details.race


def thread_for(facts: Recap, subreddit: str, title_template: str, links: ThreadLinks = NO_LINKS) -> Thread:
    key = race_key(recap_race(facts))
    body = recap.reddit_body(facts, key, links_line(links, ThreadKind.POST))
    return Thread(key=key, subreddit=subreddit, title=recap.title(facts, title_template), body=body)


async def publish_recap(
    poster: RedditPoster, facts: Recap, subreddits: list[str], title_template: str
) -> list[PublishResult]:
    """Publish (or update) the race's thread on every subreddit, linking the race's pre-race and live threads there
    (and linking it from them); idempotent, so safe to call every poll. Returns the post-race threads' results.

    Raises PostingPaused, at the first subreddit where it happens, when Reddit refuses the account itself.
    """
    key = race_key(recap_race(facts))
    results = []
    for subreddit in subreddits:
        links = await thread_links(poster.store, key, subreddit)
        results.append(await poster.publish(thread_for(facts, subreddit, title_template, links)))
        await relink(poster, key, subreddit)
    return results


async def thread_links(store: Store, key: str, subreddit: str) -> ThreadLinks:
    """The URLs of the race's threads in the subreddit that exist on Reddit."""
    existing = await threads.race_threads_in(store, key, subreddit)
    urls = {kind: thread_url(row.subreddit, row.submission_id) for kind, row in existing.items() if row.submission_id}
    return ThreadLinks(pre=urls.get(ThreadKind.PRE), live=urls.get(ThreadKind.LIVE), post=urls.get(ThreadKind.POST))


async def relink(poster: RedditPoster, key: str, subreddit: str) -> list[PublishResult]:
    """Edit the race's threads in the subreddit whose links line misses a thread that exists now.

    The edit is the body last written with its links line rewritten; an edit the poster defers (edit interval) is
    made by a later call. Raises PostingPaused like `RedditPoster.publish`.
    """
    existing = await threads.race_threads_in(poster.store, key, subreddit)
    links = await thread_links(poster.store, key, subreddit)
    results = []
    for kind, row in existing.items():
        if row.body is None or row.state != "posted":
            continue
        body = relinked(row.body, links, kind)
        if body != row.body:
            results.append(await poster.publish(Thread(key, row.subreddit, row.title, body, kind)))
    return results
