"""Name resolution on the real history: aliases, nicknames, typos, ambiguity and hostile input."""

from __future__ import annotations

import pytest

from db.errors import AmbiguousName, BadOption, PitboardError
from db.names import normalize

TRACKS = [
    ("mid-ohio", "Mid-Ohio Sports Car Course"),
    ("Mid Ohio", "Mid-Ohio Sports Car Course"),
    ("moh", "Mid-Ohio Sports Car Course"),
    ("MID-OHIO SPORTS CAR COURSE", "Mid-Ohio Sports Car Course"),
    ("cota", "Circuit of the Americas"),
    ("Circuit of The Americas", "Circuit of the Americas"),
    ("the glen", "Watkins Glen International"),
    ("watkins", "Watkins Glen International"),
    ("dega", "Talladega Superspeedway"),
    ("talladaga", "Talladega Superspeedway"),
    ("roval", "Charlotte Motor Speedway Road Course"),
    ("daytona", "Daytona International Speedway"),
    ("daytona road course", "Daytona International Speedway Road Course"),
    ("bristol", "Bristol Motor Speedway"),
    ("Bristol Motor Speedway Dirt", "Bristol Motor Speedway Dirt Track"),
    ("echopark speedway", "Atlanta Motor Speedway"),
    ("sears point", "Sonoma Raceway"),
    ("  richmond\t", "Richmond Raceway"),
]


@pytest.mark.parametrize(("typed", "expected"), TRACKS)
async def test_tracks_resolve(real_store, typed, expected):
    assert (await real_store.names()).track(typed).name == expected


DRIVERS = [
    ("kligerman", "Parker Kligerman"),
    ("Parker Kligerman", "Parker Kligerman"),
    ("kligermann", "Parker Kligerman"),
    ("Kenkō Miura", "Kenko Miura"),
    ("kyle bush", "Kyle Busch"),
    ("John H. Nemechek", "John Hunter Nemechek"),
    ("Shane Van Gisbergen", "Shane van Gisbergen"),
    ("svg", "Shane van Gisbergen"),
    ("AJ Allmendinger", "A.J. Allmendinger"),
    ("Martin Truex Jr", "Martin Truex Jr."),
    ("dale jr", "Dale Earnhardt Jr."),
    ("Ricky Stenhouse Jr. (i)", "Ricky Stenhouse Jr."),
]


@pytest.mark.parametrize(("typed", "expected"), DRIVERS)
async def test_drivers_resolve(real_store, typed, expected):
    assert (await real_store.names()).driver(typed).name == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("nxs", "xfinity"), ("trucks", "truck"), ("Cup", "cup"), ("Busch Series", "xfinity"), ("o'reilly", "xfinity"),
     ("Camping World Truck Series", "truck"), ("winston cup", "cup")],
)
async def test_series_resolve(real_store, typed, expected):
    assert (await real_store.names()).series_key(typed) == expected


@pytest.mark.parametrize(
    ("kind", "typed", "must_suggest"),
    [
        ("track", "charlotte", {"Charlotte Motor Speedway", "Charlotte Motor Speedway Road Course"}),
        ("track", "nashville", {"Nashville Superspeedway", "Nashville Speedway"}),
        ("track", "chicago", {"Chicago Street Course", "Chicagoland Speedway"}),
        ("driver", "smith", {"Zane Smith", "Regan Smith"}),
        ("driver", "busch", {"Kyle Busch", "Kurt Busch"}),
    ],
)
async def test_ambiguous_names_ask_back(real_store, kind, typed, must_suggest):
    names = await real_store.names()
    with pytest.raises(AmbiguousName) as raised:
        getattr(names, kind)(typed)
    assert must_suggest <= set(raised.value.suggestions)
    assert 2 <= len(raised.value.suggestions) <= 5


async def test_spa_is_not_a_silent_guess(real_store):
    """The F1 bots' classic bug: a short string quietly matching something else (Sparta, Spain): `spa` is Spa."""
    assert (await real_store.names()).track("spa").name == "Circuit de Spa-Francorchamps"


HOSTILE = [
    "'; DROP TABLE races; --",
    "\" OR 1=1 --",
    "x" * 5000,
    "\x00\x01\x07\x1b[31m",
    "🏁🏎️💨",
    "@everyone",
    "<@&123456789012345678>",
    "",
    "   ",
    "%_%",
    "\u202etsaeoc",
]


@pytest.mark.parametrize("typed", HOSTILE)
@pytest.mark.parametrize("kind", ["track", "driver", "series_key"])
async def test_hostile_input_is_a_clear_error(real_store, kind, typed):
    names = await real_store.names()
    races = await real_store.scalar("SELECT count(*) FROM races")
    with pytest.raises(PitboardError) as raised:
        getattr(names, kind)(typed)
    message = raised.value.message
    assert len(message) < 300 and "\x00" not in message and "\x1b" not in message
    if len(typed) > 100:
        assert isinstance(raised.value, BadOption)
    assert await real_store.scalar("SELECT count(*) FROM races") == races  # nothing dropped


def test_normalize():
    assert normalize("Mid-Ohio") == "mid ohio"
    assert normalize("Kenkō Miura") == "kenko miura"
    assert normalize("A.J. Allmendinger") == "aj allmendinger"
    assert normalize("O'Reilly Auto Parts 150") == "oreilly auto parts 150"
    assert normalize("Austin Hill (i)") == "austin hill"
    assert normalize("Daytona Beach & Road Course") == "daytona beach and road course"


async def test_autocomplete_choices_are_ranked_and_capped(real_store):
    names = await real_store.names()
    tracks = names.track_choices("char")
    assert tracks[0].name == "Charlotte Motor Speedway" and len(tracks) <= 25
    drivers = names.driver_choices("kyle")
    assert len(drivers) == 25 and [d.name for d in drivers[:2]] == ["Kyle Busch", "Kyle Petty"]  # most starts first
    assert [d.name for d in names.driver_choices("kliger")][0] == "Parker Kligerman"
    assert [s.key for s in names.series_choices("tr")] == ["truck"]
    assert len(names.track_choices("")) == 25


async def test_place_completions_keep_a_typed_series_and_its_places_only(real_store):
    names = await real_store.names()
    choices = names.place_choices("f1 mon")
    assert set(choices[:2]) == {"Circuit de Monaco f1", "Autodromo Nazionale Monza f1"}   # as like `mon`: the busier first
    with_series = [choice for choice in choices if choice.endswith(" f1")]
    assert len(with_series) >= 3 and "Monza" in " ".join(with_series)
    for choice in with_series:   # each one is a place that hosted F1, and reads back as that place and series
        place = names.place(choice)
        assert place.series == "f1" and place.track is not None and names._raced_at(place.track.id, None, "f1")
    assert names.place_choices("sprint show")[0] == "All-Star Open"   # a race's own name before a series reading
    assert names.place_choices("dayto")[0] == "Daytona 500"          # no series typed: as before


async def test_stored_aliases_are_normalized_as_the_resolver_reads_them(real_store):
    """The name index takes the store's aliases as they are (normalizing hundreds of them cost a cold `pitboard ask`
    ~4 M instructions): the build keeps every one in `normalize`'s form."""
    for table in ("track_aliases", "driver_aliases"):
        aliases = [row[0] for row in await real_store.fetchall(f"SELECT alias FROM {table}")]
        assert aliases and [alias for alias in aliases if normalize(alias) != alias] == []
