"""bench/faults.py keeps working: tiny runs of every fault scenario pass and say so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Two processes at once (the build scenario alone takes as long as all the others), with a fixed seed.
SMOKE_RUNS = (["build"], ["import", "reddit", "feed", "gateway"])


def test_every_fault_scenario_passes_a_tiny_run():
    processes = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "faults.py"), *scenarios, "--runs", "2", "--seed", "1"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for scenarios in SMOKE_RUNS
    ]
    try:
        outputs = [process.communicate(timeout=120)[0] for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output
    for scenarios, output in zip(SMOKE_RUNS, outputs):
        assert "seed 1" in output
        for name in scenarios:
            assert f"{name}: PASS" in output, output
