"""`pitboard ask --json`: one name and one form per figure across every command's document, and null for what the
data does not hold (jsondata's conventions, README "Asking questions in the terminal")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.cli import main
from bot.questions import ask, parse_slash
from bot.render import jsondata
from db.errors import PitboardError

pytestmark = pytest.mark.realdata

LATE_2026 = datetime(2026, 11, 30, tzinfo=UTC)   # the bundled calendar's last weekend still to come

# Every command, NASCAR's and F1's forms, the bundled history's oldest races and a failure.
SURVEYED = [
    "/winner dega", "/winner marchbanks 1951", "/winner cota sprint 2024", "/results charlotte 1949",
    "/results silverstone 2021 series:f1", "/results monza 1956 series:f1", "/results bristol 2005 cup",
    "/qualifying monza 2024 series:f1", "/qualifying charlotte 1949", "/driver larson 2021", "/driver hamilton 2020",
    "/driver ayrton senna", "/driver larson at bristol", "/driver hamilton at silverstone 2020", "/team hendrick 2021",
    "/team ferrari 2004", "/team ferrari at monza", "/track bristol", "/track monza series:f1", "/standings cup 2024",
    "/standings f1 1988", "/standings f1 2021 r10", "/h2h larson elliott 2024", "/h2h senna prost at monaco",
    "/next", "/next f1", "/schedule f1 2026", "/schedule f1 1950", "/schedule cup 1992", "/leaders cup wins since 2020",
    "/leaders rating cup 2024", "/leaders poles at monaco f1", "/help", "/winner nowhereville",
]
# Names a document no longer uses: each has one name everywhere (the one most documents used).
RETIRED_KEYS = {
    "year": "season", "car_number": "car", "rated": "rated_starts", "last_meeting": "latest_meeting",
    "date_only": "starts_at null", "led": "laps_led", "winner_led": "winner_laps_led",
}


async def document(store, typed: str) -> dict[str, Any]:
    question, options = parse_slash(typed)
    if typed.startswith(("/next", "/schedule")):
        options["now"] = LATE_2026
    try:
        return jsondata.render(await ask(store, question, options))
    except PitboardError as failure:
        return jsondata.error(failure)


def walk(value: Any, path: str = ""):
    """(path, key, value) of every key in a document, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from walk(item, f"{path}[]")


@pytest.mark.parametrize("typed", SURVEYED)
async def test_one_name_per_figure_and_null_for_the_unknown(real_store, typed):
    found = await document(real_store, typed)
    json.dumps(found)   # every value is JSON as it is, not by `default=str`
    for path, key, value in walk(found):
        assert key not in RETIRED_KEYS, f"{path}.{key}: now {RETIRED_KEYS[key]}"
        assert value != "", f"{path}.{key}: unknown is null, not an empty string"
        if key == "race":      # a race's name is `name`; `race` is the race itself
            assert isinstance(value, dict), f"{path}.race is {value!r}"
        if key == "seasons":   # a span of seasons is first_season and last_season; `seasons` lists season lines
            assert all(isinstance(item, dict) for item in value), f"{path}.seasons is {value!r}"
        if key == "starts_at" and value is not None:
            assert "T" in value and datetime.fromisoformat(value).tzinfo is not None, f"{path}.starts_at is {value!r}"
        if key.startswith("avg_") and isinstance(value, float):
            assert value == round(value, 2), f"{path}.{key} is {value!r}"


@pytest.mark.parametrize(("typed", "season"), [
    ("/driver larson 2021", 2021), ("/driver hamilton at silverstone 2020", 2020), ("/team hendrick 2021", 2021),
    ("/h2h larson elliott 2024", 2024), ("/standings cup 2024", 2024), ("/schedule f1 2026", 2026),
    ("/leaders cup wins 2024", 2024),
])
async def test_the_season_asked_is_season_in_every_document(real_store, typed, season):
    found = await document(real_store, typed)
    assert found["season"] == season and "year" not in found


async def test_a_season_counts_its_rated_starts_and_rounds_as_the_career_does(real_store):
    cup = (await document(real_store, "/driver larson 2021"))["series"]["cup"]
    assert (cup["rated_starts"], cup["avg_finish"]) == (401, 14.02)
    season = cup["season"]
    assert (season["rated_starts"], season["avg_finish"], season["avg_rating"]) == (36, 9.08, 112.45)
    assert "rated" not in season
    assert season["races"][0]["name"] == "DAYTONA 500" and "race" not in season["races"][0]


async def test_an_unnumbered_car_is_null(real_store):
    """The bundled history has no number for some cars of 1949–1983: unknown, as everything unknown is."""
    results = await document(real_store, "/results charlotte 1949")
    archie = next(line for line in results["results"] if line["driver"] == "Archie Smith")
    assert archie["car"] is None and archie["finish"] == 6
    lineup = await document(real_store, "/qualifying charlotte 1949")
    pee_wee = next(line for line in lineup["qualifying"] if line["driver"] == "Pee Wee Martin")
    assert pee_wee["car"] is None and "car_number" not in pee_wee
    assert lineup["qualifying"][0]["car"] == "7"       # the same key as /results' lines, a number as the data writes it
    (race,) = (await document(real_store, "/winner marchbanks 1951"))["races"]
    assert (race["winner"], race["winner_car"]) == ("Danny Weinberg", None)


async def test_sessions_are_dated_as_their_race_is(real_store):
    """`date` (the day in the series' zone) and `starts_at` (ISO 8601, null when only the day is known), as a race's."""
    (abu_dhabi,) = (await document(real_store, "/next f1"))["upcoming"]
    assert abu_dhabi["sessions"][0] == {"session": "practice_1", "date": "2026-12-04", "starts_at": "2026-12-04T09:30:00+00:00"}
    assert abu_dhabi["sessions"][-1]["starts_at"] == abu_dhabi["starts_at"] == "2026-12-06T13:00:00+00:00"
    silverstone = (await document(real_store, "/schedule f1 1950"))["races"][0]
    assert silverstone["sessions"] == [{"session": "race", "date": "1950-05-13", "starts_at": None}]
    assert (silverstone["date"], silverstone["starts_at"]) == ("1950-05-13", None)


async def test_leaders_span_and_note_named_as_elsewhere(real_store):
    found = await document(real_store, "/leaders cup wins since 2020")
    assert (found["first_season"], found["last_season"]) == (2020, 2025) and "seasons" not in found
    assert found["note"] is None                        # nothing to say: null, not ""
    row = found["leaders"][0]
    assert {"first_season", "last_season"} <= set(row)
    assert (await document(real_store, "/leaders rating cup 2024"))["note"].startswith("Rating: ")


async def test_track_winners_and_h2h_meetings_named_as_elsewhere(real_store):
    cup = (await document(real_store, "/track bristol"))["series"]["cup"]
    assert set(cup["winners"][0]) == {"season", "round", "name", "driver"}
    found = await document(real_store, "/h2h larson elliott 2024")
    assert found["latest_meeting"] == found["latest_meetings"][0] and found["latest_meeting"]["season"] == 2024


def test_ask_json_prints_the_renamed_fields(real_db, capsys, monkeypatch):
    """Through `pitboard ask --json`, as a script reads it."""
    monkeypatch.setenv("PITBOARD_DB", str(real_db))
    assert main(["ask", "--json", "/team hendrick 2021"]) == 0
    team = json.loads(capsys.readouterr().out)
    assert team["season"] == 2021 and "year" not in team
    assert main(["ask", "--json", "/results charlotte 1949"]) == 0
    assert [line["car"] for line in json.loads(capsys.readouterr().out)["results"][5:7]] == [None, "31"]
