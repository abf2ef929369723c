"""Text from the feed stays text: hostile names, statuses, race names and caution comments, imported
from a real weekend feed, shown through the real interfaces (the installed CLI, as a subprocess or through bot.cli.main, the real
discord.py client against the fake Discord) as the text they are: no headings, links, mentions,
spoilers, split table rows or terminal escape codes. Plus /config hardening."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.render import embeds, safe
from db import guilds, queries
from db.errors import BadOption
from db.models import RaceSummary
from db.recaps import recap_facts
from db.store import Store
from testkit.builds import built_once
from testkit.discord_harness import (
    ANNOUNCE_CHANNEL_ID,
    MANAGE_GUILD,
    SEND_AND_READ,
    embed_text,
    guild,
    running_pitboard,
    settled_reply,
)
from testkit.fakes.discord_server import DEFAULT_GUILD_ID, FakeChannel, FakeDiscord, FakeGuild, redirect_discord_to
from testkit.samples import RICHMOND_FEED

HOSTILE = [
    "\n# heading",
    "[x](https://e.com)",
    "https://evil.example",
    "u/someone",
    "/r/other",
    "@everyone",
    "\x1b[31mred\x1b[0m",
    "\u202eRLO",
    "zero\u200dwidth",
    "pipe | and *star*",
    "&#x200b;",
    ">!spoiler!<",
]
RACE = ["richmond", "--year", "2023", "--series", "cup", "--round", "7"]   # the imported spring race
EPHEMERAL = 64

# What a backslash escapes when Reddit (snudown) renders markdown; anything else keeps its backslash.
REDDIT_ESCAPABLE = re.escape("\\`*_{}[]()#+-.!:|&<>/^~")


def hostile_feed(target: Path) -> Path:
    """The Richmond 2023 weekend feed with a hostile string in the first finishers' driver names (new
    driver ids, so the names are the feed's), teams, car numbers and statuses, in the race name and in
    the caution comments (the last one, quoted in the recap, gets the first)."""
    document = json.loads(RICHMOND_FEED.read_text())
    race = document["weekend_race"][0]
    race["race_name"] = "Toyota Owners 400 " + HOSTILE[0]
    renamed = {}
    for index, (row, text) in enumerate(zip(race["results"], HOSTILE, strict=False)):  # the first few rows
        renamed[row["driver_id"]] = (f"{text} Driver{index}", 990_000 + index, f"{text}{index}")
        row["team_name"] = f"{text} Team"
        row["finishing_status"] = text
    for row in race["results"] + [line for stage in race["stage_results"] for line in stage["results"]]:
        if row["driver_id"] in renamed:
            row["driver_fullname"], row["driver_id"], row["car_number"] = renamed[row["driver_id"]]
    for caution, text in zip(reversed(race["caution_segments"]), HOSTILE, strict=False):
        caution["comment"] = text
    target.write_text(json.dumps(document))
    return target


def pitboard(db: Path, *args: str) -> str:
    """Run the installed `pitboard` command; its stdout (it must succeed)."""
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run(
        [script, *args], capture_output=True, text=True, timeout=120, env={**os.environ, "PITBOARD_DB": str(db)}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def console(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    """`pitboard *args` in this process (bot.cli.main, the command's code path without the process start); its stdout."""
    assert main(["--db", str(db), *args]) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="session")
def hostile_db(subset_db, tmp_path_factory) -> Path:
    """A few seasons of the history with Richmond 2023 re-imported from a feed full of hostile names, made once per
    test run (read it only)."""

    def build(path: Path) -> None:
        shutil.copy(subset_db, path)
        assert "1 updated" in pitboard(path, "import", str(hostile_feed(path.parent / "weekend-feed.json")))

    return built_once(tmp_path_factory, "hostile", build)


def invisible(text: str, allowed: str = "\n") -> list[str]:
    """Control, format and surrogate characters in text (other than `allowed`)."""
    return [ch for ch in text if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf", "Cs")]


def live_reddit(markdown: str) -> str:
    """The markdown with every backslash-escaped character blanked: what Reddit may still read as markup."""
    return re.sub(rf"\\[{REDDIT_ESCAPABLE}]", "\x00", markdown)


def shown_on_reddit(markdown: str) -> str:
    return re.sub(rf"\\([{REDDIT_ESCAPABLE}])", r"\1", markdown).replace("&#124;", "|")


def live_discord(text: str) -> str:
    return re.sub(r"\\[^0-9A-Za-z\s]", "\x00", text)


def shown_on_discord(text: str) -> str:
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text).replace("\u200b", "")


def assert_no_reddit_links(live: str) -> None:
    assert "://" not in live                                         # http(s), ftp, steam… autolinks
    assert not re.search(r"(?i)(?<![a-z0-9])www\.", live)
    assert not re.search(r"(?i)(?<![a-z0-9])[ru]/\w", live)           # r/x, /r/x, u/x, /u/x
    assert not re.search(r"\w@[\w-]+\.\w", live)                      # e-mail
    assert "<" not in live and ">" not in live and not re.search(r"&(?!#124;)", live)


# -- each function of safe.py ----------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE)
def test_plain_is_one_printable_line(text):
    shown = safe.plain(text)
    assert not invisible(shown, allowed="") and "\n" not in shown and shown == shown.strip()


@pytest.mark.parametrize(("text", "expected"), [
    ("\x1b[31mred\x1b[0m", "red"),
    ("\x1b]8;;https://e.com\x07link\x1b]8;;\x07 text", "link text"),     # OSC 8 hyperlink
    ("\x9b1mbold", "bold"),                                              # 8-bit CSI
    ("a\x1bcb", "ab"),                                                   # ESC c: terminal reset
    ("\u202eRLO \u2066isolate\u2069", "RLO isolate"),
    ("zero\u200b\u200c\u200dwidth\ufeff", "zerowidth"),
    ("  Kyle\n\n  Larson\t\r\n", "Kyle Larson"),
    ("Kyle\u2028Larson", "Kyle Larson"),
    ("lone \ud800 surrogate", "lone surrogate"),
    ("Ricky Stenhouse Jr.", "Ricky Stenhouse Jr."),
    (None, ""),
])
def test_plain(text, expected):
    assert safe.plain(text) == expected


@pytest.mark.parametrize("text", HOSTILE + ["- list", "+ list", "12. numbered", "www.evil.example", "me@evil.example",
                                            "^(super) ~~strike~~ `code` _em_ \\", "> quote", "1) x"])
def test_reddit_shows_the_text_and_nothing_else(text):
    escaped = safe.reddit(text)
    assert shown_on_reddit(escaped) == safe.plain(text)
    live = live_reddit(escaped)
    assert_no_reddit_links(live)
    assert not re.search(r"[*_`~^\[\]()#|\\]", live.replace("&#124;", ""))
    assert not re.match(r"[-+]|\d+[.)]", live)


@pytest.mark.parametrize("text", HOSTILE + ["- list", "-# subtext", "12. numbered", "> quote", "<@123456789012345678>",
                                            "<t:1700000000:R>", "[a] [x](https://e.com)", "[**b**](https://e.com)", "@here"])
def test_discord_shows_the_text_and_nothing_else(text):
    escaped = safe.discord(text)
    assert shown_on_discord(escaped) == safe.plain(text)
    live = live_discord(escaped)
    assert "://" not in live and "](" not in live and not re.search(r"[*_`~|<>\[\]\\]", live)
    assert not re.match(r"[-+#>]|\d+\.", live)
    assert "@everyone" not in escaped and "@here" not in escaped


MARKUP_PIECES = ["\\", "*", "_", "`", "~", "|", "[", "]", "<", ">", "#", "-", "+", ".", ":", "//", "@", "here", "everyone",
                 "123456789012345678", "http", " ", "a", "1", "\u0663", "\u00e9"]


@pytest.mark.parametrize("rule", ["@here", "@everyone", "@123456789012345678", "#x", "-x", "+x", "1. x", "\u0663. x",
                                  "a://b", "[x](y)", "<t:1>", "\\", "*", "_", "`", "~", "|"])
def test_discord_escaping_shortcut_sees_every_rule(rule):
    assert safe.escape_discord_markdown(rule) == safe.escape_discord_rules(rule) != rule


@settings(max_examples=500)
@given(st.lists(st.sampled_from(MARKUP_PIECES), max_size=8).map("".join) | st.text(max_size=24))
def test_discord_escaping_shortcut_skips_only_text_the_rules_leave_alone(text):
    line = safe.plain(text)
    assert safe.escape_discord_markdown(line) == safe.escape_discord_rules(line)


def test_plain_data_cleans_every_string_of_an_answer():
    race = RaceSummary(1, "cup", "NASCAR Cup\nSeries", 2023, 7, "Race\x1b[2J\nName", "Track\u202e", "oval", 0.75, None,
                       "official", False, 400, 400, (70, 160), 8, 54, 22, 11, "1.535", "feed", "5274", winner="\x1b[31mKyle")
    cleaned = safe.plain_data({"races": [race], "by name": {"A\nB": ("x\ty", 3)}})
    assert cleaned["races"][0] == RaceSummary(
        1,
        "cup",
        "NASCAR Cup Series",
        2023,
        7,
        "Race Name",
        "Track",
        "oval",
        0.75,
        None,
        "official",
        False,
        400,
        400,
        (70, 160),
        8,
        54,
        22,
        11,
        "1.535",
        "feed",
        "5274",
        winner="Kyle",
    )
    assert cleaned["by name"] == {"A B": ("x y", 3)}


# -- the real interfaces -----------------------------------------------------------------------------

def test_thread_markdown_keeps_hostile_text_as_text(hostile_db):
    title, body = pitboard(hostile_db, "thread", *RACE, "--markdown").split("\n\n", 1)
    assert not invisible(title + body)
    live = live_reddit(body)
    assert_no_reddit_links(live)
    assert live.count("](") == 1 and body.rstrip().endswith("[](#pitboard:nascar-5274)")   # only our marker
    lines = live.splitlines()
    assert [line for line in lines if line.startswith("#")] == ["## Results", "## Stages"]
    assert not [line for line in lines if re.match(r"[>+]|[-*] |\d+[.)]", line)]
    assert not re.search(r"(?<!\*)\*(?!\*)|_|~|\^(?!\()|`", live)   # only our **bold** and ^(footer)

    results = body.split("## Results\n\n")[1].split("\n\n")[0].splitlines()
    assert len(results) == 2 + 37 and all(row.count("|") == 10 for row in results)
    cells = [shown_on_reddit(cell.strip()) for cell in results[2 + 9].strip("|").split(" | ")]
    assert cells[:4] == ["10", "pipe | and *star*9", "pipe | and star Driver9", "pipe | and *star* Team"]
    stages = body.split("## Stages\n\n")[1].split("\n\n")[0].splitlines()
    assert all(row.count("|") == 4 for row in stages)
    assert "The final restart came with 14 laps to go (caution: \\# heading)." in body
    assert title == "Post-Race Thread: Toyota Owners 400 # heading at Richmond Raceway (Cup)"   # titles are plain text


def test_terminal_output_has_no_escape_codes_or_control_characters(hostile_db, capsys):
    outputs = [
        pitboard(hostile_db, "thread", *RACE),
        console(capsys, hostile_db, "ask", "/results richmond year:2023 series:cup round:7"),
        console(capsys, hostile_db, "ask", "/winner richmond year:2023 series:cup"),
        console(capsys, hostile_db, "ask", "/schedule series:cup season:2023"),
        console(capsys, hostile_db, "ask", "/qualifying richmond year:2023 series:cup round:7"),
        console(capsys, hostile_db, "ask", "/leaders cup wins 2023"),
        console(capsys, hostile_db, "ask", "/driver driver6 at richmond"),
    ]
    for output in outputs:
        assert not invisible(output)
    assert "Cup latest start there: 2023 Cup R7 (Toyota Owners 400 # heading): " in outputs[-1]   # one line
    recap_text, results, lineup = outputs[0], outputs[1], outputs[4]
    assert "red Driver6" in lineup and len(lineup.split("\n\n")[1].splitlines()) == 2 + 37   # one row a car
    assert "red Driver6" in recap_text and "zerowidth Driver8" in results and "RLO Driver7" in results
    table = results.split("\n\n")[1].splitlines()
    assert table[0].startswith("Pos") and len(table) == 2 + 37   # a line break in a name would add a row
    assert "\n  laps 381–386: # heading\n" in results      # the caution comment, on its own line
    document = json.loads(console(capsys, hostile_db, "ask", "--json", "/results richmond year:2023 series:cup round:7"))
    strings = [value for row in document["results"] for value in row.values() if isinstance(value, str)]
    assert "red Driver6" in strings and not invisible("".join(strings), allowed="")


async def test_discord_embeds_keep_hostile_text_as_text(hostile_db):
    async with FakeDiscord(guilds=[guild()]) as fake, Store.open(hostile_db) as store:
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store):
                replies = [
                    (await (await fake.send_slash_command(name, options)).response())["data"]["embeds"][0]
                    for name, options in (
                        ("results", {"track": "richmond", "year": 2023, "series": "cup", "round": 7}),
                        ("winner", {"track": "richmond", "year": 2023, "series": "cup"}),
                        ("schedule", {"series": "cup", "season": 2023}),
                        ("qualifying", {"track": "richmond", "year": 2023, "series": "cup", "round": 7}),
                        ("leaders", {"stat": "wins", "series": "cup", "season": 2023}),
                        ("driver", {"name": "driver6", "track": "richmond"}),
                    )
                ]
        facts = await recap_facts(store, await queries.results(store, "richmond", 2023, "cup", 7))
    replies.append(embeds.recap_embed(facts).to_dict())
    for embed in replies:
        text = embed_text(embed)
        assert not invisible(text, allowed="\n\u200b")   # zero-width spaces: escape_mentions and empty fields
        outside_code = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
        live = live_discord(outside_code)
        assert "://" not in live and "](" not in live and "@everyone" not in outside_code   # code blocks show text as is
        assert not re.search(r"<(?!t:\d+:[dDfFtTR]>)", live) and not re.search(r"(?<!\*)\*(?!\*)|_|~|\|", live)
        assert not [line for line in live.splitlines() if re.match(r"[#>]|-|\d+\. ", line)]
        for block in re.findall(r"```\n(.*?)\n```", text, flags=re.DOTALL):
            assert all(len(line) <= embeds.TABLE_WIDTH for line in block.splitlines())
    results_page, at_richmond, recap_embed = replies[0], replies[5], replies[-1]
    assert at_richmond["title"] == "red Driver6 at Richmond Raceway"
    table = re.search(r"```\n(.*?)\n```", results_page["description"], flags=re.DOTALL)[1].splitlines()
    assert len(table) == 2 + 20                           # header, rule, one line per result on page 1
    assert "\\[x\\](https\\://e.com) Driver1" in recap_embed["description"]
    assert "u/someone Driver3" in shown_on_discord(recap_embed["description"])


# -- /config -----------------------------------------------------------------------------------------

OTHER_GUILD_ID = 1_200_000_000_000_000_100
OTHER_CHANNEL_ID = 1_200_000_000_000_000_101
VOICE_CHANNEL_ID = 1_200_000_000_000_000_011
NEWS_CHANNEL_ID = 1_200_000_000_000_000_012
ADMIN = {"permissions": SEND_AND_READ | MANAGE_GUILD}


@pytest.fixture
async def two_servers(real_store_copy):
    """The bot in our server (text, voice and announcement channels) and in another one."""
    ours = guild()
    ours.channels += [
        FakeChannel(id=VOICE_CHANNEL_ID, name="voice", type=2),
        FakeChannel(id=NEWS_CHANNEL_ID, name="news", type=5),
    ]
    other = FakeGuild(id=OTHER_GUILD_ID, name="Elsewhere", channels=[FakeChannel(id=OTHER_CHANNEL_ID, name="general")])
    async with FakeDiscord(guilds=[ours, other]) as fake:
        with redirect_discord_to(fake):
            async with running_pitboard(fake, real_store_copy):
                yield fake, real_store_copy


@pytest.mark.parametrize("channel", [OTHER_CHANNEL_ID, VOICE_CHANNEL_ID])
async def test_config_channel_refuses_other_servers_and_non_text_channels(two_servers, channel, caplog):
    fake, store = two_servers
    await guilds.set_announce_channel(store, DEFAULT_GUILD_ID, ANNOUNCE_CHANNEL_ID)
    with caplog.at_level(logging.WARNING):
        reply = await (await fake.send_slash_command("config", {"channel": channel}, subcommand="channel", **ADMIN)).response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "text channel of this server" in embed_text(reply["data"]["embeds"][0])
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert (await guilds.get(store, DEFAULT_GUILD_ID)).announce_channel_id == ANNOUNCE_CHANNEL_ID


async def test_config_channel_accepts_an_announcement_channel_and_turning_off(two_servers):
    fake, store = two_servers
    config = next(command for command in fake.synced_commands() if command["name"] == "config")
    [option] = next(sub for sub in config["options"] if sub["name"] == "channel")["options"]
    assert option["type"] == 7 and option["channel_types"] == [0, 5]  # Discord offers text and announcement channels
    reply = await settled_reply(
        await fake.send_slash_command("config", {"channel": NEWS_CHANNEL_ID}, subcommand="channel", **ADMIN)
    )
    assert f"<#{NEWS_CHANNEL_ID}>" in reply["content"]
    assert (await guilds.get(store, DEFAULT_GUILD_ID)).announce_channel_id == NEWS_CHANNEL_ID
    off = await settled_reply(await fake.send_slash_command("config", {}, subcommand="channel", **ADMIN))
    assert "Announcements are off." in off["content"]
    assert (await guilds.get(store, DEFAULT_GUILD_ID)).announce_channel_id is None


@pytest.mark.parametrize("name", ["NASCAR\n", "NASCAR\nx", "r/NASCAR\n", "\nNASCAR"])
async def test_config_subreddit_refuses_a_line_break(two_servers, name):
    fake, store = two_servers
    reply = await (await fake.send_slash_command(
        "config", {"series": "cup", "subreddit": name}, subcommand="subreddit-add", **ADMIN,
    )).response()
    assert reply["data"]["flags"] & EPHEMERAL and "subreddit name" in embed_text(reply["data"]["embeds"][0])
    assert (await guilds.get(store, DEFAULT_GUILD_ID)).subreddits == {}


def test_clean_subreddit():
    assert guilds.clean_subreddit(" r/NASCAR ") == "NASCAR"
    for bad in ("NASCAR\n", "NAS\nCAR", "x", "a" * 22, "NASCAR/extra"):
        with pytest.raises(BadOption):
            guilds.clean_subreddit(bad)
