"""Every tool call leaves one audit row: who, which client, what tool, a digest of the arguments."""

import asyncio
import hashlib
import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from bridge import audit
from bridge.models import ToolCall
from tests.support.hub import call, call_error, mcp_session
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_call_is_recorded_without_its_arguments(hub, make_user, make_token, shell_pane):
    user = make_user("auditor")
    token = make_token(user)
    secret_text = "my password is hunter2"

    async def calls() -> None:
        async with mcp_session(hub, token) as session:
            await call(session, "tmux_send_prompt", pane=shell_pane.pane_id, text=secret_text, enter=False)
            await call_error(session, "capture_pane", {"pane": "%999"})

    began = timezone.now()
    asyncio.run(calls())
    answered = timezone.now()
    # Only this user's rows: a previous test's last rows may land after its database was emptied.
    mine = ToolCall.objects.filter(username="auditor")
    rows = wait_until(lambda: list(mine.order_by("created_at")) if mine.count() == 2 else [])

    sent, failed = rows
    assert (sent.user, sent.username, sent.tool, sent.outcome) == (user, "auditor", "tmux_send_prompt", "ok")
    assert sent.client_id and sent.duration_ms > 0
    canonical = json.dumps(
        {"enter": False, "pane": shell_pane.pane_id, "text": secret_text}, separators=(",", ":")
    )
    assert sent.arguments_digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert (failed.tool, failed.outcome) == ("capture_pane", "error")
    # When each call happened, not when the writer got to its row (a batch is written later).
    assert began < sent.created_at < failed.created_at < answered
    assert "list_panes" in failed.error
    assert not ToolCall.objects.filter(error__contains="hunter2").exists()


def test_the_admin_lists_and_filters_the_audit_log(db):
    staff = get_user_model().objects.create_superuser("boss", password="x")
    ToolCall.objects.create(tool="capture_pane", outcome="ok", arguments_digest="a" * 64, duration_ms=2.5)
    ToolCall.objects.create(tool="kill_pane", outcome="error", arguments_digest="b" * 64, duration_ms=1.0)
    browser = Client()
    browser.force_login(staff)

    errors = browser.get("/admin/bridge/toolcall/", {"outcome": "error"})
    searched = browser.get("/admin/bridge/toolcall/", {"q": "capture"})

    assert errors.status_code == searched.status_code == 200
    assert [row.tool for row in errors.context_data["cl"].result_list] == ["kill_pane"]  # type: ignore[index]
    assert [row.tool for row in searched.context_data["cl"].result_list] == ["capture_pane"]  # type: ignore[index]


def test_rows_of_a_user_deleted_meanwhile_are_kept_without_the_link(db):
    from bridge.audit import _Call, _insert
    from bridge.context import Caller

    gone = Caller(user_id=987654, username="gone", client_id="client", tier="readonly")

    _insert([_Call(timezone.now(), gone, "capture_pane", {"pane": "%1"}, None, 1.0)])

    saved = ToolCall.objects.get()
    assert saved.user_id is None and saved.username == "gone"


# Makes the database refuse every new audit row, as a full disk or a read-only database does.
REFUSE_AUDIT_ROWS = {
    "sqlite": [
        "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON bridge_toolcall"
        " BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'could not extend file (test)'; END $$",
        "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON bridge_toolcall"
        " FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()",
    ],
}
ACCEPT_AUDIT_ROWS = {
    "sqlite": ["DROP TRIGGER IF EXISTS test_refuse_audit"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS test_refuse_audit ON bridge_toolcall",
        "DROP FUNCTION IF EXISTS test_refuse_audit()",
    ],
}


def run_sql(statements: dict[str, list[str]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements[connection.vendor]:
            cursor.execute(statement)


def test_rows_wait_while_the_database_refuses_them_and_a_full_buffer_is_told_to_staff(
    hub_factory, make_user, make_token
) -> None:
    hub = hub_factory(TMUXHUB_AUDIT_BUFFER_ROWS="10", TMUXHUB_AUDIT_RETRY_MAX_SECONDS="0.5")
    token = make_token(make_user("outage-auditor"), resource=hub.mcp_url)
    mine = ToolCall.objects.filter(username="outage-auditor")

    async def calls(count: int) -> None:
        async with mcp_session(hub, token) as session:
            for _ in range(count):
                await session.call_tool("tmux_list_sessions", {})

    run_sql(REFUSE_AUDIT_ROWS)
    try:
        asyncio.run(calls(15))
        wait_until(lambda: "audit log: write of" in hub.log(), timeout=10, context=hub.log)
        time.sleep(3)  # several failed writes, each retried
        assert mine.count() == 0
        assert "this call is not recorded" in hub.log()
    finally:
        run_sql(ACCEPT_AUDIT_ROWS)

    wait_until(lambda: mine.count() == 10, timeout=20, context=hub.log)
    gap = wait_until(lambda: ToolCall.objects.filter(tool=audit.LOST_TOOL).first(), timeout=10)
    assert gap.error.startswith("5 tool calls from "), gap.error
    assert "TMUXHUB_AUDIT_BUFFER_ROWS" in gap.error
    time.sleep(1)
    assert mine.count() == 10  # nothing written twice
    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("gap-reader", password="x"))
    page = staff.get("/admin/bridge/toolcall/")
    assert "Audit log gap: 5 tool calls from" in page.content.decode()
