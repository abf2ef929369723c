"""Saved Jolpica documents through the CLI (subprocesses): `pitboard import` takes them beside NASCAR's feed files,
detected by shape, with the same per-file error lines; `pitboard db build` replays them onto the fresh history, so
an F1 race run after the bundled data's end keeps its results. The race is 2026 round 12 (Dutch Grand Prix), which
F1DB has no results for; its documents carry F1DB's real round 11 classification (real drivers and constructors)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import zlib
from pathlib import Path

import db.build
from db import jolpica
from db.build import build_database
from db.store import Store
from testkit.jolpica_documents import session_document, session_entries

PITBOARD = os.path.join(os.path.dirname(sys.executable), "pitboard")
CHILD_TIMEOUT = 300  # generous: the machine running the suite may be busy
SEASON, ROUND = 2026, 12
CLASSIFICATION = list(session_entries(SEASON, 11))


def pitboard(database: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PITBOARD, "--db", str(database), *args], capture_output=True, text=True, timeout=CHILD_TIMEOUT)


def results_answer(database: Path) -> dict:
    done = pitboard(database, "ask", "--json", f"/results zandvoort year:{SEASON} series:f1")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def winner_name() -> str:
    return f"{CLASSIFICATION[0]['Driver']['givenName']} {CLASSIFICATION[0]['Driver']['familyName']}"


def test_import_takes_jolpica_documents_and_db_build_keeps_their_results(subset_db_copy, tmp_path):
    results = tmp_path / "results.json"
    results.write_bytes(session_document(SEASON, ROUND, entries=CLASSIFICATION))
    qualifying = tmp_path / "qualifying.json"
    qualifying.write_bytes(session_document(SEASON, ROUND, "qualifying", entries=list(session_entries(SEASON, 11, "qualifying"))))
    partial = tmp_path / "partial.json"
    partial.write_bytes(session_document(SEASON, ROUND, entries=CLASSIFICATION[:5], total=len(CLASSIFICATION)))

    before = pitboard(subset_db_copy, "ask", "/results zandvoort year:2026 series:f1")
    assert before.returncode == 1 and "Zandvoort (Dutch Grand Prix) has no results in the data yet" in before.stderr   # scheduled

    done = pitboard(subset_db_copy, "import", str(partial), str(results), str(qualifying))
    assert done.returncode == 1   # one file refused; the others imported all the same
    assert done.stderr.strip() == (
        f"{partial}: not imported, database unchanged: MRData.total: "
        f"announces {len(CLASSIFICATION)} rows from offset 0, the document holds 5: partial"
    )
    assert done.stdout.splitlines() == [
        f"{results}: Jolpica results {SEASON} round {ROUND}: imported",
        f"{qualifying}: Jolpica qualifying {SEASON} round {ROUND}: imported",
    ]
    again = pitboard(subset_db_copy, "import", str(results))
    assert again.returncode == 0
    assert again.stdout.strip() == f"{results}: Jolpica results {SEASON} round {ROUND}: already imported, nothing changed"

    imported = results_answer(subset_db_copy)
    assert imported["results"][0]["driver"] == winner_name()
    assert imported["credit"] == ("Data: F1DB (CC BY 4.0), Jolpica (jolpi.ca; results newer than F1DB's, "
                                  "licensed for non-commercial use)")   # its results are Jolpica's
    assert len(imported["results"]) == len([entry for entry in CLASSIFICATION if entry["positionText"] not in ("W", "F", "E")])

    build = pitboard(subset_db_copy, "db", "build")
    assert build.returncode == 0, build.stderr
    assert results_answer(subset_db_copy)["results"] == imported["results"]   # replayed onto the fresh history


def test_import_refuses_a_json_document_that_is_neither_nascar_nor_jolpica(subset_db_copy, tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"MRData": {"total": "0", "CircuitTable": {"Circuits": []}}}))
    done = pitboard(subset_db_copy, "import", str(odd))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"{odd}: not imported, database unchanged: MRData: not a Jolpica results, sprint, qualifying or driver standings document"
    )


async def test_a_jolpica_document_imported_during_a_rebuild_is_kept(subset_db_copy, monkeypatch):
    """A document the watcher imports into the live database after the rebuild read its documents is applied inside
    the swap (db/build.py's late documents), not lost."""
    load_history = db.build._load_history

    async def load_then_import_into_the_live_database(*args):
        await load_history(*args)
        async with Store.open(subset_db_copy) as live:   # after the replay snapshot, before the swap
            await jolpica.import_document(live, session_document(SEASON, ROUND, entries=CLASSIFICATION))

    monkeypatch.setattr(db.build, "_load_history", load_then_import_into_the_live_database)
    report = await build_database(subset_db_copy, show_progress=False)
    assert report.outcome == "rebuilt" and report.feeds_replayed == 0
    async with Store.open(subset_db_copy) as store:
        assert await store.scalar("SELECT kind || ' ' || key FROM feed_documents") == f"jolpica-results {SEASON}-{ROUND}"
        winner = await store.scalar(
            """SELECT d.name FROM results x JOIN drivers d ON d.id = x.driver_id JOIN races r ON r.id = x.race_id
               JOIN series s ON s.id = r.series_id WHERE s.key = 'f1' AND r.season = ? AND r.round = ? AND x.finish = 1""",
            (SEASON, ROUND),
        )
    assert winner == winner_name()


async def test_kept_jolpica_documents_are_validated_again_when_replayed(subset_db_copy, caplog):
    """A kept document that no longer validates (here a partial one, as if an older version had let it in) is skipped
    by the rebuild with a warning; the others are replayed."""
    qualifying = list(session_entries(SEASON, 11, "qualifying"))
    partial = session_document(SEASON, ROUND, "qualifying", entries=qualifying[:3], total=len(qualifying))
    async with Store.open(subset_db_copy) as store:
        await jolpica.import_document(store, session_document(SEASON, ROUND, entries=CLASSIFICATION))
        async with store.transaction() as conn:
            await conn.execute(
                "INSERT INTO feed_documents (kind, key, sha256, imported_at, body) VALUES (?, ?, ?, ?, ?)",
                ("jolpica-qualifying", f"{SEASON}-{ROUND}", "0" * 64, "2026-08-24T00:00:00+00:00", zlib.compress(partial)),
            )
    with caplog.at_level(logging.WARNING, logger="db.build"):
        report = await build_database(subset_db_copy, show_progress=False)
    assert report.feeds_replayed == 1
    skipped = f"skipped stored feed document jolpica-qualifying {SEASON}-{ROUND}, which no longer imports: MRData.total"
    assert skipped in caplog.text
    async with Store.open(subset_db_copy) as store:
        counts = await store.fetchone(
            """SELECT (SELECT count(*) FROM results WHERE race_id = r.id), (SELECT count(*) FROM qualifying_results
               WHERE race_id = r.id) FROM races r JOIN series s ON s.id = r.series_id
               WHERE s.key = 'f1' AND r.season = ? AND r.round = ?""",
            (SEASON, ROUND),
        )
    assert tuple(counts) == (len([entry for entry in CLASSIFICATION if entry["positionText"] not in ("W", "F", "E")]), 0)
