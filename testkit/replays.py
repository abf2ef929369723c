"""Recorded races for `pitboard live --replay`, the tests and the local feed server, built from real samples.

    python -m testkit.replays build          # writes db/data/replays/chicagoland-2026/frames.jsonl.xz

The 2026 Chicagoland O'Reilly (Xfinity) race, NASCAR race 5651, from two real documents: its live feed at the
checkered flag (lap 201 of 201) and its live flag history (every flag from pre-race to checkered). They are the
same race: the feed's elapsed time at the finish (9441 s) is the history's checkered (9440.6 s), its 7 caution
segments and 40 caution laps are the history's 7 yellows (45-52, 90-98, 132-138, 155-161, 164-169, 184-188,
194-198 = 40 laps), and its 16 lead changes among 6 leaders are what its cars' laps-led stints add up to.

What is real in every frame and what is reconstructed is said in the replay's README.md (written here too).
"""

from __future__ import annotations

import argparse
import json
import lzma
import math
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from db.live_feed import FLAG_HISTORY_PATH, LIVE_FEED_PATH, REPLAY_FILE

REPO = Path(__file__).resolve().parent.parent
LIVE_SAMPLES = REPO / "tests" / "data" / "feed" / "live"
CHICAGOLAND_FEED = LIVE_SAMPLES / "live-feed_2026_xfinity_5651_chicagoland.json"
CHICAGOLAND_FLAGS = LIVE_SAMPLES / "live-flag-data_2026_xfinity_5651_chicagoland.json"
ATLANTA_CUP_FEED = LIVE_SAMPLES / "live-feed_2023_cup_5272_atlanta.json"
COTA_PRACTICE_FEED = LIVE_SAMPLES / "live-feed_2023_cup_5273_cota_practice.json"
ATLANTA_XFINITY_FLAGS = LIVE_SAMPLES / "live-flag-data_2023_xfinity_5314_atlanta.json"    # saved wrapped in {"FlagStates": …}
ATLANTA_XFINITY_NOTES = LIVE_SAMPLES / "lap-notes_2023_xfinity_5314_atlanta.json"
REPLAYS = REPO / "db" / "data" / "replays"
CHICAGOLAND = REPLAYS / "chicagoland-2026"
PRE_RACE_SECONDS = 60.0          # the real pre-race wait (70 minutes) cut to one
# What the board and events read of each car; the rest of a real vehicle (speeds, pit stops, passes) is left out.
VEHICLE_FIELDS = ("running_position", "vehicle_number", "vehicle_manufacturer", "laps_completed", "delta", "status",
                  "is_on_track", "laps_led", "starting_position")
HEADER_FIELDS = (
    "race_id", "series_id", "run_id", "run_name", "run_type", "track_id", "track_length", "track_name", "laps_in_race",
)
GREEN, CAUTION, PRE_RACE = 1, 2, 8


def _trimmed(vehicle: dict[str, Any]) -> dict[str, Any]:
    kept = {key: vehicle[key] for key in VEHICLE_FIELDS}
    kept["driver"] = {key: vehicle["driver"][key] for key in ("driver_id", "full_name")}
    return kept


def _stage(lap: int, stage_ends: list[int], final_stage: dict[str, int]) -> dict[str, int]:
    """The stage a lap belongs to; a stage's own last lap still shows it (as the feed does under its caution)."""
    starts = [0, *stage_ends]
    for number, end in enumerate(stage_ends, start=1):
        if lap <= end:
            return {"stage_num": number, "finish_at_lap": end, "laps_in_stage": end - starts[number - 1]}
    return final_stage


def _elapsed(lap: int, flags: list[dict[str, Any]], final_elapsed: float, laps: int) -> float:
    """Real at each flag change; between two, in proportion to the laps."""
    known = {(flag["lap_number"], flag["elapsed_time"]) for flag in flags if flag["lap_number"] > 0}
    points = sorted(known | {(0, 0.0), (laps, final_elapsed)})
    for (lap_a, time_a), (lap_b, time_b) in zip(points, points[1:], strict=False):
        if lap_a <= lap <= lap_b:
            return time_a if lap_b == lap_a else time_a + (time_b - time_a) * (lap - lap_a) / (lap_b - lap_a)
    return final_elapsed


def _order(lap: int, laps: int, vehicles: list[dict[str, Any]], leader: str) -> list[tuple[dict[str, Any], int, bool]]:
    """(car, laps completed, out) in running order at a lap: the real leader first, the others moving from their
    real starting spot to their real finishing spot as the race goes, lapped cars behind, cars out at the back."""
    share = lap / laps
    rows = []
    for vehicle in vehicles:
        final_laps = vehicle["laps_completed"]
        out = vehicle["status"] != 1 and lap > final_laps
        down = math.floor((laps - final_laps) * share) if vehicle["status"] == 1 else 0
        completed = min(lap, final_laps) if vehicle["status"] != 1 else lap - down
        blend = (1 - share) * vehicle["starting_position"] + share * vehicle["running_position"]
        rows.append((out, -completed, vehicle["vehicle_number"] != leader, blend, vehicle, completed))
    rows.sort(key=lambda row: row[:4])
    return [(vehicle, completed, out) for out, _, _, _, vehicle, completed in rows]


def _vehicles_at(lap: int, laps: int, final: dict[str, Any], leader: str) -> list[dict[str, Any]]:
    gaps = {vehicle["running_position"]: vehicle["delta"] for vehicle in final["vehicles"]}
    result = []
    for position, (vehicle, completed, out) in enumerate(_order(lap, laps, final["vehicles"], leader), start=1):
        frame = _trimmed(vehicle)
        if position == 1:
            delta: float = 0
        elif completed < lap:
            delta = -(lap - completed)
        else:   # on the lead lap: the real gap of this position at the finish, if that car finished on the lead lap
            delta = gaps[position] if gaps[position] > 0 else round(0.25 * (position - 1), 3)
        frame.update(
            running_position=position,
            laps_completed=completed,
            delta=delta,
            status=3 if out else 1,
            is_on_track=not out,
            laps_led=[{"start_lap": stint["start_lap"], "end_lap": min(stint["end_lap"], lap)}
                      for stint in vehicle["laps_led"] if stint["start_lap"] <= lap],
        )
        result.append(frame)
    return result


def chicagoland_frames() -> list[dict[str, Any]]:
    final = json.loads(CHICAGOLAND_FEED.read_text())
    flags = json.loads(CHICAGOLAND_FLAGS.read_text())
    laps = final["laps_in_race"]
    leaders = {lap: vehicle["vehicle_number"] for vehicle in final["vehicles"] for stint in vehicle["laps_led"]
               for lap in range(stint["start_lap"], stint["end_lap"] + 1)}
    stage_ends = sorted(flag["lap_number"] for flag in flags if re.search(r"Stage \d Conclusion", flag["comment"] or ""))
    green_at = datetime.fromisoformat(next(flag["time_of_day_os"] for flag in flags if flag["flag_state"] == GREEN))
    # One frame per flag change on lap 0 (pre-race, green), then one per lap with the last flag shown on it.
    moments = [(0, index) for index, flag in enumerate(flags) if flag["lap_number"] == 0]
    for lap in range(1, laps + 1):
        shown = [index for index, flag in enumerate(flags) if flag["lap_number"] <= lap]
        moments.append((lap, shown[-1]))
    frames = []
    for lap, flag_index in moments:
        flag = flags[flag_index]
        history = flags[: flag_index + 1]
        pre_race = flag["flag_state"] == PRE_RACE
        elapsed = 0.0 if lap == 0 else _elapsed(lap, flags, final["elapsed_time"], laps)
        yellows = [entry for entry in history if entry["flag_state"] == CAUTION]
        caution_laps = sum(_caution_end(history, index, lap) - entry["lap_number"]
                           for index, entry in enumerate(history) if entry["flag_state"] == CAUTION)
        stint_starts = sorted({start for start, car in _stint_starts(final) if start <= lap})
        document = {key: final[key] for key in HEADER_FIELDS}
        document.update(
            lap_number=lap,
            elapsed_time=round(elapsed, 3),
            flag_state=flag["flag_state"],
            laps_to_go=laps - lap,
            time_of_day_os=flag["time_of_day_os"] if pre_race else (green_at + timedelta(seconds=elapsed)).isoformat(),
            number_of_caution_segments=len(yellows),
            number_of_caution_laps=caution_laps,
            number_of_lead_changes=max(len(stint_starts) - 1, 0),
            number_of_leaders=len({car for start, car in _stint_starts(final) if start <= lap}),
            stage=_stage(lap, stage_ends, final["stage"]),
            vehicles=[_trimmed(vehicle) for vehicle in final["vehicles"]] if lap == laps
            else _vehicles_at(lap, laps, final, leaders[lap]),
        )
        seconds = 0.0 if pre_race else PRE_RACE_SECONDS + elapsed
        frames.append({"seconds": round(seconds, 3), "documents": {LIVE_FEED_PATH: document, FLAG_HISTORY_PATH: history}})
    return frames


def _caution_end(history: list[dict[str, Any]], index: int, lap: int) -> int:
    """The lap the caution at `index` went green again, or the current lap while it is still out."""
    return next((later["lap_number"] for later in history[index + 1:] if later["flag_state"] != CAUTION), lap)


def _stint_starts(final: dict[str, Any]) -> list[tuple[int, str]]:
    return [(stint["start_lap"], vehicle["vehicle_number"]) for vehicle in final["vehicles"] for stint in vehicle["laps_led"]]


README = """# Replay: 2026 Chicagoland, O'Reilly Auto Parts (Xfinity) Series, NASCAR race 5651 (Cuervo 300)

`pitboard live --replay db/data/replays/chicagoland-2026 [--speed 60]` plays it; `python -m testkit.replays build`
rebuilds `frames.jsonl.xz` (one frame a line: `seconds` on the replay clock, then the `live-feed.json` and
`live-flag-data.json` documents the feed serves from then on). Source: NASCAR (cf.nascar.com live feeds, captured in
the public repository nhorto/NASCAR-Analytics, tests/fixtures; copies in tests/data/feed/live/).

**Real**, from the two captured documents of this race:
- the final frame's running order, intervals, laps completed, statuses, starting spots and laps-led stints (the live
  feed at the checkered flag, lap 201 of 201; only the fields Pitboard reads are kept);
- every flag change: lap, flag, caution comments ("Debris", "No. 1 Spin Turn 2", "Stage 1 Conclusion"), free-pass
  cars, elapsed race time; each frame's flag history is the real history up to that frame;
- who led every lap (from the cars' laps-led stints), hence every leader change, lead-change and leader counts,
  stage winners, the leader at each restart, the white flag and the winner;
- stage ends (laps 45 and 90, from the cautions' "Stage N Conclusion") and the final stage (91-201);
- caution counts and caution laps at each lap (from the flag history; they add up to the feed's 7 and 40).

**Reconstructed** (no document of the race holds them):
- the running order behind the leader at every lap but the last: each car moves from its real starting spot to its
  real finishing spot in proportion to the laps run, lapped cars behind the lead lap, cars out of the race at the
  back once past their real laps completed; so every stage top 10 but its winner is reconstructed;
- intervals before the finish: the real finishing gaps by position, laps down growing evenly to the real figure;
- the elapsed time between two flag changes (in proportion to the laps) and the time of day (the real green-flag time
  plus the elapsed time); the pre-race wait is cut from 70 minutes to one;
- one document per lap (the real feed is polled every few seconds): time-compressed already, and `--speed` more.
No lap notes are published for this race in the samples, so the replay has none.
"""


def build(out: Path = CHICAGOLAND) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(frame, separators=(",", ":")) + "\n" for frame in chicagoland_frames())
    path = out / REPLAY_FILE
    with lzma.open(path, "wt", encoding="utf-8", preset=9) as handle:
        handle.write(lines)
    (out / "README.md").write_text(README)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.replays", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--out", type=Path, default=CHICAGOLAND)
    args = parser.parse_args(argv)
    path = build(args.out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
