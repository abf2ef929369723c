"""Write the compact F1 history bundled in db/data/f1/ from an F1DB CSV extract (run by hand, not at build time).

    python -m db.f1db_extract /work/shared/data/f1db

Reads the F1DB CSV files described in that directory's SOURCE.md and writes, xz-compressed, only the columns
`pitboard db build` loads (db/f1db.py), with country ids replaced by country names. Values are copied as text,
unchanged; rows keep F1DB's order (a race's results are in classification order). db/data/f1/SOURCE.md says
where the data comes from and what was changed; update its commit line when the source moves on.
"""

from __future__ import annotations

import argparse
import csv
import io
import lzma
from collections.abc import Iterable, Iterator
from pathlib import Path

from db.records import Record

OUTPUT = Path(__file__).with_name("data") / "f1"


class Extract(Record):
    """One bundled file: the F1DB file it comes from and the columns kept (renamed country columns say so)."""

    source: str
    target: str
    columns: tuple[str, ...]


RACE_SESSIONS = (
    "freePractice1Date", "freePractice1Time", "freePractice2Date", "freePractice2Time",
    "freePractice3Date", "freePractice3Time", "qualifyingDate", "qualifyingTime",
    "sprintQualifyingDate", "sprintQualifyingTime", "sprintRaceDate", "sprintRaceTime",
)
RESULT_COLUMNS = (
    "race_id", "position", "driverNumber", "driverId", "constructorId", "engineManufacturerId",
    "laps", "time", "timePenalty", "gap", "reasonRetired", "points", "gridPosition",
)
EXTRACTS = (
    Extract("circuits.csv", "circuits.csv.xz",
            ("id", "name", "fullName", "type", "placeName", "country", "length")),
    Extract("grands_prix.csv", "grands_prix.csv.xz", ("id", "name", "fullName", "shortName", "abbreviation", "country")),
    Extract("drivers.csv", "drivers.csv.xz",
            ("id", "name", "firstName", "lastName", "fullName", "abbreviation", "permanentNumber", "dateOfBirth")),
    Extract("constructors.csv", "constructors.csv.xz", ("id", "name", "fullName")),
    Extract("engine_manufacturers.csv", "engine_manufacturers.csv.xz", ("id", "name")),
    Extract("races.csv", "races.csv.xz", (
        "id", "year", "round", "date", "time", "grandPrixId", "officialName", "circuitId", "circuitLayoutId",
        "circuitType", "courseLength", "laps", "distance", "scheduledLaps", "scheduledDistance", *RACE_SESSIONS,
    )),
    Extract("race_results.csv", "race_results.csv.xz", (*RESULT_COLUMNS, "sharedCar", "grandSlam")),
    Extract("sprint_race_results.csv", "sprint_results.csv.xz", RESULT_COLUMNS),
    Extract("qualifying_results.csv", "qualifying_results.csv.xz", (
        "race_id", "position", "driverNumber", "driverId", "constructorId", "engineManufacturerId",
        "time", "q1", "q2", "q3",
    )),
    Extract("season_driver_standings.csv", "driver_standings.csv.xz", ("year", "position", "driverId", "points")),
    Extract("season_constructor_standings.csv", "constructor_standings.csv.xz",
            ("year", "position", "constructorId", "engineManufacturerId", "points")),
)


def _read(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _country_names(source: Path) -> dict[str, str]:
    return {row["id"]: row["name"] for row in _read(source / "countries.csv")}


def extract(source: Path, output: Path = OUTPUT) -> dict[str, int]:
    """Write every bundled file from the F1DB CSVs in `source`; returns the bytes written per file."""
    countries = _country_names(source)
    output.mkdir(parents=True, exist_ok=True)
    written = {}
    for spec in EXTRACTS:
        rows = ({**row, "country": countries.get(row.get("countryId", ""), "")} for row in _read(source / spec.source))
        data = _compressed_csv(spec.columns, rows)
        (output / spec.target).write_bytes(data)
        written[spec.target] = len(data)
    return written


def _compressed_csv(columns: tuple[str, ...], rows: Iterable[dict[str, str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[column] for column in columns])
    return lzma.compress(text.getvalue().encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="directory of the F1DB CSV extract")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write (default: db/data/f1)")
    args = parser.parse_args(argv)
    written = extract(args.source, args.output)
    for name, size in written.items():
        print(f"{name:32} {size:>9,} bytes")
    print(f"{'total':32} {sum(written.values()):>9,} bytes")


if __name__ == "__main__":
    main()
