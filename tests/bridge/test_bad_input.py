"""Bad input gets an isError result that says what to fix: never a 500, never a traceback."""

import json

import pytest

from tests.support.hub import call, call_error, mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

CASES = [
    ("capture_pane", {"pane": "%1", "lines": "many"}, "lines: Input should be a valid integer"),
    ("capture_pane", {"pane": "%1", "lines": 0}, "lines: Input should be greater than or equal to 1"),
    ("capture_pane", {}, "pane: Field required"),
    ("capture_pane", {"pane": "-t"}, "is not a pane"),
    ("create_session", {"name": "x#(touch /tmp/pwned)"}, "is not a valid name"),
    ("create_session", {"name": "-x"}, "is not a valid name"),
    ("create_session", {"name": "hidden\n"}, "is not a valid name"),
    ("capture_pane", {"pane": "%1\n"}, "is not a pane"),
    ("list_windows", {"session": "work\n"}, "is not a session"),
    ("send_keys", {"pane": "%1", "keys": ["Enter\n"]}, "is not a key name"),
    ("create_session", {"start_directory": "relative/dir"}, "start_directory"),
    ("rename_window", {"window": "work", "new_name": "a"}, "give its id like '@2'"),
    ("split_window", {"pane": "%1", "direction": "diagonal"}, "direction: Input should be 'right'"),
    ("select_layout", {"window": "@1", "layout": "spiral"}, "layout: Input should be"),
    (
        "wait_for_idle",
        {"pane": "%1", "timeout": 100000},
        "timeout: Input should be less than or equal to 600",
    ),
    ("search_panes", {"pattern": "(unclosed", "regex": True}, "not a valid regular expression"),
    ("tmux_send_prompt", {"pane": "%1", "text": ""}, "text: String should have at least 1 character"),
    ("no_such_tool", {}, "there is no tool 'no_such_tool'"),
]


@pytest.mark.parametrize(("tool", "arguments", "says"), CASES)
async def test_it_explains_bad_input(hub, mcp_token, shell_pane, tool, arguments, says):
    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, tool, arguments)

    assert says in error
    assert "Traceback" not in error


async def test_format_strings_in_names_are_never_evaluated(hub, mcp_token, tmp_path):
    marker = tmp_path / "pwned"

    async with mcp_session(hub, mcp_token) as session:
        await call_error(session, "create_session", {"name": f"#(touch {marker})"})
        created = await call(
            session, "create_session", name="plain", command=f"echo '#(touch {marker})'; sleep 5"
        )

    assert created["name"] == "plain"
    assert not marker.exists()


async def test_it_unwraps_arguments_sent_as_a_json_string(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        wrapped = await call(
            session, "capture_pane", params=json.dumps({"pane": shell_pane.pane_id, "lines": 3})
        )
        keys_as_string = await call(session, "send_keys", pane=shell_pane.pane_id, keys='["Escape"]')
        not_json = await call_error(session, "capture_pane", {"params": "{oops"})

    assert wrapped["pane"] == shell_pane.pane_id and len(wrapped["text"].splitlines()) <= 3
    assert keys_as_string["keys"] == ["Escape"]
    assert "'params' is not valid JSON" in not_json
