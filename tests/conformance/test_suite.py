"""The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in
tests/support/conformance.py) runs every active server scenario against a hub, through a loopback
proxy that adds a real bearer token; the scenarios that do not apply are its baseline
(expected-failures.yaml), checked by the suite itself."""

import subprocess
from pathlib import Path

import pytest

from tests.support.conformance import BearerProxy, ensure_installed

pytestmark = [pytest.mark.django_db(transaction=True)]

BASELINE = Path(__file__).with_name("expected-failures.yaml")


def test_the_hub_passes_the_official_conformance_scenarios_that_apply(hub, readonly_token, tmp_path):
    suite = ensure_installed()
    with BearerProxy(hub.url, readonly_token) as url:
        done = subprocess.run(
            [*suite, "server", "--url", f"{url}/mcp", "--expected-failures", str(BASELINE)],
            cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Baseline check passed" in done.stdout
