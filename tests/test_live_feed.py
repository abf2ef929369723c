"""The live documents: every real sample parses to what it says, and hostile or partial variants are refused
with the field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.errors import FeedError
from db.live_feed import Flag, VehicleStatus, driver_name, read_flag_history, read_lap_notes, read_live_race
from testkit.replays import ATLANTA_CUP_FEED as ATLANTA_CUP
from testkit.replays import ATLANTA_XFINITY_FLAGS, ATLANTA_XFINITY_NOTES, CHICAGOLAND_FLAGS
from testkit.replays import CHICAGOLAND_FEED as CHICAGOLAND
from testkit.replays import COTA_PRACTICE_FEED as COTA_PRACTICE


def test_atlanta_cup_mid_race():
    race = read_live_race(ATLANTA_CUP.read_bytes())
    assert (race.key, race.series, race.is_race) == ("nascar-5272", "cup", True)
    assert (race.lap, race.laps_in_race, race.laps_to_go) == (233, 260, 27)
    assert race.flag is Flag.GREEN and (race.stage.number, race.stage.finish_at_lap, race.stage.laps) == (3, 260, 100)
    assert (race.cautions, race.caution_laps, race.lead_changes, race.leaders) == (5, 34, 19, 13)
    assert [vehicle.position for vehicle in race.vehicles] == list(range(1, 37))
    leader = race.leader
    assert (leader.name, leader.car, leader.make, leader.delta, leader.laps_led) == ("Brad Keselowski", "6", "Ford", 0.0, 18 + 3)
    gragson = race.car("42")
    assert (gragson.name, gragson.rookie, gragson.points_ineligible) == ("Noah Gragson", True, False)
    berry = race.car("9")
    assert (berry.name, berry.rookie, berry.points_ineligible) == ("Josh Berry", False, True)
    briscoe = race.car("14")
    assert (briscoe.delta, briscoe.laps_down, briscoe.laps_completed) == (-1.0, 1, 232)
    larson = race.car("5")
    assert (larson.status, larson.on_track, larson.laps_down) == (VehicleStatus.OUT, False, 25)
    # Joey Logano led from the pole (lap 0) to lap 63: 63 laps, not 64.
    assert race.car("22").laps_led == 63 + 55 + 17 + 4


def test_chicagoland_at_the_checkered_flag():
    race = read_live_race(CHICAGOLAND.read_bytes())
    assert (race.key, race.series, race.lap, race.laps_to_go, race.flag) == ("nascar-5651", "xfinity", 201, 0, Flag.CHECKERED)
    assert (race.cautions, race.caution_laps, race.lead_changes, race.leaders, len(race.vehicles)) == (7, 40, 16, 6, 38)
    assert race.leader.name == "Brandon Jones" and race.car("88").name == "Chase Elliott" and race.car("88").points_ineligible
    assert race.observed_at is not None and race.observed_at.utcoffset() is not None


def test_practice_session_is_not_a_race():
    practice = read_live_race(COTA_PRACTICE.read_bytes())
    assert not practice.is_race and practice.run_name == "Final Practice"
    assert practice.caution_laps is None            # the feed writes -1
    assert practice.car("91").name == "Kimi Raikkonen"  # "* Kimi Raikkonen": the mark is dropped


def test_flag_history_bare_array_and_wrapped():
    chicagoland = read_flag_history(CHICAGOLAND_FLAGS.read_bytes())
    assert [change.flag for change in chicagoland[:2]] == [Flag.PRE_RACE, Flag.GREEN]
    assert chicagoland[-2].flag is Flag.WHITE and chicagoland[-1].flag is Flag.CHECKERED and chicagoland[-1].lap == 201
    stage_end = chicagoland[2]
    assert (stage_end.lap, stage_end.stage_ended, stage_end.reason, stage_end.beneficiary) == (45, 1, None, "27")
    wrapped = read_flag_history(ATLANTA_XFINITY_FLAGS.read_bytes())  # saved as {"FlagStates": [...]}
    both = next(change for change in wrapped if change.lap == 39)
    assert (both.stage_ended, both.reason) == (1, "Nos. 91, 35 Incident Turn 4")
    assert wrapped[2].beneficiary is None            # an empty string is no car


def test_lap_notes():
    notes = read_lap_notes(ATLANTA_XFINITY_NOTES.read_bytes())
    assert len(notes) == 48 and notes[0].lap == 0 and notes[0].flag is Flag.PRE_RACE
    assert [note.lap for note in notes] == sorted(note.lap for note in notes)
    finish = notes[-1]
    assert finish.lap == 163 and finish.driver_ids == (4133, 3914, 4144, 4269, 4172)   # repeats dropped
    assert next(note for note in notes if note.lap == 56).driver_ids == ()          # "#91 loses a tire": [null]


@pytest.mark.parametrize(("code", "flag"), [
    (1, Flag.GREEN), (2, Flag.CAUTION), (3, Flag.RED), (4, Flag.WHITE), (8, Flag.PRE_RACE), (9, Flag.CHECKERED),
    (0, Flag.UNKNOWN), (5, Flag.UNKNOWN), (6, Flag.UNKNOWN),
])
def test_flag_codes(code, flag):
    assert Flag.from_code(code) is flag


def test_every_flag_in_the_samples_is_known():
    for path in (CHICAGOLAND_FLAGS, ATLANTA_XFINITY_FLAGS):
        assert all(change.flag is not Flag.UNKNOWN for change in read_flag_history(path.read_bytes()))
    assert all(note.flag is not Flag.UNKNOWN for note in read_lap_notes(ATLANTA_XFINITY_NOTES.read_bytes()))


@pytest.mark.parametrize(("raw", "expected"), [
    ("Noah Gragson #", ("Noah Gragson", True, False)), ("Josh Berry(i)", ("Josh Berry", False, True)),
    ("Leland Honeyman Jr(i)", ("Leland Honeyman Jr", False, True)), ("* Jimmie Johnson", ("Jimmie Johnson", False, False)),
    ("Chase Elliott", ("Chase Elliott", False, False)), ("Jo #1 Smith", ("Jo #1 Smith", False, False)),
])
def test_driver_name_markers(raw, expected):
    assert driver_name(raw) == expected


def _broken(path: Path, change) -> bytes:
    document = json.loads(path.read_text())
    change(document)
    return json.dumps(document).encode()


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.pop("race_id"), "race_id"),
    (lambda d: d.update(series_id=7), "series_id"),
    (lambda d: d.update(flag_state="green"), "flag_state"),
    (lambda d: d.update(lap_number=-1), "lap_number"),
    (lambda d: d["vehicles"][3].update(running_position=2), "vehicles[3].running_position"),
    (lambda d: d["vehicles"][5].update(vehicle_number=d["vehicles"][0]["vehicle_number"]), "vehicles[5].vehicle_number"),
    (lambda d: d["vehicles"].pop(4), "vehicles"),
    (lambda d: d["vehicles"][2].update(laps_completed=500), "vehicles[2].laps_completed"),
    (lambda d: d["vehicles"][2]["driver"].update(full_name=" (i) "), "vehicles[2].driver.full_name"),
    (lambda d: d["vehicles"][2].pop("driver"), "vehicles[2].driver"),
    (lambda d: d["vehicles"][6].update(delta=-1.5), "vehicles[6].delta"),
    (lambda d: d["vehicles"][0]["laps_led"].append({"start_lap": 250, "end_lap": 240}), "vehicles[0].laps_led[2].end_lap"),
    (lambda d: d["vehicles"][0]["laps_led"].append({"start_lap": 234, "end_lap": 240}), "vehicles[0].laps_led[2].end_lap"),
    (lambda d: d["vehicles"][1]["laps_led"].append({"start_lap": 210, "end_lap": 210}), "vehicles"),
    (lambda d: d.update(stage={"stage_num": 3, "finish_at_lap": 20, "laps_in_stage": 100}), "stage.laps_in_stage"),
    (lambda d: d.update(time_of_day_os="yesterday"), "time_of_day_os"),
    (lambda d: d.update(vehicles=[d["vehicles"][0]] * 101), "vehicles"),
])
def test_broken_live_feed_is_refused_naming_the_field(change, field):
    with pytest.raises(FeedError) as refused:
        read_live_race(_broken(ATLANTA_CUP, change))
    assert refused.value.field == field


@pytest.mark.parametrize("body", [b"", b"[]", b"{", b'{"lap_number": NaN}', b"1e400", b"[" * 50 + b"]" * 50, b"\xff\xfe"])
def test_garbage_is_refused(body):
    with pytest.raises(FeedError):
        read_live_race(body)
    with pytest.raises(FeedError):
        read_flag_history(body if body != b"[]" else b"{}")
    with pytest.raises(FeedError):
        read_lap_notes(body)


def test_broken_flag_history_and_notes_name_the_field():
    flags = json.loads(CHICAGOLAND_FLAGS.read_text())
    flags[3]["lap_number"] = 1
    with pytest.raises(FeedError) as refused:
        read_flag_history(json.dumps(flags).encode())
    assert refused.value.field == "FlagStates[3].lap_number"
    notes = json.loads(ATLANTA_XFINITY_NOTES.read_text())
    notes["laps"]["5"][0]["DriverIDs"] = ["4085"]
    with pytest.raises(FeedError) as refused:
        read_lap_notes(json.dumps(notes).encode())
    assert refused.value.field == "laps.5[0].DriverIDs[0]"
    notes = json.loads(ATLANTA_XFINITY_NOTES.read_text())
    notes["laps"]["lap five"] = []
    with pytest.raises(FeedError) as refused:
        read_lap_notes(json.dumps(notes).encode())
    assert refused.value.field.startswith("laps[")
