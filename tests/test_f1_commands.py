"""Every command for F1, and names across series, on the real bundled store (F1DB beside NASCAR's history).

The figures are F1DB's (see tests/test_f1_data.py for the counting rules proven over the store): answers go through
`bot.questions` as the Discord cogs call it, and through `pitboard ask` in a child process as a user types it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from bot.questions import ask, parse_slash
from bot.render import embeds, jsondata, text
from db import queries
from db.errors import AmbiguousName, UnknownName
from db.f1db import bundled_rows

pytestmark = pytest.mark.realdata


async def answer(store, typed: str, **extra):
    question, options = parse_slash(typed)
    return await ask(store, question, {**options, **extra})


def pitboard_ask(database, *argv: str) -> tuple[int, str, str]:
    """`pitboard ask …` in its own process, as a user runs it."""
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run([script, "ask", *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PITBOARD_DB": str(database)})
    return done.returncode, done.stdout, done.stderr


# ------------------------------------------------------------------ the "Done when" answers

def test_winner_monza_from_the_cli(real_db):
    status, out, err = pitboard_ask(real_db, "--json", "/winner monza")
    assert status == 0, err
    races = json.loads(out)["races"]
    assert [(r["series"], r["season"], r["winner"], r["winner_team"]) for r in races] == [
        ("f1", 2025, "Max Verstappen", "Red Bull"),
    ]
    assert races[0]["name"] == "Italian Grand Prix" and races[0]["date"] == "2025-09-07"


@pytest.mark.parametrize(("typed", "winner", "pole"), [
    ("/winner spa 1998", "Damon Hill", "Mika Häkkinen"),
    ("/winner monza 2024", "Charles Leclerc", "Lando Norris"),
    ("/winner suzuka 1989", "Alessandro Nannini", "Ayrton Senna"),     # Senna first on the road, disqualified
    ("/winner interlagos 2008", "Felipe Massa", "Felipe Massa"),
    ("/winner reims 1951", "Juan Manuel Fangio / Luigi Fagioli", "Juan Manuel Fangio"),   # a shared car
])
async def test_winner_and_pole_by_circuit_and_year(real_store, typed, winner, pole):
    (race,) = (await answer(real_store, typed)).races
    assert (race.series, race.winner, race.pole) == ("f1", winner, pole)


async def test_results_silverstone_2021_classification_sprint_and_labels(real_store):
    details = await answer(real_store, "/results silverstone 2021 series:f1")
    first, *_, last = details.results
    assert (first.finish, first.car, first.driver, first.team, first.start, first.laps, first.time, first.points) == (
        1, "44", "Lewis Hamilton", "Mercedes", 2, 52, "1:58:23.284", 25)
    assert (last.driver, last.status_code, last.status, last.laps) == ("Max Verstappen", "DNF", "Collision", 0)
    assert [line.driver for line in details.sprint[:3]] == ["Max Verstappen", "Lewis Hamilton", "Valtteri Bottas"]
    assert [line.points for line in details.sprint[:3]] == [3, 2, 1]
    shown = text.results(details)
    assert "Constructor" in shown and "Time/Gap" in shown and "Sprint:" in shown
    assert "Led" not in shown.split("Pos", 1)[1].splitlines()[0]       # F1 has no laps-led column


async def test_results_show_the_winner_s_time_and_the_others_gaps(real_store):
    """F1DB holds every finisher's race time beside the gap: the classification shows the winner's time and the
    others' gaps, as the post-race thread does, in the terminal and on Discord; JSON keeps both."""
    details = await answer(real_store, "/results monza 2024")
    terminal = text.results(details).splitlines()
    page = embeds.results(details)[0].description or ""
    for shown in (terminal, page.splitlines()):
        leclerc, piastri = (next(line for line in shown if line.startswith(f"{position} ")) for position in (1, 2))
        assert "1:14:40.727" in leclerc and "Piastri" in piastri and "+2.664" in piastri and "1:14:43.391" not in piastri
    assert {key: jsondata.results(details)["results"][1][key] for key in ("time", "gap")} == {
        "time": "1:14:43.391", "gap": "+2.664"}


async def test_winner_names_the_sprint_winner_of_a_sprint_weekend(real_store):
    """2024 United States GP: Leclerc won the race, Verstappen the sprint from its own pole. Every renderer says so;
    a weekend without a sprint, and a NASCAR race, have no sprint line."""
    found = await answer(real_store, "/winner cota 2024 f1")
    (race,) = found.races
    assert (race.winner, found.sprints[race.id].driver, found.sprints[race.id].start) == (
        "Charles Leclerc", "Max Verstappen", 1)
    assert "  Sprint: Max Verstappen (#1 Red Bull Honda RBPT), from pole" in text.winner(found).splitlines()
    assert "Sprint: **Max Verstappen** (#1 Red Bull Honda RBPT), from pole" in embeds.winner(found).fields[0].value
    assert jsondata.winner(found)["races"][0]["sprint_winner"] == {
        "driver": "Max Verstappen", "car": "1", "team": "Red Bull", "make": "Honda RBPT", "start": 1}
    for typed in ("/winner monza 2024", "/winner cota 2024 cup"):
        without = await answer(real_store, typed)
        assert without.sprints == {} and "Sprint" not in text.winner(without)
        assert "sprint_winner" not in jsondata.winner(without)["races"][0]


@pytest.mark.parametrize(("typed", "series", "season"), [
    ("/winner spa sprint 2023", "f1", 2023),         # no Sprint Cup at Spa: F1's sprint
    ("/winner sprint cota 2024", "f1", 2024),        # COTA's Cup races came after the Sprint Cup's name
    ("/winner daytona sprint 2010", "cup", 2010),    # the 2010 Sprint Cup at Daytona
])
async def test_sprint_is_f1s_sprint_unless_it_names_the_sprint_cup(real_store, typed, series, season):
    races = (await answer(real_store, typed)).races
    assert races and {(race.series, race.season) for race in races} == {(series, season)}


async def test_results_list_non_starters_apart(real_store):
    """Indianapolis 2005: six cars started; the fourteen Michelin runners withdrew after the formation lap (DNS)."""
    details = await answer(real_store, "/results united states grand prix 2005")
    assert len(details.results) == 6 and details.results[0].driver == "Michael Schumacher"
    assert len(details.non_starters) == 14 and {entrant.status_code for entrant in details.non_starters} == {"DNS"}
    assert "Did not start:" in text.results(details)


async def test_driver_ayrton_senna_career(real_store):
    career = (await answer(real_store, "/driver ayrton senna")).series["f1"]
    assert (career.starts, career.wins, career.podiums, career.poles, career.championships) == (161, 41, 80, 65, 3)
    assert career.points == 614
    assert (career.first_win.season, career.first_win.track) == (1985, "Autódromo do Estoril")
    assert (career.latest_win.season, career.latest_win.round) == (1993, 16)


async def test_a_career_table_has_no_laps_led_where_the_series_data_has_none(real_store):
    """F1's data has no laps led: an F1 career's table has no Led column (an empty one before), at a track too; a driver
    of Cup and F1 shows his Cup laps led, here unknown (`–`: Cup's 1950s races did not record them), and none for F1."""
    def table_lines(shown: str) -> list[str]:
        lines = shown.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Series"))
        return [lines[start]] + [line for line in lines[start + 2:] if line[8:12].isdigit()]

    for question_text in ("/driver lewis hamilton", "/driver lewis hamilton at silverstone"):
        header, *_ = table_lines(text.render(await answer(real_store, question_text)))
        assert "Led" not in header.split() and "Poles" in header.split(), question_text
    header, cup, f1 = table_lines(text.render(await answer(real_store, "/driver marshall teague")))
    led = slice(header.index("Led"), header.index("Led") + 3)
    assert (cup[led].strip(), f1[led].strip()) == ("–", "")


async def test_driver_with_a_year_shows_that_season_and_its_standing(real_store):
    """`/driver max 2021`: the season asked for beside the career, with its official place and points."""
    career = await answer(real_store, "/driver max 2021")
    season = career.series["f1"].season
    assert (season.starts, season.wins, season.podiums, season.position, season.points) == (22, 10, 18, 1, 395.5)
    line = "F1 2021: 22 starts, 10 wins, 18 podiums, "
    assert line in text.driver(career) and "· 1st, 395.5 points" in text.driver(career)
    assert "**2021: 22 starts, 10 wins, 18 podiums, " in embeds.driver(career).fields[0].value
    assert jsondata.driver(career)["series"]["f1"]["season"]["points"] == 395.5
    assert jsondata.driver(career)["season"] == 2021
    before = await answer(real_store, "/driver max 2014")       # a season before his first start
    assert before.series["f1"].season is None
    assert "No starts in 2014 in the data." in text.driver(before)
    assert embeds.driver(before).description == "Born Sep 30, 1997\nNo starts in 2014 in the data."


async def test_driver_with_a_year_lists_the_season_race_by_race(real_store):
    """Hamilton's 2021: 22 Grands Prix, the Monza collision a DNF, wins in bold on Discord."""
    career = await answer(real_store, "/driver hamilton 2021")
    races = career.series["f1"].season.races
    assert len(races) == 22 and [race.finish for race in races[:4]] == [1, 2, 1, 1]
    monza = races[13]
    assert (monza.race, monza.status_code, monza.status, monza.points) == ("Italian Grand Prix", "DNF", "Collision", 0)
    shown = text.render(career).splitlines()
    at = shown.index("F1 2021, race by race:")
    assert shown[at + 1].split() == ["Rd", "Grand", "Prix", "Grid", "Pos", "Pts", "Retired"]
    assert shown[at + 16].split() == ["14", "Italian", "Grand", "Prix", "4", "DNF", "0", "Collision"]
    field = embeds.driver(career).fields[0].value
    assert "By round: **1** · 2 · **1** · **1** · 7 · 15 · 2 · 2 · 4 · **1** · 2 · 3 · 2 · DNF · **1**" in field
    assert jsondata.driver(career)["series"]["f1"]["season"]["races"][13]["status_code"] == "DNF"


async def test_driver_senna_is_ayrton_and_names_bruno(real_store):
    """Of the Sennas only Ayrton won a race: `senna` is him, and the answer says whom else the name matches."""
    career = await answer(real_store, "/driver senna")
    assert (career.driver, career.also, career.series["f1"].wins) == ("Ayrton Senna", ("Bruno Senna",), 41)
    assert "Also: Bruno Senna — /driver bruno senna" in text.driver(career).splitlines()   # the terminal: no markup
    assert "Also: Bruno Senna — `/driver bruno senna`" in (embeds.driver(career).description or "")
    assert jsondata.driver(career)["also"] == ["Bruno Senna"]


@pytest.mark.parametrize(("season", "champion", "points", "constructor"), [
    (2021, "Max Verstappen", 395.5, "Mercedes"),
    (1988, "Ayrton Senna", 90, "McLaren"),        # the official table after dropped scores (94 from every race)
    (1997, "Jacques Villeneuve", 81, "Williams"),
])
async def test_standings_are_the_official_tables(real_store, season, champion, points, constructor):
    standings = await answer(real_store, f"/standings f1 {season}")
    assert standings.official and standings.chart_note.startswith("Chart computed from race results")
    assert standings.chart_note in (embeds.standings(standings, chart_name="chart.png").footer.text or "")
    assert "Chart" not in text.standings(standings)     # the terminal shows no chart
    assert (standings.rows[0].driver, standings.rows[0].points) == (champion, points)
    assert standings.team_rows[0].team == constructor


async def test_standings_after_a_round_are_computed_with_the_sprints(real_store):
    """After the 2021 British GP (round 10, the first sprint): Verstappen 185, Hamilton 177, as the table stood then."""
    table = await answer(real_store, "/standings f1 2021 round 10")
    assert not table.official and table.through == 10 and table.races_counted == 10
    assert [(row.driver, row.points) for row in table.rows[:2]] == [("Max Verstappen", 185), ("Lewis Hamilton", 177)]
    assert text.render(table).splitlines()[0] == "2021 Formula 1: points from race and sprint results after round 10"
    assert text.render(table).splitlines()[2].endswith("Top 10")     # no empty laps-led column: F1DB has none
    assert text.render(await answer(real_store, "/standings cup 2024 round 10")).splitlines()[2].endswith("Led")
    assert "the data holds the official Formula 1 table at the season's end only" in table.note
    assert jsondata.standings(table)["through_round"] == 10


async def test_standings_1988_chart_is_computed_from_every_race(real_store):
    standings = await answer(real_store, "/standings f1 1988")
    assert standings.races_counted == 16
    assert standings.progression["Ayrton Senna"][-1] == 94        # 90 counted officially: his 11 best results
    assert standings.progression["Alain Prost"][-1] == 105        # 87 counted officially


async def test_standings_1997_schumacher_excluded(real_store):
    rows = (await answer(real_store, "/standings f1 1997")).rows
    excluded = next(row for row in rows if row.driver == "Michael Schumacher")
    assert (excluded.position, excluded.status_code) == (None, "DSQ")
    assert "DSQ" in text.standings(await answer(real_store, "/standings f1 1997"))


@pytest.mark.parametrize("typed", ["/next f1 race", "/next grand prix", "/next gp"])
async def test_next_race_words_name_no_place(real_store, typed):
    """`race` after a series and `grand prix` alone ask for the next race (F1's), not a track named so."""
    upcoming = await answer(real_store, typed, now=datetime(2026, 11, 30, tzinfo=UTC))
    assert [(race.series, race.name) for race in upcoming.upcoming] == [("f1", "Abu Dhabi Grand Prix")]


async def test_next_f1_with_sessions_in_utc(real_store):
    upcoming = await answer(real_store, "/next f1", now=datetime(2026, 11, 30, tzinfo=UTC))
    (race,) = upcoming.upcoming
    assert (race.series, race.name, race.starts_at) == ("f1", "Abu Dhabi Grand Prix", datetime(2026, 12, 6, 13, tzinfo=UTC))
    assert [session.session for session in upcoming.sessions[race.id]] == [
        "practice_1", "practice_2", "practice_3", "qualifying", "race"]
    shown = text.next_races(upcoming)
    assert "Sun Dec 6, 2026 1:00 PM UTC" in shown and "Qualifying: Sat Dec 5, 2026 2:00 PM UTC" in shown
    assert " ET" not in shown and "EST" not in shown
    assert jsondata.next_races(upcoming)["upcoming"][0]["sessions"][-1]["session"] == "race"
    assert jsondata.next_races(upcoming)["upcoming"][0]["starters"] is None   # not run: unknown, not zero


async def test_schedule_f1_in_utc(real_store):
    schedule = await answer(real_store, "/schedule f1 2026", now=datetime(2026, 3, 1, tzinfo=UTC))
    assert len(schedule.races) >= 22 and {entry.race.series for entry in schedule.races} == {"f1"}
    shown = text.schedule(schedule)
    assert "(times UTC)" in shown and "US Eastern" not in shown


async def test_h2h_hamilton_rosberg_as_team_mates(real_store):
    duel = await answer(real_store, "/h2h hamilton rosberg")
    assert (duel.first.driver, duel.second.driver) == ("Lewis Hamilton", "Nico Rosberg")
    assert duel.team_mates is not None and duel.team_mates.teams == ["Mercedes"]
    assert duel.team_mates.races == 78                             # 2013–2016 at Mercedes
    assert duel.team_mates.first_ahead + duel.team_mates.second_ahead <= 78
    assert "Team-mates in 78 races (Mercedes)" in text.h2h(duel)
    assert "Laps led" not in text.h2h(duel)   # F1DB has none: no row of dashes


@pytest.mark.parametrize("typed", ["/h2h hamilton rosberg", "/h2h hamlin logano"])
async def test_h2h_figures_are_right_aligned_under_the_names(real_store, typed):
    """F1's unknown laps led (a dash) does not make the figures read as text: both series align them right."""
    shown = await answer(real_store, typed)
    for block in (text.h2h(shown), embeds.h2h(shown).description or ""):
        header, _, *rows = monospace_block(block)
        assert all(len(row) == len(header) for row in rows), block


def monospace_block(shown: str) -> list[str]:
    """The table's lines: from the header (the line above the dashes) to the first blank line or code fence."""
    lines = shown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) - 1
    end = next((i for i, line in enumerate(lines) if i > start and (not line.strip() or line.startswith("```"))), len(lines))
    return lines[start:end]


async def test_track_monza_for_f1(real_store):
    record = (await answer(real_store, "/track monza series:f1")).series
    assert list(record) == ["f1"]
    assert record["f1"].most_poles[0].driver == "Lewis Hamilton"
    assert {tally.driver for tally in record["f1"].most_wins if tally.count == 5} == {"Lewis Hamilton", "Michael Schumacher"}


# ------------------------------------------------------------------ both families at shared places

def test_winner_cota_answers_both_families_from_the_cli(real_db):
    status, out, err = pitboard_ask(real_db, "--json", "/winner cota")
    assert status == 0, err
    races = json.loads(out)["races"]
    assert {race["series"] for race in races} == {"cup", "xfinity", "truck", "f1"}
    assert {race["track"] for race in races} == {"Circuit of the Americas"}


async def test_winner_las_vegas_answers_the_speedway_and_the_strip(real_store):
    races = (await answer(real_store, "/winner las vegas")).races
    assert {race.series for race in races} == {"cup", "xfinity", "truck", "f1"}
    f1 = next(race for race in races if race.series == "f1")
    assert f1.track == "Las Vegas Street Circuit"
    nascar_only = (await answer(real_store, "/winner las vegas 2023 truck")).races
    assert [race.track for race in nascar_only] == ["Las Vegas Motor Speedway"]


# ------------------------------------------------------------------ names

@pytest.mark.parametrize(("typed", "track"), [
    ("/winner spa", "Circuit de Spa-Francorchamps"),
    ("/winner silverstone", "Silverstone Circuit"),
    ("/winner interlagos", "Autódromo José Carlos Pace"),
    ("/winner brazil", "Autódromo José Carlos Pace"),
    ("/winner são paulo", "Autódromo José Carlos Pace"),
    ("/winner imola", "Autodromo Internazionale Enzo e Dino Ferrari"),
    ("/winner suzuka", "Suzuka Circuit"),
    ("/winner montreal f1", "Circuit Gilles Villeneuve"),
    ("/winner spain", "Circuit de Barcelona-Catalunya"),          # the Spanish Grand Prix, never Spa
])
async def test_circuit_names(real_store, typed, track):
    assert (await answer(real_store, typed)).races[0].track == track


async def test_spa_never_means_spain(real_store):
    races = (await answer(real_store, "/winner spa 2023")).races
    assert [(race.name, race.track) for race in races] == [("Belgian Grand Prix", "Circuit de Spa-Francorchamps")]


async def test_the_ring_asks(real_store):
    with pytest.raises(AmbiguousName) as asked:
        await answer(real_store, "/winner the ring")
    assert sorted(asked.value.suggestions) == ["Nürburgring", "Red Bull Ring"]


@pytest.mark.parametrize("typed", ["/driver max", "/driver verstappen", "/driver VER", "/driver 33 f1", "/driver 3 series:f1",
                                   "/driver max emilian verstappen"])
async def test_max_verstappen_by_every_name(real_store, typed):
    assert (await answer(real_store, typed)).driver == "Max Verstappen"


async def test_a_number_in_both_families_asks(real_store):
    """44 is Lewis Hamilton's permanent number and a NASCAR car's: ask. 48 is only a car's (F1 had no permanent
    numbers before 2014): Alex Bowman, as before."""
    with pytest.raises(AmbiguousName) as asked:
        await answer(real_store, "/driver 44")
    assert "Lewis Hamilton" in asked.value.suggestions and len(asked.value.suggestions) == 2
    assert (await answer(real_store, "/driver 48")).driver == "Alex Bowman"


@pytest.mark.parametrize(("typed", "choices"), [
    ("/driver schumacher", {"Michael Schumacher", "Ralf Schumacher", "Mick Schumacher"}),   # Michael and Ralf both won
    ("/driver busch", {"Kyle Busch", "Kurt Busch"}),
])
async def test_surnames_of_several_winners_ask(real_store, typed, choices):
    with pytest.raises(AmbiguousName) as asked:
        await answer(real_store, typed)
    assert set(asked.value.suggestions) == choices


async def test_a_series_narrows_a_driver_name(real_store):
    """`hamilton` is Lewis; in the Cup Series it is a NASCAR Hamilton."""
    assert (await answer(real_store, "/driver hamilton")).driver == "Lewis Hamilton"
    with pytest.raises(AmbiguousName) as asked:
        await answer(real_store, "/driver hamilton series:cup")
    assert "Lewis Hamilton" not in asked.value.suggestions and "Bobby Hamilton" in asked.value.suggestions


async def test_unknown_circuit_suggests(real_store):
    with pytest.raises(UnknownName):
        await answer(real_store, "/winner zzyzx")


async def test_discord_answers_credit_f1db_and_time_sessions(real_store):
    upcoming = await answer(real_store, "/next f1", now=datetime(2026, 11, 30, tzinfo=UTC))
    (field,) = embeds.next_races(upcoming).fields
    qualifying = int(datetime(2026, 12, 5, 14, tzinfo=UTC).timestamp())
    assert f"Qualifying: <t:{qualifying}:F>" in (field.value or "")
    standings = embeds.standings(await answer(real_store, "/standings f1 2021"))
    assert "official standings" in (standings.title or "") and "Constructors" in [f.name for f in standings.fields]
    assert "F1DB" in (embeds.winner(await answer(real_store, "/winner monza")).footer.text or "")


# ------------------------------------------------------------------ the data credit (README "F1": F1DB is CC BY 4.0)

F1DB_CREDIT = "Data: F1DB (CC BY 4.0)"
BOTH_CREDITS = "Data: nascaR.data (DriverAverages.com), NASCAR, F1DB (CC BY 4.0)"   # one "Data:", every source
LATE_2026 = datetime(2026, 11, 30, tzinfo=UTC)   # the last weekend of the bundled calendar is still to come


@pytest.mark.parametrize("typed", [
    "/winner monza", "/results monza 2024", "/qualifying monza 2024", "/driver hamilton 2021", "/driver hamilton at monza",
    "/h2h hamilton rosberg", "/team ferrari 2004", "/leaders most poles f1", "/standings f1 2021 r10",
    "/standings f1 2021", "/track monza", "/schedule f1 2026", "/next f1",
])
async def test_every_f1_answer_credits_f1db_in_the_terminal_and_in_json(real_store, typed):
    """The credit Discord's footers carry is the terminal's last line and `--json`'s `credit`, said once."""
    shown = await answer(real_store, typed, **({"now": LATE_2026} if typed.startswith(("/next", "/schedule")) else {}))
    assert text.render(shown).endswith(f"\n\n{F1DB_CREDIT}")
    assert text.render(shown).count("F1DB") == 1   # the official tables' note no longer names it a second time
    assert jsondata.render(shown)["credit"] == F1DB_CREDIT


@pytest.mark.parametrize("typed", ["/standings f1 2021", "/standings f1 2021 r10"])
async def test_f1_standings_on_discord_credit_f1db_official_or_computed(real_store, typed):
    assert (embeds.standings(await answer(real_store, typed)).footer.text or "").endswith(f" · {F1DB_CREDIT}")


@pytest.mark.parametrize(("typed", "embed", "credit"), [
    ("/winner cota", embeds.winner, BOTH_CREDITS),   # F1, Cup and Truck at the Circuit of the Americas: both, as on Discord
    ("/track cota", embeds.track, BOTH_CREDITS),
    ("/winner mid-ohio 2022 truck", embeds.winner, None),   # NASCAR alone: no credit line in the terminal or JSON, as before
    ("/driver larson", embeds.driver, None),
])
async def test_an_answer_of_both_families_credits_both_and_nascar_alone_none(real_store, typed, embed, credit):
    shown = await answer(real_store, typed)
    footer = embed(shown).footer.text
    if credit is None:
        assert "Data:" not in text.render(shown) and "credit" not in jsondata.render(shown)
        assert footer == "Data: nascaR.data (DriverAverages.com), NASCAR"   # Discord credits NASCAR's data, as ever
        return
    assert text.render(shown).endswith(f"\n\n{credit}") and jsondata.render(shown)["credit"] == credit == footer


def test_a_nascar_answer_in_the_terminal_is_unchanged(real_db):
    status, out, err = pitboard_ask(real_db, "/winner mid-ohio 2022 truck")
    assert status == 0, err
    assert out == (
        "Truck races at Mid-Ohio Sports Car Course in 2022\n\n"
        "2022 Truck R15: O'Reilly Auto Parts 150 at Mid-Ohio (Mid-Ohio Sports Car Course)\n"
        "  Winner: Parker Kligerman (#75 Henderson Motorsports Chevrolet), from 2nd, led 56 of 67 laps\n"
        "  Pole: Corey Heim\n"
    )


def test_the_console_credits_f1db_in_text_and_json(real_db):
    status, out, err = pitboard_ask(real_db, "/qualifying monza 2024")
    assert status == 0, err
    assert out.splitlines()[-2:] == ["", F1DB_CREDIT]
    status, out, err = pitboard_ask(real_db, "--json", "/qualifying monza 2024")
    assert status == 0, err
    assert json.loads(out)["credit"] == F1DB_CREDIT


async def test_a_driver_s_date_of_birth_is_f1db_s(real_store):
    born = next(row["dateOfBirth"] for row in bundled_rows("drivers") if row["id"] == "max-verstappen")
    career = await queries.driver(real_store, "verstappen")
    assert career.born is not None and career.born.isoformat() == born == "1997-09-30"
    assert text.driver(career).splitlines()[0] == "Max Verstappen (born Sep 30, 1997)"
    assert embeds.driver(career).description == "Born Sep 30, 1997" and jsondata.driver(career)["born"] == born
    nascar = await queries.driver(real_store, "kyle larson")
    assert nascar.born is None and "born" not in text.driver(nascar).splitlines()[0]   # the history has no such date
