import json

import pytest

from tests.fixtures.panes import pane_text
from tests.support.hub import call, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_search_panes_finds_text_in_every_pane(hub, mcp_token, make_pane):
    first = make_pane("echo 'ERROR: disk full'; echo ok; sleep 600", name="one", ready="ok")
    make_pane("echo 'error: lower case'; echo ok; sleep 600", name="two", ready="ok")

    async with mcp_session(hub, mcp_token) as session:
        literal = await call(session, "search_panes", pattern="ERROR: disk")
        regex = await call(session, "search_panes", pattern=r"^error: \w+", regex=True, ignore_case=True)
        limited = await call(session, "search_panes", pattern="ok", max_matches=1)

    assert [(m["pane"], m["line"]) for m in literal["matches"]] == [(first.pane_id, "ERROR: disk full")]
    assert len(regex["matches"]) == 2
    assert limited["limited"] and len(limited["matches"]) == 1


LEAKS = {
    "GITHUB_TOKEN": "ghp_" + "a" * 36,
    "DEPLOY_URL": "https://user:pw@example.com/",
    "REDIS_URL": "redis://:hunter2@127.0.0.1:6379/0",
    "MYSQL_PWD": "hunter2",
    "FTP_PASS": "hunter2",
    "ALERTS_WEBHOOK": "https://hooks.example.com/T0/B0/abc",
    "SLACK_URL": "https://hooks.slack.com/services/T0/B0/abc",
    "SENTRY_DSN": "https://abc@o1.ingest.sentry.io/1",
    "CALLBACK": "https://example.com/cb?user=me&access_token=abc",
    "BILLING": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "GL": "glpat-" + "xxxxxxxxxxxxxxxxxxxx",
    "MAPS": "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "HF_MODEL": "hf_" + "jJmXbQzWpLkRtYvNcAsDfGhUiOeTyQwErT",
    "NPM_LINE": "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "CURL_HEADER": "Authorization: Bearer abc.def-ghi_jkl",
    "DB_CMD": "mysql -u root -phunter2 shop",
}
PLAIN = {"EDITOR": "vim", "PWD": "/home/me", "OLDPWD": "/tmp", "PROXY": "http://proxy:8080/a@b"}


async def test_show_environment_redacts_secrets(hub, readonly_token, shell_pane, tmux):
    for name, value in {**LEAKS, **PLAIN}.items():
        tmux.cmd("set-environment", "-g", name, value)

    async with mcp_session(hub, readonly_token) as session:
        out = await call(session, "show_environment")

    values = {v["name"]: v["value"] for v in out["variables"]}
    assert {name: values[name] for name in LEAKS} == dict.fromkeys(LEAKS, "[redacted]")
    assert {name: values[name] for name in PLAIN} == PLAIN


async def test_resources_show_the_tree_and_pane_contents(hub, mcp_token, shell_pane):
    shell_pane.send_keys("echo resource-check", enter=True)
    wait_until(lambda: "resource-check\n$" in pane_text(shell_pane))

    async with mcp_session(hub, mcp_token) as session:
        templates = {t.uri_template for t in (await session.list_resource_templates()).resource_templates}
        tree = json.loads((await session.read_resource("tmux://sessions")).contents[0].text)
        one = json.loads((await session.read_resource("tmux://sessions/work")).contents[0].text)
        pane = (await session.read_resource(f"tmux://panes/{shell_pane.pane_id[1:]}")).contents[0].text

    assert {"tmux://sessions/{name}", "tmux://panes/{number}"} <= templates
    assert tree["sessions"][0]["windows"][0]["panes"][0]["id"] == shell_pane.pane_id
    assert one["panes"][0]["id"] == shell_pane.pane_id
    assert "resource-check" in pane


async def test_prompts_guide_run_and_wait_and_interrupt(hub, mcp_token):
    async with mcp_session(hub, mcp_token) as session:
        names = {p.name for p in (await session.list_prompts()).prompts}
        run = await session.get_prompt("run_and_wait", {"pane": "%1", "command": "make test"})
        stop = await session.get_prompt("interrupt_gracefully", {"pane": "%1"})

    assert {"run_and_wait", "interrupt_gracefully"} <= names
    assert "run_command" in run.messages[0].content.text
    assert "C-c" in stop.messages[0].content.text


async def test_prompts_and_templates_say_what_they_are_and_unknown_names_are_invalid_params(
    hub, readonly_token, shell_pane
):
    from mcp.shared.exceptions import MCPError

    async with mcp_session(hub, readonly_token) as session:
        prompts = (await session.list_prompts()).prompts
        templates = (await session.list_resource_templates()).resource_templates
        with pytest.raises(MCPError) as unknown_prompt:
            await session.get_prompt("no_such_prompt", {})
        with pytest.raises(MCPError) as missing_argument:
            await session.get_prompt("run_and_wait", {"pane": "%1"})
        with pytest.raises(MCPError) as unknown_uri:
            await session.read_resource("tmux://nothing/here")
        with pytest.raises(MCPError) as gone_pane:
            await session.read_resource("tmux://panes/99999")
        with pytest.raises(MCPError) as bad_session:
            await session.read_resource("tmux://sessions/-x")

    assert all(p.description for p in prompts) and all(a.description for p in prompts for a in p.arguments)
    assert all(t.description for t in templates)
    assert unknown_prompt.value.code == -32602 and "run_and_wait" in unknown_prompt.value.error.message
    assert missing_argument.value.code == -32602 and "command" in missing_argument.value.error.message
    # SEP-2164 (final): a resource that does not exist is -32602, like any unknown name.
    assert unknown_uri.value.code == gone_pane.value.code == bad_session.value.code == -32602
    assert "tmux says" in gone_pane.value.error.message
