"""/qualifying on the bundled history: F1's sessions as F1DB has them, NASCAR's starting lineup as raced."""

from __future__ import annotations

import pytest

from db import queries


@pytest.mark.parametrize(("track", "year"), [("monza", 2024), ("monaco", 1988), ("silverstone", 1950), ("spa", 2021)])
async def test_an_f1_session_s_pole_is_the_race_s_pole(real_store, track, year):
    answer = await queries.qualifying(real_store, track, year, "f1")
    assert not answer.lineup and answer.lines[0].position == 1
    assert answer.lines[0].driver == answer.race.pole
    placed = [line.position for line in answer.lines if line.position is not None]
    assert placed == sorted(placed) and len(set(placed)) == len(placed)


async def test_without_a_session_the_answer_is_the_grid_as_raced_and_says_so(real_store):
    answer = await queries.qualifying(real_store, "daytona 500", 2025)
    details = await queries.race_details(real_store, answer.race)
    assert answer.lineup
    assert [(line.position, line.driver, line.finish) for line in answer.lines] == sorted(
        (line.start, line.driver, line.finish) for line in details.results if line.start is not None)
    assert answer.lines[0].driver == answer.race.pole


async def test_the_race_is_chosen_as_results_chooses_it(real_store):
    for asked in [("bristol", 2023, None, None), (None, None, "truck", None), ("richmond", 2023, "cup", 7)]:
        assert (await queries.qualifying(real_store, *asked)).race == (await queries.results(real_store, *asked)).race
