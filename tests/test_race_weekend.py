"""A replayed race weekend through the running bot (issue 11, item 6).

The real bot (real discord.py, real cogs, the race weekend's own loop) on the fake Discord, its live feed client
polling the local feed server while it serves the recorded 2026 Chicagoland race frame by frame, everything timed by
one manual clock: pre-race post (edited when its facts change), the reminder, green, cautions, stage ends, leader
changes, restarts, white, checkered, official; a restart of the bot in the middle of the race and a feed outage.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.feed import FeedClient
from bot.pitboard import Pitboard
from bot.race_weekend import PRE_RACE_ITEM, RaceWeekend
from bot.render.live import INTERRUPTED
from db import lifecycle
from db.lifecycle import RaceState
from db.nascar_feed import import_document
from db.store import Store
from testkit.clock import ManualClock
from testkit.discord_harness import embed_text, race_day_guild, running_pitboard
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to
from testkit.fakes.feed_server import FakeFeed, FeedFault
from testkit.race_weekend import (
    FRAMES,
    GREEN,
    LIVE_FEED,
    RACE_KEY,
    RACE_LIST,
    REMINDER_MINUTES,
    TV_DELAY,
    AnnounceChannels,
    item_of,
    lap_of,
    moment,
    next_week_entry,
    race_entry,
    race_list,
    set_up_two_servers,
)

START = GREEN - timedelta(hours=2)
RESTART_AT_LAP = 132                                 # a caution comes out on this lap
OUTAGE_AT_LAP = 145


@dataclass(kw_only=True)
class Weekend(AnnounceChannels):
    feed: FakeFeed
    session: aiohttp.ClientSession
    db_path: Path

    @contextlib.asynccontextmanager
    async def bot(self) -> AsyncIterator[tuple[Pitboard, RaceWeekend]]:
        """A Pitboard process with the feed client (so the watcher and the race weekend run), after its first round."""
        feed = FeedClient(self.session, self.feed.base_url)
        async with (Store.open(self.db_path) as store,
                    running_pitboard(self.discord, store, live_clock=self.clock, feed=feed) as bot):
            assert bot.race_weekend is not None
            await bot.race_weekend.wait_for_tick(1)
            await self.settle(bot)
            yield bot, bot.race_weekend


@contextlib.asynccontextmanager
async def race_weekend(small_db: Path, tmp_path: Path) -> AsyncIterator[Weekend]:
    db_path = tmp_path / "pitboard.db"
    shutil.copy(small_db, db_path)
    live_now, delayed = race_day_guild(1), race_day_guild(2)
    async with Store.open(db_path) as store:
        await set_up_two_servers(store, live_now, delayed)
    clock = ManualClock(START)
    async with (FakeFeed() as feed, aiohttp.ClientSession() as session,
                FakeDiscord(guilds=[live_now.guild, delayed.guild], clock=clock.time) as fake):
        feed.serve(RACE_LIST, race_list())
        feed.play(FRAMES)
        with redirect_discord_to(fake):
            yield Weekend(discord=fake, feed=feed, session=session, clock=clock, db_path=db_path, servers=[live_now, delayed])


async def publish_race_list(bot: Pitboard, weekend: Weekend, *, tv: str | None = None, official: bool = False) -> None:
    """The race list changes; the store follows it as the feed watcher would."""
    document = race_list(race_entry(tv=tv, official=official))
    weekend.feed.serve(RACE_LIST, document)
    await import_document(bot.store, document)


async def test_a_replayed_race_weekend_reaches_discord_once_each_with_the_tv_delay_and_no_stray_ping(small_db, tmp_path):
    async with race_weekend(small_db, tmp_path) as weekend:
        live_now, delayed = weekend.servers
        async with weekend.bot() as (bot, loop):
            # Two hours before green: pre-race, in both servers, once.
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.PRE_RACE
            for server in weekend.servers:
                assert weekend.items(server) == [PRE_RACE_ITEM]
            # The server that asked for Discord scheduled events has one for the race; the other none.
            [scheduled] = weekend.discord.scheduled_events.values()
            assert scheduled["guild_id"] == str(live_now.guild_id) and scheduled["name"] == "Cuervo 300"
            first = weekend.message(live_now, PRE_RACE_ITEM)
            assert "CW" not in embed_text(first["embeds"][0])
            # The race list names the broadcaster: the pre-race embed is edited in place, not posted again.
            await publish_race_list(bot, weekend, tv="CW")
            await weekend.step(bot, loop, START + timedelta(minutes=2))
            for server in weekend.servers:
                assert weekend.items(server) == [PRE_RACE_ITEM]
                assert "CW" in embed_text(weekend.message(server, PRE_RACE_ITEM)["embeds"][0])
            assert weekend.message(live_now, PRE_RACE_ITEM)["id"] == first["id"]
            # The reminder, in the one server that set it, on time.
            await weekend.step(bot, loop, GREEN - timedelta(minutes=REMINDER_MINUTES))
            assert weekend.items(live_now) == [PRE_RACE_ITEM, "reminder"]
            assert weekend.items(delayed) == [PRE_RACE_ITEM]
            # The race, frame by frame, up to the restart.
            frames = iter(FRAMES)
            for frame in frames:
                weekend.feed.advance_to(frame.seconds)
                await weekend.step(bot, loop, moment(frame))
                if lap_of(frame) == RESTART_AT_LAP:
                    break
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.LIVE
        async with weekend.bot() as (bot, loop):   # a new process, in the middle of the race
            for frame in frames:
                weekend.feed.advance_to(frame.seconds)
                if lap_of(frame) == OUTAGE_AT_LAP:
                    weekend.feed.fail_next(LIVE_FEED, FeedFault(status=503))
                    await weekend.step(bot, loop, moment(frame))
                    assert INTERRUPTED in embed_text(weekend.message(live_now, "board")["embeds"][0])
                    continue
                await weekend.step(bot, loop, moment(frame))
                if lap_of(frame) == OUTAGE_AT_LAP + 1:
                    assert INTERRUPTED not in embed_text(weekend.message(live_now, "board")["embeds"][0])
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.FINISHED
            await publish_race_list(bot, weekend, tv="CW", official=True)
            await weekend.step(bot, loop, weekend.clock.now() + timedelta(minutes=1))
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.OFFICIAL

        # Each server: one board, edited all race long; each event once, in race order; the same events in both.
        events = {}
        for server in weekend.servers:
            items = weekend.items(server)
            assert items.count("board") == 1 and len(items) == len(set(items)), items
            board_id = weekend.message(server, "board")["id"]
            assert len([edit for edit in weekend.discord.message_edits if edit.path.endswith(f"/messages/{board_id}")]) > 150
            events[server.guild_id] = [item for item in items if item.startswith(f"{RACE_KEY}:")]
        assert events[live_now.guild_id] == events[delayed.guild_id]
        kinds = [event.split(":")[1] for event in events[live_now.guild_id]]
        assert kinds[0] == "green" and kinds[-1] == "checkered"
        assert {"caution", "stage-end", "leader", "restart", "white"} <= set(kinds)
        assert "catch-up" not in kinds   # the restart lost nothing and repeated nothing
        checkered = weekend.message(live_now, events[live_now.guild_id][-1])
        assert "Brandon Jones" in embed_text(checkered["embeds"][0])
        weekend.assert_held_back(live_now, delayed, [*events[live_now.guild_id], "board"], timedelta(seconds=TV_DELAY))
        weekend.assert_only_the_reminder_pinged(live_now.fans_role_id)


async def test_a_bot_started_in_the_middle_of_a_race_sums_it_up_instead_of_posting_what_it_missed(small_db, tmp_path):
    async with race_weekend(small_db, tmp_path) as weekend:
        live_now, delayed = weekend.servers
        [frame] = [frame for frame in FRAMES if lap_of(frame) == RESTART_AT_LAP]
        weekend.feed.advance_to(frame.seconds)
        weekend.clock.advance((moment(frame) - weekend.clock.now()).total_seconds())
        async with weekend.bot() as (bot, loop):
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.LIVE
            # No pre-race post (the race is on) and no reminder (its time is past): one summary, then the board.
            assert [item.split(":")[1] if item.startswith(RACE_KEY) else item for item in weekend.items(live_now)] == [
                "catch-up", "board"]
            summary = weekend.message(live_now, weekend.items(live_now)[0])
            assert f"{RACE_KEY}:catch-up:0-{RESTART_AT_LAP}" == item_of(summary)
            assert weekend.items(delayed) == []   # its TV delay has not passed yet
            await weekend.step(bot, loop, weekend.clock.now() + timedelta(seconds=TV_DELAY))
            assert weekend.items(delayed) == weekend.items(live_now)


async def test_a_race_dropped_from_the_race_list_is_cancelled_everywhere_and_never_reminded(small_db, tmp_path):
    # NASCAR's race list has no cancelled flag (tests/data/feed/SOURCE.md): a cancelled race leaves the list.
    async with race_weekend(small_db, tmp_path) as weekend:
        live_now, delayed = weekend.servers
        async with weekend.bot() as (bot, loop):
            assert weekend.discord.scheduled_events and weekend.items(live_now) == [PRE_RACE_ITEM]
            # A partial list (no Xfinity race at all) cancels nothing.
            partial = json.dumps({"series_1": [race_entry() | {"race_id": 5600, "series_id": 1}], "series_2": [], "series_3": []})
            await import_document(bot.store, partial.encode())
            await weekend.step(bot, loop, START + timedelta(minutes=1))
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.PRE_RACE
            document = race_list(next_week_entry())
            weekend.feed.serve(RACE_LIST, document)
            await import_document(bot.store, document)
            await weekend.step(bot, loop, START + timedelta(minutes=2))
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.CANCELLED
            for server in weekend.servers:   # the pre-race post edited in place, not posted again
                assert weekend.items(server) == [PRE_RACE_ITEM]
                assert "Cancelled" in embed_text(weekend.message(server, PRE_RACE_ITEM)["embeds"][0])
            assert not [event for event in weekend.discord.scheduled_events.values() if event["name"] == "Cuervo 300"]
            # No reminder, and nothing live even with the feed showing the race.
            await weekend.step(bot, loop, GREEN - timedelta(minutes=REMINDER_MINUTES))
            weekend.feed.advance_to(FRAMES[5].seconds)
            await weekend.step(bot, loop, moment(FRAMES[5]))
            assert weekend.items(live_now) == [PRE_RACE_ITEM] and weekend.items(delayed) == [PRE_RACE_ITEM]


async def test_a_postponed_race_moves_its_scheduled_event_its_reminder_and_says_so(small_db, tmp_path):
    # As the 2023 Fontana Xfinity race (5311) in the real 2023 race list: `date_scheduled` kept, `race_date` a day later.
    async with race_weekend(small_db, tmp_path) as weekend:
        live_now, _ = weekend.servers
        async with weekend.bot() as (bot, loop):
            [event_id] = weekend.discord.scheduled_events
            document = race_list(race_entry(race_date="2026-07-05T21:15:00"))
            weekend.feed.serve(RACE_LIST, document)
            await import_document(bot.store, document)
            await weekend.step(bot, loop, START + timedelta(minutes=2))
            later = GREEN + timedelta(days=1)
            pre_race = embed_text(weekend.message(live_now, PRE_RACE_ITEM)["embeds"][0])
            assert "Postponed" in pre_race and f"<t:{int(later.timestamp())}:F>" in pre_race
            assert weekend.items(live_now) == [PRE_RACE_ITEM]
            await weekend.step(bot, loop, START + timedelta(minutes=3))   # the scheduled event follows at the next round
            moved = weekend.discord.scheduled_events[event_id]["scheduled_start_time"]
            assert datetime.fromisoformat(moved) == later
            await weekend.step(bot, loop, GREEN - timedelta(minutes=REMINDER_MINUTES))
            assert weekend.items(live_now) == [PRE_RACE_ITEM]                # not at the old time
            await weekend.step(bot, loop, later - timedelta(minutes=REMINDER_MINUTES))
            assert weekend.items(live_now) == [PRE_RACE_ITEM, "reminder"]   # at the new one


async def test_live_after_the_flag_shows_the_final_board_then_the_next_race(small_db, tmp_path):
    async with race_weekend(small_db, tmp_path) as weekend:
        live_now, _ = weekend.servers
        document = race_list(race_entry(), next_week_entry())
        weekend.feed.serve(RACE_LIST, document)
        async with Store.open(weekend.db_path) as store:
            await import_document(store, document)
        weekend.feed.advance_to(FRAMES[-1].seconds)
        weekend.clock.advance((moment(FRAMES[-1]) - weekend.clock.now()).total_seconds())
        async with weekend.bot() as (bot, loop):
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.FINISHED

            async def live_answer() -> dict:
                interaction = await weekend.discord.send_slash_command("live", guild_id=live_now.guild_id,
                                                                    channel_id=live_now.general_id)
                return (await interaction.response())["data"]

            final = await live_answer()
            shown = embed_text(final["embeds"][0])
            assert shown.startswith("Final:") and "Brandon Jones" in shown and "/results" in shown
            assert not final.get("flags")                         # elsewhere than the board: for the channel, as before
            await weekend.step(bot, loop, weekend.clock.now() + timedelta(hours=7))
            stale = await live_answer()
            next_green = int(datetime(2026, 7, 12, 0, 0, tzinfo=UTC).timestamp())   # 20:00 Eastern on the 11th
            assert stale["flags"] & 64
            assert "No race is live" in embed_text(stale["embeds"][0]) and f"<t:{next_green}:F>" in embed_text(stale["embeds"][0])
