"""The F1 race report (`pitboard thread … --series f1`) from the bundled F1DB history: what the win means, the
podium, the pole-sitter's race, retirements, the computed championship, r/formula1's classification columns, and
nothing F1's data lacks (laps led, stages, cautions)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.render import recap
from db import queries
from db.f1db import bundled_rows
from db.models import WinTallies, race_key
from db.recaps import F1RecapFacts, race_recap

pytestmark = pytest.mark.realdata

TITLE = "Post-Race Thread: {race} ({series})"


def thread(real_db, *args: str) -> str:
    """`pitboard thread …` in its own process, as a user runs it."""
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run([script, "thread", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PITBOARD_DB": str(real_db)})
    assert done.returncode == 0, done.stderr
    return done.stdout


def words(text: str) -> str:
    """The text with its wrapping undone: sentences on one line."""
    return " ".join(text.split())


def test_monza_2024_report(real_db):
    text = thread(real_db, "monza", "--year", "2024", "--series", "f1")
    prose = words(text)
    assert "Charles Leclerc won the Italian Grand Prix at Autodromo Nazionale Monza for Ferrari." in prose
    assert "It was Leclerc's seventh Formula 1 win." in prose              # 2019 Spa and Monza, 2022 ×3, 2024 Monaco
    assert "Leclerc started fourth on the grid." in prose
    assert "Oscar Piastri finished second, 2.664 seconds behind, and pole-sitter Lando Norris third." in prose
    assert "One driver retired: Yuki Tsunoda (overheating, 7 laps)." in prose
    assert "computed from race and sprint points, not the official table" in prose
    # 2024 after Monza: Verstappen 303, Norris 241, Leclerc 217, Piastri 197 (sprints included)
    standings = text.split("the official table)")[1]
    assert [line.split()[-1] for line in standings.strip().splitlines()[2:6]] == ["303", "241", "217", "197"]
    for lacking in ("led", "stage", "caution"):
        assert lacking not in text.casefold()


def test_markdown_has_r_formula1_columns_and_the_credit(real_db):
    text = thread(real_db, "monza", "--year", "2024", "--series", "f1", "--markdown")
    assert "| Pos | No | Driver | Team | Laps | Time/Gap | Points |" in text
    assert "| 1 | 16 | Charles Leclerc | Ferrari | 53 | 1:14:40.727 | 25 |" in text
    assert "| DNF | 22 | Yuki Tsunoda | RB | 7 | Overheating |  |" in text
    assert r"Data: F1DB \(CC BY 4.0\)" in text and "[](#pitboard:f1-2024-16)" in text   # escaped inside ^( )


def test_spa_1998_a_first_win_for_the_constructor_and_a_pole_sitter_out(real_db):
    text = words(thread(real_db, "spa", "--year", "1998", "--series", "f1"))
    assert "Damon Hill won the Belgian Grand Prix" in text and "It was Hill's 22nd Formula 1 win." in text
    assert "It was also the first win for Jordan." in text
    assert "Pole-sitter Mika Häkkinen retired (collision) without completing a lap." in text


@pytest.mark.parametrize(("track", "year", "told"), [
    ("spa", 2022, "Verstappen took pole position in qualifying but started 14th on the grid."),   # a grid penalty
    ("lusail", 2024, "Verstappen took pole position in qualifying but started second on the grid."),
])
async def test_pole_in_qualifying_is_not_a_win_from_pole_when_the_grid_says_otherwise(real_store, track, year, told):
    facts = await race_recap(real_store, await queries.results(real_store, track, year, "f1"))
    text = " ".join(recap.f1_paragraphs(facts))
    assert told in text and "won from pole position" not in text


async def test_retirements_beside_a_pole_sitter_who_retired_are_the_others(real_store):
    """Catalunya 2022: Leclerc (pole) retired, told in his own sentence; the count after it is of the others."""
    facts = await race_recap(real_store, await queries.results(real_store, "catalunya", 2022, "f1"))
    text = " ".join(recap.f1_paragraphs(facts))
    assert "Leclerc retired (turbo) after 27 laps." in text
    assert "One other driver retired: Guanyu Zhou (power loss, 28 laps)." in text


async def test_a_grand_slam_is_told_when_f1db_marks_it(real_store):
    slam = next(row for row in bundled_rows("race_results") if row["grandSlam"] == "true" and row["race_id"] > "1000")
    [race] = await queries.find_races(real_store, "r.f1db_id = ?", (int(slam["race_id"]),))
    facts = await race_recap(real_store, await queries.race_details(real_store, race))
    assert isinstance(facts, F1RecapFacts) and facts.grand_slam and facts.pole is facts.winner
    assert "grand slam: pole position, the win, the fastest lap and every lap led" in recap.reddit_body(facts, race_key(race))


async def test_first_win_at_a_circuit_and_thread_key(real_store):
    details = await queries.results(real_store, "monza", 2024, "f1")
    facts = await race_recap(real_store, details)
    assert isinstance(facts, F1RecapFacts)
    assert facts.win_number == 7 and not facts.first_win_at_track and not facts.team_first_win   # Leclerc won Monza in 2019
    assert race_key(details.race) == "f1-2024-16"
    assert recap.title(facts, TITLE) == "Post-Race Thread: Italian Grand Prix (F1)"


@pytest.mark.parametrize(("year", "told"), [
    (2024, "Verstappen won the weekend's sprint from sprint pole."),          # Leclerc won the race
    (2025, "Verstappen had also won the weekend's sprint from sprint pole."),  # Verstappen won both
])
async def test_a_sprint_weekend_s_report_names_the_sprint_winner(real_store, year, told):
    facts = await race_recap(real_store, await queries.results(real_store, "cota", year, "f1"))
    assert isinstance(facts, F1RecapFacts) and facts.sprint_winner is not None
    assert told in " ".join(recap.f1_paragraphs(facts))
    body = recap.reddit_body(facts, "key")     # the sprint's points finishers after the race's classification
    assert body.index("## Classification") < body.index("## Sprint (top 8)\n\n| Pos | No | Driver |")
    sprint = recap.text_recap(facts).split("Sprint (top 8):\n")[1].split("\n\n")[0].splitlines()
    assert len(sprint) == 2 + 8 and sprint[2].split()[:4] == ["1", "1", "Max", "Verstappen"]


async def test_a_shared_car_s_drivers_share_its_place_on_the_podium(real_store):
    """Monza 1956: Fangio took over Collins's car, second; Flockhart was third (F1DB lists both drivers at second). The
    pole-sitter's race is that of the car he took pole in (his qualifying number, 22: eighth, shared with Castellotti)."""
    facts = await race_recap(real_store, await queries.results(real_store, "monza", 1956, "f1"))
    text = " ".join(" ".join(recap.f1_paragraphs(facts)).split())
    assert ("Peter Collins (sharing the car with Juan Manuel Fangio) finished second, 5.700 seconds behind, "
            "and Ron Flockhart third.") in text
    assert "The car pole-sitter Fangio started in, shared with Eugenio Castellotti, finished eighth." in text


async def test_a_driver_who_retired_two_cars_is_listed_once(real_store):
    """Argentina 1955: Behra and Menditéguy each retired two cars; each is named once among those who retired (Behra's
    first, the car Mantovani started, with its reason: test_a_shared_car_s_reason_is_each_of_its_drivers)."""
    facts = await race_recap(real_store, await queries.results(real_store, "argentina", 1955, "f1"))
    text = " ".join(" ".join(recap.f1_paragraphs(facts)).split())
    assert "Jean Behra (in two cars: engine; accident, 2 laps)" in text
    retirements = text[text.index("drivers retired:"):]
    assert retirements.count("Behra") == 1 and retirements.count("Menditéguy") == 1


async def test_a_podium_driver_who_retired_another_car_is_said_to_have_retired_that_one(real_store):
    """Monaco 1955: Behra and Perdisa shared the third-placed Maserati, and each retired another car; among the
    retirements each is said to have retired in another car, not as though third place were also a retirement."""
    facts = await race_recap(real_store, await queries.results(real_store, "monaco", 1955, "f1"))
    text = " ".join(" ".join(recap.f1_paragraphs(facts)).split())
    assert "Jean Behra (sharing the car with Cesare Perdisa) third." in text
    assert "Perdisa (in another car: spun off, 86 laps), Behra (in another car: spun off)" in text   # Perdisa's car
    assert "Alberto Ascari (accident, 80 laps)" in text      # a driver of one car: his car's reason alone


async def test_a_2021_sprint_lists_its_three_points_finishers(real_store):
    """In 2021 a sprint paid its top three: the report's sprint table is theirs, not a top eight of non-scorers."""
    facts = await race_recap(real_store, await queries.results(real_store, "silverstone", 2021, "f1"))
    assert isinstance(facts, F1RecapFacts)
    sprint = recap.text_recap(facts).split("Sprint (top 3):\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[2:4] for line in sprint[2:]] == [["Max", "Verstappen"], ["Lewis", "Hamilton"], ["Valtteri", "Bottas"]]
    assert "## Sprint (top 3)" in recap.reddit_body(facts, "key")


async def test_a_weekend_without_a_sprint_says_nothing_of_one(real_store):
    facts = await race_recap(real_store, await queries.results(real_store, "monza", 2024, "f1"))
    assert isinstance(facts, F1RecapFacts) and facts.sprint == [] and facts.sprint_winner is None
    assert "sprint" not in " ".join(recap.f1_paragraphs(facts)) and "## Sprint" not in recap.reddit_body(facts, "key")


def f1db_rounds() -> dict[str, tuple[int, int]]:
    """Each F1DB race id's (season, round)."""
    return {row["id"]: (int(row["year"]), int(row["round"])) for row in bundled_rows("races")}


def wins_of(column: str, value: str, rounds: dict[str, tuple[int, int]], before: tuple[int, int]) -> list[tuple[int, int]]:
    """The (season, round) of each F1DB win whose `column` is `value`, before `before`."""
    return [rounds[row["race_id"]] for row in bundled_rows("race_results")
            if row[column] == value and row["position"] == "1" and rounds[row["race_id"]] < before]


def prose(facts: F1RecapFacts) -> str:
    return " ".join(" ".join(recap.f1_paragraphs(facts)).split())


async def test_a_long_wait_since_the_previous_win_is_told_as_f1db_counts_it(real_store):
    """Silverstone 2024: Hamilton's first win since the 2021 Saudi Arabian Grand Prix; the starts between, counted from
    F1DB's rows (every race of his after that one and before this)."""
    facts = await race_recap(real_store, await queries.results(real_store, "silverstone", 2024, "f1"))
    rounds = f1db_rounds()
    his = sorted(rounds[row["race_id"]] for row in bundled_rows("race_results") if row["driverId"] == "lewis-hamilton"
                 and row["position"] not in ("DNS", "DNQ", "DNPQ", "DNP", "EX"))   # a start: classified, DNF, NC, DSQ
    previous = max(wins_of("driverId", "lewis-hamilton", rounds, (2024, 12)))
    between = sum(1 for race in his if previous < race < (2024, 12))
    assert previous == (2021, 21) and between == 56
    assert f"Hamilton's previous win had come at the 2021 Saudi Arabian Grand Prix, {between} starts earlier." in prose(facts)
    monza = await race_recap(real_store, await queries.results(real_store, "monza", 2024, "f1"))
    assert "previous win" not in prose(monza)   # Leclerc won at Monaco that May: no wait to tell


def _age_days(born: str, on: str) -> int:
    from datetime import date
    return (date.fromisoformat(on) - date.fromisoformat(born)).days


@pytest.mark.parametrize(("track", "year", "told"), [
    ("barcelona", 2016, "At 18 years and 228 days, Verstappen became the youngest winner in Formula 1."),
    ("monza", 2008, "At 21 years and 73 days, Vettel became the youngest winner in Formula 1."),
])
async def test_the_youngest_winner_is_told_as_f1db_s_dates_make_him(real_store, track, year, told):
    facts = await race_recap(real_store, await queries.results(real_store, track, year, "f1"))
    assert told in " ".join(" ".join(recap.f1_paragraphs(facts)).split())
    # F1DB's own rows: no winner of an earlier race was younger on race day
    born = {row["id"]: row["dateOfBirth"] for row in bundled_rows("drivers")}
    races = {row["id"]: (int(row["year"]), int(row["round"]), row["date"]) for row in bundled_rows("races")}
    winners = [(races[row["race_id"]], row["driverId"]) for row in bundled_rows("race_results") if row["position"] == "1"]
    this = next(((season, round_, day), driver) for (season, round_, day), driver in winners
                if season == year and day == facts.race.starts_at.date().isoformat())
    earlier = [_age_days(born[driver], day) for (season, round_, day), driver in winners if (season, round_) < this[0][:2]]
    assert all(born[driver] for _, driver in winners) and _age_days(born[this[1]], this[0][2]) < min(earlier)


async def test_a_winner_older_than_the_youngest_is_not_called_so(real_store):
    facts = await race_recap(real_store, await queries.results(real_store, "monza", 2024, "f1"))
    assert facts.youngest_winner_age is None and "youngest" not in " ".join(recap.f1_paragraphs(facts))


async def test_a_constructor_s_long_wait_is_told_as_f1db_counts_it(real_store):
    """Monza 2021: McLaren's first win since the 2012 Brazilian Grand Prix; the championship races between, from
    F1DB's rows."""
    facts = await race_recap(real_store, await queries.results(real_store, "monza", 2021, "f1"))
    rounds = f1db_rounds()
    previous = max(wins_of("constructorId", "mclaren", rounds, (2021, 14)))
    between = sum(1 for race in rounds.values() if previous < race < (2021, 14))
    assert previous == (2012, 20) and between == 170
    assert f"It was McLaren's first win since the 2012 Brazilian Grand Prix, {between} races earlier." in prose(facts)


async def test_what_a_win_adds_up_to_is_told_as_f1db_counts_it(real_store):
    """Monza 2023: Verstappen's 12th win of the season (the most), his tenth in a row and his second straight at Monza;
    Silverstone 2024: Hamilton's ninth at Silverstone, more than anyone; from F1DB's rows."""
    circuit = {(int(row["year"]), int(row["round"])): row["circuitId"] for row in bundled_rows("races")}
    rounds = f1db_rounds()
    won = {rounds[row["race_id"]]: row["driverId"] for row in bundled_rows("race_results") if row["position"] == "1"}
    upto = [race for race in sorted(won) if race <= (2023, 14)]
    at_monza = [race for race in upto if circuit[race] == "monza"]
    in_series = next(n for n, race in enumerate(reversed(upto)) if won[race] != "max-verstappen")
    at_track = next(n for n, race in enumerate(reversed(at_monza)) if won[race] != "max-verstappen")
    season = [won[race] for race in upto if race[0] == 2023]
    monza_wins = [won[race] for race in at_monza]
    assert (in_series, at_track, season.count("max-verstappen"), monza_wins.count("max-verstappen")) == (10, 2, 12, 2)
    facts = await race_recap(real_store, await queries.results(real_store, "monza", 2023, "f1"))
    assert isinstance(facts, F1RecapFacts)
    most_at_monza = all(monza_wins.count(driver) < 2 for driver in set(monza_wins) - {"max-verstappen"})
    assert facts.tallies == WinTallies(season_wins=12, most_season_wins=True, in_a_row=10, track_wins=2,
                                       most_track_wins=most_at_monza, track_in_a_row=2)
    assert max(season.count(driver) for driver in set(season) - {"max-verstappen"}) < 12
    assert ("Verstappen now has 12 Formula 1 wins in 2023, more than any other driver. Verstappen has now won 10 Formula 1 "
            "races in a row. It was Verstappen's second straight Formula 1 win at Autodromo Nazionale Monza.") in prose(facts)
    assert "in a row" not in prose(await race_recap(real_store, await queries.results(real_store, "monza", 2024, "f1")))
    at_silverstone = [driver for race, driver in won.items() if circuit[race] == "silverstone" and race <= (2024, 12)]
    assert at_silverstone.count("lewis-hamilton") == 9
    assert all(at_silverstone.count(driver) < 9 for driver in set(at_silverstone) - {"lewis-hamilton"})
    told = prose(await race_recap(real_store, await queries.results(real_store, "silverstone", 2024, "f1")))
    assert "Hamilton has now won nine Formula 1 races at Silverstone Circuit, more than any other driver." in told


@pytest.mark.parametrize(("track", "year", "driver", "name", "place", "told"), [
    ("suzuka", 2023, "oscar-piastri", "Oscar Piastri", "3", "It was Piastri's first podium finish."),
    ("melbourne", 2014, "kevin-magnussen", "Kevin Magnussen", "2", "Magnussen reached the podium on debut."),
])
async def test_a_first_podium_is_told_as_f1db_has_it(real_store, track, year, driver, name, place, told):
    """F1DB's rows: the driver's earlier starts (none: a debut) never ended on the podium; the other podium finisher's
    did."""
    facts = await race_recap(real_store, await queries.results(real_store, track, year, "f1"))
    assert isinstance(facts, F1RecapFacts)
    rounds = f1db_rounds()
    this = (facts.race.season, facts.race.round)
    his = [(rounds[row["race_id"]], row["position"]) for row in bundled_rows("race_results") if row["driverId"] == driver
           and rounds[row["race_id"]] <= this and row["position"] not in ("DNS", "DNQ", "DNPQ", "DNP", "EX")]
    earlier = [position for race, position in his if race < this]
    assert (this, place) in his and not {"1", "2", "3"} & set(earlier)
    assert [(first.line.driver, first.debut) for first in facts.first_podiums] == [(name, not earlier)]
    assert told in prose(facts)


def f1db_race(year: int, grand_prix: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """F1DB's row of a race (races.csv) and its result rows, in F1DB's order."""
    race = next(row for row in bundled_rows("races") if row["year"] == str(year) and row["grandPrixId"] == grand_prix)
    return race, [row for row in bundled_rows("race_results") if row["race_id"] == race["id"]]


async def test_a_shared_car_s_reason_is_each_of_its_drivers(real_store):
    """Argentina 1955: F1DB writes car 26's reason (fuel pressure) on the row of Bucci, who started it, and none on its
    co-drivers' (Schell, Menditéguy: the same number and constructor, retired, listed right after him); the reason is
    the car's, so it is theirs too, not "reason unknown". The laps stay the starter's: a co-driver drove some of them."""
    _, rows = f1db_race(1955, "argentina")
    car = [row for row in rows if row["driverNumber"] == "26"]
    assert [(row["driverId"], row["constructorId"], row["position"], row["sharedCar"], row["reasonRetired"]) for row in car] == [
        ("clemar-bucci", "maserati", "DNF", "", "Fuel pressure"),
        ("harry-schell", "maserati", "DNF", "true", ""),
        ("carlos-menditeguy", "maserati", "DNF", "true", ""),
    ]
    facts = await race_recap(real_store, await queries.results(real_store, "argentina", 1955, "f1"))
    text = prose(facts)
    assert "Carlos Menditéguy (in two cars: fuel pressure; accident, 1 lap)" in text
    assert "Harry Schell (in another car: fuel pressure)" in text and "reason unknown" not in text
    table = recap.text_recap(facts)
    assert [line.split()[-2:] for line in table.splitlines() if line.startswith("DNF  26")] == [["Fuel", "pressure"]] * 3


async def test_a_shared_win_is_both_drivers_and_the_pole_sitter_s_own_car_is_told(real_store):
    """France 1951: Fangio (pole, car 4) took over Fagioli's car 8, which won; F1DB counts the win for both (two rows
    at P1), and Fagioli drove Fangio's car 4 on to 11th. The report names the shared win and each driver's win count,
    and the pole-sitter's sentence is about the car he took pole in, not "finished first" as if on his own."""
    _, rows = f1db_race(1951, "france")
    assert [(row["driverId"], row["driverNumber"], row["sharedCar"]) for row in rows if row["position"] == "1"] == [
        ("luigi-fagioli", "8", ""), ("juan-manuel-fangio", "8", "true")]
    rounds = f1db_rounds()
    assert len(wins_of("driverId", "juan-manuel-fangio", rounds, (1951, 4))) == 4     # so this is his fifth
    assert wins_of("driverId", "luigi-fagioli", rounds, (1951, 4)) == []
    facts = await race_recap(real_store, await queries.results(real_store, "french grand prix", 1951, "f1"))
    text = prose(facts)
    assert ("Luigi Fagioli (sharing the car with Juan Manuel Fangio) won the French Grand Prix at Reims-Gueux for Alfa "
            "Romeo. It was Fagioli's first Formula 1 win and Fangio's fifth.") in text
    assert "The car pole-sitter Fangio started in, shared with Fagioli, finished 11th." in text
    assert "finished first" not in text
    assert "**Luigi Fagioli** (sharing the car with **Juan Manuel Fangio**) won" in recap.reddit_body(facts, "key")
    # the shared win counts in Fangio's later tally as F1DB counts it: Spain 1951 was his sixth
    spain = await race_recap(real_store, await queries.results(real_store, "spanish grand prix", 1951, "f1"))
    assert len(wins_of("driverId", "juan-manuel-fangio", rounds, (1951, 8))) == 5
    assert "It was Fangio's sixth Formula 1 win" in prose(spain)


async def test_a_pole_sitter_who_did_not_start_and_the_non_starters_are_told(real_store):
    """United States 2005: the Michelin teams withdrew; F1DB lists 14 DNS, every one "Withdrew", among them the
    pole-sitter, Trulli. The report says he did not start and why, and that 13 more did not (summarised: the first
    four named, in F1DB's order)."""
    _, rows = f1db_race(2005, "united-states")
    absent = [row for row in rows if row["position"] == "DNS"]
    assert len(absent) == 14 and {row["reasonRetired"] for row in absent} == {"Withdrew"}
    assert absent[0]["driverId"] == "jarno-trulli"
    facts = await race_recap(real_store, await queries.results(real_store, "united states grand prix", 2005, "f1"))
    text = prose(facts)
    assert "Pole-sitter Jarno Trulli did not start (withdrew)." in text
    assert ("Thirteen other drivers did not start (withdrew), among them Kimi Raikkonen, Jenson Button, Giancarlo "
            "Fisichella and Fernando Alonso.") in text


@pytest.mark.parametrize(("track", "year", "told"), [
    # reasons told one by one where they differ; a driver who started another car did not start this one
    ("nurburgring", 1976, "One driver did not start: Rolf Stommelen (in another car: car seized by police)."),
    ("monza", 2024, None),
])
async def test_non_starters_are_listed_with_their_reasons(real_store, track, year, told):
    facts = await race_recap(real_store, await queries.results(real_store, track, year, "f1"))
    assert (told in prose(facts)) if told else "did not start" not in prose(facts)


async def test_a_win_on_debut_is_told(real_store):
    """Reims 1961: Baghetti won his first championship race (F1DB has no earlier start of his); Barcelona 2016's
    Verstappen won his first race after 23 starts, which is no debut."""
    rounds = f1db_rounds()
    assert not [row for row in bundled_rows("race_results") if row["driverId"] == "giancarlo-baghetti"
                and row["position"] not in ("DNS", "DNQ", "DNPQ", "DNP", "EX") and rounds[row["race_id"]] < (1961, 4)]
    facts = await race_recap(real_store, await queries.results(real_store, "reims", 1961, "f1"))
    assert "It was Baghetti's first Formula 1 win, on debut." in prose(facts)
    spain = await race_recap(real_store, await queries.results(real_store, "barcelona", 2016, "f1"))
    assert "It was Verstappen's first Formula 1 win." in prose(spain) and "debut" not in prose(spain)


@pytest.mark.parametrize(("track", "year", "grand_prix", "told"), [
    ("spa", 2021, "belgium", "The race ended after 1 of its scheduled 44 laps."),
    ("canadian grand prix", 2026, "canada", "The race ended after 68 of its scheduled 70 laps."),
    ("indianapolis 500", 1950, "indianapolis", "The race ended after 138 of its scheduled 200 laps."),
    ("monza", 2024, "italy", None),
])
async def test_a_shortened_race_is_told_from_f1db_s_scheduled_laps(real_store, track, year, grand_prix, told):
    race, _ = f1db_race(year, grand_prix)
    facts = await race_recap(real_store, await queries.results(real_store, track, year, "f1"))
    if told is None:
        assert race["scheduledLaps"] in ("", race["laps"]) and "scheduled" not in prose(facts)
    else:
        assert f"after {race['laps']} of its scheduled {race['scheduledLaps']} laps" in told
        assert told in prose(facts)


async def test_a_classified_car_that_stopped_shows_its_laps_down_and_its_reason(real_store):
    """Indianapolis 1950: F1DB classifies McGrath 14th after 131 of the winner's 138 laps with no gap and a reason
    (Spun off): the table shows "+7 laps (Spun off)", not an empty cell."""
    _, rows = f1db_race(1950, "indianapolis")
    mcgrath = next(row for row in rows if row["driverId"] == "jack-mcgrath")
    assert (mcgrath["position"], mcgrath["laps"], mcgrath["gap"], mcgrath["reasonRetired"], rows[0]["laps"]) == (
        "14", "131", "", "Spun off", "138")
    facts = await race_recap(real_store, await queries.results(real_store, "indianapolis 500", 1950, "f1"))
    body = recap.reddit_body(facts, "key")   # markdown escapes the + and the parentheses, as every gap's +
    assert r"| 14 | 49 | Jack McGrath | Kurtis Kraft | 131 | \+7 laps \(Spun off\) |  |" in body
    row = next(line for line in recap.text_recap(facts).splitlines() if "McGrath" in line)
    assert row.split()[-4:] == ["+7", "laps", "(Spun", "off)"]
    assert r"| 2 | 3 | Bill Holland | Deidt | 137 | \+1 lap | 6 |" in body   # F1DB's own gap


async def test_the_terminal_report_never_splits_formula_1_across_lines(real_store):
    """Eifel 2020: at the report's width, "Hamilton's 91st Formula 1 win" fell at a line's end ("Formula" / "1 win");
    at every width the words stay together, and the Reddit markdown is untouched (plain spaces)."""
    facts = await race_recap(real_store, await queries.results(real_store, "eifel grand prix", 2020, "f1"))
    assert isinstance(facts, F1RecapFacts)
    for width in (recap.TEXT_WIDTH, *range(40, 100, 7)):
        text = recap.text_recap(facts, width)
        assert not any(line.endswith("Formula") for line in text.splitlines()), width
        assert "\u00a0" not in text
    assert "It was Hamilton's 91st Formula 1 win" in words(recap.text_recap(facts))
    body = recap.reddit_body(facts, "key")
    assert "\u00a0" not in body and "Hamilton's 91st Formula 1 win" in body


async def test_a_first_lap_retirement_reads_alike_in_the_list_and_the_pole_sitter_s_sentence(real_store):
    """Barcelona 2016: Hamilton (pole) and Rosberg collided on the first lap; both without completing a lap."""
    text = prose(await race_recap(real_store, await queries.results(real_store, "barcelona", 2016, "f1")))
    assert "Pole-sitter Lewis Hamilton retired (collision) without completing a lap." in text
    assert "Nico Rosberg (collision, without completing a lap)" in text and " 0 laps" not in text
