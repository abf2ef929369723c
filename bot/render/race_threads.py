"""The Reddit threads of one race linked together: the links line every thread carries, and the live thread itself.

A race has up to three threads per subreddit (db.threads.ThreadKind): pre-race, live and post-race. Each body
carries one line linking the others that exist; the line ends with an invisible mark so a thread written earlier
can be relinked (`relinked`) when another thread of its race appears.
"""

from __future__ import annotations

from bot.live_race import LiveBoard
from bot.render.live import board_markdown
from bot.render.recap import marker, race_at_track
from db.models import RaceSummary
from db.records import Record
from db.threads import ThreadKind

LINKS_MARK = "[](#pitboard-race-threads)"
LABELS = {ThreadKind.PRE: "Pre-race thread", ThreadKind.LIVE: "Live thread", ThreadKind.POST: "Post-race thread"}


class ThreadLinks(Record):
    """The URLs of a race's threads in one subreddit; None while a thread does not exist."""

    pre: str | None = None
    live: str | None = None
    post: str | None = None

    def url(self, kind: ThreadKind) -> str | None:
        return {ThreadKind.PRE: self.pre, ThreadKind.LIVE: self.live, ThreadKind.POST: self.post}[kind]


def links_line(links: ThreadLinks, own: ThreadKind) -> str:
    """`*Race threads:* [Live thread](…) · [Post-race thread](…)` for the thread of kind `own`; while none of the
    others exists, a line saying where their links will be (the post-race thread comes last: no line then)."""
    others = [kind for kind in ThreadKind if kind is not own]
    present = [f"[{LABELS[kind]}]({url})" for kind in others if (url := links.url(kind))]
    if present:
        return f"*Race threads:* {' · '.join(present)} {LINKS_MARK}"
    if own is ThreadKind.POST:
        return ""
    waiting = " and ".join(LABELS[kind] for kind in others)
    return f"*{waiting[0]}{waiting[1:].lower()}: links here once they are up.* {LINKS_MARK}"


def relinked(body: str, links: ThreadLinks, own: ThreadKind) -> str:
    """`body` with its links line rewritten for `links` (unchanged when it has no links line)."""
    lines = body.split("\n")
    return "\n".join(links_line(links, own) if line.endswith(LINKS_MARK) else line for line in lines)


def live_title(race: RaceSummary) -> str:
    return f"Live Thread: {race_at_track(race)} ({race.season})"


def live_body(board: LiveBoard, key: str, links: ThreadLinks) -> str:
    """The live thread's body: the board as the Discord board and the terminal show it, and the links line."""
    return f"{board_markdown(board)}\n\n{links_line(links, ThreadKind.LIVE)}\n\n{marker(key, ThreadKind.LIVE)}\n"
