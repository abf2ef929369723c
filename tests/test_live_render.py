"""The live board and events rendered for every target: hostile text from the feed shows as text, nothing more."""

from __future__ import annotations

from rich.console import Console

from bot.live_race import EventKind, RaceEvent, live_board
from bot.render.live import board_embed, board_markdown, board_rich, board_text, event_embed, event_line, interval
from db.live import DriverHistory
from db.live_feed import Flag, read_live_race
from db.records import replace
from testkit.replays import ATLANTA_CUP_FEED

HOSTILE = "@everyone **Bold** | [x](https://evil.example) \x1b[31m[red]red[/red]"


def _hostile_race():
    race = read_live_race(ATLANTA_CUP_FEED.read_bytes())
    leader = replace(race.vehicles[0], name=HOSTILE)
    return replace(race, run_name=HOSTILE, vehicles=(leader, *race.vehicles[1:]))


def test_intervals():
    race = read_live_race(ATLANTA_CUP_FEED.read_bytes())
    shown = [interval(race.car(car)) for car in ("6", "45", "14", "51", "5")]
    assert shown == ["Leader", "+0.095", "-1 lap", "-2 laps", "out (25 laps down)"]


def test_board_everywhere_shows_hostile_text_as_text():
    board = live_board(_hostile_race(), DriverHistory(HOSTILE, "Atlanta Motor Speedway", 35, 16, 2, 1), feed_interrupted=True)
    text = board_text(board)
    assert "\x1b" not in text and "Lap 233 of 260 · Green · Stage 3 (final) · 27 to go" in text
    assert "Feed interrupted" in text and "16 starts, 2 wins, best 1st" in text
    markdown = board_markdown(board)
    assert "&#124;" in markdown and "\\[x\\]" in markdown and "https:\\/\\/evil" in markdown and "\x1b" not in markdown
    embed = board_embed(board).to_dict()
    assert "@everyone" not in embed["title"] and "\\*\\*Bold\\*\\*" in embed["title"]
    assert embed["footer"]["text"].endswith("pitboard:nascar-5272") and len(board_embed(board)) <= 6000
    console = Console(record=True, width=100, force_terminal=False)
    console.print(board_rich(board))
    shown = console.export_text()
    assert "[red]red[/red]" in shown and "\x1b" not in shown


def test_events_everywhere():
    event = RaceEvent(key="nascar-1:caution:5", kind=EventKind.CAUTION, lap=5, race_name="Race", series="cup", laps_in_race=200,
                      reason=HOSTILE)
    assert event_line(event).startswith("L5    Caution on lap 5: @everyone **Bold**") and "\x1b" not in event_line(event)
    embed = event_embed(event).to_dict()
    assert "@everyone" not in embed["description"] and embed["footer"]["text"].endswith("pitboard:nascar-1:caution:5")
    first = RaceEvent(key="nascar-1:checkered:200", kind=EventKind.CHECKERED, lap=200, race_name="Race", series="truck",
                      laps_in_race=200, driver="A Driver", car="7", history=DriverHistory("A Driver", "Some Track", 0, 3, 0, 2))
    assert "A first career Truck win, the first at Some Track." in event_line(first)
    again = replace(first, history=DriverHistory("A Driver", "Some Track", 4, 9, 2, 1))
    assert "Career Truck win No. 5, No. 3 at Some Track." in event_line(again)


def test_unknown_flag_is_named_by_its_code():
    race = replace(read_live_race(ATLANTA_CUP_FEED.read_bytes()), flag=Flag.UNKNOWN, flag_code=6)
    assert "Lap 233 of 260 · flag 6 ·" in board_text(live_board(race))
