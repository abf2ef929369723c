"""From a race in the store to its post-race thread on each subreddit (used by the CLI and the watcher)."""

from __future__ import annotations

from bot.reddit import PublishResult, RedditPoster, Thread
from bot.render import recap
from db.models import RaceSummary, RecapFacts


def race_key(race: RaceSummary) -> str:
    """A race's identity that survives `db build`: NASCAR's race id, else series, season and round."""
    if race.source_id:
        return f"nascar-{race.source_id}"
    return f"{race.series}-{race.season}-r{race.round}"


def thread_for(facts: RecapFacts, subreddit: str, title_template: str) -> Thread:
    key = race_key(facts.details.race)
    return Thread(key=key, subreddit=subreddit, title=recap.title(facts, title_template), body=recap.reddit_body(facts, key))


async def publish_recap(
    poster: RedditPoster, facts: RecapFacts, subreddits: list[str], title_template: str
) -> list[PublishResult]:
    """Publish (or update) the race's thread on every subreddit; idempotent, so safe to call every poll.

    Raises PostingPaused, at the first subreddit where it happens, when Reddit refuses the account itself.
    """
    return [await poster.publish(thread_for(facts, subreddit, title_template)) for subreddit in subreddits]
