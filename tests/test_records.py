"""db.records.Record: the frozen-dataclass behaviour every answer type relies on."""

from __future__ import annotations

import copy
import pickle

import pytest

from db.models import RaceRef, RaceResults, ResultLine
from db.records import FrozenRecordError, Record, as_dict, field, fields, replace


class Lap(Record):
    number: int
    leader: str
    cars: list[str] = field(default_factory=list)
    caution: bool = False


def test_construction_by_position_keyword_and_default():
    assert fields(Lap) == ("number", "leader", "cars", "caution")
    lap = Lap(12, leader="Kyle Larson")
    assert (lap.number, lap.leader, lap.cars, lap.caution) == (12, "Kyle Larson", [], False)
    assert Lap(12, "Kyle Larson", ["5"], True).cars == ["5"]
    assert Lap(number=1, leader="x", caution=True).caution is True


class Pit(Record):
    lap: int
    car: str
    tires: int | None = None
    fuel_only: bool = False


def test_trailing_plain_defaults_fill_in_for_values_given_by_position():
    assert (Pit(90, "5").tires, Pit(90, "5").fuel_only) == (None, False)
    assert Pit(90, "5", 4) == Pit(lap=90, car="5", tires=4, fuel_only=False)
    assert vars(Pit(90, "5", 4)) == {"lap": 90, "car": "5", "tires": 4, "fuel_only": False}
    with pytest.raises(TypeError, match="missing a value for 'car'"):
        Pit(90)


def test_a_default_factory_makes_a_new_value_for_each_record():
    first, second = Lap(1, "a"), Lap(2, "b")
    assert first.cars == [] and first.cars is not second.cars
    assert "cars" not in vars(Lap)   # the factory is not left behind as a shared class attribute


def test_each_makes_from_rows_the_records_the_constructor_makes():
    rows = [(1, "Kyle Larson", ["5"], False), (2, "Denny Hamlin", [], True)]
    made = Lap.each(iter(rows))
    assert made == [Lap(*row) for row in rows] and all(type(lap) is Lap for lap in made)
    with pytest.raises(FrozenRecordError):
        made[0].leader = "x"
    with pytest.raises(ValueError):   # every field, no more and no fewer
        Lap.each([(1, "Kyle Larson")])


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((), {}, "missing a value for 'number'"),
    ((1,), {}, "missing a value for 'leader'"),
    ((1, "a", [], False, "extra"), {}, "takes 4 values, got 5"),
    ((1, "a"), {"number": 2}, "two values 'number'"),
    ((1, "a"), {"laps": 2}, "an unknown field 'laps'"),
])
def test_wrong_construction_is_a_type_error_naming_the_field(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        Lap(*args, **kwargs)


def test_a_field_without_default_after_one_with_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="'b' without a default follows"):
        class Broken(Record):
            a: int = 0
            b: int


def test_frozen_equal_by_value_and_hashable():
    lap = Lap(3, "a", caution=True)
    with pytest.raises(FrozenRecordError):
        lap.number = 4   # type: ignore[misc]  # the point: frozen
    with pytest.raises(FrozenRecordError):
        del lap.leader   # type: ignore[misc]
    ref = RaceRef("cup", 2023, 7, "Richmond Raceway", "Toyota Owners 400")
    same = RaceRef("cup", 2023, 7, "Richmond Raceway", "Toyota Owners 400")
    assert ref == same and hash(ref) == hash(same) and len({ref, same}) == 1
    assert ref != replace(ref, round=8)
    assert ref != ("cup", 2023, 7, "Richmond Raceway", "Toyota Owners 400")   # a record is not its tuple


def test_repr_reads_like_a_dataclass():
    assert repr(Lap(1, "a")) == "Lap(number=1, leader='a', cars=[], caution=False)"


def test_replace_changes_only_what_it_names_and_refuses_unknown_fields():
    lap = Lap(1, "a", ["5"])
    changed = replace(lap, leader="b")
    assert (changed.number, changed.leader, changed.cars) == (1, "b", ["5"]) and lap.leader == "a"
    with pytest.raises(TypeError, match="no field 'laps'"):
        replace(lap, laps=3)


def test_as_dict_recurses_through_records_lists_and_dicts():
    line = ResultLine(1, 2, "5", "Kyle Larson", "Hendrick Motorsports", "Chevrolet", 400, 120, "running", 55)
    details = RaceResults(race=None, results=[line], other_races=[RaceRef("cup", 2023, 7, "Richmond Raceway", "x")])  # type: ignore[arg-type]
    document = as_dict(details)
    assert document["results"][0]["driver"] == "Kyle Larson" and document["results"][0]["stage_finishes"] == ()
    assert document["other_races"] == [{"series": "cup", "season": 2023, "round": 7, "track": "Richmond Raceway", "name": "x"}]


def test_copies_and_pickles_stay_equal_and_frozen():
    lap = Lap(9, "a", ["5", "24"])
    for twin in (copy.copy(lap), copy.deepcopy(lap), pickle.loads(pickle.dumps(lap))):
        assert twin == lap
        with pytest.raises(FrozenRecordError):
            twin.number = 1   # type: ignore[misc]
