"""Recaps say only what the data holds, and read well (issue 9, items 5 and 6).

On the real bundled history with NASCAR's real 2023 race list and the Richmond weekend feed imported:
`pitboard thread` as fans type it (in-process, one run as the installed command), the Reddit markdown,
and every recap of a sample of real races spread over eras and series.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.render import recap
from db import queries
from db.models import RaceResults, race_key
from db.names import NameIndex
from db.nascar_feed import import_file
from db.recaps import recap_facts
from db.records import replace
from db.short_names import ShortNames
from db.store import Store
from testkit.builds import built_once, names_of, store_with_names
from testkit.samples import RACE_LIST_2023, RICHMOND_FEED

SAMPLE_STEP = 100           # every 100th race with results: ~50 races from 1949 to 2025, all three series
WIDTH = 100


@pytest.fixture(scope="session")
def feed_db(real_db, tmp_path_factory) -> Path:
    """The history with the 2023 race list (dates, scheduled laps, margins) and Richmond's weekend feed, made once per
    test run (read it only)."""

    def build(path: Path) -> None:
        shutil.copy(real_db, path)

        async def load() -> None:
            async with Store.open(path) as store:
                for document in (RACE_LIST_2023, RICHMOND_FEED):
                    await import_file(store, document)

        asyncio.run(load())

    return built_once(tmp_path_factory, "recap-truth", build)


@pytest.fixture(scope="session")
def feed_names(feed_db) -> NameIndex:
    """feed_db's name index, loaded once per worker."""
    return names_of(feed_db)


@pytest.fixture
async def feed_store(feed_db, feed_names):
    """A store of feed_db (read it only), starting from the worker's one load of its name index."""
    async with store_with_names(feed_db, feed_names) as store:
        yield store


def thread(capsys, db: Path, *args: str) -> str:
    assert main(["--db", str(db), "thread", *args]) == 0
    return capsys.readouterr().out


def prose_of(text: str) -> str:
    """The recap's paragraphs in terminal text, unwrapped: everything between the title and the first table."""
    paragraphs = text.split("\n\n")[2:]
    prose = []
    for paragraph in paragraphs:
        if paragraph.startswith("Pos "):
            break
        prose.append(paragraph.replace("\n", " "))
    return "\n".join(prose)


# (arguments of `pitboard thread`, sentences the recap says, sentences it must not say)
THREADS = [
    pytest.param(
        ["phoenix"],
        [
            "Ryan Blaney won the NASCAR Cup Series Championship race at Phoenix Raceway.",
            "Denny Hamlin led a race-high 208 laps but finished sixth.",
            # his Daytona win among them: a fan counts the superspeedways among the (paved) ovals
            "In 29 earlier paved-oval races this season, Blaney had three wins and 17 top-10 finishes.",
        ],
        # his previous win came two races before: no wait worth telling
        ["won the NASCAR Cup Series Championship at", "champion of", "title", "previous Cup Series win", "The previous one"],
        id="a race name is never a championship claim; race-high leader; season on ovals summarised",
    ),
    pytest.param(
        ["darlington", "--year", "1950", "--series", "cup"],
        [
            "At least five cars failed to finish (status unknown for 42 of 75): Jack Smith (accident, 345 laps),",
            "Thirty-two drivers made their first Cup Series start, including Hershel McGriff (ninth), Johnny Grubb (12th), "
            "John DuBoise (14th) and Weldon Adams (15th).",
            "It was Mantz's first career Cup Series win, in Cup Series start No. 3.",
            "Mantz has started three of the 13 Cup Series races run so far in 1950.",
        ],
        ["Five cars failed to finish", "Jesse James Taylor"],
        id="counts on unknown statuses say so; a long list is summarised; a part-timer's season",
    ),
    pytest.param(
        ["mesa marin", "--year", "1998", "--series", "truck"],
        ["Ten trucks failed to finish, among them Kevin Cywinski (transmission, 252 laps),", "Randy Tolsma did not start."],
        ["Eleven trucks failed to finish"],
        id="a truck that did not start is said so, not counted among those that failed to finish",
    ),
    pytest.param(
        ["daytona 500", "--year", "1979"],
        [
            "Donnie Allison led a race-high 93 laps but finished fourth, out in an accident after 199 laps.",
            "Darrell Waltrip finished second, ahead of A.J. Foyt, Donnie Allison and Cale Yarborough.",
        ],
        [". Allison led", ", Allison and"],
        id="what happened to the race-high leader; two Allisons in the field keep their full names",
    ),
    pytest.param(
        ["mid-ohio", "--year", "2022", "--series", "truck"],
        [
            "Kligerman started second and led 56 of 67 laps. Stage 1 went to Kligerman and stage 2 to Zane Smith.",
            "Earlier this season on road courses, Kligerman finished 19th and seventh.",
            "Kligerman has started eight of the 15 Truck Series races run so far in 2022.",
        ],
        ["started 2nd", "swept"],
        id="ordinals in words to ninth; a third sentence opening with the same name is worded another way",
    ),
    pytest.param(
        ["chicago", "--year", "2023", "--series", "cup"],
        [
            "Shane van Gisbergen won the Grant Park 220 at Chicago Street Course.",
            "It was van Gisbergen's first career Cup Series win, in a Cup Series debut.",
            "Van Gisbergen started third and led 9 of 78 laps. Christopher Bell swept both stages.",
            "Bell led a race-high 37 laps but finished 18th.",
            "The race ended after 78 of its scheduled 100 laps.",
        ],
        ["was Gisbergen's", ". Gisbergen started", "van Gisbergen made a first", "was making a first"],
        id="surname particle; a win on debut; a stage sweep; a race shorter than scheduled",
    ),
    pytest.param(
        ["daytona 500", "--year", "2023"],
        [
            "Ricky Stenhouse Jr. won the DAYTONA 500 at Daytona International Speedway."
            " It was Stenhouse's third career Cup Series win.",
            # the raw data: his wins in 2017 (races 10 and 17), then 199 Cup starts before this one
            "Stenhouse's previous Cup Series win had come in 2017 at Daytona International Speedway, 199 starts earlier.",
            "The race ran 12 laps beyond its scheduled 200.",
            "Chris Buescher had the race's best driver rating, 109.7.",
            "Joey Logano finished second, ahead of Christopher Bell, Buescher and pole-sitter Alex Bowman.",
            "Jimmie Johnson made a first Cup Series start since 2020 and finished 31st, out in an accident after 203 laps.",
            "Next for the Cup Series: the Pala Casino 400 at Auto Club Speedway, on Sunday, February 26.",
        ],
        ["Stenhouse Jr.'s", "Pole-sitter Bowman finished"],
        id="suffix dropped; past the scheduled distance; a return after exactly three seasons; the series' next race",
    ),
    pytest.param(
        ["richmond", "--year", "2023", "--series", "cup", "--round", "7"],
        [
            "William Byron won stage 1 and Denny Hamlin stage 2. Byron led a race-high 117 laps but finished 24th.",
            "There were eight cautions for 54 laps and 22 lead changes among 11 drivers.",
            "Josh Berry finished second, 1.535 seconds behind",
            "In five earlier paved-oval races this season, Larson had no wins and two top-10 finishes.",
            "Next for the Cup Series: the Food City Dirt Race at Bristol Motor Speedway Dirt Track, on Sunday, April 9.",
        ],
        ["has started", "was making a first", "Larson's 20th career Cup Series win, the first"],
        id="feed race: stages, cautions, margin; a full-timer has no part-time sentence",
    ),
    pytest.param(
        ["las vegas", "--year", "2023", "--series", "cup", "--round", "3"],
        ["finished second, 0.622 seconds behind"],
        [" .622 seconds", "0.62 seconds"],
        id="a margin under a second",
    ),
    pytest.param(
        ["las vegas", "--year", "2023", "--series", "truck"],
        [
            "Busch was making a first Truck Series start of 2023, in the season's second race.",
            "There were six cautions for 27 laps and 16 lead changes among eight drivers.",
        ],
        [],
        id="a part-time entry's win",
    ),
    pytest.param(
        ["las vegas", "--year", "2017", "--series", "cup"],
        ["It was Truex's eighth career Cup Series win", "Truex swept both stages."],
        ["Truex Jr.'s", "won stage 1"],
        id="the winner swept both stages",
    ),
    pytest.param(
        ["richmond", "--year", "2000", "--series", "cup", "--round", "11"],
        [
            "It was Earnhardt Jr.'s second career Cup Series win, the first at Richmond Raceway.",
            "Earnhardt Jr. started fifth and led 31 of 400 laps.",
        ],
        ["Earnhardt's second"],
        id="a suffix kept where a namesake of the family won races",
    ),
    pytest.param(
        ["dover", "--year", "2007", "--series", "cup", "--round", "13"],
        [
            "It was Truex's first career Cup Series win, in Cup Series start No. 58.",
            "Pole-sitter Ryan Newman finished second, ahead of Carl Edwards, Denny Hamlin and Matt Kenseth.",
        ],
        ["Truex Jr.'s", "Pole-sitter Newman"],
        id="a suffix dropped where the namesake never won (Martin Truex Sr.)",
    ),
    pytest.param(
        ["daytona 500", "--year", "1973"],
        ["Richard Petty won the Daytona 500 at Daytona International Speedway.", "Petty started seventh."],
        [" led ", "led no laps", "race-high"],
        id="laps led the data does not hold are not told",
    ),
]


@pytest.mark.parametrize(("args", "said", "unsaid"), THREADS)
def test_thread_says_what_the_data_holds(feed_db, capsys, args, said, unsaid):
    prose = prose_of(thread(capsys, feed_db, *args))
    for sentence in said:
        assert sentence in prose
    for sentence in unsaid:
        assert sentence not in prose


def test_the_installed_command_makes_no_championship_claim(real_db):
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run([script, "thread", "phoenix"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PITBOARD_DB": str(real_db)})
    assert done.returncode == 0, done.stderr
    assert "Ryan Blaney won the NASCAR Cup Series Championship race at Phoenix Raceway." in done.stdout
    assert "won the NASCAR Cup Series Championship at" not in done.stdout


def test_reddit_header_and_title_use_the_eastern_date(feed_db, capsys):
    out = thread(capsys, feed_db, "las vegas", "--year", "2023", "--series", "truck", "--markdown")
    assert "** · Las Vegas Motor Speedway · March 3, 2023\n" in out   # Friday 9 PM ET is March 4 in UTC
    assert "March 4" not in out


async def test_title_date_is_eastern_and_reddit_keeps_long_team_names(feed_store):
    facts = await recap_facts(feed_store, await queries.results(feed_store, "las vegas", 2023, "truck"))
    southern = await recap_facts(feed_store, await queries.results(feed_store, "darlington", 1950, "cup"))
    assert (
        recap.title(facts, "{winner} wins at {track} ({date})") == "Kyle Busch wins at Las Vegas Motor Speedway (March 3, 2023)"
    )
    body = recap.reddit_body(southern, race_key(southern.details.race))
    assert "| Hubert Westmoreland \\(Owner\\) |" in body and "…" not in body
    text = recap.text_recap(southern)
    assert "Hubert Westmoreland (Own…" in text and max(len(line) for line in text.splitlines()) <= WIDTH


async def test_laps_led_unknown_are_empty_cells_not_zeros(feed_store):
    facts = await recap_facts(feed_store, await queries.results(feed_store, "daytona 500", 1973))
    assert not facts.laps_led_known and facts.top_leader is None
    body = recap.reddit_body(facts, "k")
    winner_row = next(line for line in body.splitlines() if line.startswith("| 1 |"))
    assert winner_row.split(" | ")[6] == ""     # Pos, #, Driver, Team, Make, Laps, Led


async def test_a_null_is_left_out_never_zero(feed_store):
    facts = await recap_facts(feed_store, await queries.results(feed_store, "richmond", 2023, "cup", 7))

    def prose(**race_changes) -> str:
        race = replace(facts.details.race, **race_changes)
        details: RaceResults = replace(facts.details, race=race)
        return " ".join(recap.paragraphs(replace(facts, details=details)))

    assert "There were eight cautions and 22 lead changes." in prose(caution_laps=None, leaders=None)
    assert "There were" not in prose(cautions=None, lead_changes=None)
    assert "Larson started ninth and led 93 laps." in prose(laps=None)
    assert "seconds behind" not in prose(margin=None)


@pytest.mark.parametrize(
    ("field", "full", "short"),
    [
        (["Shane van Gisbergen"], "Shane van Gisbergen", "van Gisbergen"),
        (["Sarel Van Der Merwe"], "Sarel Van Der Merwe", "Van Der Merwe"),
        (["Andres Perez de Lara"], "Andres Perez de Lara", "Perez de Lara"),
        (["Gary St. Amant"], "Gary St. Amant", "St. Amant"),
        (["Van Van Wey"], "Van Van Wey", "Van Wey"),
        (["Martin Truex Jr."], "Martin Truex Jr.", "Truex"),
        (["Trey Burke III"], "Trey Burke III", "Burke"),
        (["Dale Earnhardt Jr.", "Dale Earnhardt"], "Dale Earnhardt Jr.", "Earnhardt Jr."),
        (["Bill Scott (Brevard)"], "Bill Scott (Brevard)", "Scott"),
        (["Kyle Busch", "Kurt Busch"], "Kyle Busch", "Kyle Busch"),
        (["Kyle Busch", "Kyle Larson"], "Kyle Busch", "Busch"),
        (["Danny O'Quinn Jr."], "Danny O'Quinn Jr.", "O'Quinn"),
    ],
)
def test_short_names_as_fans_write_them(field, full, short):
    assert ShortNames(field, keep_suffix=["Dale Earnhardt Jr."])(full) == short


# ---- every recap of a sample of real races -------------------------------------------------------

ORDINAL_FIGURE = re.compile(r"\b[1-9](st|nd|rd|th)\b")
ORDINAL_SPELLED = re.compile(r"\b(tenth|eleventh|twelfth|\w+teenth|\w+ieth)\b", re.IGNORECASE)
SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9)][.])\s+(?=[A-Z])")
ZERO_FROM_NULL = re.compile(r"\bfor (0|no) laps?\b|\bamong (0|no) drivers\b|\bled (0|no) laps\b|\bled 0 of\b")
CLAIM = re.compile(r"\bchampion(ship)?s?\b|\bplayoffs?\b|\btitles?\b", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Rendered:
    label: str
    paragraphs: list[str]
    text: str
    markdown: str
    data_names: frozenset[str]      # every name from the data the recap may quote
    race_names: tuple[str, ...]     # the race's and the next race's names


@pytest.fixture(scope="session")
def sample(feed_db, tmp_path_factory) -> list[Rendered]:
    """Every recap of the sample, rendered once per test run (a file the workers share) and read by each worker."""

    def build(path: Path) -> None:
        path.write_text(json.dumps([dataclasses.asdict(item) for item in asyncio.run(render_sample(feed_db))], default=sorted))

    shared = built_once(tmp_path_factory, "recap-truth-sample", build, filename="sample.json")
    return [
        Rendered(item["label"], item["paragraphs"], item["text"], item["markdown"], frozenset(item["data_names"]),
                 tuple(item["race_names"]))
        for item in json.loads(shared.read_text())
    ]


async def render_sample(feed_db: Path) -> list[Rendered]:
    """Every SAMPLE_STEP-th race with results, and every race imported from a feed: its recap in each rendering."""
    async with Store.open(feed_db) as store:
        rows = await store.fetchall(
            "SELECT r.id FROM races r WHERE EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id) ORDER BY r.id"
        )
        ids = [row[0] for row in rows][::SAMPLE_STEP] + [row[0] for row in await store.fetchall(
            "SELECT id FROM races WHERE source_id IS NOT NULL AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = races.id)"
        )]
        rendered = []
        for race_id in dict.fromkeys(ids):
            [race] = await queries.find_races(store, "r.id = ?", (race_id,))
            facts = await recap_facts(store, await queries.race_details(store, race))
            lines = facts.details.results
            names = {race.name, race.track} | {line.driver for line in lines} | {line.team or "" for line in lines}
            names |= {line.status or "" for line in lines} | {line.make or "" for line in lines}
            following = facts.next_race
            if following is not None:
                names |= {following.name, following.track}
            rendered.append(Rendered(
                f"{race.season} {race.series} R{race.round} {race.name}", recap.paragraphs(facts), recap.text_recap(facts),
                recap.reddit_body(facts, race_key(race)), frozenset(names - {""}),
                (race.name,) + ((following.name,) if following else ()),
            ))
        return rendered


def sentences(paragraph: str) -> list[str]:
    return SENTENCE_BREAK.split(paragraph)


def test_the_sample_spans_eras_and_series(sample):
    assert len(sample) >= 50
    labels = " ".join(item.label for item in sample)
    assert all(series in labels for series in (" cup ", " xfinity ", " truck "))
    assert "1949 cup" in labels and "2025" in labels


def test_no_claim_the_data_cannot_hold(sample):
    for item in sample:
        prose = " ".join(item.paragraphs)
        for name in item.race_names:
            if CLAIM.search(name):   # quoted only as a race's name, and then called a race
                prose = prose.replace(f"{name} race", "")
        for name in sorted(item.data_names, key=len, reverse=True):
            prose = prose.replace(name, "")
        assert not CLAIM.search(prose), item.label


def test_no_none_and_no_zero_made_of_a_null(sample):
    for item in sample:
        for output in (" ".join(item.paragraphs), item.text, item.markdown):
            assert not re.search(r"\bNone\b", output), item.label
        assert not ZERO_FROM_NULL.search(" ".join(item.paragraphs)), item.label


def test_no_three_sentences_in_a_row_open_the_same_way(sample):
    for item in sample:
        openings = [sentence.split(" ", 1)[0] for paragraph in item.paragraphs for sentence in sentences(paragraph)]
        runs = [openings[i] for i in range(2, len(openings)) if openings[i] == openings[i - 1] == openings[i - 2]]
        assert not runs, (item.label, runs)


def test_ordinals_are_consistent(sample):
    for item in sample:
        prose = " ".join(item.paragraphs)
        assert not ORDINAL_FIGURE.search(prose), item.label          # first to ninth in words
        assert not ORDINAL_SPELLED.search(prose), item.label         # 10th and up in figures


def test_terminal_text_fits_100_columns_and_keeps_words_whole(sample):
    for item in sample:
        assert max(len(line) for line in item.text.splitlines()) <= WIDTH, item.label
        wrapped = [block.replace("\n", " ") for block in item.text.split("\n\n")]
        for paragraph in item.paragraphs:      # wrapping split no word, hyphenated or not
            assert paragraph in wrapped, item.label


def test_no_single_season_range(sample):
    for item in sample:
        for output in (item.text, item.markdown):
            assert not re.search(r"\b(\d{4})[–-]\1\b", output), item.label


async def test_an_exhibition_win_is_not_counted(feed_store):
    details = await queries.results(feed_store, "richmond", 2023, "cup", 7)
    exhibition = replace(details, race=replace(details.race, exhibition=True, round=None))
    facts = await recap_facts(feed_store, exhibition)
    prose = " ".join(recap.paragraphs(facts))
    assert "Kyle Larson won the Toyota Owners 400 at Richmond Raceway, a non-points exhibition race." in prose
    assert "career" not in prose and "so far in" not in prose and "earlier" not in prose.casefold()
