"""`python -m bench` keeps working: a tiny run of its floor part, checked for shape, never for speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_floor_part_measures_all_three_ways_and_writes_its_results(tmp_path: Path) -> None:
    budget = ["--calls", "5", "--seconds", "1", "--results", str(tmp_path)]
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "floor", *budget],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert "| raw `tmux capture-pane` subprocess | 1 |" in run.stdout
    written = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    cases = {r["case"]: r for r in written["results"]}
    assert len(cases) == 3
    assert all(r["calls"] == 5 and r["errors"] == 0 for r in cases.values())
    assert written["machine"]["cpus"]
