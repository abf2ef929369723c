"""The real Pitboard bot (discord.py client, cogs, error path) driven through the local fake Discord.

Every assertion is on what goes out on the wire: interaction callbacks, followups, files.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal

import pytest

from bot.questions import QUESTIONS
from bot.render import charts
from bot.runner import run_bot
from bot.settings import Secret, Settings
from db import guilds, queries
from db.records import replace
from db.store import Store
from testkit.discord_harness import (
    ANNOUNCE_CHANNEL_ID,
    MANAGE_GUILD,
    SEND_AND_READ,
    embed_text,
    guild,
    running_pitboard,
    settings_for,
    settled_reply,
)
from testkit.fakes.discord_server import (
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    DEFAULT_GUILD_ID,
    FakeDiscord,
    FakeUser,
    redirect_discord_to,
)
from testkit.fakes.feed_server import FakeFeed
from testkit.fakes.jolpica_server import FakeJolpica

EPHEMERAL = 64
NO_PINGS = {"parse": []}


@pytest.fixture
async def fake():
    async with FakeDiscord(guilds=[guild()]) as server:
        with redirect_discord_to(server):
            yield server


@pytest.fixture
async def pitboard(fake, real_store):
    async with running_pitboard(fake, real_store) as bot:
        yield bot


@pytest.fixture
async def writable_pitboard(fake, real_store_copy):
    async with running_pitboard(fake, real_store_copy) as bot:
        yield bot


async def test_commands_sync_with_the_console_option_names(fake, pitboard):
    synced = {command["name"]: command for command in fake.synced_commands()}
    assert set(QUESTIONS) | {"config", "live"} == set(synced)     # /help among the questions
    for name, question in QUESTIONS.items():
        assert synced[name]["description"] == question.description   # whole: discord.py cuts one over 100 with "…"
        options = {option["name"]: option for option in synced[name].get("options", [])}
        assert list(options) == [option.name for option in question.options]
        for option in question.options:
            assert options[option.name]["description"] == option.description
            assert options[option.name]["type"] == (4 if option.kind is int else 3)
            assert options[option.name].get("required", False) == option.required
            assert options[option.name].get("autocomplete", False) == (option.lookup is not None)
    config = synced["config"]
    assert int(config["default_member_permissions"]) == MANAGE_GUILD
    assert {sub["name"] for sub in config["options"]} == {
        "show", "channel", "series", "subreddit-add", "subreddit-remove", "live", "delay", "reminder", "events", "race-threads",
    }


async def test_winner(fake, pitboard):
    handle = await fake.send_slash_command("winner", {"track": "mid-ohio", "year": 2022, "series": "truck"})
    callback = await handle.response()
    assert callback["type"] == 4
    data = callback["data"]
    assert not data.get("flags", 0) & EPHEMERAL
    assert data["allowed_mentions"] == NO_PINGS
    embed = data["embeds"][0]
    assert embed["title"] == "Truck races at Mid-Ohio Sports Car Course in 2022"
    assert "**Parker Kligerman** (#75 Henderson Motorsports Chevrolet), from 2nd, led 56 of 67 laps" in embed_text(embed)
    assert "Pole: Corey Heim" in embed_text(embed)


async def test_results_paginates_with_buttons(fake, pitboard):
    handle = await fake.send_slash_command("results", {"track": "mid-ohio", "year": 2022, "series": "truck"})
    data = (await handle.response())["data"]
    first = data["embeds"][0]
    assert "Page 1/3" in first["footer"]["text"] and "Parker Kligerman" in first["description"]
    assert "```" in first["description"] and "Corey Heim" not in first["description"]  # 26th: on page 2
    buttons = [component for row in data["components"] for component in row["components"]]
    assert [b["label"] for b in buttons] == ["◀ Previous", "Next ▶"] and buttons[0]["disabled"] and not buttons[1]["disabled"]
    message_id = handle.original_message["id"]

    click = await fake.send_component(buttons[1]["custom_id"], message_id)
    update = await click.response()
    assert update["type"] == 7
    page_two = update["data"]["embeds"][0]
    assert (
        "Page 2/3" in page_two["footer"]["text"]
        and "Corey Heim" in page_two["description"]
        and "transmission" in page_two["description"]
    )
    # the last page: the history's driver ratings, the best first (Kligerman's perfect 150.0), and nothing it lacks
    buttons = [component for row in update["data"]["components"] for component in row["components"]]   # page 2's
    click = await fake.send_component(buttons[1]["custom_id"], message_id)
    last = (await click.response())["data"]
    page_three = last["embeds"][0]
    buttons = [component for row in last["components"] for component in row["components"]]
    assert not buttons[0]["disabled"] and buttons[1]["disabled"]
    assert "Page 3/3" in page_three["footer"]["text"] and "best driver ratings" in page_three["description"]
    rows = [line for line in page_three["description"].splitlines() if "Parker Kligerman" in line]
    assert rows and rows[0].split()[0] == "150.0" and "Avg pos" not in page_three["description"]

    stranger = FakeUser(id=4242, username="stranger")
    other_click = await fake.send_component(buttons[0]["custom_id"], message_id, user=stranger)
    refusal = await other_click.response()
    assert refusal["type"] == 4 and refusal["data"]["flags"] & EPHEMERAL


async def test_page_buttons_still_turn_after_the_bot_restarts(fake, real_store):
    """A button holds all a click needs (the race's lasting key, the page, who asked): a bot started afresh, with no
    memory of the message, turns the page."""
    async with running_pitboard(fake, real_store):
        handle = await fake.send_slash_command("results", {"track": "mid-ohio", "year": 2022, "series": "truck"})
        data = (await handle.response())["data"]
    buttons = [component for row in data["components"] for component in row["components"]]
    async with running_pitboard(fake, real_store):
        click = await fake.send_component(buttons[1]["custom_id"], handle.original_message["id"])
        update = await click.response()
    assert update["type"] == 7 and "Page 2/3" in update["data"]["embeds"][0]["footer"]["text"]
    assert "Corey Heim" in update["data"]["embeds"][0]["description"]


async def test_the_pages_of_a_race_no_longer_in_the_data_are_none(pitboard):
    """A button of a race a rebuild dropped finds no pages (the click is told so, privately), never another race's."""
    from cogs.results import results_pages

    assert await results_pages(pitboard, "cup-2099-r1") == []
    assert len(await results_pages(pitboard, "truck-2022-r15")) == 3


CHART_WAIT = 30.0


async def test_driver_attaches_chart(fake, pitboard):
    handle = await fake.send_slash_command("driver", {"name": "kligerman", "series": "truck"})
    assert (await handle.response())["type"] == 5  # deferred while the chart renders off-thread
    # Discord waits 15 minutes for a deferred answer; the first chart of a process imports matplotlib (seconds on a
    # loaded machine), so this waits longer than the harness's default.
    [followup] = await handle.followups(timeout=CHART_WAIT)
    assert followup["embeds"][0]["image"]["url"] == "attachment://driver.png"
    assert "3** wins" in embed_text(followup["embeds"][0])
    [(filename, png)] = handle.followup_requests[0].files
    assert filename == "driver.png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert followup["allowed_mentions"] == NO_PINGS


async def test_driver_at_a_track_answers_at_once_without_a_chart(fake, pitboard):
    reply = await (await fake.send_slash_command("driver", {"name": "kligerman", "track": "mid-ohio"})).response()
    assert reply["type"] == 4   # answered, not deferred: there is no chart to render
    [embed] = reply["data"]["embeds"]
    assert embed["title"] == "Parker Kligerman at Mid-Ohio Sports Car Course" and "image" not in embed
    assert "Wins: 2022" in embed_text(embed)
    assert reply["data"]["allowed_mentions"] == NO_PINGS


async def test_leaders_at_a_track(fake, pitboard):
    reply = await (await fake.send_slash_command("leaders", {"stat": "laps led at bristol", "series": "cup"})).response()
    [embed] = reply["data"]["embeds"]
    assert embed["title"] == "NASCAR Cup Series: most laps led at Bristol Motor Speedway, 1961–2025"
    assert "Dale Earnhardt" in embed_text(embed)


async def test_standings_attaches_chart(fake, pitboard):
    handle = await fake.send_slash_command("standings", {"series": "cup", "season": 2024})
    await handle.response()
    [followup] = await handle.followups(timeout=CHART_WAIT)
    embed = followup["embeds"][0]
    assert "Kyle Larson" in embed["description"] and "not the official table" in embed["footer"]["text"]
    assert [name for name, _ in handle.followup_requests[0].files] == ["standings.png"]


async def test_f1_standings_footer_notes_the_chart_only_when_it_is_attached(fake, pitboard, monkeypatch):
    """The official tables' chart is computed from race results, and the footer says so beside it; when none is drawn,
    the footer says nothing of a chart."""
    handle = await fake.send_slash_command("standings", {"series": "f1", "season": 1988})
    await handle.response()
    [followup] = await handle.followups(timeout=CHART_WAIT)
    assert followup["embeds"][0]["footer"]["text"].startswith("Chart computed from race results")
    assert [name for name, _ in handle.followup_requests[0].files] == ["standings.png"]

    monkeypatch.setattr(charts, "standings_chart", lambda standings: None)   # a table with no chart to draw
    handle = await fake.send_slash_command("standings", {"series": "f1", "season": 1988})
    await handle.response()
    [followup] = await handle.followups(timeout=CHART_WAIT)
    footer = followup["embeds"][0]["footer"]["text"]
    assert footer.startswith("The official Formula 1 tables. · ") and "Chart" not in footer
    assert not handle.followup_requests[0].files and "image" not in followup["embeds"][0]


async def test_track_and_h2h(fake, pitboard):
    track = await (await fake.send_slash_command("track", {"name": "the glen", "series": "cup"})).response()
    assert track["data"]["embeds"][0]["title"] == "Watkins Glen International"
    h2h = await (await fake.send_slash_command("h2h", {"driver1": "kyle busch", "driver2": "kyle larson"})).response()
    assert "476 races together" in h2h["data"]["embeds"][0]["description"]
    # a season's races only, with the drivers' average ratings (every 2024 race has them)
    season = await (await fake.send_slash_command("h2h", {"driver1": "kyle busch", "driver2": "kyle larson",
                                                          "year": 2024})).response()
    description = season["data"]["embeds"][0]["description"]
    assert "35 races together in 2024" in description and "Avg rating " in description


@pytest.mark.parametrize(
    ("command", "options", "focused", "expected_first"),
    [
        ("winner", {"track": "mid"}, "track", "Mid-Ohio Sports Car Course"),
        ("winner", {"track": "truck marti"}, "track", "Martinsville Speedway truck"),   # the series kept
        ("driver", {"name": "kliger"}, "name", "Parker Kligerman"),
        ("h2h", {"driver1": "kyle larson", "driver2": "hamli"}, "driver2", "Denny Hamlin"),
        ("h2h", {"driver1": "hamlin vs loga"}, "driver1", "hamlin vs Joey Logano"),   # both in one option
        ("driver", {"name": "larson at mid"}, "name", "larson at Mid-Ohio Sports Car Course"),   # a record at a track
        ("team", {"name": "hendrick at martins"}, "name", "hendrick at Martinsville Speedway"),
        ("standings", {"series": "tr"}, "series", "NASCAR Craftsman Truck Series"),
        ("track", {"name": "dega"}, "name", "Talladega Superspeedway"),
        ("leaders", {"stat": "led"}, "stat", "laps led"),     # the figures whose name holds what is typed
    ],
)
async def test_autocomplete(fake, pitboard, command, options, focused, expected_first):
    handle = await fake.send_autocomplete(command, options, focused=focused)
    callback = await handle.response()
    choices = callback["data"]["choices"]
    assert callback["type"] == 8 and 1 <= len(choices) <= 25
    assert choices[0]["name"] == expected_first


async def test_autocomplete_caps_at_25(fake, pitboard):
    callback = await (await fake.send_autocomplete("driver", {"name": "a"}, focused="name")).response()
    assert len(callback["data"]["choices"]) == 25


async def test_help_lists_the_commands_privately(fake, pitboard):
    data = (await (await fake.send_slash_command("help", {})).response())["data"]
    assert data["flags"] & EPHEMERAL
    fields = {field["name"]: field["value"] for field in data["embeds"][0]["fields"]}
    assert "/winner [track:…] [year:…] [series:…] [round:…]" in fields
    assert "`/h2h hamlin vs logano`" in fields["/h2h driver1:… [driver2:…] [series:…] [track:…] [year:…]"]


async def test_help_with_a_command_tells_that_command_s_options(fake, pitboard):
    data = (await (await fake.send_slash_command("help", {"command": "h2h"})).response())["data"]
    assert data["flags"] & EPHEMERAL
    embed = data["embeds"][0]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert embed["title"] == "/h2h" and "`driver2` (optional): Second driver" in fields["Options (by name, or in order)"]
    assert "`/h2h hamlin vs logano`" in fields["Examples"]
    unknown = (await (await fake.send_slash_command("help", {"command": "hep"})).response())["data"]
    assert "I don't know a command called" in embed_text(unknown["embeds"][0])


async def test_unknown_name_is_an_ephemeral_hint(fake, pitboard):
    callback = await (await fake.send_slash_command("winner", {"track": "charlotte"})).response()
    data = callback["data"]
    assert callback["type"] == 4 and data["flags"] & EPHEMERAL
    text = embed_text(data["embeds"][0])
    assert "could be more than one track" in text and "Charlotte Motor Speedway Road Course" in text


def buttons_of(data: dict) -> dict[str, str]:
    """label → custom_id of a reply's buttons."""
    return {button["label"]: button["custom_id"] for row in data.get("components", []) for button in row["components"]}


async def test_a_suggestion_button_asks_the_command_again_with_that_name(fake, pitboard):
    handle = await fake.send_slash_command("winner", {"track": "charlotte"})
    buttons = buttons_of((await handle.response())["data"])
    assert {"Charlotte Motor Speedway", "Charlotte Motor Speedway Road Course"} <= set(buttons)
    click = await fake.send_component(buttons["Charlotte Motor Speedway Road Course"], handle.original_message["id"])
    answer = await click.response()
    assert answer["type"] == 4 and not answer["data"].get("flags", 0) & EPHEMERAL      # answered in the channel
    assert answer["data"]["embeds"][0]["title"] == "Latest race of each series at Charlotte Motor Speedway Road Course"
    assert answer["data"]["allowed_mentions"] == NO_PINGS


async def test_a_pair_of_drivers_is_picked_by_button_and_a_failed_pick_is_ephemeral(fake, pitboard):
    handle = await fake.send_slash_command("h2h", {"driver1": "busch larson"})
    buttons = buttons_of((await handle.response())["data"])
    assert list(buttons) == ["Kyle Busch and Kyle Larson", "Kurt Busch and Kyle Larson"]
    click = await fake.send_component(buttons["Kurt Busch and Kyle Larson"], handle.original_message["id"])
    assert (await click.response())["data"]["embeds"][0]["title"] == "Kurt Busch vs Kyle Larson"

    handle = await fake.send_slash_command("h2h", {"driver1": "busch larson", "series": "f1"})   # neither raced F1
    buttons = buttons_of((await handle.response())["data"])
    failed = await (await fake.send_component(buttons["Kyle Busch and Kyle Larson"], handle.original_message["id"])).response()
    assert failed["type"] == 4 and failed["data"]["flags"] & EPHEMERAL
    assert "never started the same race" in embed_text(failed["data"]["embeds"][0])


async def test_a_picked_driver_gets_the_command_s_deferred_answer(fake, pitboard):
    """/driver defers (its chart is drawn in a thread): a click answers through the same deferral and followup."""
    handle = await fake.send_slash_command("driver", {"name": "shane"})
    buttons = buttons_of((await handle.response())["data"])
    click = await fake.send_component(buttons["Shane van Gisbergen"], handle.original_message["id"])
    reply = await settled_reply(click)
    assert reply["embeds"][0]["title"] == "Shane van Gisbergen" and not reply.get("flags", 0) & EPHEMERAL


async def test_a_track_that_did_not_race_that_year_offers_the_one_beside_it(fake, pitboard):
    handle = await fake.send_slash_command("winner", {"track": "indy", "year": 2021, "series": "cup"})
    data = (await handle.response())["data"]
    assert "the races were at Indianapolis Motor Speedway Road Course" in embed_text(data["embeds"][0])
    click = await fake.send_component(buttons_of(data)["Indianapolis Motor Speedway Road Course"], handle.original_message["id"])
    answer = (await click.response())["data"]["embeds"][0]
    assert answer["title"] == "Cup races at Indianapolis Motor Speedway Road Course in 2021"     # the year and series kept


async def test_no_buttons_for_what_cannot_be_picked(fake, pitboard):
    """A name the data holds nothing for is no "which one?": nothing to click."""
    data = (await (await fake.send_slash_command("winner", {"track": "mid-ohio", "year": 1950})).response())["data"]
    assert data["flags"] & EPHEMERAL and not buttons_of(data)


async def test_mentions_in_user_input_never_ping(fake, pitboard):
    callback = await (await fake.send_slash_command("driver", {"name": "@everyone <@&123456789012345678> @here"})).response()
    data = callback["data"]
    assert data["allowed_mentions"] == NO_PINGS and data["flags"] & EPHEMERAL
    assert "@everyone" not in (data.get("content") or "")


async def test_mention_in_a_driver_name_from_the_data_never_pings(fake, writable_pitboard):
    store = writable_pitboard.store
    async with store.transaction() as conn:
        await conn.execute("UPDATE drivers SET name = '@everyone *Kligerman*' WHERE name = 'Parker Kligerman'")
        await conn.execute(
            "INSERT INTO driver_aliases (alias, driver_id)"
            " SELECT 'everyone kligerman', id FROM drivers WHERE name LIKE '@everyone%'"
        )
    store.forget_names()
    callback = await (await fake.send_slash_command("winner", {"track": "mid-ohio", "year": 2022, "series": "truck"})).response()
    data = callback["data"]
    assert data["allowed_mentions"] == NO_PINGS
    assert "@\u200beveryone \\*Kligerman\\*" in embed_text(data["embeds"][0])  # shown, markdown and mention escaped


async def test_a_remembered_answer_is_asked_anew_once_the_data_changes(fake, writable_pitboard):
    """/winner and /results remember each rendered answer; any commit (here a correction to a team's name) ends that."""
    question = {"track": "mid-ohio", "year": 2022, "series": "truck"}
    before = [await fake.send_slash_command(command, question) for command in ("winner", "results", "winner")]
    first, results, again = [embed_text((await handle.response())["data"]["embeds"][0]) for handle in before]
    assert first == again
    team = (await queries.winner(writable_pitboard.store, "mid-ohio", 2022, "truck")).races[0].winner_team
    assert team and team in first and team in results
    async with writable_pitboard.store.transaction() as conn:
        await conn.execute("UPDATE teams SET name = 'Renamed Racing' WHERE name = ?", (team,))
    after = [await fake.send_slash_command(command, question) for command in ("winner", "results")]
    for handle, old in zip(after, (first, results), strict=True):
        shown = embed_text((await handle.response())["data"]["embeds"][0])
        assert "Renamed Racing" in shown and team not in shown and shown != old


async def test_results_without_a_track_is_the_latest_race_of_the_server_s_series(fake, writable_pitboard):
    await guilds.set_default_series(writable_pitboard.store, DEFAULT_GUILD_ID, "truck")
    reply = await settled_reply(await fake.send_slash_command("results", {}))
    assert reply["embeds"][0]["title"] == "2025 Truck R25 · NASCAR Craftsman Truck Series Championship — Phoenix Raceway"
    reply = await settled_reply(await fake.send_slash_command("winner", {"series": "cup"}))   # a series given wins
    assert reply["embeds"][0]["title"] == "Most recent Cup race"


async def test_qualifying_shows_the_session_times_or_says_it_is_the_starting_lineup(fake, pitboard):
    session = (await (await fake.send_slash_command("qualifying", {"track": "monza", "year": 2024, "series": "f1"})).response())
    embed = session["data"]["embeds"][0]
    assert embed["title"].endswith("Autodromo Nazionale Monza") and "Q3" in embed["description"]
    assert "Lando Norris" in embed["description"].split("\n")[4]     # the code block's first row: pole
    lineup = (await (await fake.send_slash_command("qualifying", {"track": "daytona 500", "year": 2025})).response())
    assert "Starting lineup as raced" in lineup["data"]["embeds"][0]["description"]


async def test_leaders_of_the_server_s_series_unless_the_member_names_one(fake, writable_pitboard):
    await guilds.set_default_series(writable_pitboard.store, DEFAULT_GUILD_ID, "truck")
    reply = (await (await fake.send_slash_command("leaders", {"stat": "wins", "season": 2024})).response())["data"]
    assert reply["embeds"][0]["title"] == "2024 NASCAR Craftsman Truck Series: most wins"
    reply = (await (await fake.send_slash_command("leaders", {"stat": "most poles f1"})).response())["data"]
    assert reply["embeds"][0]["title"] == "Formula 1: most poles, 1950–2026"
    assert "Lewis Hamilton" in reply["embeds"][0]["description"] and "qualifying P1" in reply["embeds"][0]["footer"]["text"]


async def test_standings_without_a_series_is_the_server_s_series_or_a_clear_ask(fake, writable_pitboard):
    asked = (await (await fake.send_slash_command("standings", {})).response())["data"]
    assert asked["flags"] & EPHEMERAL and "Name a series" in embed_text(asked["embeds"][0])
    await guilds.set_default_series(writable_pitboard.store, DEFAULT_GUILD_ID, "truck")
    reply = await settled_reply(await fake.send_slash_command("standings", {"season": 2024}))
    assert reply["embeds"][0]["title"].startswith("2024 NASCAR Craftsman Truck Series")


async def test_config_refuses_members_without_manage_server(fake, writable_pitboard):
    store = writable_pitboard.store
    callback = await (await fake.send_slash_command(
        "config", {"channel": ANNOUNCE_CHANNEL_ID}, subcommand="channel", permissions=SEND_AND_READ,
    )).response()
    assert callback["data"]["flags"] & EPHEMERAL and "Manage Server" in embed_text(callback["data"]["embeds"][0])
    assert (await guilds.get(store, DEFAULT_GUILD_ID)).announce_channel_id is None


async def test_a_config_change_is_acknowledged_before_it_is_written(fake, writable_pitboard):
    """A write may wait out a `db build` swap: Discord gets a private deferral at once, the answer follows."""
    admin = {"permissions": SEND_AND_READ | MANAGE_GUILD}
    interaction = await fake.send_slash_command(
        "config", {"series": "truck", "subreddit": "NASCAR"}, subcommand="subreddit-add", **admin
    )
    callback = await interaction.response()
    assert callback["type"] == CALLBACK_DEFERRED_CHANNEL_MESSAGE and callback["data"]["flags"] & EPHEMERAL
    [answer] = await interaction.followups()
    assert "Added r/NASCAR" in answer["content"] and answer["flags"] & EPHEMERAL


async def test_config_by_an_admin(fake, writable_pitboard):
    store = writable_pitboard.store
    admin = {"permissions": SEND_AND_READ | MANAGE_GUILD}
    channel = await settled_reply(
        await fake.send_slash_command("config", {"channel": ANNOUNCE_CHANNEL_ID}, subcommand="channel", **admin)
    )
    assert channel["flags"] & EPHEMERAL and f"<#{ANNOUNCE_CHANNEL_ID}>" in channel["content"]
    await settled_reply(await fake.send_slash_command("config", {"series": "trucks"}, subcommand="series", **admin))
    added = await settled_reply(
        await fake.send_slash_command("config", {"series": "truck", "subreddit": "r/NASCAR"}, subcommand="subreddit-add", **admin)
    )
    assert "Added r/NASCAR" in added["content"]
    bad = await (
        await fake.send_slash_command(
            "config", {"series": "truck", "subreddit": "not a sub!"}, subcommand="subreddit-add", **admin
        )
    ).response()
    assert bad["data"]["flags"] & EPHEMERAL and "subreddit name" in embed_text(bad["data"]["embeds"][0])
    settings = await guilds.get(store, DEFAULT_GUILD_ID)
    assert (settings.announce_channel_id, settings.default_series, settings.subreddits) == (
        ANNOUNCE_CHANNEL_ID,
        "truck",
        {"truck": ["NASCAR"]},
    )

    # The server default now applies when a command names no series.
    answer = await (await fake.send_slash_command("winner", {"track": "watkins glen", "year": 2025})).response()
    assert [f["name"].split(" · ")[0] for f in answer["data"]["embeds"][0]["fields"]] == ["2025 Truck R17"]


async def test_unexpected_failure_is_logged_and_answered(fake, pitboard, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("db.queries.track", broken)
    with caplog.at_level(logging.ERROR):
        callback = await (await fake.send_slash_command("track", {"name": "dega"})).response()
    assert callback["data"]["flags"] & EPHEMERAL and "Something went wrong" in embed_text(callback["data"]["embeds"][0])
    assert "database on fire" in caplog.text


async def test_bot_resumes_after_gateway_disconnect(fake, pitboard):
    await fake.disconnect_gateway(code=4000)
    await fake.wait_connected()
    callback = await (await fake.send_slash_command("winner", {"track": "dega", "year": 2023, "series": "cup"})).response()
    assert "Talladega" in callback["data"]["embeds"][0]["title"]
    assert any(payload.get("op") == 6 for payload in fake.gateway_received)  # RESUME, not a new IDENTIFY


async def test_run_exits_cleanly_on_sigterm(fake, subset_db_copy, caplog):
    async with FakeFeed() as feed, FakeJolpica() as jolpica:  # the watcher runs, against the local feed and Jolpica servers
        settings = replace(settings_for(fake, subset_db_copy), feed_url=feed.base_url, jolpica_url=jolpica.base_url)
        frozen = gc.get_freeze_count()   # what the suite froze at collection (tests/conftest.py); frozen objects may die
        with caplog.at_level(logging.DEBUG):
            running = asyncio.create_task(run_bot(settings))
            await fake.wait_connected()
            async with asyncio.timeout(10):
                while not feed.requests:  # shut down with the watcher started, not before it
                    await asyncio.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(running, timeout=10) == 0
    assert feed.requests[0].path.endswith("/race_list_basic.json")
    assert gc.get_freeze_count() <= frozen  # freezing the heap is `pitboard run`'s choice for its process, not run_bot's
    assert fake.token not in caplog.text
    async with Store.open(subset_db_copy) as store:  # closed properly: opens again, nothing left in WAL
        assert await store.scalar("PRAGMA integrity_check") == "ok"


async def test_no_event_is_scheduled_after_close(fake, real_store):
    """discord.py dispatches READY from a task that close() does not cancel: a shutdown within guild_ready_timeout
    of connecting used to schedule on_ready after close, with no event loop left ("_run_event was never awaited")."""
    async with running_pitboard(fake, real_store) as bot:
        pass
    bot.dispatch("ready")  # what that task does once its wait ends


async def test_rejected_token_is_one_line(fake, real_db, capsys):
    assert await run_bot(Settings(db_path=real_db, discord_token=Secret("not-the-token"), watch=False)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rejected the token" in err and "Traceback" not in err


async def test_missing_token_is_one_line(real_db, capsys):
    assert await run_bot(Settings(db_path=real_db)) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


async def test_schedule_and_next(fake, writable_pitboard):
    from db.nascar_feed import import_file
    from testkit.samples import RACE_LIST_2023

    nothing = await (await fake.send_slash_command("next", {"series": "cup"})).response()
    assert nothing["data"]["flags"] & EPHEMERAL and "race_list_basic.json" in embed_text(nothing["data"]["embeds"][0])

    await import_file(writable_pitboard.store, RACE_LIST_2023)
    asked = await fake.send_slash_command("schedule", {"series": "cup", "season": 2023})
    callback = await asked.response()
    page = callback["data"]["embeds"][0]
    assert page["title"] == "2023 Cup schedule" and "<t:1677010200:f>" not in page["description"]
    # 2023-02-19 19:30 UTC: the Eastern date, then the start in the reader's own zone
    assert "Sun Feb 19, 2023 (<t:1676835000:f>)" in page["description"] and "DAYTONA 500" in page["description"]
    assert "Page 1/" in page["footer"]["text"] and callback["data"]["components"]
    # its next page, read again when clicked (the season's states as of the click)
    buttons = [component for row in callback["data"]["components"] for component in row["components"]]
    assert buttons[1]["custom_id"].startswith("pb:page:schedule:cup.2023:1:")
    click = await fake.send_component(buttons[1]["custom_id"], asked.original_message["id"])
    turned = (await click.response())["data"]["embeds"][0]
    assert turned["title"] == "2023 Cup schedule" and "Page 2/" in turned["footer"]["text"]


async def test_pitboard_sync_registers_commands_in_one_server(fake, real_db, capsys):
    from bot.runner import sync_commands

    assert await sync_commands(settings_for(fake, real_db), DEFAULT_GUILD_ID) == 0
    synced = {command["name"] for command in fake.synced_commands(DEFAULT_GUILD_ID)}
    assert synced == set(QUESTIONS) | {"config", "live"}
    assert fake.synced_commands() == []  # nothing global: explicit, and only where asked
    assert f"Synced {len(QUESTIONS) + 2} commands to server" in capsys.readouterr().out
