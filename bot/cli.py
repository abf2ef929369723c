"""`pitboard`: the one command-line entry point.

    pitboard ask "/winner mid-ohio"          answer a slash command in the terminal (--json for scripts)
    pitboard db build                        (re)build the database from the bundled history
    pitboard db path                         print where the database lives
    pitboard import FILE...                  import NASCAR feed files (weekend-feed, race_list_basic, loopstats) or Jolpica's
    pitboard thread mid-ohio --year 2022 --series truck [--markdown] [--post --subreddit NAME]
                                             print (or post to Reddit) the post-race thread of a race
    pitboard prerace richmond [--year 2023 --round 7] [--markdown]
                                             print the pre-race post of the next race at a track (of a run one, as it read
                                             then, with --year)
    pitboard live [--replay DIR --speed X]   the live race board in the terminal (NASCAR's live feed, or a recorded race)
    pitboard run                             run the Discord bot (DISCORD_TOKEN from the environment or .env)
    pitboard sync [--guild ID]               register the slash commands with Discord
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from bot.render.safe import plain
from bot.settings import Settings, SettingsError
from db.errors import PitboardError
from db.health import DatabaseNotBuilt, is_damage, problem_with
from db.records import replace

if TYPE_CHECKING:
    import argparse

    from bot.reddit import PublishResult
    from db.build import BuildReport
    from db.models import RaceResults
    from db.recaps import Recap
    from db.snapshot import SyncStore
    from db.store import Store

EXIT_OK, EXIT_USER_ERROR, EXIT_FAILURE = 0, 1, 2

# One function per subcommand, `(settings, args) -> exit status`, named by `set_defaults(handler=...)`.
# Each imports what only it needs inside: discord.py, aiohttp and asyncpraw cost a third of a second to import,
# and `ask`, `db` and `import` must not pay for them (tests/test_console.py checks that they do not). `ask` on a
# built database runs without an event loop (asyncio alone costs about as much as the whole answer); the others
# are coroutines run by `in_event_loop`.

Handler = Callable[[Settings, SimpleNamespace], int]


def in_event_loop(handler: Callable[[Settings, SimpleNamespace], Coroutine[Any, Any, int]]) -> Handler:
    """A subcommand written as a coroutine, run in its own event loop."""

    def run(settings: Settings, args: SimpleNamespace) -> int:
        import asyncio

        return asyncio.run(handler(settings, args))

    return run


def _ask_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slash", help='the command as a Discord user types it, e.g. "/results track:mid-ohio year:2022"; '
                                      '"/help" lists the commands, "/help results" tells one')
    parser.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    parser.set_defaults(handler=_ask)


def _db_options(parser: argparse.ArgumentParser) -> None:
    db_commands = parser.add_subparsers(dest="db_command", required=True, help="what to do:")
    build_help = "(re)build the database from the bundled history, keeping settings and imports"
    build_parser = db_commands.add_parser("build", help=build_help, description=build_help[:1].upper() + build_help[1:] + ".")
    build_parser.set_defaults(handler=_db_build)
    path_help = "print the database location"
    db_commands.add_parser("path", help=path_help, description=path_help[:1].upper() + path_help[1:] + ".").set_defaults(
        handler=_db_path)


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="a NASCAR feed file (weekend-feed.json, race_list_basic.json, a loopstats file) or a saved "
                             "Jolpica F1 document (results, sprint, qualifying or driver standings); each is imported "
                             "on its own, told apart by its content")
    parser.set_defaults(handler=_import)


def _race_options(parser: argparse.ArgumentParser, examples: str, year: str) -> None:
    """The race a thread or a pre-race post is about, and --markdown."""
    parser.add_argument("track", help=f"a track or a race: its name or nickname, or a race's name ({examples}); "
                                      "quote names of several words")
    parser.add_argument("--year", type=int, help=year)
    parser.add_argument("--series", help="cup, xfinity, truck or f1 (also as fans say them: winston cup, busch, formula 1)")
    parser.add_argument("--round", type=int, help="the season's round number, for a track with several races a season")
    parser.add_argument("--markdown", action="store_true", help="print the Reddit post: its title, then its exact markdown")


def _thread_options(parser: argparse.ArgumentParser) -> None:
    _race_options(parser, '"mid-ohio", "daytona 500", "finale"',
                  "the season (default: the latest race matching the rest)")
    parser.add_argument("--post", action="store_true", help="post it (REDDIT_* settings from the environment or .env)")
    parser.add_argument("--subreddit", action="append", default=[], metavar="NAME",
                        help="a subreddit to post to (repeatable; --post needs at least one)")
    parser.set_defaults(handler=_thread)


def _prerace_options(parser: argparse.ArgumentParser) -> None:
    _race_options(parser, '"richmond", "daytona 500", "monaco"',
                  "the season: with it, a race already run is shown as its post read before it (default: the next race "
                  "there)")
    parser.set_defaults(handler=_prerace)


def _live_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replay", type=Path, metavar="DIR", help="play a recorded race, e.g. db/data/replays/chicagoland-2026")
    parser.add_argument("--speed", type=float, default=60.0, help="replay speed, times real time (default 60)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between polls of the live feed (default 5)")
    parser.set_defaults(handler=_live)


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(handler=_run, bot_logging=True)


def _sync_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--guild", type=int, help="a server id: commands appear there at once (default: global)")
    parser.set_defaults(handler=_sync, bot_logging=True)


# Each subcommand: its help line and what adds its options to its parser.
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "ask": ('answer a slash command, e.g. pitboard ask "/winner mid-ohio"', _ask_options),
    "db": ("database maintenance", _db_options),
    "import": ("import NASCAR feed files (weekend-feed.json, race_list_basic.json, loopstats) or saved Jolpica F1 documents",
               _import_options),
    "thread": ("print or post the post-race thread of a race", _thread_options),
    "prerace": ("print the pre-race post of the next race at a track or of a named race (--year: of a race run, as it "
                "read then)",
                _prerace_options),
    "live": ("the live race board in the terminal, from the live feed or a recorded race", _live_options),
    "run": ("run the Discord bot until SIGINT/SIGTERM", _run_options),
    "sync": ("register the slash commands with Discord", _sync_options),
}


def _arguments(argv: list[str]) -> SimpleNamespace:
    """The command line read: its everyday form, `pitboard ask "/winner mid-ohio"`, directly (see _plain_ask);
    anything else by argparse."""
    plain_ask = _plain_ask(argv)
    return plain_ask if plain_ask is not None else SimpleNamespace(**vars(_parser().parse_args(argv)))


def _plain_ask(argv: list[str]) -> SimpleNamespace | None:
    """`[-v] [--db PATH] ask [--json] TEXT`, read as argparse reads it; None for any other command line.

    argparse costs the console a sixth of its start-up (its import, gettext's lookups for the messages of a
    parser, a help formatter for every option): only help, mistakes and the other subcommands need it.
    tests/test_console.py checks that both readings agree.
    """
    db: Path | None = None
    verbose = as_json = False
    words = iter(argv)
    for word in words:   # the options before the subcommand
        if word in ("-v", "--verbose"):
            verbose = True
        elif word == "--db" or word.startswith("--db="):
            value = word.removeprefix("--db=") if word != "--db" else next(words, "-")
            if not value or value.startswith("-"):
                return None
            db = Path(value)
        elif word == "ask":
            break
        else:
            return None
    else:
        return None
    slash = None
    for word in words:   # ask's own
        if word == "--json":
            as_json = True
        elif word.startswith("-") or slash is not None:
            return None
        else:
            slash = word
    if slash is None:
        return None
    return SimpleNamespace(db=db, verbose=verbose, bot_logging=False, command="ask", slash=slash, json=as_json, handler=_ask)


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="pitboard", description="Race results bot for NASCAR and Formula 1: terminal console, Discord bot, Reddit threads."
    )
    parser.add_argument("--db", type=Path, help="database file (default: $PITBOARD_DB or the per-user data directory)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail to stderr")
    parser.set_defaults(bot_logging=False)  # run and sync log like the bot (discord.py's format, secrets redacted)
    commands = parser.add_subparsers(dest="command", required=True, help="the command to run:")
    for name, (help_line, add_options) in SUBCOMMANDS.items():
        add_options(commands.add_parser(name, help=help_line, description=help_line[:1].upper() + help_line[1:] + "."))
    return parser


def _log_to_stderr(verbose: bool) -> None:
    import logging

    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    try:
        settings = Settings.load(db_path=args.db)
    except SettingsError as error:
        return _failed(args, str(error))
    # `ask` reads and prints, and logs nothing unless asked: logging costs it a twentieth of its start-up.
    if not args.bot_logging and (args.handler is not _ask or args.verbose):
        _log_to_stderr(args.verbose)
    db_path = settings.db_path
    try:
        return args.handler(settings, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except DatabaseNotBuilt as error:
        return _failed(args, f"{error}; repair it with `pitboard db build`")
    except Exception as error:  # a bug or a broken environment: one line, detail with -v
        if args.verbose:
            import logging

            logging.getLogger("pitboard").debug("unexpected failure", exc_info=True)
        if _out_of_space(error):
            return _failed(args, str(error))
        if is_damage(error):  # met by a query, past the cheap check every command makes first
            return _failed(args, f"the database {db_path} is damaged ({error}); repair it with `pitboard db build`")
        return _failed(args, f"{type(error).__name__}: {plain(str(error))} (run with -v for details)")


def _failed(args: SimpleNamespace, message: str) -> int:
    """A failure the user cannot fix by asking again: `pitboard: <message>` on stderr, or for `ask --json` the error
    document on stdout, as every error of `--json` is (README); exit status 2 either way."""
    if args.handler is _ask and args.json:
        _print_answer(PitboardError(message), as_json=True)
    else:
        print(f"pitboard: {message}", file=sys.stderr)
    return EXIT_FAILURE


def _out_of_space(error: Exception) -> bool:
    """A build that ran out of space (db.build.DiskFull): only a build can, and only a build imports db.build."""
    build = sys.modules.get("db.build")
    return build is not None and isinstance(error, build.DiskFull)


def _is_built(path: Path) -> bool:
    return path.exists() and problem_with(path, thorough=False) is None


def _built_store(path: Path, verbose: bool) -> SyncStore:
    """The database read as `ask` reads it (see db/snapshot.py), built first on first use: asyncio and the builder
    are imported only when there is something to build."""
    from db.snapshot import SyncStore

    store = SyncStore.open_built(path)
    if store is None:
        import asyncio

        _log_to_stderr(verbose)   # the first build says what it does
        asyncio.run(_build_if_needed(path))
        store = SyncStore.open(path)
    return store


async def _build_if_needed(path: Path) -> None:
    """Build the database on first use (db.build.ensure_database), or migrate one an older Pitboard left; a built one
    costs one cheap check, and the builder is imported only when there is something to build or repair."""
    if not _is_built(path):
        from db.build import ensure_database

        await ensure_database(path)
        return
    from db.store import Store

    async with Store.open(path):   # the migrations this Pitboard adds (opening a store applies them)
        pass


def _ask(settings: Settings, args: SimpleNamespace) -> int:
    """Answered in this thread, by the same query coroutines the bot awaits, on a read-only SyncStore."""
    from bot.questions import answer_now, parse_slash
    from db.snapshot import finish

    try:
        question, options = parse_slash(args.slash)
        if not question.reads:   # /help: nothing to build or open
            answer = finish(question.answer(None, **options))
        else:
            with _built_store(settings.db_path, args.verbose) as store:
                answer = answer_now(store, question, options)
    except PitboardError as failure:
        _print_answer(failure, as_json=args.json)
        return EXIT_USER_ERROR
    _print_answer(answer, as_json=args.json)
    return EXIT_OK


def _print_answer(answer: object, *, as_json: bool) -> None:
    """An answer, or the PitboardError met instead (to stderr), as text or as a JSON document; the renderer needed
    is the only one imported."""
    if as_json:
        import json

        from bot.render import jsondata

        document = jsondata.error(answer) if isinstance(answer, PitboardError) else jsondata.render(answer)
        print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
        return
    from bot.render import text

    if isinstance(answer, PitboardError):
        print(text.error(answer), file=sys.stderr)
    else:
        print(text.render(answer))


def _db_path(settings: Settings, args: SimpleNamespace) -> int:
    print(settings.db_path)
    return EXIT_OK


@in_event_loop
async def _db_build(settings: Settings, args: SimpleNamespace) -> int:
    from db.build import build_database
    from db.locks import InstanceRunning

    db_path = settings.db_path

    def say_waiting(holder_pid: int | None) -> None:
        holder = f" (pid {holder_pid})" if holder_pid else ""
        print(f"Another build of {db_path} is running{holder}; waiting for it to finish…", file=sys.stderr)

    try:
        report = await build_database(db_path, show_progress=sys.stderr.isatty(), on_wait=say_waiting)
    except InstanceRunning as running:
        holder = f" (pid {running.holder_pid})" if running.holder_pid else ""
        print(f"pitboard: {db_path} needs repair, but pitboard run{holder} has it open: "
              "stop it, then run pitboard db build again", file=sys.stderr)
        return EXIT_FAILURE
    for line in _build_summary(report):
        print(line)
    return EXIT_OK


def _build_summary(report: BuildReport) -> list[str]:
    counts = report.counts
    figures = (
        f"{counts['races']:,} races, {counts['results']:,} results, {counts['drivers']:,} drivers, {counts['tracks']:,} tracks"
    )
    if report.outcome == "built meanwhile":
        return [f"{report.path} was built by another pitboard db build while this one waited: {figures}"]
    lines = []
    salvage = report.salvage
    if salvage:
        lines.append(f"{report.path} was not usable ({salvage.problem}); moved it to {salvage.moved_to}")
        kept = ", ".join(f"{rows} {table}" for table, rows in sorted(salvage.kept.items()) if rows)
        lines.append(f"Kept from it: {kept or 'nothing'}")
        for table, what in sorted(salvage.lost.items()):
            lines.append(f"Lost from {table}: {what}")
    lines.append(
        f"{'Rebuilt' if report.outcome == 'rebuilt' else 'Built'} {report.path}: {figures}"
        + (f"; {report.rows_written:,} rows changed" if report.rows_written is not None else "")
        + (f"; replayed {report.feeds_replayed} feed documents" if report.feeds_replayed else "")
        + (f"; kept {report.state_rows_kept} settings/ledger rows" if report.state_rows_kept else "")
    )
    return lines


@in_event_loop
async def _import(settings: Settings, args: SimpleNamespace) -> int:
    """Each file in its own transaction, NASCAR's feed or Jolpica's by its shape; a refused file is one line
    (`<file>: ...: <field>: <problem>`), then the next."""
    import asyncio

    from db import jolpica
    from db.errors import FeedError
    from db.store import Store

    await _build_if_needed(settings.db_path)
    status = EXIT_OK
    async with Store.open(settings.db_path) as store:
        for path in args.files:
            try:
                body = await asyncio.to_thread(path.read_bytes)
                done = await (_import_jolpica(store, body) if jolpica.is_jolpica(body) else _import_nascar(store, body))
            except (FeedError, OSError) as error:
                print(f"{path}: not imported, database unchanged: {plain(str(error))}", file=sys.stderr)
                status = EXIT_USER_ERROR
                continue
            print(f"{path}: {done}")
    return status


async def _import_nascar(store: Store, body: bytes) -> str:
    from db.nascar_feed import import_document

    report = await import_document(store, body)
    if not report.changed:
        return "already imported, nothing changed"
    if report.kind == "loopstats":
        return f"loop data of race {report.key}: stored"
    actions: dict[str, int] = {}
    for outcome in report.races:
        actions[outcome.action] = actions.get(outcome.action, 0) + 1
    summary = ", ".join(f"{count} {action}" for action, count in sorted(actions.items()))
    return f"{report.kind} {report.key}: {summary}"


async def _import_jolpica(store: Store, body: bytes) -> str:
    from db import jolpica

    document, changed = await jolpica.import_document(store, body)
    if document.content is None:
        return f"Jolpica {document.what}: no results in it yet, nothing changed"
    where = f"{document.content.season} round {document.content.round}"
    return f"Jolpica {document.what} {where}: {'imported' if changed else 'already imported, nothing changed'}"


def _thread(settings: Settings, args: SimpleNamespace) -> int:
    """A race's post-race thread, read as `ask` reads (no event loop); posting it (--post) runs the Reddit client."""
    from bot.render import recap, text
    from db import queries
    from db.models import race_key
    from db.recaps import race_recap
    from db.snapshot import finish

    if args.post and not args.subreddit:
        print("pitboard: --post needs at least one --subreddit NAME", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.post and not settings.reddit.configured:
        print("pitboard: posting needs " + ", ".join(settings.reddit.missing()) + " (see .env.example)", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        with _built_store(settings.db_path, args.verbose) as store:
            details = finish(queries.results(store, args.track, args.year, args.series, args.round))
            facts = finish(race_recap(store, details))
    except PitboardError as failure:
        print(text.error(failure), file=sys.stderr)
        return EXIT_USER_ERROR
    if details.other_races:
        print(_chosen_race(details), file=sys.stderr)
    if args.post:
        import asyncio

        return asyncio.run(_post_thread(settings, facts, args.subreddit))
    title = recap.title(facts, settings.reddit.title_template)
    print(f"{title}\n\n{recap.reddit_body(facts, race_key(details.race))}" if args.markdown else recap.text_recap(facts))
    return EXIT_OK


async def _post_thread(settings: Settings, facts: Recap, subreddits: list[str]) -> int:
    from bot.posting import publish_recap
    from bot.reddit import PostingPaused, RedditPoster, reddit_client
    from db.store import Store

    async with Store.open(settings.db_path) as store, reddit_client(settings.reddit) as reddit:
        try:
            outcomes = await publish_recap(RedditPoster(reddit, store), facts, subreddits, settings.reddit.title_template)
        except PostingPaused as pause:
            print(f"pitboard: not posted, Reddit refuses the account: {pause.reason}. Nothing is marked failed: "
                  "fix the REDDIT_* settings and run again.", file=sys.stderr)
            return EXIT_USER_ERROR
    for subreddit, outcome in zip(subreddits, outcomes, strict=True):
        where = f" {outcome.url}" if outcome.url else ""
        problem = f" ({plain(outcome.error)})" if outcome.error else ""
        print(f"r/{subreddit}: {outcome.action}{where}{problem}")
    status = posting_status(outcomes)
    if status == EXIT_USER_ERROR:
        print("pitboard: not every thread was posted; run the same command again later.", file=sys.stderr)
    return status


def posting_status(outcomes: list[PublishResult]) -> int:
    """`thread --post`'s exit status: 2 when a thread failed for good, 1 when one was deferred because Reddit did not
    answer (run again later), else 0 (a thread another process is writing goes up without this one)."""
    from bot.reddit import HELD_ELSEWHERE  # loaded by the posting already: the console never imports asyncpraw

    if any(outcome.action == "failed" for outcome in outcomes):
        return EXIT_FAILURE
    waiting = [outcome for outcome in outcomes if outcome.action == "deferred" and outcome.error != HELD_ELSEWHERE]
    return EXIT_USER_ERROR if waiting else EXIT_OK


def _prerace(settings: Settings, args: SimpleNamespace) -> int:
    """The pre-race post of a race from the store: terminal text, or the Reddit title and body with --markdown."""
    from bot.render import prerace as rendering
    from bot.render import text
    from db.errors import NoUpcomingRace
    from db.prerace import prerace
    from db.snapshot import finish

    try:
        with _built_store(settings.db_path, args.verbose) as store:
            facts = finish(prerace(store, args.track, args.year, args.series, args.round))
    except NoUpcomingRace as failure:
        print(f"{text.error(failure)} For a race already run there, add its year: `--year {failure.last_season}`.",
              file=sys.stderr)
        return EXIT_USER_ERROR
    except PitboardError as failure:
        print(text.error(failure), file=sys.stderr)
        return EXIT_USER_ERROR
    if args.markdown:
        print(f"{plain(rendering.title(facts))}\n\n{rendering.prerace_markdown(facts)}")
    else:
        print(rendering.prerace_text(facts))
    return EXIT_OK


@in_event_loop
async def _live(settings: Settings, args: SimpleNamespace) -> int:
    """The board refreshing in place, events as they happen; the store adds each leader's record at the track."""
    from bot.live_terminal import feed_states, replay_states, show, stdout_console
    from db.errors import FeedError
    from db.live_feed import REPLAY_FILE
    from db.store import Store

    if args.speed <= 0 or args.interval <= 0:
        print("pitboard: --speed and --interval must be positive", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.replay and not (args.replay / REPLAY_FILE).is_file():
        print(f"pitboard: {args.replay} is not a recorded race (no {REPLAY_FILE} in it)", file=sys.stderr)
        return EXIT_USER_ERROR
    await _build_if_needed(settings.db_path)
    states = replay_states(args.replay, args.speed) if args.replay else feed_states(settings.feed_url, args.interval)
    async with Store.open(settings.db_path) as store:
        try:
            await show(states, store, stdout_console())
        except FeedError as error:
            print(f"pitboard: the recorded race could not be read: {plain(str(error))}", file=sys.stderr)
            return EXIT_USER_ERROR
    return EXIT_OK


def _chosen_race(details: RaceResults) -> str:
    """Which race a thread is about when several matched, and how to pick another."""
    from bot.render.words import race_label

    others = "; ".join(f"{race_label(race)} {plain(race.name)}" for race in details.other_races)
    return (f"pitboard: chose {race_label(details.race)} {plain(details.race.name)}; also matching: {others}. "
            "Name the race (\"daytona 500\") or add --round N to pick another.")


@in_event_loop
async def _run(settings: Settings, args: SimpleNamespace) -> int:
    from bot.runner import run_bot, serving_gc

    _bot_logging(settings, args)
    return await run_bot(settings, before_serving=serving_gc)


@in_event_loop
async def _sync(settings: Settings, args: SimpleNamespace) -> int:
    from bot.runner import sync_commands

    _bot_logging(settings, args)
    return await sync_commands(settings, args.guild or settings.discord_dev_guild)


def _bot_logging(settings: Settings, args: SimpleNamespace) -> None:
    from bot.runner import setup_logging

    setup_logging(replace(settings, log_level="DEBUG") if args.verbose else settings, settings.discord_token)


if __name__ == "__main__":
    sys.exit(main())
