"""Pre-race content: what the weekend feed and race list carry for it (validated, stored), the `PreRace` facts read from
the store as of the race, their three renderings, and `pitboard prerace` as a user runs it."""

from __future__ import annotations

import copy
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import EXIT_OK, EXIT_USER_ERROR, main
from bot.render.prerace import (
    THREAD_LINKS_PLACEHOLDER,
    prerace_embed,
    prerace_markdown,
    prerace_text,
    title,
    with_thread_links,
)
from db.build import build_database
from db.errors import FeedError
from db.nascar_feed import import_document, parse_document
from db.prerace import LineupEntry, PastWinner, prerace, prerace_for
from db.store import Store
from testkit.samples import RACE_LIST_2023, RICHMOND_FEED, snapshot

GREEN = datetime(2023, 4, 2, 19, 30, tzinfo=UTC)   # 3:30 PM EDT: race_date in the feed is Eastern
BEFORE_THE_WEEKEND = datetime(2023, 3, 25, tzinfo=UTC)
AFTER_MONZA_2026 = datetime(2026, 12, 1, 12, tzinfo=UTC)   # F1DB's 2026 calendar: only Abu Dhabi (Dec 6) still to run


def richmond() -> dict:
    return json.loads(RICHMOND_FEED.read_text())


def encoded(document: dict) -> bytes:
    return json.dumps(document).encode()


def test_the_weekend_feed_carries_broadcasters_schedule_pole_and_lineup():
    [record] = parse_document(RICHMOND_FEED.read_bytes())[2]
    assert (record.tv_broadcaster, record.radio_broadcaster, record.satellite_broadcaster) == ("FS1", "MRN", "SIRIUSXM")
    assert record.pole_source_id == 4045
    assert len(record.sessions) == 17 and [session.run_type for session in record.sessions].count(0) == 14
    race_session = next(session for session in record.sessions if session.run_type == 3)
    assert (race_session.name, race_session.starts_at) == ("Race", GREEN)     # start_time_utc is UTC without an offset
    [run] = record.runs
    assert (run.run_id, run.run_type, run.starts_at) == (5312, 2, datetime(2023, 4, 2, 20, 30, tzinfo=UTC))
    assert [line.position for line in run.results] == list(range(1, 38))
    first = run.results[0]
    assert (first.car, first.driver, first.driver_source_id, first.make) == ("48", "Alex Bowman", 4045, "Chevrolet")
    assert (first.best_lap_time, first.best_lap_speed) == (None, None)      # 0 in the feed: no time set (rule-book lineup)


def test_the_race_list_carries_broadcasters_and_schedules():
    records = parse_document(RACE_LIST_2023.read_bytes())[2]
    assert all(record.tv_broadcaster and record.radio_broadcaster for record in records)
    with_schedule = [record for record in records if record.sessions]
    assert len(with_schedule) == 23 and all(not record.runs for record in records)


RUN = "weekend_runs[0].results"


def mutated(change) -> bytes:
    document = richmond()
    change(document)
    return encoded(document)


@pytest.mark.parametrize(("body", "field"), [
    (mutated(lambda d: d["weekend_race"][0]["schedule"][0].update(run_type=7)), "weekend_race[0].schedule[0].run_type"),
    (mutated(lambda d: d["weekend_race"][0]["schedule"][2].update(start_time_utc="next Sunday")),
     "weekend_race[0].schedule[2].start_time_utc"),
    (mutated(lambda d: d["weekend_race"][0]["schedule"][2].pop("event_name")), "weekend_race[0].schedule[2].event_name"),
    (mutated(lambda d: d["weekend_race"][0].update(television_broadcaster=["FS1"])), "weekend_race[0].television_broadcaster"),
    (mutated(lambda d: d["weekend_runs"][0]["results"][1].update(finishing_position=1)), f"{RUN}[1].finishing_position"),
    (mutated(lambda d: d["weekend_runs"][0]["results"][1].update(driver_id=4045)), f"{RUN}[1].driver_id"),
    (mutated(lambda d: d["weekend_runs"][0]["results"][1].update(run_id=1)), f"{RUN}[1].run_id"),
    (mutated(lambda d: d["weekend_runs"][0]["results"][3].update(best_lap_speed=-1)), f"{RUN}[3].best_lap_speed"),
    (mutated(lambda d: d["weekend_runs"].append(copy.deepcopy(d["weekend_runs"][0]))), "weekend_runs[1].weekend_run_id"),
    (mutated(lambda d: d["weekend_runs"][0].update(run_date_utc=20230402)), "weekend_runs[0].run_date_utc"),
])
async def test_hostile_or_broken_weekend_parts_are_refused_by_field(small_store, body, field):
    before = await snapshot(small_store)
    with pytest.raises(FeedError) as refusal:
        await import_document(small_store, body)
    assert refusal.value.field == field
    assert await snapshot(small_store) == before


async def test_pre_race_facts_from_the_weekend_feed(small_store):
    await import_document(small_store, RICHMOND_FEED.read_bytes())
    pre = await prerace(small_store, "richmond", 2023, "cup", now=BEFORE_THE_WEEKEND)
    race = pre.race
    assert (race.name, race.track) == ("Toyota Owners 400", "Richmond Raceway")
    assert (race.track_kind, race.track_length_mi) == ("oval", 0.75)
    assert (race.scheduled_laps, race.stage_laps, race.starts_at) == (400, (70, 160, 170), GREEN)
    assert (pre.broadcasters.tv, pre.broadcasters.radio, pre.broadcasters.satellite_radio) == ("FS1", "MRN", "SIRIUSXM")
    assert [(session.kind, session.notes) for session in pre.schedule] == [
        ("practice", "Canceled"), ("qualifying", "Canceled - Line Up Set Per Rule Book"),
        ("race", "Stages 70/230/400 Laps = 300 Miles"),
    ]   # garage hours, haulers and meetings are not shown
    assert pre.pole == "Alex Bowman" and pre.lineup is not None and len(pre.lineup) == 37
    assert pre.lineup[:2] == [LineupEntry(1, "48", "Alex Bowman", "Chevrolet"), LineupEntry(2, "8", "Kyle Busch", "Chevrolet")]
    assert pre.past_winners == [] and pre.best_here == []     # the small history never raced at Richmond

    text = prerace_text(pre)
    assert "Last winners" not in text and "Best " not in text
    assert "Green flag: Sun Apr 2, 2023 3:30 PM EDT (19:30 UTC)" in text and "TV: FS1 · Radio: MRN" in text


async def test_a_revised_lineup_replaces_the_old_one_and_an_empty_one_keeps_it(small_store):
    await import_document(small_store, RICHMOND_FEED.read_bytes())
    revised = richmond()
    results = revised["weekend_runs"][0]["results"]
    results[0]["finishing_position"], results[1]["finishing_position"] = 2, 1
    await import_document(small_store, encoded(revised))
    lineup = (await prerace(small_store, "richmond", 2023)).lineup
    assert lineup is not None and [entry.driver for entry in lineup[:2]] == ["Kyle Busch", "Alex Bowman"]

    no_runs = revised | {"weekend_runs": []}
    no_runs["weekend_race"][0]["schedule"] = []
    await import_document(small_store, encoded(no_runs))
    pre = await prerace(small_store, "richmond", 2023)
    assert pre.lineup == lineup and len(pre.schedule) == 3


async def test_group_qualifying_leaves_the_lineup_unknown_not_guessed(small_store):
    """Two runs that each hold part of the field: how NASCAR merges them is not in the feed."""
    document = richmond()
    run = document["weekend_runs"][0]
    group_b = copy.deepcopy(run) | {"weekend_run_id": 5313, "run_name": "Round 1 Group B"}
    group_b["results"] = [line | {"run_id": 5313, "finishing_position": n} for n, line in enumerate(run["results"][18:], start=1)]
    run["results"] = run["results"][:18]
    document["weekend_runs"].append(group_b)
    await import_document(small_store, encoded(document))
    pre = await prerace(small_store, "richmond", 2023)
    assert pre.lineup is None and pre.pole == "Alex Bowman"          # the header names the pole-sitter all the same
    assert "Pole: Alex Bowman" in prerace_text(pre) and "Busch" not in prerace_text(pre)


async def test_an_upcoming_race_without_figures_shows_no_zeros(small_store):
    """A race list entry before the weekend: no laps, stages, broadcasters, schedule or lineup yet."""
    document = json.loads(RACE_LIST_2023.read_text())
    entry = next(race for race in document["series_1"] if race["race_id"] == 5274)
    entry.update(scheduled_laps=0, scheduled_distance=0, stage_1_laps=0, stage_2_laps=0, stage_3_laps=0, schedule=[])
    entry.update(television_broadcaster="", radio_broadcaster=None, satellite_radio_broadcaster="", pole_winner_driver_id=0,
                 winner_driver_id=None)
    await import_document(small_store, encoded(document))
    pre = await prerace(small_store, "richmond", series="cup", now=BEFORE_THE_WEEKEND)
    assert pre.race.name == "Toyota Owners 400" and pre.race.status == "scheduled"
    assert (pre.schedule, pre.lineup, pre.pole, pre.broadcasters.known) == ([], None, None, False)
    for rendering in (prerace_text(pre), prerace_markdown(pre)):
        assert " 0 " not in rendering and "laps" not in rendering and "TV" not in rendering and "lineup" not in rendering
        assert "Green flag" in rendering


async def test_the_embed_uses_discord_timestamps_and_fits(small_store):
    await import_document(small_store, RICHMOND_FEED.read_bytes())
    embed = prerace_embed(await prerace(small_store, "richmond", 2023))
    stamp = int(GREEN.timestamp())
    assert f"Green flag: <t:{stamp}:F> (<t:{stamp}:R>)" in (embed.description or "")
    fields = {field.name: field.value or "" for field in embed.fields}
    assert list(fields) == ["Weekend schedule", "Starting lineup"]
    assert fields["Starting lineup"].startswith("Pole: **Alex Bowman** (\\#48)\n` 1` #48 Alex Bowman")
    assert len(fields["Starting lineup"]) <= 1024 and len(embed) <= 6000
    assert embed.footer.text == "Data: nascaR.data (DriverAverages.com), NASCAR"   # as every answer's footer


async def test_markdown_links_the_race_threads_once_they_exist(small_store):
    await import_document(small_store, RICHMOND_FEED.read_bytes())
    body = prerace_markdown(await prerace(small_store, "richmond", 2023))
    assert body.count(THREAD_LINKS_PLACEHOLDER) == 1
    assert "| 1 | #48 | Alex Bowman | Chevrolet |" in body and "Sun Apr 2, 2023 3:30 PM EDT (19:30 UTC)" in body
    assert with_thread_links(body, None, None) == body
    linked = with_thread_links(body, "https://redd.it/live1", "https://redd.it/post1")
    assert THREAD_LINKS_PLACEHOLDER not in linked
    assert "[Live thread](https://redd.it/live1) · [Post-race thread](https://redd.it/post1)" in linked


def pitboard(db_path, *args: str) -> subprocess.CompletedProcess:
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    environment = {**os.environ, "PITBOARD_DB": str(db_path)}
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=120, env=environment)


async def test_pitboard_prerace_from_the_real_history_and_feed(real_db_copy):
    async with Store.open(real_db_copy) as store:
        await import_document(store, RICHMOND_FEED.read_bytes())
        pre = await prerace(store, "richmond", 2023, "cup", 7)
    # As of the race: this race's winner (Larson) and July's (Buescher) are not past winners yet.
    assert pre.past_winners[:2] == [PastWinner(2022, "Federated Auto Parts 400", "Kevin Harvick"),
                                    PastWinner(2022, "Toyota Owners 400", "Denny Hamlin")]
    assert len(pre.past_winners) == 5 and {winner.season for winner in pre.past_winners} <= {2020, 2021, 2022}
    assert [line.driver for line in pre.best_here][:1] == ["Kyle Busch"]
    assert all(line.top5 > 0 for line in pre.best_here)

    done = pitboard(real_db_copy, "prerace", "richmond", "--year", "2023", "--series", "cup", "--round", "7")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Pre-Race: Toyota Owners 400 at Richmond Raceway (2023)"
    assert "Green flag: Sun Apr 2, 2023 3:30 PM EDT (19:30 UTC)" in lines and "  Pole: Alex Bowman (#48)" in lines
    assert "   1  #48  Alex Bowman          Chevrolet" in lines
    assert "  2022: Kevin Harvick (Federated Auto Parts 400)" in lines
    assert "Chris Buescher (" not in done.stdout and "Kyle Larson (" not in done.stdout

    markdown = pitboard(real_db_copy, "prerace", "richmond", "--year", "2023", "--series", "cup", "--round", "7", "--markdown")
    assert markdown.returncode == 0 and THREAD_LINKS_PLACEHOLDER in markdown.stdout
    assert "* 2022: **Kevin Harvick** (Federated Auto Parts 400)" in markdown.stdout

    unknown = pitboard(real_db_copy, "prerace", "nowhere speedway")
    assert unknown.returncode == 1 and not unknown.stdout


async def test_db_build_rebuilds_the_prerace_tables_from_the_recorded_feed(subset_db_copy):
    """Like every other data table (on a few seasons of the history: what matters is the rebuild, not the history)."""
    async with Store.open(subset_db_copy) as store:
        await import_document(store, RICHMOND_FEED.read_bytes())
        pre = await prerace(store, "richmond", 2023, "cup", 7)
    assert pre.lineup and pre.schedule and pre.past_winners  # the feed's tables and the history's, both rebuilt
    await build_database(subset_db_copy, show_progress=False)
    async with Store.open(subset_db_copy) as store:
        assert await prerace(store, "richmond", 2023, "cup", 7) == pre


@pytest.fixture
def run_at(capsys, monkeypatch):
    """`pitboard --db DB *args` in this process at a given moment (the clock of `/next` and of `prerace`):
    (exit status, stdout, stderr)."""

    def running(moment: datetime, db_path, *args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("db.queries.utc_now", lambda: moment)
        monkeypatch.setattr("db.prerace.utc_now", lambda: moment)
        status = main(["--db", str(db_path), *args])
        out, err = capsys.readouterr()
        return status, out, err

    return running


def test_prerace_without_a_race_to_come_says_so_and_how_to_ask_for_a_run_one(real_db, run_at):
    """Not the latest race run shown as the next one: the bundled NASCAR history has no 2026 schedule, and F1DB's
    Monza race of Sep 6, 2026 is past (scheduled, without results: the data ends before it), as `/next monza` says."""
    status, out, err = run_at(AFTER_MONZA_2026, real_db, "prerace", "richmond")
    assert (status, out) == (EXIT_USER_ERROR, "")
    assert err == ("No upcoming race at Richmond Raceway in the data. "
                   "For a race already run there, add its year: `--year 2025`.\n")

    status, out, err = run_at(AFTER_MONZA_2026, real_db, "prerace", "monza", "--series", "f1")
    assert (status, out) == (EXIT_USER_ERROR, "")
    assert err == ("No upcoming F1 race at Autodromo Nazionale Monza in the data. "
                   "For a race already run there, add its year: `--year 2026`.\n")
    assert run_at(AFTER_MONZA_2026, real_db, "ask", "/next monza")[0] == EXIT_USER_ERROR   # the two agree

    status, out, _ = run_at(AFTER_MONZA_2026, real_db, "prerace", "monza", "--year", "2026")
    assert status == EXIT_OK and out.startswith("Pre-Race: Italian Grand Prix at Autodromo Nazionale Monza (2026)\n")


async def test_prerace_of_a_run_race_reads_as_it_did_before_it(real_db, run_at):
    """History before the race only: not its own winner (Waltrip), nor a later one (Tim Richmond, 1986); and the track
    as it was then: Richmond was 0.542 miles until 1988, as the history's row of the race says, not the 0.75 miles of
    today. F1DB's course length of the race gives Monza's 6.2-mile lap with the banking, 1956."""
    status, out, _ = run_at(AFTER_MONZA_2026, real_db, "prerace", "richmond", "--year", "1985", "--series", "cup",
                            "--round", "21")
    assert status == EXIT_OK
    lines = out.splitlines()
    assert lines[:4] == ["Pre-Race: Wrangler Sanforset 400 at Richmond Raceway (1985)", "",
                         "NASCAR Cup Series, 1985, round 21", "Richmond Raceway, 0.542-mile oval"]
    winners = lines.index("Last winners here (NASCAR Cup Series)")
    assert lines[winners + 1:winners + 7] == [
        "  1985: Dale Earnhardt (Miller High Life 400)", "  1984: Darrell Waltrip (Wrangler Sanforset 400)",
        "  1984: Ricky Rudd (Miller High Life 400)", "  1983: Bobby Allison (Wrangler Sanforset 400)",
        "  1983: Bobby Allison (Richmond 400)", "",
    ]
    assert "Tim Richmond" not in out and "0.75" not in out

    status, out, _ = run_at(AFTER_MONZA_2026, real_db, "prerace", "monza", "--year", "1956")
    assert status == EXIT_OK
    assert "Autodromo Nazionale Monza, 6.214-mile road course" in out.splitlines()
    assert "  1955: Juan Manuel Fangio (Italian Grand Prix)" in out.splitlines() and "1956: " not in out


async def test_the_track_length_is_the_one_the_race_had(real_db_copy, run_at):
    """A track's length as of the race, where the data knows it; never a scheduled distance over the laps.

    F1: F1DB's course length of that race, even within 1% of today's (Monaco is 3.337 km, 2.074 miles, today; 3.366 km
    in 1997, 3.328 km in 1988). NASCAR: the curated length, not 125.5 miles over 250 laps (the 2023 race list's
    Bristol dirt race: 0.502); the history's own where it says another (Richmond 0.542 in 1985); none where the history
    states a length no other race there has and the curated one is not (Charlotte's 1961 qualifier: 2.58 miles)."""
    async with Store.open(real_db_copy) as store:
        await import_document(store, RACE_LIST_2023.read_bytes())

    def track_line(*args: str) -> str:
        status, out, err = run_at(AFTER_MONZA_2026, real_db_copy, "prerace", *args)
        assert status == EXIT_OK, err
        return out.splitlines()[3]

    assert track_line("bristol dirt", "--year", "2023") == "Bristol Motor Speedway Dirt Track, 0.533-mile dirt track"
    assert track_line("monaco", "--year", "1997") == "Circuit de Monaco, 2.092-mile road course"
    assert track_line("monaco", "--year", "1988") == "Circuit de Monaco, 2.068-mile road course"
    assert track_line("monaco", "--year", "2024") == "Circuit de Monaco, 2.074-mile road course"
    assert track_line("richmond", "--year", "1985", "--series", "cup", "--round", "21") == "Richmond Raceway, 0.542-mile oval"
    assert track_line("richmond", "--year", "2023", "--series", "cup", "--round", "7") == "Richmond Raceway, 0.75-mile oval"
    assert track_line("charlotte", "--year", "1961", "--series", "cup", "--round", "22") == "Charlotte Motor Speedway, oval"
    # F1 at a track NASCAR races too: F1DB's layout (5.513 km), not NASCAR's 3.41-mile course
    assert track_line("cota", "--year", "2024", "--series", "f1") == "Circuit of the Americas, 3.426-mile road course"
    assert track_line("cota", "--year", "2024", "--series", "cup") == "Circuit of the Americas, 3.41-mile road course"

    with sqlite3.connect(real_db_copy) as conn:   # a database built before the races' own lengths were stored
        conn.execute("UPDATE races SET track_length_mi = NULL")
    assert track_line("richmond", "--year", "1985", "--series", "cup", "--round", "21") == "Richmond Raceway, oval"
    assert track_line("monaco", "--year", "1997") == "Circuit de Monaco, road course"   # none known, not today's


def test_the_best_drivers_here_are_of_the_race_s_field_where_the_data_has_it(real_db, run_at):
    """A race whose field the data holds: the drivers in it (Kevin Harvick retired after 2023 and is not in the 2024
    Daytona 500; Jimmie Johnson, part-time, is). A race to come without one: the series' active drivers, and the
    heading says what makes one active."""
    status, out, _ = run_at(AFTER_MONZA_2026, real_db, "prerace", "daytona 500", "--year", "2024")
    assert status == EXIT_OK
    lines = out.splitlines()
    best = lines.index("Best in the field here")
    assert lines[best + 1:best + 3] == ["  Jimmie Johnson: 3 wins, 12 top 5s in 39 starts",
                                        "  Denny Hamlin: 3 wins, 11 top 5s in 36 starts"]
    assert "Kevin Harvick: " not in out and "Best active drivers" not in out

    status, out, _ = run_at(AFTER_MONZA_2026, real_db, "prerace", "abu dhabi")   # no qualifying yet
    assert status == EXIT_OK
    assert "Best active drivers here (F1 starters since 2025)" in out.splitlines() and "Best in the field" not in out


def test_f1_prerace_gives_the_race_start_in_utc(real_db, run_at):
    """F1's zone and words, as /next and /schedule give them, and F1DB's credit (CC BY 4.0: attribution required)."""
    status, out, _ = run_at(AFTER_MONZA_2026, real_db, "prerace", "abu dhabi")   # the Grand Prix: its circuit's next race
    assert status == EXIT_OK
    lines = out.splitlines()
    assert lines[0] == "Pre-Race: Abu Dhabi Grand Prix at Yas Marina Circuit (2026)"
    assert "Race start: Sun Dec 6, 2026 1:00 PM UTC" in lines and "  2025: Max Verstappen (Abu Dhabi Grand Prix)" in lines
    assert lines[2] == "Formula 1, 2026, round 23"   # the series named once, as the race report's header does
    assert lines[-1] == "Data: F1DB (CC BY 4.0)"   # as every F1 answer ends
    assert "Green flag" not in out and " EST" not in out and "NASCAR" not in out

    status, out, _ = run_at(AFTER_MONZA_2026, real_db, "prerace", "monza", "--year", "2025", "--markdown")
    assert status == EXIT_OK
    assert "\n\nRace start: Sun Sep 7, 2025 1:00 PM UTC\n\n" in out and out.endswith("\n\n*Data: F1DB (CC BY 4.0)*\n\n")
    assert "Green flag" not in out and " EDT" not in out


async def test_prerace_of_the_next_race_is_the_race_day_post(small_db, tmp_path, run_at):
    """The race day path, unchanged: with the 2023 race list in (the small history never raced at Richmond),
    `pitboard prerace richmond --series cup` before the spring race is that race's post exactly as the lifecycle's
    pre-race step builds it (`prerace_for`); while it runs (as `/next` says: under way for RACE_WINDOW), still that
    one; after it, the summer race; after that, none. Without a series, the track's next race: Xfinity's, the day
    before."""
    db_path = tmp_path / "pitboard.db"
    shutil.copy(small_db, db_path)
    async with Store.open(db_path) as store:
        await import_document(store, RACE_LIST_2023.read_bytes())
        spring = (await prerace(store, "richmond", series="cup", now=BEFORE_THE_WEEKEND)).race
        race_day = await prerace_for(store, spring)

    status, out, _ = run_at(BEFORE_THE_WEEKEND, db_path, "prerace", "richmond", "--series", "cup")
    assert status == EXIT_OK and out == prerace_text(race_day) + "\n"
    lines = out.splitlines()
    assert lines[:4] == ["Pre-Race: Toyota Owners 400 at Richmond Raceway (2023)", "", "NASCAR Cup Series, 2023, round 7",
                         "Richmond Raceway, 0.75-mile oval"]
    assert "Green flag: Sun Apr 2, 2023 3:30 PM EDT (19:30 UTC)" in lines and "TV: FS1 · Radio: MRN" in out
    assert "  Race: Sun Apr 2, 2023 3:30 PM EDT (19:30 UTC) (Stages 70/230/400 Laps = 300 Miles)" in lines
    status, out, _ = run_at(BEFORE_THE_WEEKEND, db_path, "prerace", "richmond", "--series", "cup", "--markdown")
    assert status == EXIT_OK and out == f"{title(race_day)}\n\n{prerace_markdown(race_day)}\n"

    assert run_at(BEFORE_THE_WEEKEND, db_path, "prerace", "richmond")[1].startswith("Pre-Race: ToyotaCare 250 ")
    cup = ("prerace", "richmond", "--series", "cup")
    assert run_at(GREEN + timedelta(hours=4), db_path, *cup)[1].startswith("Pre-Race: Toyota Owners 400 ")
    status, out, _ = run_at(GREEN + timedelta(hours=6), db_path, *cup)
    assert status == EXIT_OK and out.splitlines()[:3] == ["Pre-Race: NASCAR Cup Series Race at Richmond (2023)", "",
                                                          "NASCAR Cup Series, 2023, round 22"]
    status, _, err = run_at(datetime(2023, 8, 1, tzinfo=UTC), db_path, *cup)
    assert status == EXIT_USER_ERROR and err.startswith("No upcoming Cup race at Richmond Raceway in the data. ")
