"""/driver … at a track: a driver's record at one track or in one named race, counted as /driver counts a career;
and /h2h … at a track: two drivers in the races both started there.

Checked against facts fans know (Petty's 15 Martinsville wins, Earnhardt's 10 at Talladega, Hamilton's 9 at
Silverstone) and against /driver itself: a career's starts and wins are the sum of its tracks'."""

from __future__ import annotations

import pytest

from bot.questions import ask, parse_slash
from bot.render import embeds, jsondata, text
from db import queries
from db.errors import NoData, UnknownName
from db.models import DriverAtTrack, DriverCareer, HeadToHead

pytestmark = pytest.mark.realdata


async def answer(store, typed: str):
    question, options = parse_slash(typed)
    return await ask(store, question, options)


@pytest.mark.parametrize(("typed", "series", "starts", "wins", "seasons_won"), [
    ("/driver richard petty at martinsville", "cup", 67, 15, None),
    ("/driver jeff gordon track:martinsville series:cup", "cup", 47, 9, None),
    ("/driver earnhardt sr at talladega", "cup", 44, 10, None),
    ("/driver hamilton at silverstone", "f1", 21, 9, [2024, 2021, 2020, 2019, 2017, 2016, 2015, 2014, 2008]),
    ("/driver michael schumacher at monza", "f1", 17, 5, [2006, 2003, 2000, 1998, 1996]),
    ("/driver larson at bristol 2021", "cup", 1, 1, [2021]),           # the dirt race that year was another track
    ("/driver kyle busch at bristol truck", "truck", 12, 5, [2017, 2013, 2010, 2009, 2008]),
])
async def test_records_fans_know(real_store, typed, series, starts, wins, seasons_won):
    found = await answer(real_store, typed)
    assert isinstance(found, DriverAtTrack)
    line = found.series[series]
    assert (line.starts, line.wins, len(line.wins_at)) == (starts, wins, wins)
    if seasons_won:
        assert [race.season for race in line.wins_at] == seasons_won


async def test_a_named_race_counts_only_its_runs(real_store):
    """Larson in the Daytona 500: no wins, and fewer starts than at the track (the summer race, the Duels, the road course)."""
    five_hundred = await answer(real_store, "/driver larson at daytona 500")
    track = await answer(real_store, "/driver larson at daytona")
    assert five_hundred.place == "Daytona International Speedway (Daytona 500)" and five_hundred.series["cup"].wins == 0
    assert five_hundred.series["cup"].starts < track.series["cup"].starts


async def test_at_splits_at_its_first_word_a_track_may_have_one(real_store):
    found = await answer(real_store, "/driver larson at world wide technology raceway at gateway")
    assert (found.driver, found.place) == ("Kyle Larson", "World Wide Technology Raceway at Gateway")


async def test_a_venue_is_named_by_the_tracks_of_it_raced(real_store):
    """Las Vegas has a speedway, a street circuit and Caesars Palace: each driver's record names the driver's own."""
    assert (await answer(real_store, "/driver larson at las vegas")).place == "Las Vegas Motor Speedway"
    assert (await answer(real_store, "/driver verstappen at las vegas")).place == "Las Vegas Street Circuit"
    assert (await answer(real_store, "/h2h larson hamlin at las vegas")).place == "Las Vegas Motor Speedway"


async def test_a_career_is_the_sum_of_its_tracks(real_store):
    """Every points race is at one track: Larson's starts and wins at each track he raced add up to /driver's."""
    career = await queries.driver(real_store, "kyle larson")
    assert isinstance(career, DriverCareer)
    names = await real_store.names()
    track_ids = {row[0] for row in await real_store.fetchall(
        "SELECT DISTINCT r.track_id FROM results x JOIN races r ON r.id = x.race_id WHERE x.driver_id = ? "
        "AND r.exhibition = 0", (names.driver("kyle larson").id,))}
    totals: dict[str, list[int]] = {}
    for track_id in track_ids:
        at = await queries.driver(real_store, "kyle larson", track=names.tracks[track_id].name)
        assert isinstance(at, DriverAtTrack)
        for key, line in at.series.items():
            figures = totals.setdefault(key, [0, 0, 0])
            figures[0] += line.starts
            figures[1] += line.wins
            figures[2] += line.top10
    assert totals == {key: [c.starts, c.wins, c.top10] for key, c in career.series.items()}


async def test_every_renderer_shows_the_record(real_store):
    found = await answer(real_store, "/driver richard petty at martinsville")
    shown = text.render(found).splitlines()
    assert shown[0] == "Richard Petty at Martinsville Speedway"
    assert shown[2].split()[-2:] == ["Best", "DNF"]
    assert "Cup wins there: 1979, 1975, 1973, 1972 ×2, 1971, 1970, 1969 ×2, 1968, 1967 ×2, 1963, 1962, 1960" in shown
    assert "Cup latest start there: 1992 Cup R24 (Goody's 500): 18th" in shown
    embed = embeds.driver_at_track(found)
    assert embed.title == "Richard Petty at Martinsville Speedway"
    assert embed.fields[0].value.startswith("**67** starts · **15** wins")
    document = jsondata.driver_at_track(found)
    assert document["track"] == "Martinsville Speedway" and document["series"]["cup"]["wins"] == 15
    assert document["series"]["cup"]["latest"]["finish"] == 18


async def test_no_start_there_or_no_such_place_says_so(real_store):
    with pytest.raises(NoData, match="Kyle Larson has no starts at Circuit de Monaco in the data."):
        await answer(real_store, "/driver larson at monaco")
    with pytest.raises(UnknownName) as unknown:
        await answer(real_store, "/driver larson at nowhereville")
    assert unknown.value.suggestions


@pytest.mark.parametrize(("typed", "races", "wins", "place", "everywhere"), [
    ("/h2h senna prost at monaco", 9, (5, 4), "Circuit de Monaco", "/h2h senna prost"),   # Senna 1987, 89–91, 93; Prost 84–86, 88
    ('/h2h "kyle busch" "kyle larson at bristol"', 26, (7, 4), "Bristol Motor Speedway", '/h2h "kyle busch" "kyle larson"'),
    ("/h2h hamlin logano track:daytona 500", 17, (3, 1), "Daytona International Speedway (Daytona 500)", "/h2h hamlin logano"),
])
async def test_two_drivers_at_one_track(real_store, typed, races, wins, place, everywhere):
    found = await answer(real_store, typed)
    assert isinstance(found, HeadToHead) and found.place == place
    assert (found.races, (found.first.wins, found.second.wins)) == (races, wins)
    assert text.render(found).splitlines()[0].endswith(f"races together at {place}")
    assert jsondata.h2h(found)["track"] == place
    for side, figures in zip(jsondata.h2h(found)["drivers"], (found.first, found.second), strict=True):
        assert side["avg_finish"] == round(figures.avg_finish, 2)   # two places, as /driver's averages
    anywhere = await answer(real_store, everywhere)
    assert anywhere.races > found.races and anywhere.place is None


async def test_two_drivers_who_never_met_there_are_told_so(real_store):
    with pytest.raises(NoData, match="Denny Hamlin and Joey Logano never started the same race at Circuit de Monaco."):
        await answer(real_store, "/h2h hamlin logano at monaco")
