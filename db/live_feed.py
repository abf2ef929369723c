"""NASCAR's live endpoints: `live-feed.json`, `live-flag-data.json` and `lap-notes.json`, parsed and checked.

The same rules as the weekend feed (db/nascar_feed.py, whose readers this module uses): a document is
decoded with bounded size, depth and numbers, every field we read is typed and range-checked, rows are
consistent with each other, and any refusal is a `FeedError(field, problem)` naming the JSON path.
A refused document changes nothing: the caller keeps the last good one.
"""

from __future__ import annotations

import json
import logging
import lzma
import re
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from db.errors import FeedError
from db.nascar_feed import MAX_LAPS, MAX_RESULTS, _decode, _Object, _shown
from db.records import Record
from db.series import BY_FEED_ID

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ELAPSED_SECONDS = 86_400.0      # a race day; the longest races run about 4.5 hours
MAX_DELTA_SECONDS = 3_600.0         # an interval behind the leader; laps down are negative whole numbers
MAX_FLAG_CHANGES = 500              # a race with 20 cautions has about 45
MAX_NOTES = 2_000                   # Atlanta 2023 (Xfinity, 163 laps) has 47
MAX_NOTE = 1_000                    # the longest real note is 196 characters
MAX_STINTS = MAX_LAPS
MAX_STAGES = 4
MAX_TRACK_MILES = 10.0


class Flag(Enum):
    """`flag_state` in live-feed.json and live-flag-data.json (`FlagState` in lap-notes and lap-times).

    Public clients disagree past 4 (pyraceview: 0 pre-race, 5 checkered; NascarPylon: 5 checkered,
    8 "orange", 9 unknown), so each meaning is taken from the real samples in
    /work/shared/data/nascar-feed-samples:
    - 1 green: every restart in both flag histories (2023 Atlanta Xfinity, 2026 Chicagoland) is a 1 with no
      comment after a 2; lap notes under 1 read "leads the field to the green".
    - 2 caution: every 2 carries the caution's comment ("Debris", "No. 1 Spin Turn 2", "Stage 1 Conclusion")
      and a free-pass `beneficiary`; lap notes under 2 are pit stops under yellow.
    - 4 white: lap 200 of 201 (Chicagoland) and lap 162 of 163 (Atlanta), one lap before the end.
    - 8 pre-race (inferred): lap 0 before the first green in both histories; the lap-0 note under 8 is a
      pre-race penalty ("to the rear for Unapproved Adjustments"); pit passes under 8 are the pace laps.
    - 9 checkered (inferred): lap 201 of 201 in the Chicagoland history and in its final live feed
      (`laps_to_go` 0), after the white.
    - 3 red: in no sample; every public client we checked (pyraceview, NascarPylon, rNascar23) agrees on it,
      unlike on 5, 8 and 9.
    Any other value is UNKNOWN, shown as "flag N": never guessed.
    """

    GREEN = 1
    CAUTION = 2
    RED = 3
    WHITE = 4
    PRE_RACE = 8
    CHECKERED = 9
    UNKNOWN = -1

    @classmethod
    def from_code(cls, code: int) -> Flag:
        try:
            return cls(code)
        except ValueError:
            return cls.UNKNOWN


class VehicleStatus(Enum):
    """`vehicles[].status` in live-feed.json: 1 on every running car; 3 on every car out of the race
    (`is_on_track` false, laps completed short of the field: Atlanta 2023, Chicagoland 2026). Nothing else
    is sampled."""

    RUNNING = 1
    OUT = 3
    UNKNOWN = -1

    @classmethod
    def from_code(cls, code: int) -> VehicleStatus:
        try:
            return cls(code)
        except ValueError:
            return cls.UNKNOWN


RUN_TYPE_RACE = 3                   # run_type: 1 practice, 2 qualifying, 3 race
# The live feed writes makes in three letters; the results feed and the history spell them out.
MAKES = {"Chv": "Chevrolet", "Frd": "Ford", "Tyt": "Toyota", "Dge": "Dodge"}
ROOKIE_MARK = re.compile(r"\s+#$")
INELIGIBLE_MARK = re.compile(r"\s*\(i\)$")
# A leading "* " is seen only on open (non-chartered) entries in the 2023 COTA practice feed; its meaning
# is not documented, so it is dropped from the name and not turned into a claim.
STAR_MARK = re.compile(r"^\*\s*")
STAGE_CONCLUSION = re.compile(r"\bstage\s+(\d)\s+conclusion\b", re.IGNORECASE)


class Stint(Record):
    """Laps a car led, both ends included (lap 0 is the pole-sitter's start)."""

    start_lap: int
    end_lap: int


class Vehicle(Record):
    position: int
    car: str
    driver_id: int | None
    name: str                       # without the feed's markers
    rookie: bool                    # the feed's " #"
    points_ineligible: bool         # the feed's "(i)": not running for this series' points
    make: str | None
    laps_completed: int
    delta: float                    # > 0 seconds behind the leader, < 0 laps down, 0 the leader
    status: VehicleStatus
    on_track: bool
    stints: tuple[Stint, ...]
    start: int | None

    @property
    def laps_down(self) -> int:
        return int(-self.delta) if self.delta < 0 else 0

    @property
    def laps_led(self) -> int:
        return sum(stint.end_lap - max(stint.start_lap, 1) + 1 for stint in self.stints if stint.end_lap >= 1)


class Stage(Record):
    number: int
    finish_at_lap: int
    laps: int


class LiveRace(Record):
    """One live-feed.json document: the session on track now, cars in running order."""

    race_id: int
    series_id: int
    run_type: int
    run_name: str
    track: str
    track_id: int | None
    track_miles: float | None
    lap: int
    laps_in_race: int
    laps_to_go: int
    flag: Flag
    flag_code: int
    elapsed: float                  # seconds since the green, the race clock of the flag history too
    observed_at: datetime | None    # the feed's time of day (time_of_day_os), with its offset
    stage: Stage | None
    cautions: int
    caution_laps: int | None        # None where the feed writes -1 (practice)
    lead_changes: int
    leaders: int
    vehicles: tuple[Vehicle, ...]

    @property
    def key(self) -> str:
        """The race's identity in every ledger: the same as a post-race thread's (bot/posting.race_key)."""
        return f"nascar-{self.race_id}"

    @property
    def series(self) -> str | None:
        series = BY_FEED_ID.get(self.series_id)
        return series.key if series else None

    @property
    def is_race(self) -> bool:
        return self.run_type == RUN_TYPE_RACE

    @property
    def leader(self) -> Vehicle | None:
        return self.vehicles[0] if self.vehicles else None

    def car(self, number: str) -> Vehicle | None:
        return next((vehicle for vehicle in self.vehicles if vehicle.car == number), None)


class FlagChange(Record):
    """One line of live-flag-data.json: the flag shown from this lap on."""

    lap: int
    flag: Flag
    flag_code: int
    elapsed: float
    comment: str | None             # the caution's reason as race control wrote it
    beneficiary: str | None         # the free-pass car of a caution
    observed_at: datetime | None

    @property
    def stage_ended(self) -> int | None:
        """The stage this caution concludes ("Stage 2 Conclusion"), if the comment says so."""
        match = STAGE_CONCLUSION.search(self.comment or "")
        return int(match[1]) if match else None

    @property
    def reason(self) -> str | None:
        """The comment without the stage conclusion in it: the incident, if any."""
        text = STAGE_CONCLUSION.sub("", self.comment or "")
        text = text.strip(" /,;-")
        return " ".join(text.split()) or None


class LapNote(Record):
    """One note of lap-notes.json ("key moments"), written by NASCAR's reporters."""

    lap: int
    flag: Flag
    flag_code: int
    note: str
    note_id: int
    driver_ids: tuple[int, ...]


def _read(body: bytes, what: str, parse: Callable[[Any], T]) -> T:
    """Decode and parse one document; anything but a FeedError raised inside is a validation gap, refused all the same."""
    try:
        return parse(_decode(body))
    except FeedError:
        raise
    except Exception as error:
        log.exception("%s refused: validation raised %s (a validation gap to fix)", what, type(error).__name__)
        raise FeedError("document", f"could not be read ({type(error).__name__})") from error


def _moment(item: _Object, key: str) -> datetime | None:
    value = item.optional_text(key, 60)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FeedError(item.field(key), f"bad time {_shown(value)}") from None
    if moment.tzinfo is None:
        raise FeedError(item.field(key), f"{_shown(value)} has no UTC offset")
    return moment


def _flag(item: _Object, key: str) -> tuple[Flag, int]:
    code = item.required_int(key, 0, 99)
    return Flag.from_code(code), code


def driver_name(raw: str) -> tuple[str, bool, bool]:
    """`Noah Gragson #` → ("Noah Gragson", rookie, not eligible); `Josh Berry(i)` → ("Josh Berry", False, True)."""
    name = STAR_MARK.sub("", raw.strip())
    rookie = ineligible = False
    while True:
        if ROOKIE_MARK.search(name):
            name, rookie = ROOKIE_MARK.sub("", name), True
        elif INELIGIBLE_MARK.search(name):
            name, ineligible = INELIGIBLE_MARK.sub("", name), True
        else:
            return " ".join(name.split()), rookie, ineligible


def _stints(vehicle: _Object, lap: int) -> tuple[Stint, ...]:
    stints: list[Stint] = []
    for stint in vehicle.objects("laps_led", MAX_STINTS):
        start, end = stint.required_int("start_lap", 0, MAX_LAPS), stint.required_int("end_lap", 0, MAX_LAPS)
        if end < start:
            raise FeedError(stint.field("end_lap"), f"lap {end} is before the start lap {start}")
        if end > lap:
            raise FeedError(stint.field("end_lap"), f"lap {end} is past the race's lap {lap}")
        if stints and start <= stints[-1].end_lap:
            raise FeedError(stint.field("start_lap"), f"lap {start} overlaps the stint before it")
        stints.append(Stint(start, end))
    return tuple(stints)


def _vehicle(vehicle: _Object, lap: int) -> Vehicle:
    driver = _Object(vehicle.data.get("driver"), vehicle.field("driver"))
    raw_name = driver.required_text("full_name")
    name, rookie, ineligible = driver_name(raw_name)
    if not name:
        raise FeedError(driver.field("full_name"), f"{_shown(raw_name)} is no name once its markers are removed")
    laps = vehicle.required_int("laps_completed", 0, MAX_LAPS)
    if laps > lap:
        raise FeedError(vehicle.field("laps_completed"), f"{laps}, but the race is on lap {lap}")
    delta = vehicle.optional_number("delta", -MAX_LAPS, MAX_DELTA_SECONDS) or 0.0
    if delta < 0 and delta != int(delta):
        raise FeedError(vehicle.field("delta"), f"{delta}: laps down are whole numbers")
    make = vehicle.optional_text("vehicle_manufacturer")
    return Vehicle(
        position=vehicle.required_int("running_position", 1, MAX_RESULTS),
        car=vehicle.required_text("vehicle_number", 4),
        driver_id=driver.optional_int("driver_id") or None,
        name=name,
        rookie=rookie,
        points_ineligible=ineligible,
        make=MAKES.get(make, make) if make else None,
        laps_completed=laps,
        delta=delta,
        status=VehicleStatus.from_code(vehicle.required_int("status", 0, 99)),
        on_track=vehicle.flag("is_on_track"),
        stints=_stints(vehicle, lap),
        start=vehicle.optional_int("starting_position", 0, 999) or None,
    )


def _vehicles(top: _Object, lap: int) -> tuple[Vehicle, ...]:
    """Cars in running order; positions 1..n, each car and driver once; no lap led by two cars."""
    vehicles = []
    seen: dict[tuple[str, Any], str] = {}
    for item in top.objects("vehicles", MAX_RESULTS):
        vehicle = _vehicle(item, lap)
        for what, key, value in (("position", "running_position", vehicle.position), ("car", "vehicle_number", vehicle.car),
                                 ("driver", "driver", vehicle.driver_id)):
            if value is None:
                continue
            if (what, value) in seen:
                raise FeedError(item.field(key), f"{what} {_shown(value)} is given twice (also {seen[what, value]})")
            seen[what, value] = item.where
        vehicles.append(vehicle)
    vehicles.sort(key=lambda vehicle: vehicle.position)
    if [vehicle.position for vehicle in vehicles] != list(range(1, len(vehicles) + 1)):
        raise FeedError(top.field("vehicles"), f"running positions are not 1..{len(vehicles)} (partial document?)")
    led: dict[int, str] = {}
    for vehicle in vehicles:
        for stint in vehicle.stints:
            for led_lap in range(stint.start_lap, stint.end_lap + 1):
                if led.setdefault(led_lap, vehicle.car) != vehicle.car:
                    raise FeedError(top.field("vehicles"),
                                    f"lap {led_lap} is led by both car {_shown(led[led_lap])} and car {_shown(vehicle.car)}")
    return tuple(vehicles)


def _stage(top: _Object, laps_in_race: int) -> Stage | None:
    if top.data.get("stage") is None:
        return None
    stage = _Object(top.data["stage"], top.field("stage"))
    number = stage.required_int("stage_num", 0, MAX_STAGES)
    if number == 0:
        return None
    finish = stage.required_int("finish_at_lap", 0, MAX_LAPS)
    laps = stage.required_int("laps_in_stage", 0, MAX_LAPS)
    if laps > finish:
        raise FeedError(stage.field("laps_in_stage"), f"{laps} laps in a stage that ends on lap {finish}")
    return Stage(number, finish, laps)


def parse_live_race(document: Any) -> LiveRace:
    top = _Object(document, "")
    series_id = top.required_int("series_id")
    if series_id not in BY_FEED_ID:
        raise FeedError("series_id", f"unknown series {series_id}")
    lap = top.required_int("lap_number", 0, MAX_LAPS)
    laps_in_race = top.required_int("laps_in_race", 0, MAX_LAPS)
    flag, code = _flag(top, "flag_state")
    caution_laps = top.optional_int("number_of_caution_laps", -1, MAX_LAPS)
    return LiveRace(
        race_id=top.required_int("race_id", 1),
        series_id=series_id,
        run_type=top.required_int("run_type", 0, 9),
        run_name=top.required_text("run_name"),
        track=top.required_text("track_name"),
        track_id=top.optional_int("track_id") or None,
        track_miles=top.optional_number("track_length", 0, MAX_TRACK_MILES) or None,
        lap=lap,
        laps_in_race=laps_in_race,
        laps_to_go=top.required_int("laps_to_go", 0, MAX_LAPS),
        flag=flag,
        flag_code=code,
        elapsed=top.optional_number("elapsed_time", 0, MAX_ELAPSED_SECONDS) or 0.0,
        observed_at=_moment(top, "time_of_day_os"),
        stage=_stage(top, laps_in_race),
        cautions=top.optional_int("number_of_caution_segments", 0, MAX_LAPS) or 0,
        caution_laps=None if caution_laps is None or caution_laps < 0 else caution_laps,
        lead_changes=top.optional_int("number_of_lead_changes", 0, MAX_LAPS) or 0,
        leaders=top.optional_int("number_of_leaders", 0, MAX_RESULTS) or 0,
        vehicles=_vehicles(top, lap),
    )


def parse_flag_history(document: Any) -> tuple[FlagChange, ...]:
    """A bare array (the real feed) or `{"FlagStates": [...]}` (how one capturer saved it)."""
    top = _Object({"FlagStates": document} if isinstance(document, list) else document, "")
    if "FlagStates" not in top.data:
        raise FeedError("FlagStates", "missing: not a flag history")
    changes: list[FlagChange] = []
    for item in top.objects("FlagStates", MAX_FLAG_CHANGES):
        flag, code = _flag(item, "flag_state")
        change = FlagChange(
            lap=item.required_int("lap_number", 0, MAX_LAPS),
            flag=flag,
            flag_code=code,
            elapsed=item.optional_number("elapsed_time", 0, MAX_ELAPSED_SECONDS) or 0.0,
            comment=item.optional_text("comment", MAX_NOTE),
            beneficiary=item.optional_text("beneficiary", 4),
            observed_at=_moment(item, "time_of_day_os"),
        )
        if changes and (change.lap, change.elapsed) < (changes[-1].lap, changes[-1].elapsed):
            raise FeedError(item.field("lap_number"),
                            f"lap {change.lap} comes after lap {changes[-1].lap}: the history is out of order")
        changes.append(change)
    return tuple(changes)


def _driver_ids(item: _Object) -> tuple[int, ...]:
    """`DriverIDs`: whole numbers, some null (a car the reporters named without an id), repeats dropped."""
    values = item.data.get("DriverIDs") or []
    if not isinstance(values, list) or len(values) > MAX_RESULTS:
        raise FeedError(item.field("DriverIDs"), f"expected a list of up to {MAX_RESULTS} driver ids, got {_shown(values)}")
    ids = []
    for index, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise FeedError(f"{item.field('DriverIDs')}[{index}]", f"expected a driver id, got {_shown(value)}")
        ids.append(value)
    return tuple(dict.fromkeys(ids))


def parse_lap_notes(document: Any) -> tuple[LapNote, ...]:
    """`{"laps": {"<lap>": [note, …]}}` → notes in lap order."""
    laps = _Object(_Object(document, "").data.get("laps"), "laps")
    notes: list[LapNote] = []
    seen: dict[int, str] = {}
    for lap_key, items in laps.data.items():
        if not re.fullmatch(r"\d{1,4}", lap_key) or int(lap_key) > MAX_LAPS:
            raise FeedError(f"laps[{_shown(lap_key)}]", "is not a lap number")
        if not isinstance(items, list):
            raise FeedError(f"laps.{lap_key}", f"expected a list, got {_shown(items)}")
        for index, raw in enumerate(items):
            item = _Object(raw, f"laps.{lap_key}[{index}]")
            flag, code = _flag(item, "FlagState")
            note_id = item.required_int("NoteID")
            if note_id in seen:
                raise FeedError(item.field("NoteID"), f"note {note_id} is given twice (also {seen[note_id]})")
            seen[note_id] = item.where
            notes.append(LapNote(int(lap_key), flag, code, item.required_text("Note", MAX_NOTE), note_id, _driver_ids(item)))
            if len(notes) > MAX_NOTES:
                raise FeedError("laps", f"more than {MAX_NOTES} notes")
    notes.sort(key=lambda note: (note.lap, note.note_id))
    return tuple(notes)


def read_live_race(body: bytes) -> LiveRace:
    """`live-feed.json` bytes → LiveRace; every refusal is a FeedError."""
    return _read(body, "live feed", parse_live_race)


def read_flag_history(body: bytes) -> tuple[FlagChange, ...]:
    return _read(body, "flag history", parse_flag_history)


def read_lap_notes(body: bytes) -> tuple[LapNote, ...]:
    return _read(body, "lap notes", parse_lap_notes)


# A recorded race: frames of the live documents as the feed served them, at seconds of the replay clock.
REPLAY_FILE = "frames.jsonl.xz"
LIVE_FEED_PATH = "live-feed.json"
FLAG_HISTORY_PATH = "live-flag-data.json"
LAP_NOTES_PATH = "lap-notes.json"


class ReplayFrame(Record):
    seconds: float                  # when the feed starts serving these documents, from the start of the replay
    documents: dict[str, bytes]     # file name (live-feed.json, live-flag-data.json, lap-notes.json) → body


def load_replay(directory: Path) -> list[ReplayFrame]:
    """The frames of a recorded race (`frames.jsonl.xz`, one JSON object a line), in time order.

    Only the container is read here; each document is parsed and checked like a fetched one when it is used.
    """
    path = Path(directory) / REPLAY_FILE
    frames = []
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            record = json.loads(line)
            seconds = record.get("seconds") if isinstance(record, dict) else None
            documents = record.get("documents") if isinstance(record, dict) else None
            if not isinstance(seconds, (int, float)) or not isinstance(documents, dict):
                raise FeedError(f"{path.name} line {number}", "expected {\"seconds\": …, \"documents\": {…}}")
            frames.append(ReplayFrame(float(seconds), {name: json.dumps(body).encode() for name, body in documents.items()}))
    if not frames:
        raise FeedError(path.name, "no frames")
    if any(later.seconds < earlier.seconds for earlier, later in zip(frames, frames[1:], strict=False)):
        raise FeedError(path.name, "frames are out of time order")
    return frames
