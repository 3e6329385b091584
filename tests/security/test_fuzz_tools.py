"""Property-based fuzzing of every tool's arguments through the real `/mcp` endpoint (hypothesis).

Arguments are drawn from each tool's own input schema (right names, wrong values, missing and extra
ones) mixed with payloads that would run a command if they ever reached a shell, tmux's format
expansion or tmux's command parser. Whatever comes: never a 500, never a traceback, no payload ever
runs, tmux only ever gets names that passed validation, and the hub keeps answering.

The run is reproducible (`derandomize`) and bounded (`FUZZ_EXAMPLES` per tool); it prints how many
calls it made.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

FUZZ_EXAMPLES = int(os.environ.get("TMUXHUB_FUZZ_EXAMPLES", "25"))
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
NAME = re.compile(r"^[A-Za-z0-9_.@%+=-]*$")  # what a session/window name can hold after validation
_ids = itertools.count(1)


def payloads(marker: Path) -> list[str]:
    """Strings that create `marker` if a shell, tmux's `#()` formats or its command parser saw them."""
    return [
        f"#(touch {marker})",
        f"$(touch {marker})",
        f"`touch {marker}`",
        f"x; run-shell 'touch {marker}'",
        f"x \\; run-shell 'touch {marker}'",
        f"x\nrun-shell 'touch {marker}'",
        "x;",  # tmux reads an argument ending in ';' as the end of a command
        "/tmp/x;",
        f"%1'; run-shell \"touch {marker}\"; '",
        "#{pane_id}#{session_name}#{E:HOME}",
        "-t",
        "--",
        "=",
        "%0",
        "$0",
        "@0",
        "work:0.0",
        "../../../../etc/passwd",
        "\x00\x01\x1b[31m\x7f",
        "A" * 70_000,
    ]


# Arguments that run what they are given, by design (`create_session(command=...)`): they get junk,
# not the payloads, and a tmux command no shell can run: it creates the marker only if tmux ever
# parsed it as a command (after an argument ending in ';', say).
BY_DESIGN = {"command"}


def hostile_values(marker: Path | None, decoy: Path) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.sampled_from(payloads(marker) if marker else ["true", "-x", f"run-shell 'touch {decoy}'"]),
        st.text(max_size=200),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=8,
    )


def arguments_for(schema: dict[str, Any], marker: Path) -> st.SearchStrategy[dict[str, Any]]:
    """Keys of the schema (a random subset) and a few foreign ones, each with a hostile value."""
    names = sorted(schema.get("properties", {}))
    keys = [*names, "params", "__proto__", "extra"]
    pairs = st.sampled_from(keys).flatmap(
        lambda key: st.tuples(st.just(key), hostile_values(None if key in BY_DESIGN else marker, marker))
    )
    return st.lists(pairs, max_size=len(keys)).map(dict)


# Waits the fuzz shortens when a draw leaves them long (or out): a valid 30 s wait proves nothing more.
SHORT_WAITS = {"timeout": 0.5, "quiet": 0.2, "settle_ms": 20, "wait": 0.5}


def shortened(arguments: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    for key, short in SHORT_WAITS.items():
        if key not in properties:
            continue
        value = arguments.get(key, short)
        if isinstance(value, int | float) and not isinstance(value, bool) and short < value <= 5000:
            value = short
        arguments[key] = value
    return arguments


# One connection for the whole fuzz: a new httpx client per call (its TLS context, its pool) cost more
# than most of the calls it made.
_http = httpx.Client(timeout=120)


def rpc(hub, token: str, method: str, params: dict[str, Any]) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}
    return _http.post(hub.mcp_url, json=body, headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"})


def session_and_window_names(tmux) -> list[str]:
    return [s.session_name or "" for s in tmux.sessions] + [w.window_name or "" for w in tmux.windows]


@pytest.fixture
def fuzz_hub(hub_factory, make_user, make_token):
    """A hub showing every tool (destructive tier) whose SSH waits are short, and a token for it."""
    hub = hub_factory(
        TMUXHUB_SAFETY_TIER="destructive", TMUXHUB_SSH_CONNECT_TIMEOUT="1", TMUXHUB_SSH_MAX_WAIT="1"
    )
    return hub, make_token(make_user("fuzzer"), resource=hub.mcp_url)


@pytest.fixture
def tools(fuzz_hub) -> dict[str, dict[str, Any]]:
    """Every tool the hub has, with its input schema."""
    hub, token = fuzz_hub
    listed = rpc(hub, token, "tools/list", {}).json()["result"]["tools"]
    return {tool["name"]: tool["inputSchema"] for tool in listed}


def test_every_tool_survives_hostile_arguments(fuzz_hub, tools, make_pane, tmux, tmp_path) -> None:
    hub, token = fuzz_hub
    marker = tmp_path / "pwned"

    def panes_without_a_shell() -> None:
        """Text typed into these is never run; new sessions and windows get no shell either."""
        make_pane("cat > /dev/null", name="work")
        tmux.cmd("set-option", "-g", "default-command", "cat > /dev/null")

    panes_without_a_shell()
    make_pane("cat > /dev/null", name="other")
    tried: dict[str, int] = {}

    def fuzz_tool(name: str) -> None:
        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(arguments=arguments_for(tools[name], marker))
        def fuzz(arguments: dict[str, Any]) -> None:
            tried[name] = tried.get(name, 0) + 1
            call = {"name": name, "arguments": shortened(arguments, tools[name])}
            answer = rpc(hub, token, "tools/call", call)
            assert answer.status_code < 500, answer.text
            assert "Traceback" not in answer.text and 'File "/' not in answer.text
            if answer.status_code == 200:
                reply = answer.json()
                assert "result" in reply or "error" in reply
            if name.startswith("kill_") and not tmux.sessions:  # every session ended: start again
                panes_without_a_shell()

        fuzz()

    for name in sorted(tools):
        fuzz_tool(name)

    print(f"\nfuzzed {sum(tried.values())} tool calls over {len(tried)} tools: {tried}")
    assert set(tried) == set(tools), f"tools never tried: {set(tools) - set(tried)}"
    assert not marker.exists(), "a payload ran a command"
    assert all(NAME.match(name) for name in session_and_window_names(tmux)), session_and_window_names(tmux)
    # The hub and its tmux server came through (no worker runs here: /healthz names worker and beat).
    assert {"database", "tmux"}.isdisjoint(httpx.get(f"{hub.url}/healthz", timeout=10).json()["down"])
