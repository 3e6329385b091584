"""`python -m bench` keeps working: a tiny run of its floor part, checked for shape, never for speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def run_bench(*options: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *options],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_floor_part_measures_all_three_ways_and_writes_its_results(tmp_path: Path) -> None:
    run = run_bench(
        "--only", "floor", "--calls", "5", "--seconds", "1", "--results", str(tmp_path), timeout=120
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert "| raw `tmux capture-pane` subprocess | 1 |" in run.stdout
    written = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    cases = {r["case"]: r for r in written["results"]}
    assert len(cases) == 3
    assert all(r["calls"] == 5 and r["errors"] == 0 for r in cases.values())
    assert written["machine"]["cpus"]


def test_a_seed_that_cannot_run_here_is_skipped_with_its_reason(monkeypatch, tmp_path: Path, capsys) -> None:
    import asyncio

    from bench import servers
    from bench.__main__ import seed_cases
    from bench.timing import Budget

    monkeypatch.setenv("TMUX_MCP_SRC", str(tmp_path))  # no tmux-mcp source there
    monkeypatch.setattr(servers, "SEEDS", [s for s in servers.SEEDS if s.name == "tmux-mcp"])

    results = asyncio.run(seed_cases(None, Budget(calls=1, seconds=1, warmup=0), [1]))  # type: ignore[arg-type]

    assert [(r.case, r.calls) for r in results] == [("tmux-mcp `tmux_get_summary`", 0)]
    assert results[0].note.startswith("skipped: no tmux-mcp source")
    assert "skipping tmux-mcp: no tmux-mcp source" in capsys.readouterr().err


def test_the_hub_part_reaches_the_hub_all_three_ways(tmp_path: Path) -> None:
    """The handshake session, the SDK's Client on 2026-07-28 and the POST by hand each read the pane."""
    budget = ["--calls", "5", "--seconds", "1", "--clients", "1", "--results", str(tmp_path)]
    run = run_bench("--only", "floor", "hub", *budget, timeout=180)

    assert run.returncode == 0, run.stderr[-2000:]
    written = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    hub = [r for r in written["results"] if r["case"].startswith("tmuxhub")]
    assert [r["case"].split(": ")[1] for r in hub] == [
        "SDK ClientSession, handshake protocol",
        "SDK Client, 2026-07-28",
        "one POST by hand (aiohttp), 2026-07-28",
    ]
    assert all(r["calls"] == 5 and r["errors"] == 0 for r in hub)
    assert any("p50" in line and "the raw subprocess" in line for line in written["targets"])


def test_the_bytes_part_says_what_a_model_reads_of_each_result(tmp_path: Path) -> None:
    run = run_bench("--only", "bytes", "--results", str(tmp_path), timeout=180)

    assert run.returncode == 0, run.stderr[-2000:]
    written = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    read = {r["tool"]: r for r in written["model_bytes"]}
    assert set(read) == {"capture_pane", "tmux_get_summary", "capture_since", "snapshot_pane"}
    assert "| tmuxhub | `capture_pane` |" in run.stdout
    pane = int(run.stdout.split("lines, ")[1].split(" bytes")[0].replace(",", ""))
    assert all(0 < r["model_bytes"] <= 1.15 * pane for r in read.values())
