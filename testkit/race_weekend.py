"""The 2026 Chicagoland Xfinity race (NASCAR race 5651) as the feed serves it around its replay: the season's race
list (scheduled, then official), the official weekend feed, and the replay's clock on the race day's.

Shared by the race-weekend tests (tests/test_race_weekend.py, tests/test_raceday_end_to_end.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from db.live_feed import ReplayFrame, load_replay
from testkit.replays import CHICAGOLAND

RACE_ID = 5651
RACE_KEY = f"nascar-{RACE_ID}"
RACE_LIST = "2026/race_list_basic.json"
WEEKEND_FEED = f"2026/2/{RACE_ID}/weekend-feed.json"
LIVE_FEED = "live/feeds/live-feed.json"
GREEN = datetime(2026, 7, 5, 1, 15, tzinfo=UTC)     # as scheduled: 21:15 Eastern on July 4th (the real green: 21:15:14)
REPLAY_GREEN_SECONDS = 60.0                         # the replay's green-flag frame
WINNER_FEED_ID = 4085                               # Brandon Jones
FRAMES = load_replay(CHICAGOLAND)


def race_entry(*, tv: str | None = None, official: bool = False, race_date: str = "2026-07-04T21:15:00") -> dict:
    """The race as the season's race list has it (before it, then official); `race_date` moves when postponed."""
    return {
        "race_id": RACE_ID, "series_id": 2, "race_season": 2026, "race_name": "Cuervo 300", "race_type_id": 1,
        "track_id": 39, "track_name": "Chicagoland Speedway", "date_scheduled": "2026-07-04T21:15:00",
        "race_date": race_date, "scheduled_distance": 301.5, "scheduled_laps": 201,
        "stage_1_laps": 45, "stage_2_laps": 45, "stage_3_laps": 111, "television_broadcaster": tv,
        "winner_driver_id": WINNER_FEED_ID if official else 0, "inspection_complete": official, "schedule": [],
    }


def next_week_entry() -> dict:
    """The series' race a week later (NASCAR race 5652, as made up here): the next race once this one is over."""
    return race_entry() | {"race_id": RACE_ID + 1, "race_name": "Next Week 250", "date_scheduled": "2026-07-11T20:00:00",
                           "race_date": "2026-07-11T20:00:00"}


def race_list(*races: dict) -> bytes:
    """The season's race list as the feed serves it (the Xfinity series only here); this race alone by default."""
    return json.dumps({"series_1": [], "series_2": list(races) or [race_entry()], "series_3": []}).encode()


def official_weekend_feed() -> bytes:
    """The race's weekend feed once official: its header and the finishing order of the replay's last frame."""
    final = json.loads(FRAMES[-1].documents["live-feed.json"])
    race = race_entry(tv="CW", official=True) | {"actual_laps": final["laps_in_race"], "results": [
        {"finishing_position": car["running_position"], "driver_fullname": car["driver"]["full_name"],
         "driver_id": car["driver"]["driver_id"], "car_number": car["vehicle_number"],
         "laps_completed": car["laps_completed"], "finishing_status": "Running" if car["status"] == 1 else "Accident"}
        for car in final["vehicles"]
    ]}
    return json.dumps({"weekend_race": [race], "weekend_runs": []}).encode()


def moment(frame: ReplayFrame) -> datetime:
    """The replay's clock on the race day's: its green-flag frame at the scheduled green."""
    return GREEN + timedelta(seconds=frame.seconds - REPLAY_GREEN_SECONDS)


def lap_of(frame: ReplayFrame) -> int:
    return json.loads(frame.documents["live-feed.json"])["lap_number"]


def item_of(message: dict) -> str | None:
    """The race item a Discord message carries in its footer (`board`, `pre-race`, `reminder` or an event key)."""
    prefix = f"pitboard:{RACE_KEY}:"
    for embed in message["embeds"]:
        last = embed.get("footer", {}).get("text", "").split(" · ")[-1]
        if last.startswith(prefix):
            return last.removeprefix(prefix)
    return None
