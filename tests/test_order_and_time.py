"""Order and time, exhibitions, scheduled races and unknowns (issue 9, items 1 and 5), asked as a fan asks.

Through `pitboard ask` (the real CLI, in process) and the real discord.py client against the fake Discord.
The bundled history has no dates, no exhibitions and no scheduled races: the 2023 race list brings all three
(the Clash, the Duels and the All-Star races; the All-Star Race is still scheduled in that early-2023
capture), and the Richmond weekend feed links the drivers' feed ids so the race list's winners have names.
The race list holds no results, so `exhibition_db` adds a classification to the Clash: Richmond's weekend
feed re-labelled as the Clash (its header and results unchanged, only its identity), which is what makes the
career, head-to-head and standings filters matter.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.render import embeds, jsondata, text
from db import queries
from db.nascar_feed import import_document, parse_race_list
from db.store import Store, bundled_migrations
from testkit.builds import built_once
from testkit.discord_harness import embed_text, guild, running_pitboard
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to
from testkit.samples import RACE_LIST_2023, RICHMOND_FEED

LAS_VEGAS_TRUCK_2023 = datetime(2023, 3, 4, 2, 0, tzinfo=UTC)   # Fri Mar 3, 2023, 9 PM EST


def _import(path: Path, *documents: bytes) -> None:
    async def run() -> None:
        async with Store.open(path) as store:
            for body in documents:
                await import_document(store, body)

    asyncio.run(run())


def _derived(source: Path, path: Path, *documents: bytes) -> None:
    """`path`: a copy of the database `source` with `documents` imported (the session's databases: read them only)."""
    shutil.copy(source, path)
    _import(path, *documents)


def _copy(source: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, directory / "pitboard.db"))


def clash_with_results() -> bytes:
    """Richmond's weekend feed as the 2023 Clash at the Coliseum (race 5259 of the race list): an exhibition
    with a full classification (Kyle Larson wins, Denny Hamlin runs)."""
    document = json.loads(RICHMOND_FEED.read_bytes())
    race = document["weekend_race"][0]
    race.update(race_id=5259, race_type_id=2, race_name="Busch Light Clash at The Coliseum", track_id=217,
                track_name="Los Angeles Memorial Coliseum", race_date="2023-02-05T20:00:00",
                date_scheduled="2023-02-05T20:00:00", inspection_complete=True)
    return json.dumps(document).encode()


def with_laps_led_unknown(driver: str) -> bytes:
    """Richmond's weekend feed with `laps_led: null` for one driver."""
    document = json.loads(RICHMOND_FEED.read_bytes())
    row = next(row for row in document["weekend_race"][0]["results"] if row["driver_fullname"] == driver)
    row["laps_led"] = None
    return json.dumps(document).encode()


@pytest.fixture(scope="session")
def race_list_db(real_db, tmp_path_factory) -> Path:
    return built_once(tmp_path_factory, "race-list", lambda path: _derived(real_db, path, RICHMOND_FEED.read_bytes(),
                                                                         RACE_LIST_2023.read_bytes()))


@pytest.fixture(scope="session")
def exhibition_db(race_list_db, tmp_path_factory) -> Path:
    return built_once(tmp_path_factory, "exhibition", lambda path: _derived(race_list_db, path, clash_with_results()))


@pytest.fixture(scope="session")
def richmond_only_db(real_db, tmp_path_factory) -> Path:
    """Only the Richmond spring race is dated: the summer race of the same season is not."""
    return built_once(tmp_path_factory, "richmond-only", lambda path: _derived(real_db, path, RICHMOND_FEED.read_bytes()))


@pytest.fixture
def ask(capsys, monkeypatch):
    """`pitboard ask` on a database: (exit status, stdout + stderr)."""

    def asking(database: Path, *argv: str) -> tuple[int, str]:
        monkeypatch.setenv("PITBOARD_DB", str(database))
        status = main(["ask", *argv])
        out, err = capsys.readouterr()
        return status, out + err

    return asking


def databases(request, name: str) -> Path:
    return request.getfixturevalue(name)


# --- Order --------------------------------------------------------------------------------------------------

ORDER = [
    # (database, typed, races in the answer as "season series round" in order, heading or None)
    pytest.param("real_db", "/winner texas", ["2025 cup 11", "2025 xfinity 12", "2025 truck 8"],
                 "Latest race of each series at Texas Motor Speedway", id="texas: the latest of each series, Cup first"),
    pytest.param("real_db", "/winner texas xfinity", ["2025 xfinity 12"], "Most recent Xfinity race at Texas Motor Speedway",
                 id="texas xfinity: one series, its latest round"),
    pytest.param("real_db", "/winner mid-ohio", ["2023 truck 14", "2021 xfinity 13"], "Latest race of each series",
                 id="latest season first across series"),
    pytest.param("real_db", "/winner las vegas 2023",
                 ["2023 cup 33", "2023 cup 3", "2023 xfinity 30", "2023 xfinity 3", "2023 truck 2",
                  "2023 f1 21"],
                 "Races at Las Vegas Motor Speedway and Las Vegas Street Circuit in 2023",
                 id="undated season: series by series, F1 on the Strip too"),
    pytest.param("real_db", "/winner german gp", ["2019 f1 11"], "Most recent German Grand Prix",
                 id="a race run at several tracks is named as a race, not as a track"),
    pytest.param("race_list_db", "/winner las vegas 2023",
                 ["2023 f1 21", "2023 cup 33", "2023 xfinity 30", "2023 cup 3", "2023 xfinity 3", "2023 truck 2"],
                 None, id="dated season: by start time"),
    pytest.param("richmond_only_db", "/winner richmond 2023 cup", ["2023 cup 22", "2023 cup 7"], None,
                 id="a dated race is not later than a later round without a date"),
]


@pytest.mark.parametrize(("database", "typed", "races", "heading"), ORDER)
def test_order_claims_only_what_the_data_knows(request, ask, database, typed, races, heading):
    status, out = ask(databases(request, database), "--json", typed)
    assert status == 0
    assert [f"{r['season']} {r['series']} {r['round']}" for r in json.loads(out)["races"]] == races
    status, out = ask(databases(request, database), typed)
    assert "Most recent race at" not in out      # the old claim of one latest race across series
    if heading:
        assert out.splitlines()[0].startswith(heading)


def test_results_without_year_says_which_race_and_lists_the_others(real_db, ask):
    status, out = ask(real_db, "/results texas")
    assert status == 0 and out.startswith("2025 Cup R11: Wurth 400")
    assert "Also matching: 2025 Xfinity R12 (Andy's Frozen Custard 300); 2025 Truck R8 (SpeedyCash.com 250)" in out


# --- Time ---------------------------------------------------------------------------------------------------

TIMES = [
    # (typed, shown, not shown)
    ("/winner las vegas 2023 truck", "(Las Vegas Motor Speedway, Fri Mar 3, 2023)", "Mar 4"),
    ("/winner coliseum", "(Los Angeles Memorial Coliseum, Sun Feb 5, 2023)", "Feb 6"),
    ("/results las vegas 2023 truck", "Fri Mar 3, 2023", "Mar 4"),
    ("/schedule cup 2023", "Sun May 21, 2023 5:00 PM EDT  Cup     exh.  NASCAR All-Star Open", "12:00 AM"),
    ("/schedule truck 2023", "Fri Mar 3, 2023 9:00 PM EST", "Mar 4, 2023"),
]


@pytest.mark.parametrize(("typed", "shown", "hidden"), TIMES)
def test_dates_are_us_eastern(race_list_db, ask, typed, shown, hidden):
    status, out = ask(race_list_db, typed)
    assert status == 0 and shown in out and hidden not in out


def test_json_date_is_the_eastern_day_and_the_instant_is_utc(race_list_db, ask):
    _, out = ask(race_list_db, "--json", "/winner las vegas 2023 truck")
    race = json.loads(out)["races"][0]
    assert race["date"] == "2023-03-03" and datetime.fromisoformat(race["starts_at"]) == LAS_VEGAS_TRUCK_2023


def test_a_midnight_start_takes_the_scheduled_time_or_is_a_date_only():
    document = json.loads(RACE_LIST_2023.read_bytes())
    races = {record.name: record for record in parse_race_list(document)}
    open_race = races["NASCAR All-Star Open"]   # race_date 2023-05-21T00:00:00, date_scheduled 2023-05-21T17:00:00
    assert (open_race.starts_at, open_race.date_only) == (datetime(2023, 5, 21, 21, 0, tzinfo=UTC), False)
    entry = next(race for race in document["series_1"] if race["race_name"] == "NASCAR All-Star Open")
    entry["date_scheduled"] = "2023-05-21T00:00:00"
    open_race = next(r for r in parse_race_list(document) if r.name == "NASCAR All-Star Open")
    assert (open_race.starts_at, open_race.date_only) == (datetime(2023, 5, 21, 4, 0, tzinfo=UTC), True)


def test_a_date_only_race_shows_its_day_without_a_time(race_list_db, tmp_path, ask):
    document = json.loads(RACE_LIST_2023.read_bytes())
    entry = next(race for race in document["series_1"] if race["race_name"] == "NASCAR All-Star Open")
    entry["date_scheduled"] = "2023-05-21T00:00:00"
    database = _copy(race_list_db, tmp_path)
    _import(database, json.dumps(document).encode())
    _, out = ask(database, "/schedule cup 2023")
    line = next(line for line in out.splitlines() if "All-Star Open" in line)
    assert line.startswith("Sun May 21, 2023  ") and "AM" not in line and "PM" not in line
    _, out = ask(database, "--json", "/schedule cup 2023")
    race = next(race for race in json.loads(out)["races"] if race["name"] == "NASCAR All-Star Open")
    assert race["date"] == "2023-05-21" and race["starts_at"] is None


async def test_migration_marks_earlier_midnight_starts_date_only(tmp_path):
    path = tmp_path / "old.db"
    async with Store.open(path, migrations=bundled_migrations()[:7]) as store, store.transaction() as conn:
        await conn.execute("INSERT INTO series (id, key, name, short_name) VALUES (1, 'cup', 'NASCAR Cup Series', 'Cup')")
        await conn.execute("INSERT INTO tracks (id, name, kind) VALUES (1, 'Somewhere', 'oval')")
        for race_id, starts_at in ((1, "2023-05-21T04:00:00+00:00"), (2, "2023-05-21T21:00:00+00:00"), (3, None)):
            await conn.execute(
                "INSERT INTO races (id, series_id, season, name, track_id, kind, starts_at, status, source) "
                "VALUES (?, 1, 2023, 'Race', 1, 'oval', ?, 'scheduled', 'feed')", (race_id, starts_at))
    async with Store.open(path) as store:
        rows = await store.fetchall("SELECT id, date_only FROM races ORDER BY id")
    assert [tuple(row) for row in rows] == [(1, 1), (2, 0), (3, None)]


# --- Unknown is not zero ------------------------------------------------------------------------------------

def test_a_winner_without_laps_led_says_nothing_about_laps_led(race_list_db, ask):
    status, out = ask(race_list_db, "/winner coliseum")
    assert status == 0 and "Winner: Martin Truex Jr." in out and "led" not in out.split("Winner:")[1].split("\n")[0]
    _, out = ask(race_list_db, "--json", "/winner coliseum")
    assert json.loads(out)["races"][0]["winner_laps_led"] is None


def test_a_null_laps_led_in_the_feed_stays_unknown(real_db, tmp_path, ask):
    database = _copy(real_db, tmp_path)
    _import(database, with_laps_led_unknown("Kyle Larson"))
    _, out = ask(database, "/winner richmond 2023 cup")
    spring = out.split("2023 Cup R7")[1]
    assert "Kyle Larson (#5 Hendrick Motorsports Chevrolet), from 9th\n" in spring   # no "led no laps"
    _, out = ask(database, "--json", "/results richmond 2023 cup 7")
    assert json.loads(out)["results"][0]["laps_led"] is None
    _, out = ask(database, "--json", "/driver kyle larson cup")
    assert json.loads(out)["series"]["cup"]["laps_led"] is None        # a career total that would need it is unknown
    _, out = ask(database, "/h2h kyle larson denny hamlin cup")
    assert next(line for line in out.splitlines() if line.startswith("Laps led")).split()[2] == "–"


# --- Exhibitions and scheduled races ------------------------------------------------------------------------

def test_scheduled_races_are_never_winners(race_list_db, ask):
    """The All-Star Race and Open at North Wilkesboro are in the race list, not run yet."""
    _, out = ask(race_list_db, "--json", "/winner north wilkesboro 2023")
    assert [(r["series"], r["name"]) for r in json.loads(out)["races"]] == [
        ("truck", "NASCAR Craftsman Truck Series Race at North Wilkesboro")]
    _, out = ask(race_list_db, "--json", "/winner north wilkesboro cup")
    assert [r["season"] for r in json.loads(out)["races"]] == [1996]


async def test_next_of_nascar_and_f1_credits_both_as_discord_does(race_list_db, tmp_path):
    """/next with the race list's NASCAR weekends and F1DB's calendar: the terminal's last line and `--json`'s `credit`
    are Discord's footer credit, both families'."""
    async with Store.open(_copy(race_list_db, tmp_path)) as store:
        upcoming = await queries.next_races(store, now=datetime(2023, 3, 1, tzinfo=UTC))
    assert {race.series for race in upcoming.upcoming} == {"cup", "f1"}   # the All-Star Open, the first F1 race without results
    both = "Data: nascaR.data (DriverAverages.com), NASCAR, F1DB (CC BY 4.0)"
    assert text.next_races(upcoming).endswith(f"\n\n{both}") and jsondata.next_races(upcoming)["credit"] == both
    assert embeds.next_races(upcoming).footer.text == f"Times show in your own time zone · {both}"


def test_the_exhibition_is_shown_labelled(exhibition_db, ask):
    _, out = ask(exhibition_db, "/winner coliseum")
    assert "2023 Cup exhibition: Busch Light Clash at The Coliseum" in out and "Winner: Kyle Larson" in out
    assert "Exhibition: not counted in careers" in out
    _, out = ask(exhibition_db, "/results coliseum")
    classification = out.split("\n\n")[1].splitlines()
    assert "Exhibition: not counted" in out and classification[0].startswith("Pos") and len(classification) == 2 + 37


COUNTED = [
    pytest.param("/driver kyle larson", id="career"),
    pytest.param("/driver denny hamlin cup", id="career in a series"),
    pytest.param("/h2h kyle larson denny hamlin", id="head-to-head"),
    pytest.param("/standings cup 2023", id="standings"),
    pytest.param("/track coliseum", id="track record"),
]


@pytest.mark.parametrize("typed", COUNTED)
def test_an_exhibition_counts_for_nothing(race_list_db, exhibition_db, ask, typed):
    """Adding a 37-car exhibition that Kyle Larson won changes no career, head-to-head, standings or record."""
    before, after = ask(race_list_db, "--json", typed), ask(exhibition_db, "--json", typed)
    assert before == after


def test_an_exhibition_only_track_says_what_it_knows(race_list_db, ask):
    status, out = ask(race_list_db, "/track coliseum")
    assert status == 1 and "It hosted races in 2023" not in out
    assert out.startswith("No points races at Los Angeles Memorial Coliseum in the data.")
    assert "an exhibition: 2023 Cup Busch Light Clash at The Coliseum" in out


def test_an_empty_classification_is_a_sentence(race_list_db, ask):
    status, out = ask(race_list_db, "/results coliseum")
    assert status == 0 and "No finishing order in the data for this race." in out and "Pos" not in out


@pytest.mark.parametrize(("typed", "shown", "hidden"), [
    ("/track lime rock", "NASCAR Craftsman Truck Series: 1 race, 2025", "2025–2025"),
    ("/driver connor zilisch cup", "2025", "2025–2025"),
])
def test_a_single_season_is_one_year(real_db, ask, typed, shown, hidden):
    status, out = ask(real_db, typed)
    assert status == 0 and shown in out and hidden not in out


# --- Discord ------------------------------------------------------------------------------------------------

async def test_discord_dates_labels_and_unknowns(race_list_db, tmp_path):
    database = _copy(race_list_db, tmp_path)
    async with FakeDiscord(guilds=[guild()]) as fake, Store.open(database) as store:
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store):
                replies = [
                    embed_text((await (await fake.send_slash_command(name, options)).response())["data"]["embeds"][0])
                    for name, options in (
                        ("winner", {"track": "las vegas", "year": 2023, "series": "truck"}),
                        ("winner", {"track": "coliseum"}),
                        ("results", {"track": "coliseum"}),
                        ("winner", {"track": "texas"}),
                    )
                ]
    vegas, clash, clash_results, texas = replies
    assert f"Fri Mar 3, 2023 · <t:{int(LAS_VEGAS_TRUCK_2023.timestamp())}:f> your time" in vegas and "Mar 4" not in vegas
    assert "Sun Feb 5, 2023" in clash and "exhibition" in clash and "led" not in clash
    assert "No finishing order in the data for this race." in clash_results and "```" not in clash_results
    assert texas.startswith("Latest race of each series at Texas Motor Speedway")
    assert texas.index("2025 Cup R11") < texas.index("2025 Xfinity R12") < texas.index("2025 Truck R8")
