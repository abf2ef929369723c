"""The 2026 Chicagoland Xfinity race (NASCAR race 5651) as the feed serves it around its replay: the season's race
list (scheduled, then official), the official weekend feed, and the replay's clock on the race day's.

Shared by the race-weekend tests (tests/test_race_weekend.py, tests/test_raceday_end_to_end.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from db import guilds
from db.live_feed import ReplayFrame, load_replay
from db.nascar_feed import import_document
from testkit.clock import ManualClock
from testkit.discord_harness import RaceDayGuild
from testkit.fakes.discord_server import FakeDiscord
from testkit.replays import CHICAGOLAND

if TYPE_CHECKING:
    from bot.pitboard import Pitboard
    from bot.race_weekend import RaceWeekend
    from db.store import Store

RACE_ID = 5651
RACE_KEY = f"nascar-{RACE_ID}"
RACE_LIST = "2026/race_list_basic.json"
WEEKEND_FEED = f"2026/2/{RACE_ID}/weekend-feed.json"
LIVE_FEED = "live/feeds/live-feed.json"
GREEN = datetime(2026, 7, 5, 1, 15, tzinfo=UTC)     # as scheduled: 21:15 Eastern on July 4th (the real green: 21:15:14)
REPLAY_GREEN_SECONDS = 60.0                         # the replay's green-flag frame
WINNER_FEED_ID = 4085                               # Brandon Jones
FRAMES = load_replay(CHICAGOLAND)
TV_DELAY = 30                                       # the second server's TV delay, seconds
REMINDER_MINUTES = 30


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


async def set_up_two_servers(store: Store, live_now: RaceDayGuild, delayed: RaceDayGuild) -> None:
    """The season's race list read (as the watcher would have before race day), and two servers announcing with live
    updates, the second `TV_DELAY` behind; the first also reminds its fans' role and keeps Discord scheduled events."""
    await import_document(store, race_list())
    for server, delay in ((live_now, 0), (delayed, TV_DELAY)):
        await guilds.set_announce_channel(store, server.guild_id, server.announce_id)
        await guilds.set_live_updates(store, server.guild_id, True)
        await guilds.set_tv_delay(store, server.guild_id, delay)
    await guilds.set_reminder(store, live_now.guild_id, REMINDER_MINUTES, live_now.fans_role_id)
    await guilds.set_scheduled_events(store, live_now.guild_id, True)


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


@dataclass(kw_only=True)
class AnnounceChannels:
    """Race day as the servers' announcement channels show it, on the race clock: what each holds, and when each item
    first appeared there (what the TV delay is measured by)."""

    discord: FakeDiscord
    clock: ManualClock
    servers: list[RaceDayGuild]
    first_seen: dict[tuple[int, str], datetime] = field(default_factory=dict)   # (server, item) -> clock when it appeared

    async def step(self, bot: Pitboard, weekend: RaceWeekend, to: datetime) -> None:
        """Move the clock to `to` (at least one of the loop's waits), wait for the round it allows, let messages go out."""
        count = weekend.ticks + 1
        self.clock.advance((to - self.clock.now()).total_seconds())
        await weekend.wait_for_tick(count)
        await self.settle(bot)

    async def settle(self, bot: Pitboard) -> None:
        """Wait until every message due has gone out, and note when each item first appeared."""
        assert bot.live is not None
        await bot.live.settled()
        for server in self.servers:
            for message in self.discord.channel_history(server.announce_id):
                if (item := item_of(message)) is not None:
                    self.first_seen.setdefault((server.guild_id, item), self.clock.now())

    def items(self, server: RaceDayGuild) -> list[str]:
        return [item for message in self.discord.channel_history(server.announce_id) if (item := item_of(message))]

    def assert_held_back(self, early: RaceDayGuild, delayed: RaceDayGuild, items: list[str], delay: timedelta) -> None:
        """Each item reached the delayed server at least `delay` after the other (the TV delay)."""
        for item in items:
            held = self.first_seen[delayed.guild_id, item] - self.first_seen[early.guild_id, item]
            assert held >= delay, (item, held)

    def assert_only_the_reminder_pinged(self, role_id: int) -> None:
        """The reminder mentions its role and nothing else; no other message pings; Discord never said 429."""
        for server in self.servers:
            for message in self.discord.channel_history(server.announce_id):
                pings = self.discord.pings(int(message["id"]))
                if item_of(message) == "reminder":
                    assert pings.roles == {role_id} and not pings.users and not pings.everyone
                else:
                    assert not pings.anyone, item_of(message)
        assert self.discord.rate_limited == []

    def message(self, server: RaceDayGuild, item: str) -> dict:
        [found] = [message for message in self.discord.channel_history(server.announce_id) if item_of(message) == item]
        return found
