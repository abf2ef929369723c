"""From a race in the store to its post-race thread on each subreddit (used by the CLI and the watcher)."""

from __future__ import annotations

from bot.reddit import PublishResult, RedditPoster, Thread
from bot.render import recap
from db.models import RaceSummary
from db.recaps import F1RecapFacts, Recap
from db.series import SERIES


def race_key(race: RaceSummary) -> str:
    """A race's identity that survives `db build` and a results import: NASCAR's race id; an F1 race's season and
    round (`f1-2024-16`, the same whether its results came from F1DB or from Jolpica); else series, season and round."""
    if race.source_id:
        return f"nascar-{race.source_id}"
    if SERIES[race.series].family == "f1":
        return f"{race.series}-{race.season}-{race.round}"
    return f"{race.series}-{race.season}-r{race.round}"


def thread_for(facts: Recap, subreddit: str, title_template: str) -> Thread:
    key = race_key(facts.race if isinstance(facts, F1RecapFacts) else facts.details.race)
    return Thread(key=key, subreddit=subreddit, title=recap.title(facts, title_template), body=recap.reddit_body(facts, key))


async def publish_recap(
    poster: RedditPoster, facts: Recap, subreddits: list[str], title_template: str
) -> list[PublishResult]:
    """Publish (or update) the race's thread on every subreddit; idempotent, so safe to call every poll.

    Raises PostingPaused, at the first subreddit where it happens, when Reddit refuses the account itself.
    """
    return [await poster.publish(thread_for(facts, subreddit, title_template)) for subreddit in subreddits]
