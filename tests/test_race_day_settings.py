"""Race-day settings per server: /config live, delay, reminder, events and race-threads, driven by the real discord.py
client through the local fake Discord, and the store functions and environment settings behind them."""

from __future__ import annotations

import sqlite3

import pytest

from bot.settings import RaceDaySettings, Settings, SettingsError
from db import guilds
from db.errors import BadOption
from testkit.discord_harness import MANAGE_GUILD, SEND_AND_READ, embed_text, guild, running_pitboard, settled_reply
from testkit.fakes.discord_server import DEFAULT_GUILD_ID, FakeChannel, FakeDiscord, FakeGuild, FakeRole, redirect_discord_to

EPHEMERAL = 64
MANAGE_EVENTS = 1 << 33
FANS_ROLE_ID = 1_200_000_000_000_000_100
FORUM_ID = 1_200_000_000_000_000_200
OTHER_GUILD_ID = 1_200_000_000_000_000_300
OTHER_ROLE_ID = 1_200_000_000_000_000_301
ADMIN = {"permissions": SEND_AND_READ | MANAGE_GUILD}
MEMBER = {"permissions": SEND_AND_READ}
DEFAULTS = guilds.GuildSettings(DEFAULT_GUILD_ID)


def race_day_guild() -> FakeGuild:
    server = guild()
    server.roles.append(FakeRole(id=FANS_ROLE_ID, name="race fans", position=1))
    server.channels.append(FakeChannel(id=FORUM_ID, name="race-weekends", type=15, position=2))
    return server


@pytest.fixture
async def fake():
    other = FakeGuild(id=OTHER_GUILD_ID, name="Elsewhere", roles=[FakeRole(id=OTHER_ROLE_ID, name="elsewhere fans")])
    async with FakeDiscord(guilds=[race_day_guild(), other]) as server:
        with redirect_discord_to(server):
            yield server


@pytest.fixture
async def bot(fake, small_store):
    async with running_pitboard(fake, small_store) as running:
        yield running


async def config(fake: FakeDiscord, subcommand: str, options: dict, **context) -> dict:
    """The settled ephemeral answer of an admin's /config command."""
    answer = await settled_reply(await fake.send_slash_command("config", options, subcommand=subcommand, **{**ADMIN, **context}))
    assert answer["flags"] & EPHEMERAL
    return answer


async def refusal(fake: FakeDiscord, subcommand: str, options: dict, **context) -> str:
    """The text of a refused /config command, which must be a private first reply (nothing deferred, nothing written)."""
    callback = await (await fake.send_slash_command("config", options, subcommand=subcommand, **{**ADMIN, **context})).response()
    assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL
    return embed_text(callback["data"]["embeds"][0])


async def stored(bot) -> guilds.GuildSettings:
    return await guilds.get(bot.store, DEFAULT_GUILD_ID)


async def test_the_race_day_commands_are_synced_with_their_option_types(fake, bot):
    [synced] = [command for command in fake.synced_commands() if command["name"] == "config"]
    subcommands = {sub["name"]: {option["name"]: option for option in sub.get("options", [])} for sub in synced["options"]}
    assert {"live", "delay", "reminder", "events", "race-threads"} <= set(subcommands)
    assert [choice["value"] for choice in subcommands["live"]["state"]["choices"]] == ["on", "off"]
    assert [choice["value"] for choice in subcommands["events"]["state"]["choices"]] == ["on", "off"]
    seconds = subcommands["delay"]["seconds"]
    assert (seconds["type"], seconds["min_value"], seconds["max_value"], seconds["required"]) == (4, 0, 600, True)
    reminder = subcommands["reminder"]
    assert (reminder["minutes"]["type"], reminder["minutes"]["autocomplete"], reminder["role"]["type"]) == (3, True, 8)
    assert not reminder["role"].get("required", False)
    threads = subcommands["race-threads"]
    assert [choice["value"] for choice in threads["mode"]["choices"]] == ["channel", "thread", "forum"]
    assert threads["forum-channel"]["channel_types"] == [15] and not threads["forum-channel"].get("required", False)


async def test_a_server_starts_with_race_day_off(bot):
    assert await stored(bot) == DEFAULTS
    assert await guilds.race_day_servers(bot.store) == []


async def test_live_updates_on_and_off(fake, bot):
    answer = await config(fake, "live", {"state": "on"})
    assert answer["content"].startswith("Live updates are on.")
    assert "set one with `/config channel`" in answer["content"]          # where they go is not set yet
    assert "Live updates: on" in embed_text(answer["embeds"][0])
    assert (await stored(bot)).live_updates
    assert [server.guild_id for server in await guilds.race_day_servers(bot.store)] == [DEFAULT_GUILD_ID]

    off = await config(fake, "live", {"state": "off"})
    assert off["content"] == "Live updates are off." and not (await stored(bot)).live_updates
    assert await guilds.race_day_servers(bot.store) == []


async def test_tv_delay_in_range_and_refused_outside_it(fake, bot):
    answer = await config(fake, "delay", {"seconds": 90})
    assert answer["content"] == "Live messages wait 90 s." and "TV delay: 90 s" in embed_text(answer["embeds"][0])
    for seconds in (601, -1):   # Discord's client enforces the range; a raw request is refused all the same
        assert "0 to 600 seconds" in await refusal(fake, "delay", {"seconds": seconds})
    assert (await stored(bot)).tv_delay_seconds == 90
    assert (await config(fake, "delay", {"seconds": 0}))["content"] == "Live messages are not delayed."
    assert (await stored(bot)).tv_delay_seconds == 0


async def test_reminder_with_its_one_role_then_off(fake, bot):
    answer = await config(fake, "reminder", {"minutes": "30", "role": FANS_ROLE_ID})
    assert answer["content"].startswith(f"A reminder goes out 30 min before each green flag, mentioning <@&{FANS_ROLE_ID}>.")
    assert answer["allowed_mentions"] == {"parse": []}       # the confirmation names the role without pinging it
    settings = await stored(bot)
    assert (settings.reminder_minutes, settings.reminder_role_id) == (30, FANS_ROLE_ID)

    without_role = await config(fake, "reminder", {"minutes": " 45 "})
    assert "mentioning nobody" in without_role["content"]
    settings = await stored(bot)
    assert (settings.reminder_minutes, settings.reminder_role_id) == (45, None)

    assert (await config(fake, "reminder", {"minutes": "OFF"}))["content"] == "Reminders are off."
    settings = await stored(bot)
    assert (settings.reminder_minutes, settings.reminder_role_id) == (None, None)


@pytest.mark.parametrize(("options", "problem"), [
    ({"minutes": "30", "role": DEFAULT_GUILD_ID}, "never mentions @\u200beveryone"),   # @everyone has the server's id
    ({"minutes": "30", "role": OTHER_ROLE_ID}, "a role of this server"),
    ({"minutes": "off", "role": FANS_ROLE_ID}, "leave the role out"),
    ({"minutes": "soon"}, "1 to 1440 minutes"),
    ({"minutes": "0"}, "1 to 1440 minutes"),
    ({"minutes": "1441"}, "1 to 1440 minutes"),
    ({"minutes": "３０"}, "1 to 1440 minutes"),                                       # full-width digits are not minutes
])
async def test_reminder_refusals(fake, bot, options, problem):
    assert problem in await refusal(fake, "reminder", options)
    assert await stored(bot) == DEFAULTS


async def test_reminder_suggestions(fake, bot):
    handle = await fake.send_autocomplete("config", {"minutes": "3"}, focused="minutes", subcommand="reminder", **ADMIN)
    choices = (await handle.response())["data"]["choices"]
    assert [choice["value"] for choice in choices] == ["30"]


async def test_scheduled_events_need_manage_events(fake, bot):
    assert "Manage Events" in await refusal(fake, "events", {"state": "on"}, app_permissions=SEND_AND_READ)
    assert not (await stored(bot)).scheduled_events

    answer = await config(fake, "events", {"state": "on"}, app_permissions=SEND_AND_READ | MANAGE_EVENTS)
    assert answer["content"] == "Scheduled events are on." and (await stored(bot)).scheduled_events
    off = await config(fake, "events", {"state": "off"}, app_permissions=SEND_AND_READ)   # turning off needs nothing
    assert off["content"] == "Scheduled events are off." and not (await stored(bot)).scheduled_events


async def test_race_threads_modes(fake, bot):
    forum = await config(fake, "race-threads", {"mode": "forum", "forum-channel": FORUM_ID})
    assert forum["content"] == f"Each race gets a post in <#{FORUM_ID}>."
    assert f"a post per race in <#{FORUM_ID}>" in embed_text(forum["embeds"][0])
    settings = await stored(bot)
    assert (settings.race_threads, settings.forum_channel_id) == ("forum", FORUM_ID)

    thread = await config(fake, "race-threads", {"mode": "thread"})
    assert thread["content"].startswith("Each race gets a thread in the announcement channel.")
    settings = await stored(bot)
    assert (settings.race_threads, settings.forum_channel_id) == ("thread", None)

    await config(fake, "race-threads", {"mode": "channel"})
    assert (await stored(bot)).race_threads == "channel"


@pytest.mark.parametrize(("options", "problem"), [
    ({"mode": "forum"}, "Name the forum"),
    ({"mode": "thread", "forum-channel": FORUM_ID}, "with `forum` only"),
    ({"mode": "forum", "forum-channel": guild().channels[1].id}, "need a forum channel"),   # a text channel
])
async def test_race_threads_refusals(fake, bot, options, problem):
    assert problem in await refusal(fake, "race-threads", options)
    assert await stored(bot) == DEFAULTS


@pytest.mark.parametrize(("subcommand", "options"), [
    ("live", {"state": "on"}),
    ("delay", {"seconds": 30}),
    ("reminder", {"minutes": "30", "role": FANS_ROLE_ID}),
    ("events", {"state": "on"}),
    ("race-threads", {"mode": "thread"}),
])
async def test_members_without_manage_server_change_nothing(fake, bot, subcommand, options):
    text = await refusal(fake, subcommand, options, app_permissions=SEND_AND_READ | MANAGE_EVENTS, **MEMBER)
    assert "Manage Server" in text
    assert await stored(bot) == DEFAULTS


async def test_settings_are_per_server_and_written_together(small_store):
    await guilds.set_reminder(small_store, 1, 30, FANS_ROLE_ID)
    await guilds.set_tv_delay(small_store, 2, 600)
    await guilds.set_live_updates(small_store, 2, True)
    await guilds.set_race_threads(small_store, 3, "forum", FORUM_ID)
    await guilds.set_scheduled_events(small_store, 4, True)
    first, second, third = [await guilds.get(small_store, guild_id) for guild_id in (1, 2, 3)]
    assert (first.reminder_minutes, first.reminder_role_id) == (30, FANS_ROLE_ID)
    assert (first.live_updates, first.tv_delay_seconds) == (False, 0)
    assert (second.live_updates, second.tv_delay_seconds, second.reminder_minutes) == (True, 600, None)
    assert (third.race_threads, third.forum_channel_id, third.live_updates) == ("forum", FORUM_ID, False)
    # Server 3 wants nothing on race day yet: its forum is where messages would go.
    assert [server.guild_id for server in await guilds.race_day_servers(small_store)] == [1, 2, 4]

    await guilds.set_reminder(small_store, 1, None, FANS_ROLE_ID)   # off takes the role with it
    assert (await guilds.get(small_store, 1)).reminder_role_id is None


async def test_the_store_refuses_what_the_commands_refuse(small_store):
    with pytest.raises(BadOption):
        await guilds.set_tv_delay(small_store, 1, 601)
    with pytest.raises(BadOption):
        await guilds.set_reminder(small_store, 1, 0, None)
    with pytest.raises(BadOption):
        await guilds.set_race_threads(small_store, 1, "forum")
    with pytest.raises(BadOption):
        await guilds.set_race_threads(small_store, 1, "channel", FORUM_ID)
    # The table holds to the same rules, whoever writes it.
    async with small_store.transaction() as conn:
        for column, value in (("tv_delay_seconds", 601), ("reminder_minutes", 0), ("race_threads", "dm")):
            with pytest.raises(sqlite3.IntegrityError):
                await conn.execute(f"INSERT INTO guild_settings (guild_id, {column}, updated_at) VALUES (9, ?, 'now')", (value,))
    assert await guilds.get(small_store, 1) == guilds.GuildSettings(1)


def test_race_day_environment_settings():
    assert Settings.load(env_file=None, environ={}).race_day == RaceDaySettings(5, 24, False, 60)
    loaded = Settings.load(env_file=None, environ={
        "PITBOARD_LIVE_POLL_SECONDS": "10", "PITBOARD_PRE_RACE_HOURS": "48",
        "PITBOARD_LIVE_REDDIT_THREAD": "yes", "PITBOARD_LIVE_THREAD_EDIT_SECONDS": "120",
    })
    assert loaded.race_day == RaceDaySettings(10, 48, True, 120)
    for name, value in (("PITBOARD_LIVE_THREAD_EDIT_SECONDS", "30"), ("PITBOARD_LIVE_POLL_SECONDS", "1"),
                        ("PITBOARD_PRE_RACE_HOURS", "0"), ("PITBOARD_LIVE_REDDIT_THREAD", "maybe")):
        with pytest.raises(SettingsError, match=name):
            Settings.load(env_file=None, environ={name: value})


@pytest.mark.parametrize(("template", "problem"), [
    ("{bogus} thread", "unknown field {bogus}"),
    ("{race", "expected '}' before end of string"),
])
def test_a_thread_title_template_is_checked_when_the_settings_are_read(template, problem):
    with pytest.raises(SettingsError, match="REDDIT_TITLE_TEMPLATE cannot be used") as refused:
        Settings.load(env_file=None, environ={"REDDIT_TITLE_TEMPLATE": template})
    assert problem in str(refused.value) and "{race_at_track}" in str(refused.value)
    good = "Post-Race: {race} ({series}), {date}"
    assert Settings.load(env_file=None, environ={"REDDIT_TITLE_TEMPLATE": good}).reddit.title_template == good
