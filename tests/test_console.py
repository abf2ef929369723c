"""`pitboard ask`: parsing what a Discord user types, text and JSON output, errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from types import SimpleNamespace

import pytest

from bot import cli
from bot.cli import main
from bot.questions import QUESTIONS, parse_slash
from db.errors import BadOption, UnknownName
from db.health import shipped_schema_version
from testkit.samples import RICHMOND_FEED


@pytest.mark.parametrize(
    ("typed", "name", "options"),
    [
        ("/winner mid-ohio", "winner", {"track": "mid-ohio"}),
        ("/winner watkins glen", "winner", {"track": "watkins glen"}),
        ("/winner mid-ohio 2022", "winner", {"track": "mid-ohio", "year": 2022}),
        ("/winner track:mid-ohio year:2022 series:truck", "winner", {"track": "mid-ohio", "year": 2022, "series": "truck"}),
        ("/winner track:watkins glen year:2025", "winner", {"track": "watkins glen", "year": 2025}),
        ('/driver name:"Parker Kligerman" series:truck', "driver", {"name": "Parker Kligerman", "series": "truck"}),
        ("/driver name:Parker Kligerman", "driver", {"name": "Parker Kligerman"}),
        ('/h2h "kyle busch" "kyle larson"', "h2h", {"driver1": "kyle busch", "driver2": "kyle larson"}),
        (
            "/h2h driver1:kyle busch driver2:kyle larson series:cup", "h2h",
            {"driver1": "kyle busch", "driver2": "kyle larson", "series": "cup"},
        ),
        ("/standings cup 2024", "standings", {"series": "cup", "season": 2024}),
        ("/results richmond year:2023 round:7", "results", {"track": "richmond", "year": 2023, "round": 7}),
        ("/WINNER Dega", "winner", {"track": "Dega"}),
    ],
)
def test_parse_slash(typed, name, options):
    question, parsed = parse_slash(typed)
    assert question.name == name and parsed == options


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("winner mid-ohio", BadOption),
        ("/winnr mid-ohio", UnknownName),
        ("/driver", BadOption),                 # a required option missing (/winner's track is not: the latest race)
        ("/winner mid-ohio year:twenty", BadOption),
        ("/winner mid-ohio year:2022 year:2023", BadOption),
        ("/winner mid-ohio colour:red", BadOption),
        ('/winner "mid-ohio', BadOption),
        ("/winner " + "x" * 3000, BadOption),
        ("", BadOption),
    ],
)
def test_parse_slash_errors(typed, error):
    with pytest.raises(error):
        parse_slash(typed)


def test_every_question_has_options_with_kinds_and_examples_that_parse():
    for question in QUESTIONS.values():
        assert all(option.kind in (str, int) for option in question.options)
        assert (question.options and question.examples) or not question.reads     # /help: neither
        assert all(parse_slash(example)[0] is question for example in question.examples)


def test_help_lists_every_command_and_needs_no_database(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(tmp_path / "none" / "p.db"))
    status, out, err = run(capsys, "ask", "/help")
    assert status == 0 and not (tmp_path / "none").exists()       # nothing built, nothing created
    for name, question in QUESTIONS.items():
        if name != "help":
            assert f"\n/{name} " in out and question.examples[0] in out


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _subcommand_parsers(parser, path=("pitboard",)):
    """Every (sub)command's parser under `parser`, by its command line: `pitboard thread`, `pitboard db build`."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _subcommand_parsers(sub, (*path, name))


def test_every_subcommand_s_help_says_what_it_does_and_each_argument(capsys):
    """`pitboard <command> --help`: a description, and a help line for every argument and option (`--year`,
    `--series`, `--round` and `import`'s files had none)."""
    parsers = dict(_subcommand_parsers(cli._parser()))
    assert {" ".join(path) for path in parsers} >= {
        "pitboard ask", "pitboard db", "pitboard db build", "pitboard db path", "pitboard import", "pitboard thread",
        "pitboard prerace", "pitboard live", "pitboard run", "pitboard sync"}
    for path, parser in parsers.items():
        assert parser.description, f"{' '.join(path)} --help says nothing of what it does"
        for action in parser._actions:
            assert action.help, f"{' '.join(path)} --help: {action.dest} has no help"

    for command in ("thread", "prerace"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert "a track or a race: its name or nickname, or a race's name" in out and '"daytona 500"' in out
        assert "--round ROUND the season's round number" in out and "--series SERIES cup, xfinity, truck or f1" in out
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "FILE a NASCAR feed file (weekend-feed.json" in " ".join(capsys.readouterr().out.split())


def test_the_database_is_the_one_named_by_db_then_pitboard_db_then_the_per_user_default(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("PITBOARD_DB", raising=False)
    assert run(capsys, "db", "path")[1].strip() == str(tmp_path / "data" / "pitboard" / "pitboard.db")
    monkeypatch.setenv("PITBOARD_DB", str(tmp_path / "env.db"))
    assert run(capsys, "db", "path")[1].strip() == str(tmp_path / "env.db")
    assert run(capsys, "--db", str(tmp_path / "flag.db"), "db", "path")[1].strip() == str(tmp_path / "flag.db")


def test_ask_text(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    status, out, _ = run(capsys, "ask", "/results mid-ohio year:2022 series:truck")
    assert status == 0
    assert "Parker Kligerman (#75 Henderson Motorsports Chevrolet), from 2nd, led 56 of 67 laps" in out
    header = next(line for line in out.splitlines() if line.startswith("Pos"))
    assert header.split() == ["Pos", "St", "#", "Driver", "Team", "Make", "Laps", "Led", "Status", "Pts"]
    heim = next(line for line in out.splitlines() if "Corey Heim" in line)
    assert heim.split()[:3] == ["26", "1", "51"] and "transmission" in heim


def test_ask_json_winner(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    status, out, _ = run(capsys, "ask", "--json", "/winner track:mid-ohio year:2022 series:truck")
    document = json.loads(out)
    assert status == 0 and document["command"] == "winner"
    race = document["races"][0]
    assert {k: race[k] for k in ("series", "season", "round", "track", "winner", "laps")} == {
        "series": "truck", "season": 2022, "round": 15, "track": "Mid-Ohio Sports Car Course",
        "winner": "Parker Kligerman", "laps": 67,
    }


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("/results mid-ohio 2022", {"command", "race", "results"}),
        ('/driver name:"Parker Kligerman"', {"command", "driver", "series"}),
        ("/track mid-ohio", {"command", "track", "series"}),
        ("/standings truck 2022", {"command", "standings", "note"}),
        ('/h2h "kyle busch" "kyle larson"', {"command", "drivers", "races"}),
    ],
)
def test_ask_json_shapes(real_db, capsys, monkeypatch, typed, keys):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    status, out, _ = run(capsys, "ask", "--json", typed)
    document = json.loads(out)
    assert status == 0 and keys <= set(document)
    if document["command"] == "results":
        shown = {"finish", "start", "car", "driver", "team", "make", "laps", "laps_led", "status", "points"}
        assert set(document["results"][0]) >= shown
    if document["command"] == "driver":
        assert set(document["series"]["truck"]) >= {"starts", "wins", "top5", "top10", "poles", "laps_led", "dnfs", "avg_finish"}
    if document["command"] == "track":
        truck = document["series"]["truck"]
        latest = {"season": 2023, "round": 14, "name": "O'Reilly Auto Parts 150 at Mid-Ohio", "driver": "Corey Heim"}
        assert truck["winners"][0] == latest
        assert {"driver", "wins"} <= set(truck["most_wins"][0])


def test_ask_json_error(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    status, out, err = run(capsys, "ask", "--json", "/winner charlotte")
    document = json.loads(out)
    assert status != 0 and "Traceback" not in out + err
    assert "Charlotte Motor Speedway Road Course" in document["suggestions"] and document["error"]


@pytest.mark.parametrize(("content", "problem"), [(b"garbage", "file is not a database"), (b"", "the file is empty")])
def test_ask_json_on_an_unusable_database_is_a_json_error(tmp_path, capsys, monkeypatch, content, problem):
    """Like every `--json` error: the document on stdout, nothing on stderr; exit status 2 (not the user's to fix by
    asking otherwise). The text answer says the same on stderr."""
    database = tmp_path / "pitboard.db"
    database.write_bytes(content)
    monkeypatch.setenv("PITBOARD_DB", str(database))
    message = f"the database {database} is not usable ({problem}); repair it with `pitboard db build`"
    status, out, err = run(capsys, "ask", "--json", "/winner dega")
    assert (status, json.loads(out), err) == (2, {"error": message, "suggestions": []}, "")
    status, out, err = run(capsys, "ask", "/winner dega")
    assert (status, out, err) == (2, "", f"pitboard: {message}\n")
    assert database.read_bytes() == content   # refused, not rebuilt


def test_ask_text_error_has_suggestions(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    status, out, err = run(capsys, "ask", "/winner talladga 2021")
    assert status == 0 and "Talladega" in out  # one typo in a long word is forgiven
    status, out, err = run(capsys, "ask", "/winner qqqqqq")
    assert status == 1 and "don't know a track" in err and "Traceback" not in err


def test_first_ask_builds_missing_database(history_subset, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(tmp_path / "fresh" / "p.db"))
    status, out, err = run(capsys, "ask", "/winner dega 2023 cup")
    assert status == 0 and "building the race database" in err and "Talladega" in out


def test_installed_console_script(real_db):
    """The `pitboard` entry point a user types, in a separate process."""
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run(
        [script, "ask", "--json", "/winner mid-ohio"], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PITBOARD_DB": str(real_db)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["races"][0]["winner"] == "Corey Heim"


# The CLI in a child process that reports, as its last line on stderr, every module it imported.
REPORT_MODULES = (
    "import json, sys\n"
    "from bot.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    "sys.exit(status)\n"
)
BOT_LIBRARIES = {"discord", "aiohttp", "asyncpraw", "matplotlib"}
# What `ask` on a built database does without: an event loop, the async store, the builder and importers; argparse,
# logging and dataclasses (its command line is read directly, it logs nothing, its types are records); the JSON renderer.
NOT_FOR_ASKING = {"asyncio", "aiosqlite", "db.store", "db.build", "db.ingest", "db.history", "db.nascar_feed", "dotenv",
                  "argparse", "logging", "dataclasses", "bot.render.jsondata"}


def modules_loaded(db_path, *argv, cwd=None) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", REPORT_MODULES, *argv], capture_output=True, text=True, timeout=300, cwd=cwd,
        env={**os.environ, "PITBOARD_DB": str(db_path), "DISCORD_TOKEN": ""},
    )
    return done.returncode, set(json.loads(done.stderr.splitlines()[-1]))


def packages_loaded(db_path, *argv, cwd=None) -> tuple[int, set[str]]:
    status, modules = modules_loaded(db_path, *argv, cwd=cwd)
    return status, {name.partition(".")[0] for name in modules}


def test_console_commands_leave_the_bot_libraries_unloaded(subset_db_copy):
    """`ask`, `import`, `thread` (printed) and `db build` start fast: discord.py, aiohttp, asyncpraw and matplotlib
    cost them a third of a second of imports and are never used by them."""
    for argv in (["ask", "/winner mid-ohio"], ["import", str(RICHMOND_FEED)], ["thread", "richmond"], ["db", "build"]):
        status, loaded = packages_loaded(subset_db_copy, *argv)
        assert status == 0 and "db" in loaded and "rapidfuzz" in loaded, argv
        assert not loaded & BOT_LIBRARIES, f"pitboard {argv[0]} imported {sorted(loaded & BOT_LIBRARIES)}"
    # no token: refuses, having loaded discord.py
    status, loaded = packages_loaded(subset_db_copy, "sync", cwd=subset_db_copy.parent)
    assert status == 2 and {"discord", "aiohttp"} <= loaded


def test_ask_on_a_built_database_runs_without_an_event_loop(real_db):
    """`ask` answers on a synchronous read-only connection: no asyncio, aiosqlite, builder or feed importers
    (each costs it tens of milliseconds of imports), nor argparse, logging or dataclasses; and it still answers."""
    status, loaded = modules_loaded(real_db, "ask", "/winner mid-ohio")
    assert status == 0 and "db.queries" in loaded and "bot.render.text" in loaded
    assert not loaded & NOT_FOR_ASKING, f"pitboard ask imported {sorted(loaded & NOT_FOR_ASKING)}"


def test_thread_prints_the_recap(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    status, out, _ = run(capsys, "thread", "mid-ohio", "--year", "2022", "--series", "truck")
    assert status == 0
    assert out.startswith("2022 Truck Series, round 15: O'Reilly Auto Parts 150 at Mid-Ohio")
    prose = " ".join(out.split())
    assert "It was Kligerman's third career Truck Series win" in prose and "Pole-sitter Corey Heim finished 26th" in prose


def test_thread_markdown_is_the_reddit_post(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    status, out, _ = run(capsys, "thread", "mid-ohio", "--year", "2022", "--series", "truck", "--markdown")
    assert status == 0 and out.startswith("Post-Race Thread: O'Reilly Auto Parts 150 at Mid-Ohio (Truck)\n")
    assert "| Pos | # | Driver |" in out and "[](#pitboard:truck-2022-r15)" in out


def test_thread_post_without_credentials_says_what_is_missing(real_db, capsys, monkeypatch):
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    for name in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USERNAME", "REDDIT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(real_db.parent)  # no .env here
    status, _, err = run(capsys, "thread", "mid-ohio", "--year", "2022", "--post", "--subreddit", "NASCAR")
    assert status == 1 and "REDDIT_CLIENT_ID" in err and "Traceback" not in err


PLAIN_ASKS = [
    ["ask", "/winner mid-ohio"],
    ["ask", "--json", "/results mid-ohio year:2022"],
    ["ask", "/winner mid-ohio", "--json"],
    ["-v", "--db", "some.db", "ask", "/driver #48"],
    ["--db=some.db", "--verbose", "ask", ""],
    ["--db", "a.db", "--db", "b.db", "ask", "--json", "--json", "/next"],
]
OTHER_COMMAND_LINES = [
    ["ask"], ["ask", "/winner", "mid-ohio"], ["ask", "--js", "/next"], ["ask", "-h"], ["ask", "--", "/next"],
    ["ask", "-5"], ["--db", "ask", "/next"], ["--db"], ["--db=", "ask", "/next"], ["--verb", "ask", "/next"],
    ["-h"], [], ["thread", "mid-ohio"], ["db", "build"], ["ask", "/next", "--db", "x.db"],
]


@pytest.mark.parametrize("argv", PLAIN_ASKS)
def test_everyday_ask_is_read_without_argparse_exactly_as_argparse_reads_it(argv):
    read = cli._plain_ask(argv)
    assert read is not None
    assert read == SimpleNamespace(**vars(cli._parser().parse_args(argv)))


@pytest.mark.parametrize("argv", OTHER_COMMAND_LINES)
def test_every_other_command_line_is_left_to_argparse(argv):
    assert cli._plain_ask(argv) is None


def test_ask_migrates_a_database_an_older_pitboard_left(subset_db_copy, capsys):
    """A database built before the F1 dates of birth (migration 23), the names fans know (25) and the races' own track
    lengths (26) is migrated by the first `ask`, not failed with "no such column"; the dates themselves wait for the
    next `db build` (none is shown meanwhile)."""
    with sqlite3.connect(subset_db_copy) as conn:
        for column in ("shown_name", "known_as", "birth_date"):   # the generated column first: it reads known_as
            conn.execute(f"ALTER TABLE drivers DROP COLUMN {column}")
        conn.execute("ALTER TABLE races DROP COLUMN track_length_mi")
        conn.execute("PRAGMA user_version = 22")
    assert main(["--db", str(subset_db_copy), "ask", "/driver kligerman"]) == 0
    assert capsys.readouterr().out.startswith("Parker Kligerman\n")
    with sqlite3.connect(subset_db_copy) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == shipped_schema_version()
        assert "birth_date" in {row[1] for row in conn.execute("PRAGMA table_info(drivers)")}


@pytest.mark.parametrize(("outcomes", "status"), [
    ([("posted", None), ("edited", None), ("unchanged", None), ("recovered", None)], 0),
    ([("posted", None), ("deferred", "POST /api/submit: HTTP 503")], 1),   # Reddit did not answer: run it again
    ([("deferred", "another process is writing this thread")], 0),   # it goes up without this run
    ([("deferred", "POST /api/submit: HTTP 503"), ("failed", "subreddit not found")], 2),   # gone for good wins
])
def test_thread_post_exit_status_says_whether_every_thread_is_up(outcomes, status):
    from bot.reddit import PublishResult

    assert cli.posting_status([PublishResult(action, None, None, error) for action, error in outcomes]) == status
