"""Curated names on the real history: nicknames, former names, race names, years that settle a
place, car numbers, and the rule that nothing resolves silently to someone or somewhere else."""

from __future__ import annotations

import pytest

from db import queries
from db.errors import AmbiguousName, BadOption, NoData, UnknownName
from db.names import find_driver

PLACES = [
    # typed, track, race, series typed with it, year typed with it
    ("the brickyard", "Indianapolis Motor Speedway", None, None, None),
    ("the monster mile", "Dover International Speedway", None, None, None),
    ("the lady in black", "Darlington Raceway", None, None, None),
    ("the tricky triangle", "Pocono Raceway", None, None, None),
    ("the paperclip", "Martinsville Speedway", None, None, None),
    ("atlanta international raceway", "Atlanta Motor Speedway", None, None, None),
    ("new hampshire international speedway", "New Hampshire Motor Speedway", None, None, None),
    ("gateway international raceway", "World Wide Technology Raceway at Gateway", None, None, None),
    ("dover downs", "Dover International Speedway", None, None, None),
    ("martinsville truck", "Martinsville Speedway", None, "truck", None),
    ("watkins glen camping world truck series", "Watkins Glen International", None, "truck", None),
    ("bristol busch", "Bristol Motor Speedway", None, "xfinity", None),
    ("daytona 500 1979", "Daytona International Speedway", "Daytona 500", None, 1979),
    ("southern 500", "Darlington Raceway", "Southern 500", None, None),
    ("coca-cola 600", "Charlotte Motor Speedway", "Coca-Cola 600", None, None),
    ("world 600", "Charlotte Motor Speedway", "Coca-Cola 600", None, None),
    ("brickyard 400 2020", "Indianapolis Motor Speedway", "Brickyard 400", None, 2020),
    ("bristol night race 2019", "Bristol Motor Speedway", "Bristol Night Race", None, 2019),
    ("firecracker 400", "Daytona International Speedway", "Firecracker 400", None, None),
    ("coke zero 400", "Daytona International Speedway", "Firecracker 400", None, None),
    ("duels 1970", "Daytona International Speedway", "Duels", None, 1970),
    ("talladega 500", "Talladega Superspeedway", "Talladega 500", None, None),
    ("winston 500", "Talladega Superspeedway", "Winston 500", None, None),
    ("mason-dixon 500", "Dover International Speedway", "Mason-Dixon 500", None, None),
]


@pytest.mark.parametrize(("typed", "track", "race", "series", "year"), PLACES)
async def test_places(real_store, typed, track, race, series, year):
    place = (await real_store.names()).place(typed)
    assert (place.track.name, place.race, place.series, place.year) == (track, race, series, year)


RACE_WINNERS = [
    ("daytona 500 1979", 1979, "Richard Petty", "Daytona 500"),
    ("firecracker 400 1979", 1979, "Neil Bonnett", "Firecracker 400"),
    ("bristol night race 2019", 2019, "Denny Hamlin", "Bass Pro Shops NRA Night Race"),
    ("world 600 1975", 1975, "Richard Petty", "World 600"),
    ("brickyard 400 2020", 2020, "Kevin Harvick", "Big Machine Hand Sanitizer 400 Powered by Big Machine Records"),
]


@pytest.mark.parametrize(("typed", "season", "winner", "name"), RACE_WINNERS)
async def test_a_named_race_is_that_race_and_only_it(real_store, typed, season, winner, name):
    place = (await real_store.names()).place(typed)
    [race_id] = place.race_ids
    row = await real_store.fetchone(
        "SELECT r.season, r.name, d.name FROM races r JOIN results x ON x.race_id = r.id AND x.finish = 1 "
        "JOIN drivers d ON d.id = x.driver_id WHERE r.id = ?", (race_id,),
    )
    assert tuple(row) == (season, name, winner)


async def test_race_names_span_the_years_and_sponsors(real_store):
    names = await real_store.names()
    southern = names.place("southern 500")
    seasons = {row[0] for row in await real_store.fetchall(
        f"SELECT season FROM races WHERE id IN ({','.join('?' * len(southern.race_ids))})", southern.race_ids)}
    assert {1950, 1984, 2004, 2015, 2025} <= seasons
    daytona_500s = names.place("daytona 500").race_ids
    assert len(daytona_500s) == 2025 - 1959 + 1  # one a year, never a qualifier


@pytest.mark.parametrize(
    ("typed", "year", "series", "track"),
    [
        ("portland", 2024, "xfinity", "Portland International Raceway"),
        ("portland", 1957, None, "Portland Speedway"),
        ("nashville", 2023, "cup", "Nashville Superspeedway"),
        ("nashville", 1975, None, "Nashville Speedway"),
    ],
)
async def test_a_year_settles_an_ambiguous_track(real_store, typed, year, series, track):
    names = await real_store.names()
    with pytest.raises(AmbiguousName):
        names.place(typed)
    assert names.place(typed, year=year, series=series).track.name == track


@pytest.mark.parametrize(
    ("typed", "year", "related"),
    [("indy", 2021, "Indianapolis Motor Speedway Road Course"), ("daytona", 1955, "Daytona Beach & Road Course"),
     ("the brickyard", 2022, "Indianapolis Motor Speedway Road Course")],
)
async def test_a_year_without_races_points_to_the_venue_that_had_them(real_store, typed, year, related):
    with pytest.raises(NoData) as raised:
        (await real_store.names()).place(typed, year=year)
    assert raised.value.suggestions[0] == related and related in raised.value.message


@pytest.mark.parametrize(
    ("typed", "must_suggest"),
    [
        ("fairgrounds", {"Nashville Speedway"}),
        ("dirt", {"Bristol Motor Speedway Dirt Track"}),
        ("road course", {"Charlotte Motor Speedway Road Course", "Indianapolis Motor Speedway Road Course"}),
    ],
)
async def test_a_kind_of_track_is_a_question_not_a_guess(real_store, typed, must_suggest):
    with pytest.raises(AmbiguousName) as raised:
        (await real_store.names()).place(typed)
    assert must_suggest <= set(raised.value.suggestions)


async def test_exhibitions_are_named_but_not_in_the_bundled_history(real_store):
    for typed in ("all-star race", "the clash"):
        with pytest.raises(NoData, match="exhibition"):
            (await real_store.names()).place(typed)


async def test_a_race_of_another_series_is_not_answered(real_store):
    with pytest.raises(NoData, match="Cup Series race"):
        (await real_store.names()).place("daytona 500", series="truck")


DRIVERS = [
    ("smoke", "Tony Stewart"),
    ("happy", "Kevin Harvick"),
    ("the king", "Richard Petty"),
    ("the intimidator", "Dale Earnhardt"),
    ("the silver fox", "David Pearson"),
    ("awesome bill", "Bill Elliott"),
    ("rowdy", "Kyle Busch"),
    ("mtj", "Martin Truex Jr."),
    ("sliced bread", "Joey Logano"),
    ("the melon man", "Ross Chastain"),
    ("dinger", "A.J. Allmendinger"),
    ("jimmy johnson", "Jimmie Johnson"),
    ("tony stuart", "Tony Stewart"),
    ("kyle bush", "Kyle Busch"),
    ("checo", "Sergio Pérez"),
    ("the honey badger", "Daniel Ricciardo"),
    ("jpm", "Juan Pablo Montoya"),
]


@pytest.mark.parametrize(("typed", "expected"), DRIVERS)
async def test_nicknames_and_misspellings(real_store, typed, expected):
    assert (await find_driver(real_store, typed)).driver.name == expected


async def test_a_nickname_of_both_families_asks(real_store):
    with pytest.raises(AmbiguousName) as asked:     # NASCAR's Terry Labonte and F1's Kimi Raikkonen
        await find_driver(real_store, "the iceman")
    assert set(asked.value.suggestions) == {"Terry Labonte", "Kimi Raikkonen"}


@pytest.mark.parametrize(
    ("typed", "first_suggestions"),
    [
        ("jj", ["J.J. Yeley", "Jimmie Johnson"]),
        ("junior", ["Dale Earnhardt Jr.", "Junior Johnson"]),
        # Close calls between two real drivers (equally far from both): ask, whichever the first fuzzy hit.
        ("eriq jones", ["Eric Jones", "Erik Jones"]),
        ("marko andretti", ["Marco Andretti", "Mario Andretti"]),
        ("mikr pofter", ["Mike Porter", "Mike Potter"]),
    ],
)
async def test_ambiguous_drivers_ask_with_the_right_suggestions(real_store, typed, first_suggestions):
    """Kills the mutation that drops the fuzzy margin checks: each of these would resolve silently."""
    with pytest.raises((AmbiguousName, UnknownName)) as raised:
        await find_driver(real_store, typed)
    assert sorted(raised.value.suggestions[:2]) == sorted(first_suggestions)


async def test_a_series_after_a_driver(real_store):
    for typed in ("kyle busch truck", "rowdy truck", "Kyle Busch Craftsman Truck Series"):
        who = await find_driver(real_store, typed)
        assert (who.driver.name, who.series) == ("Kyle Busch", "truck")


@pytest.mark.parametrize(
    ("typed", "year", "series", "expected"),
    [
        ("#48", 2005, "cup", "Jimmie Johnson"),
        ("48", 2005, None, "Jimmie Johnson"),
        ("#48", None, None, "Alex Bowman"),      # the latest season, the Cup car first
        ("#3", 1998, "cup", "Dale Earnhardt"),
        ("43 1979", None, None, "Richard Petty"),
    ],
)
async def test_car_numbers(real_store, typed, year, series, expected):
    assert (await find_driver(real_store, typed, year=year, series=series)).driver.name == expected


async def test_two_drivers_in_one_string(real_store):
    names = await real_store.names()
    first, second, series = names.driver_pair("kyle busch kyle larson")
    assert (first.name, second.name, series) == ("Kyle Busch", "Kyle Larson", None)
    first, second, series = names.driver_pair("kurt busch kyle busch truck")
    assert (first.name, second.name, series) == ("Kurt Busch", "Kyle Busch", "truck")


async def test_two_surnames_read_as_driver_reads_each(real_store):
    names = await real_store.names()
    first, second, _ = names.driver_pair("hamlin logano")     # each the only winner of that surname
    assert (first.name, second.name) == ("Denny Hamlin", "Joey Logano")
    with pytest.raises(AmbiguousName) as asked:                # Bill and Chase Elliott both won
        names.driver_pair("larson elliott")
    assert "Kyle Larson and Chase Elliott" in asked.value.suggestions
    assert "Kyle Larson and Bill Elliott" in asked.value.suggestions
    with pytest.raises(BadOption):                             # one driver's whole name: no pair to offer
        names.driver_pair("chase elliott")



async def test_a_shared_surname_is_weighed_by_the_races_each_pair_ran_together(real_store):
    with pytest.raises(AmbiguousName) as asked:      # Kyle and Kurt Busch both raced Kyle Larson, often
        await queries.h2h(real_store, "larson busch")
    assert asked.value.suggestions[:2] == ["Kyle Larson and Kyle Busch", "Kyle Larson and Kurt Busch"]  # 476, 280 races
    answer = await queries.h2h(real_store, "byron bell")                     # Red Byron never met a Bell
    assert (answer.first.driver, answer.second.driver) == ("William Byron", "Christopher Bell")
    answer = await queries.h2h(real_store, "larson elliott")    # Chase Elliott 373 races with Larson, Elliott Sadler 114
    assert (answer.first.driver, answer.second.driver) == ("Kyle Larson", "Chase Elliott")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("winston cup", "cup"), ("grand national", "cup"), ("nextel", "cup"), ("sprint cup", "cup"),
     ("busch series", "xfinity"), ("nationwide", "xfinity"), ("o'reilly", "xfinity"), ("craftsman", "truck"),
     ("camping world", "truck"), ("gander outdoors", "truck"), ("the truck series", "truck")],
)
async def test_series_names_by_era(real_store, typed, expected):
    assert (await real_store.names()).series_key(typed) == expected


async def test_autocomplete_offers_races_and_former_series_names(real_store):
    names = await real_store.names()
    assert names.place_choices("southern")[0] == "Southern 500"
    daytona = names.place_choices("daytona")
    assert daytona[0] == "Daytona 500" and "Daytona International Speedway" in daytona
    assert ("Winston Cup 1971–2003 (Cup)", "cup") in names.series_labels("winston")
