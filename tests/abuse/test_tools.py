"""The abuse_* MCP tools, called over HTTP by the SDK's real client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from abuse.models import Offender
from tests.abuse.factories import offender
from tests.support.hub import Hub, mcp_session, start_hub, structured

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


@pytest.fixture(scope="module")
def reporting_hub(django_db_setup, tmux_socket, abuse_servers) -> Iterator[Hub]:
    with start_hub(tmux_socket, {**abuse_servers.env, "TMUXHUB_SAFETY_TIER": "destructive"}) as hub:
        yield hub


@pytest.fixture
def owner_token(make_user, make_token, reporting_hub, abuse_services) -> str:
    return make_token(make_user("owner", tier="destructive", is_staff=True), resource=reporting_hub.mcp_url)


@pytest.fixture
def offenders(transactional_db) -> None:
    offender("185.220.101.50", status=Offender.Status.PENDING, enriched=False)
    offender("185.220.101.51")
    offender("10.9.9.9")


async def call(session, tool: str, **arguments):
    result = await session.call_tool(tool, arguments)
    return result.is_error, (result.content[0].text if result.is_error else structured(result))


async def test_sending_is_destructive_and_hidden_below_that_tier(hub, mcp_token) -> None:
    async with mcp_session(hub, mcp_token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert {"abuse_get_pending", "abuse_get_staged", "abuse_list_reported"} <= set(tools)
    assert "abuse_send_report" not in tools
    assert tools["abuse_get_staged"].annotations.read_only_hint


async def test_pending_and_staged_offenders_are_listed_with_their_evidence(
    reporting_hub, owner_token, offenders
) -> None:
    async with mcp_session(reporting_hub, owner_token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        _, pending = await call(session, "abuse_get_pending")
        _, staged = await call(session, "abuse_get_staged")
    assert tools["abuse_send_report"].annotations.destructive_hint
    assert [o["ip"] for o in pending["offenders"]] == ["185.220.101.50"]
    assert pending["offenders"][0]["hits"] == 42
    first = next(o for o in staged["offenders"] if o["ip"] == "185.220.101.51")
    assert staged["count"] == 2
    assert (first["asn"], first["country"], first["categories"]) == ("AS64500", "NL", [21, 15, 19])
    assert first["sample_paths"] == ["/.env", "/wp-login.php"]


async def test_a_report_is_sent_then_listed_and_not_sent_twice(
    reporting_hub, owner_token, offenders, abuse_services
) -> None:
    async with mcp_session(reporting_hub, owner_token) as session:
        failed, sent = await call(session, "abuse_send_report", ip="185.220.101.51")
        again_failed, again = await call(session, "abuse_send_report", ip="185.220.101.51")
        _, reported = await call(session, "abuse_list_reported", period="last_day")
        _, since = await call(session, "abuse_list_reported", period="since:2000-01-01")
    assert not failed and sent["sent"] and sent["abuse_confidence_score"] == 52
    assert again_failed and "no new hits since" in again
    assert [r["ip"] for r in reported["reports"]] == ["185.220.101.51"] == [r["ip"] for r in since["reports"]]
    assert len(abuse_services.abuseipdb.accepted) == 1


async def test_bad_input_gets_a_clear_error(reporting_hub, owner_token, offenders, abuse_services) -> None:
    async with mcp_session(reporting_hub, owner_token) as session:
        results = [
            await call(session, "abuse_list_reported", period="yesterday"),
            await call(session, "abuse_list_reported", period="since:2026-02-31"),
            await call(session, "abuse_send_report", ip="../../etc/passwd"),
            await call(session, "abuse_send_report", ip="10.9.9.9"),
            await call(session, "abuse_send_report", ip="8.8.8.8"),
        ]
    assert all(failed for failed, _ in results)
    messages = [message for _, message in results]
    assert "last_day, last_week or since:YYYY-MM-DD" in messages[0]
    assert "not a real date" in messages[1]
    assert "not an IP address" in messages[2]
    assert "not reportable (private address)" in messages[3]
    assert "no abuse record" in messages[4]
    assert abuse_services.abuseipdb.received == []
    # Refusals the caller can act on, not crashes: the hub logs no traceback for them.
    assert "Traceback" not in reporting_hub.log() and "unexpected exception" not in reporting_hub.log()
