"""bench/faults.py keeps working: the smallest run of each of its first five scenarios passes and says so.

The five run in one process with one run each, on the suite's build of a few seasons of the history (--history, and
PITBOARD_HISTORY for the builds it starts), so no full history is built for this test: the `build` scenario makes one
`pitboard db build` of those seasons (not killed: a first run measures the build), the others none. The scenarios
that build the history several times (live-build, revisions, two-bots, disk-full, repair) are left to `make faults`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["build", "import", "reddit", "feed", "gateway"]
# A guard against a hang, not a time budget: faults.py bounds every scenario itself (SCENARIO_SECONDS and
# SECONDS_PER_RUN there, 700 s for these five at one run each) and reports a scenario that overran as FAIL.
HANG_GUARD_SECONDS = 900


def test_every_fault_scenario_passes_a_tiny_run(subset_db, history_subset):
    tiny = ["--runs", "1", "--seed", "1", "--history", str(subset_db)]
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "faults.py"), *SCENARIOS, *tiny],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=HANG_GUARD_SECONDS,
    )
    assert finished.returncode == 0, finished.stdout
    assert "seed 1" in finished.stdout
    for name in SCENARIOS:
        assert f"{name}: PASS" in finished.stdout, finished.stdout
