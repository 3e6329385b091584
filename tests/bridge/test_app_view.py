"""The terminal view (an MCP App, issue 27) as the MCP layer serves it: the `ui://` resource, the
tools that name it, and its app-only tool `pane_view`. The view itself, in a real host, is tested
in tests/bridge/test_app_view_browser.py."""

import json
import re

import pytest

from bridge import app_view
from tests.support.hub import call, mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_the_view_is_one_html_document_that_loads_nothing_from_outside(hub, mcp_token):
    async with mcp_session(hub, mcp_token) as session:
        listed = {str(r.uri): r for r in (await session.list_resources()).resources}
        read = await session.read_resource(app_view.URI)

    assert listed[app_view.URI].mime_type == "text/html;profile=mcp-app"
    [content] = read.contents
    assert content.mime_type == "text/html;profile=mcp-app"
    no_origins: dict[str, list[str]] = {"connectDomains": [], "resourceDomains": []}
    assert content.meta == {"ui": {"csp": no_origins, "prefersBorder": True}}
    page = content.text
    assert page.startswith("<!doctype html>") and page.count("<script") == 1
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "const extApps={App:" in page  # the pinned library, inlined


async def test_the_tools_that_show_a_pane_name_the_view_and_its_own_tool_is_for_the_view_only(hub, mcp_token):
    async with mcp_session(hub, mcp_token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}

    for name in ("capture_pane", "agent_state", "ask"):
        assert tools[name].meta == {"ui": {"resourceUri": app_view.URI}, "ui/resourceUri": app_view.URI}
    assert tools["pane_view"].meta == {"ui": {"visibility": ["app"]}}
    assert sum(1 for tool in tools.values() if tool.meta) == 4


async def test_hosts_without_mcp_apps_get_the_same_results(settings, tmux_socket, shell_pane):
    # The hub as built, and the same tools registered without any `_meta`: what a host that does
    # not know MCP Apps sees must be byte for byte the same, apart from the tools' `_meta`.
    from mcp.client.client import Client

    from bridge.registry import TOOLS
    from bridge.server import HubServer, build_server

    settings.TMUXHUB_TMUX_SOCKET = tmux_socket
    shell_pane.send_keys("printf '\\033[31mred\\033[0m <b>plain</b>\\n'", enter=True)
    plain = HubServer(name="tmuxhub")
    for tool in TOOLS.values():
        plain.add_tool(tool.fn, name=tool.name, annotations=tool.annotations)

    async def seen(server) -> tuple[list[dict], list[str]]:
        async with Client(server) as client:
            tools = [t.model_dump(by_alias=True, exclude={"meta"}) for t in (await client.list_tools()).tools]
            results = [
                json.dumps((await client.call_tool(name, args)).model_dump(by_alias=True, mode="json"))
                for name, args in (
                    ("capture_pane", {"pane": shell_pane.pane_id, "lines": 5}),
                    ("capture_pane", {"pane": shell_pane.pane_id, "lines": 5, "ansi": True}),
                    ("agent_state", {"pane": shell_pane.pane_id}),
                )
            ]
        return tools, results

    assert await seen(build_server()) == await seen(plain)


async def test_the_views_tool_sends_colours_as_escaped_html(hub, mcp_token, shell_pane):
    shell_pane.send_keys("printf '\\033[1;31mfailed\\033[0m <img src=x onerror=alert(1)>\\n'", enter=True)
    async with mcp_session(hub, mcp_token) as session:
        screen = await call(session, "pane_view", pane=shell_pane.pane_id)

    assert '<span class="a-b a-f1">failed</span> &lt;img src=x onerror=alert(1)&gt;' in screen["html"]
    assert not screen["closed"] and screen["agent"] is None
    assert screen["one_screen"]  # a pane that never scrolled is shown from its top
    assert (screen["can_answer"], screen["can_prompt"]) == (True, True)


async def test_the_views_tool_waits_for_new_output(hub, mcp_token, shell_pane):
    pane = shell_pane.pane_id
    async with mcp_session(hub, mcp_token) as session:
        before = await call(session, "pane_view", pane=pane)
        unchanged = await call(session, "pane_view", pane=pane, since=before["digest"], wait=0.5)
        shell_pane.send_keys("seq 1 60; echo NEW-OUTPUT-$((6*7))", enter=True)
        after, looks = before, 0
        while "NEW-OUTPUT-42" not in after["html"] and looks < 20:  # each look ends at a change
            after = await call(session, "pane_view", pane=pane, since=after["digest"], wait=20)
            looks += 1

    assert unchanged["digest"] == before["digest"]
    assert "NEW-OUTPUT-42" in after["html"] and after["digest"] != before["digest"]
    assert not after["one_screen"]  # it scrolled: the view follows its bottom


async def test_a_full_screen_program_is_shown_from_its_top(hub, mcp_token, shell_pane):
    shell_pane.send_keys("seq 1 60; printf '\\033[?1049h\\033[HTOP-OF-SCREEN\\n'; sleep 60", enter=True)
    async with mcp_session(hub, mcp_token) as session:
        screen = await call(session, "pane_view", pane=shell_pane.pane_id)
        while "TOP-OF-SCREEN" not in screen["html"]:
            screen = await call(
                session, "pane_view", pane=shell_pane.pane_id, since=screen["digest"], wait=20
            )

    assert screen["one_screen"] and screen["html"].startswith("TOP-OF-SCREEN")


async def test_a_closed_pane_is_said_in_plain_words(hub, mcp_token, shell_pane):
    pane = shell_pane.pane_id
    async with mcp_session(hub, mcp_token) as session:
        before = await call(session, "pane_view", pane=pane)
        shell_pane.window.session.kill()
        after = await call(session, "pane_view", pane=pane, since=before["digest"], wait=5)

    assert after["closed"]
    assert after["message"] == f"Pane {pane} is closed: its program ended or it was killed."
    assert after["html"] == ""


@pytest.fixture
def readonly_token(make_user, make_token) -> str:
    return make_token(make_user("watcher", tier="readonly"))


async def test_a_readonly_persons_view_offers_no_answer_or_prompt(hub, readonly_token, shell_pane):
    async with mcp_session(hub, readonly_token) as session:
        screen = await call(session, "pane_view", pane=shell_pane.pane_id)

    assert (screen["can_answer"], screen["can_prompt"]) == (False, False)


def test_the_docker_image_installs_the_pinned_library():
    dockerfile = (app_view.SOURCES.parent.parent / "Dockerfile").read_text()
    assert f"{app_view.PACKAGE}@{app_view.VERSION}" in dockerfile
    assert "TMUXHUB_VIEW_SCRIPT=/opt/ext-apps/app-with-deps.js" in dockerfile
