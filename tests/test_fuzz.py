"""Property-based bad input: arbitrary text, numbers, unicode, control characters, very long strings,
SQL-looking strings and mention strings at every option of every command — through `pitboard ask` and
through the Discord cogs. Always a reply, never an unhandled exception, never a write, never a ping.

The default profile runs a few dozen examples per test; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) runs thousands.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.questions import QUESTIONS, ask, parse_slash
from bot.render import jsondata, text
from db.errors import PitboardError
from db.store import Store
from testkit.discord_harness import MANAGE_GUILD, SEND_AND_READ, guild, running_pitboard
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to

HOSTILE = [
    "'; DROP TABLE races; --", '" OR 1=1 --', "%", "_", "\\", "NULL", "0x00", "1e309", "-1", "9" * 40,
    "@everyone", "@here", "<@&123456789012345678>", "<@!123456789012345678>", "<#123456789012345678>",
    "**bold** __u__ ~~s~~ ||spoiler|| `code` ```block```", "[link](https://example.com)", "# heading", "> quote",
    "\u202e\u200b\ufeff", "🏁🏎️💨", "Kenkō Miura", "mid-ohio", "charlotte", "smith", "kyle", "cup", "truck",
]

text_values = st.one_of(
    st.text(max_size=120),
    st.sampled_from(HOSTILE),
    st.builds(
        lambda piece, count: piece * count, st.sampled_from(["x", "é", "🏁", "\x00", " ", "@everyone "]), st.integers(200, 5000)
    ),
    st.from_regex(r"(@everyone|@here|<@&\d{5,20}>|<@!?\d{5,20}>)( [a-z]{1,8})?", fullmatch=True),
)
int_values = st.integers(min_value=-(2**53), max_value=2**53)


@st.composite
def command_options(draw, name: str) -> dict:
    options = {}
    for option in QUESTIONS[name].options:
        if option.required or draw(st.booleans()):
            options[option.name] = draw(int_values if option.kind is int else text_values)
    return options


any_command = st.sampled_from(sorted(QUESTIONS)).flatmap(lambda name: st.tuples(st.just(name), command_options(name)))


def as_typed(name: str, options: dict) -> str:
    """What a user would type for these options (quoted so every value arrives intact)."""
    parts = [f"/{name}"] + [f"{key}:{shlex.quote(str(value))}" for key, value in options.items()]
    return " ".join(parts)


@pytest.fixture(scope="module")
def console(real_db, real_names):
    """One event loop and one store for many examples (each example must not pay for a new store)."""
    loop = asyncio.new_event_loop()
    resources = contextlib.AsyncExitStack()
    store = loop.run_until_complete(resources.enter_async_context(Store.open(real_db)))
    loop.run_until_complete(store.start_names(real_names))
    yield loop, store
    loop.run_until_complete(resources.aclose())
    loop.close()


def answer_console(loop, store, typed: str) -> str:
    """Everything `pitboard ask` does with a line, text and JSON renderings included."""
    try:
        question, options = parse_slash(typed)
        answer = loop.run_until_complete(ask(store, question, options))
    except PitboardError as failure:
        json.dumps(jsondata.error(failure))
        return text.error(failure)
    json.dumps(jsondata.render(answer), default=str)
    return text.render(answer)


@given(command=any_command)
def test_console_options_always_answer_and_never_write(console, command):
    loop, store = console
    changes = store.conn.total_changes
    reply = answer_console(loop, store, as_typed(*command))
    assert reply.strip()
    assert store.conn.total_changes == changes


@given(raw=st.text(max_size=300))
def test_console_raw_lines_always_answer(console, raw):
    loop, store = console
    changes = store.conn.total_changes
    for typed in (raw, "/winner " + raw, "/h2h " + raw):
        assert answer_console(loop, store, typed).strip()
    assert store.conn.total_changes == changes


# Each example starts the CLI afresh (opening the database, loading names): a tenth of the examples.
@settings(max_examples=max(10, settings().max_examples // 10),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=any_command)
def test_pitboard_ask_entry_point(real_db, capsys, command):
    """The real entry point: exit 0 with an answer or 1 with a JSON error; never a traceback."""
    status = main(["--db", str(real_db), "ask", "--json", as_typed(*command)])
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert (status, "error" in document) in ((0, False), (1, True))
    assert "Traceback" not in err


class ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def discord_bot(real_db, real_names, tmp_path_factory):
    """The real bot on the fake Discord (on a copy of the real history), kept running across examples."""
    path = tmp_path_factory.mktemp("fuzz") / "pitboard.db"
    shutil.copy(real_db, path)
    loop = asyncio.new_event_loop()
    resources = contextlib.AsyncExitStack()

    async def start():
        fake = await resources.enter_async_context(FakeDiscord(guilds=[guild()]))
        resources.enter_context(redirect_discord_to(fake))
        store = await resources.enter_async_context(Store.open(path))
        await store.start_names(real_names)
        await resources.enter_async_context(running_pitboard(fake, store))
        return fake, store

    fake, store = loop.run_until_complete(start())
    errors = ErrorLog()
    watched = [logging.getLogger(name) for name in ("bot", "cogs", "db", "discord")]
    for logger in watched:
        logger.addHandler(errors)
    yield loop, fake, store, errors
    for logger in watched:
        logger.removeHandler(errors)
    loop.run_until_complete(resources.aclose())
    leftovers = asyncio.all_tasks(loop)  # e.g. the timeout timers of paginated replies
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.wait(leftovers))
    loop.close()


async def reply_messages(fake, name: str, options: dict, **context) -> list[dict]:
    """Every message the bot sent for one interaction: the callback, and followups after a defer."""
    handle = await fake.send_slash_command(name, options, **context)
    callback = await handle.response(timeout=10)
    if callback["type"] == 5:  # "thinking…": the reply comes as a followup
        return await handle.followups(timeout=10)
    return [callback["data"]]


@given(command=any_command)
def test_cog_options_always_answer_never_write_never_ping(discord_bot, command):
    loop, fake, store, errors = discord_bot
    name, options = command
    changes = store.conn.total_changes
    messages = loop.run_until_complete(reply_messages(fake, name, options))
    assert messages and all(message.get("embeds") or message.get("content") for message in messages)
    assert all(message["allowed_mentions"] == {"parse": []} for message in messages)
    assert errors.records == [], [record.getMessage() for record in errors.records]
    assert store.conn.total_changes == changes


@given(
    subcommand=st.sampled_from(["channel", "series", "subreddit-add", "subreddit-remove", "show"]),
    value=text_values,
)
def test_config_refuses_members_without_manage_server(discord_bot, subcommand, value):
    loop, fake, store, errors = discord_bot
    options = (
        {"series": value, "subreddit": value}
        if subcommand.startswith("subreddit")
        else ({} if subcommand in ("show", "channel") else {"series": value})
    )
    changes = store.conn.total_changes
    [message] = loop.run_until_complete(reply_messages(fake, "config", options, subcommand=subcommand, permissions=SEND_AND_READ))
    assert message["flags"] & 64 and "Manage Server" in json.dumps(message["embeds"])
    assert message["allowed_mentions"] == {"parse": []}
    assert store.conn.total_changes == changes and errors.records == []


@given(series=text_values, subreddit=text_values)
def test_config_by_admin_answers_every_value(discord_bot, series, subreddit):
    loop, fake, store, errors = discord_bot
    [message] = loop.run_until_complete(
        reply_messages(
            fake,
            "config",
            {"series": series, "subreddit": subreddit},
            subcommand="subreddit-add",
            permissions=SEND_AND_READ | MANAGE_GUILD,
        )
    )
    assert message["flags"] & 64 and message["allowed_mentions"] == {"parse": []} and errors.records == []
