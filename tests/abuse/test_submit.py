"""Reporting to the fake AbuseIPDB: once per 15 minutes, never a private address, within the quota,
and AbuseIPDB's refusals handled without losing the report."""

from __future__ import annotations

import pytest
from django.utils import timezone

from abuse import abuseipdb
from abuse.models import Offender, Report
from abuse.reporting import ReportRefused, prepare, send_report
from abuse.tasks import submit
from tests.abuse.factories import offender
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_posts_the_real_fields_and_records_the_answer(abuse_services) -> None:
    row = offender("185.220.101.20")
    report = send_report(row.pk)
    (received,) = abuse_services.abuseipdb.accepted
    assert received.ip == "185.220.101.20"
    assert received.categories == "21,15,19"
    assert "42 requests refused" in received.comment and "/wp-login.php" in received.comment
    assert received.timestamp == row.last_seen.isoformat(timespec="seconds")
    assert report.state == Report.State.SENT and report.reported_at is not None
    assert report.response == {"data": {"ipAddress": "185.220.101.20", "abuseConfidenceScore": 52}}
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.REPORTED


def test_it_never_reports_one_ip_twice_within_15_minutes(abuse_services) -> None:
    row = offender("185.220.101.21")
    send_report(row.pk)
    Offender.objects.filter(pk=row.pk).update(  # new hits came in
        status=Offender.Status.STAGED, last_seen=timezone.now()
    )
    with pytest.raises(ReportRefused, match="15 minutes"):
        send_report(row.pk)
    assert len(abuse_services.abuseipdb.received) == 1


def test_private_and_reserved_addresses_are_never_reported(abuse_services) -> None:
    for ip in ("10.0.0.1", "192.168.1.1", "127.0.0.1", "::1", "fd00::1", "100.64.0.1", "198.51.100.1"):
        row = offender(ip)
        with pytest.raises(ReportRefused, match="not reportable"):
            send_report(row.pk)
    assert abuse_services.abuseipdb.received == []


def test_the_daily_quota_is_respected(abuse_services, settings) -> None:
    settings.ABUSEIPDB_DAILY_QUOTA = 1
    send_report(offender("185.220.101.22").pk)
    with pytest.raises(ReportRefused, match="quota") as refused:
        send_report(offender("185.220.101.23").pk)
    assert refused.value.retry_after and refused.value.retry_after <= 24 * 3600
    assert len(abuse_services.abuseipdb.received) == 1


def test_a_429_from_abuseipdb_pauses_sending_and_keeps_the_report(abuse_services) -> None:
    abuse_services.abuseipdb.daily_limit = 0
    row = offender("185.220.101.24")
    with pytest.raises(abuseipdb.AbuseIPDBError, match="rate limit") as error:
        send_report(row.pk)
    assert error.value.retry_after == 3600
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.STAGED
    assert Report.objects.get(offender=row).state == Report.State.FAILED
    abuse_services.abuseipdb.daily_limit = 1000
    with pytest.raises(ReportRefused, match="slow down"):
        send_report(offender("185.220.101.25").pk)  # paused: AbuseIPDB is not asked again
    assert len(abuse_services.abuseipdb.received) == 1


def test_a_server_error_is_retried_by_the_task_until_it_goes_through(abuse_services, abuse_worker) -> None:
    abuse_services.abuseipdb.fail_next.append(503)
    row = offender("185.220.101.26")
    report = prepare(row.pk)
    submit.delay(report.pk)
    assert wait_until(
        lambda: Report.objects.filter(offender=row, state=Report.State.FAILED).exists(), timeout=20
    )
    # Retried after AbuseIPDB's 5xx backoff is too long for a test: the task retries with countdown;
    # run it again now, as the retry would.
    assert submit.delay(report.pk).get(timeout=20)["sent"] is True
    assert len(abuse_services.abuseipdb.accepted) == 1
    (sent,) = Report.objects.filter(offender=row)  # one row records both attempts
    assert (sent.state, sent.attempts, sent.error) == (Report.State.SENT, 2, "")
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.REPORTED


def test_without_a_key_it_says_what_to_do_and_nothing_is_sent(abuse_services, settings) -> None:
    settings.ABUSEIPDB_KEY = ""
    row = offender("185.220.101.27")
    with pytest.raises(abuseipdb.MissingKey, match="ABUSEIPDB_KEY"):
        send_report(row.pk)
    assert abuse_services.abuseipdb.received == [] and not Report.objects.exists()


def test_a_wrong_key_is_a_clear_error(abuse_services, settings) -> None:
    settings.ABUSEIPDB_KEY = "wrong"
    with pytest.raises(abuseipdb.AbuseIPDBError, match="Authentication failed"):
        send_report(offender("185.220.101.28").pk)


def test_with_auto_report_the_sweep_sends_staged_offenders(abuse_services, abuse_worker, settings) -> None:
    from abuse.tasks import sweep_reports

    settings.ABUSE_AUTO_REPORT = True
    public = offender("185.220.101.29")
    offender("10.3.3.3")
    offender("185.220.101.30", status=Offender.Status.DISMISSED)
    assert sweep_reports() == 1
    assert wait_until(
        lambda: Offender.objects.get(pk=public.pk).status == Offender.Status.REPORTED, timeout=20
    )
    assert [r.ip for r in abuse_services.abuseipdb.accepted] == ["185.220.101.29"]


def test_beat_runs_both_sweeps() -> None:
    from django.conf import settings

    from tmuxhub.celery import app

    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"abuse.sweep_pending", "abuse.sweep_reports"} <= tasks <= set(app.tasks)


@pytest.mark.parametrize("auto_report", [False, True])
def test_pause_and_quota_messages_say_what_will_actually_happen(
    abuse_services, settings, auto_report
) -> None:
    settings.ABUSE_AUTO_REPORT = auto_report
    says = "The worker sends staged reports by itself" if auto_report else "Nothing sends it by itself"
    abuse_services.abuseipdb.daily_limit = 0
    with pytest.raises(abuseipdb.AbuseIPDBError, match="rate limit"):
        send_report(offender(f"185.220.101.3{int(auto_report)}").pk)
    with pytest.raises(ReportRefused, match="slow down") as paused:
        send_report(offender(f"185.220.101.4{int(auto_report)}").pk)
    assert says in str(paused.value)
    from django.core.cache import cache

    from abuse.reporting import PAUSE_KEY

    cache.delete(PAUSE_KEY)
    settings.ABUSEIPDB_DAILY_QUOTA = 0
    with pytest.raises(ReportRefused, match="quota") as quota:
        send_report(offender(f"185.220.101.5{int(auto_report)}").pk)
    assert says in str(quota.value)
