"""What the abuse pipeline knows about a client IP: the offender, its evidence, enrichment and reports."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import date

from django.db import models
from django.utils import timezone

from .categories import Reason

DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
)
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


def unreportable_reason(ip: str) -> str:
    """Why AbuseIPDB could not act on this address (nobody on the internet owns it), or "" when it can."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == net.version and address in net for net in DOCUMENTATION_NETWORKS):
        return "documentation address"
    for reason, applies in (
        ("loopback address", address.is_loopback),
        ("link-local address", address.is_link_local),
        ("multicast address", address.is_multicast),
        ("shared address space (carrier-grade NAT)", address in SHARED_ADDRESS_SPACE),
        ("private address", address.is_private),
        ("reserved address", not address.is_global),
    ):
        if applies:
            return reason
    return ""


def is_reportable(ip: str) -> bool:
    """Only global unicast addresses belong to someone AbuseIPDB can act on."""
    return not unreportable_reason(ip)


class Offender(models.Model):
    """One client IP that was refused (429) or banned at least once; counts are exact, samples bounded."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending (collecting)"
        NOT_REPORTABLE = "not_reportable", "not reportable (private, reserved or documentation address)"
        STAGED = "staged", "staged (enriched, ready to report)"
        REPORTED = "reported", "reported"
        DISMISSED = "dismissed", "dismissed"
        ALLOWLISTED = "allowlisted", "allow-listed"

    ip = models.GenericIPAddressField(unique=True, unpack_ipv4=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    hits = models.PositiveBigIntegerField(default=0, help_text="429 answers given to this IP, exactly.")
    sample_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-last_seen",)

    def __str__(self) -> str:
        return self.ip

    @classmethod
    def for_ip(cls, text: str, where_to_look: str) -> Offender:
        """The offender for a user-typed IP; `LookupError` says what was wrong and `where_to_look`."""
        try:
            ip = str(ipaddress.ip_address(text.strip()))
        except ValueError:
            raise LookupError(f"{text!r} is not an IP address: {where_to_look}.") from None
        offender = cls.objects.filter(ip=ip).first()
        if offender is None:
            raise LookupError(f"{ip} has no abuse record: {where_to_look}.")
        return offender

    @property
    def reportable(self) -> bool:
        return is_reportable(self.ip)

    @property
    def unreportable_reason(self) -> str:
        return unreportable_reason(self.ip)

    @staticmethod
    def initial_status(ip: str) -> str:
        """Decided when the IP is first collected: an address nobody owns is never staged."""
        return Offender.Status.NOT_REPORTABLE if unreportable_reason(ip) else Offender.Status.PENDING

    def reason_counts(self) -> dict[str, int]:
        """Events per rule (`abuse.categories.Reason`), in the rules' order; uses a prefetch of
        `reason_rows` when there is one."""
        counts = {row.reason: row.count for row in self.reason_rows.all()}
        return {reason: counts.pop(reason) for reason in Reason if reason in counts} | counts

    def last_sent_report(self) -> Report | None:
        """Read from the database, so every worker agrees on the 15-minute rule."""
        return self.reports.filter(state=Report.State.SENT).order_by("-reported_at").first()


class ReasonCount(models.Model):
    """How many events of one rule (`abuse.categories.Reason`) an offender caused, exactly. Rows, not
    columns: a new rule needs no migration."""

    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="reason_rows")
    reason = models.CharField(max_length=32)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("offender", "reason"), name="abuse_one_count_per_reason")
        ]

    def __str__(self) -> str:
        return f"{self.offender_id} {self.reason}: {self.count}"

    @staticmethod
    def add(counts: Mapping[tuple[int, str], int]) -> None:
        """Add `counts` ((offender id, reason) -> n). Exact under concurrency when the caller holds the
        offenders' row locks (the collector does): one statement per reason, not per offender."""
        counts = {key: n for key, n in counts.items() if n}
        ReasonCount.objects.bulk_create(
            [ReasonCount(offender_id=offender_id, reason=reason) for offender_id, reason in counts],
            ignore_conflicts=True,
        )
        for reason in {reason for _, reason in counts}:
            per_offender = {offender_id: n for (offender_id, r), n in counts.items() if r == reason}
            ReasonCount.objects.filter(reason=reason, offender_id__in=list(per_offender)).update(
                count=models.F("count")
                + models.Case(
                    *(models.When(offender_id=pk, then=models.Value(n)) for pk, n in per_offender.items()),
                    default=models.Value(0),
                )
            )


class RequestSample(models.Model):
    """One refused (or ban-triggering) request, kept as evidence; at most a few per offender."""

    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="samples")
    at = models.DateTimeField()
    method = models.CharField(max_length=16)
    path = models.CharField(max_length=512)
    user_agent = models.CharField(max_length=256, blank=True)
    reason = models.CharField(max_length=32, help_text="An abuse.categories.Reason.")

    class Meta:
        ordering = ("at",)
        indexes = [models.Index(fields=("offender", "at"))]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def reason_label(self) -> str:
        """What the rule saw ("probed an exploit path"), as the review shows it."""
        return Reason.label_of(self.reason)


class Enrichment(models.Model):
    """Who is behind the IP, from RIPE Stat; any field it could not learn stays `unknown`."""

    UNKNOWN = "unknown"

    offender = models.OneToOneField(Offender, on_delete=models.CASCADE, related_name="enrichment")
    asn = models.CharField(max_length=32, default=UNKNOWN)
    holder = models.CharField(max_length=255, default=UNKNOWN)
    prefix = models.CharField(max_length=64, default=UNKNOWN)
    country = models.CharField(max_length=8, default=UNKNOWN)
    rir = models.CharField(max_length=32, default=UNKNOWN)
    abuse_contact = models.CharField(max_length=255, default=UNKNOWN)
    looked_up_at = models.DateTimeField(default=timezone.now)
    errors = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.offender.ip}: {self.asn} {self.country}"

    @property
    def complete(self) -> bool:
        return not self.errors

    @classmethod
    def record(cls, offender: Offender, fields: Mapping[str, str], errors: list[str]) -> None:
        """Store one lookup. A retry keeps what an earlier attempt learned where this one failed."""
        enrichment, created = cls.objects.get_or_create(offender=offender, defaults=dict(fields))
        if not created:
            for name, value in fields.items():
                if value != cls.UNKNOWN:
                    setattr(enrichment, name, value)
        enrichment.errors = errors
        enrichment.looked_up_at = timezone.now()
        enrichment.attempts = models.F("attempts") + 1
        enrichment.save()


class Report(models.Model):
    """One report of one incident to AbuseIPDB, from the moment it is asked for (`queued`) until it is
    `sent`. Every attempt updates this row (`attempts`, `last_attempt_at`, `error`), and a submit task
    carries its id, so a retried or redelivered task finds the row sent and sends nothing. `sending` is
    written before the HTTP call, so a crash mid-call is visible and a retry decides from the database
    instead of sending blind."""

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed (last attempt)"

    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="reports")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    categories = models.JSONField(default=list)
    comment = models.TextField(max_length=1024)
    attack_time = models.DateTimeField(help_text="The `timestamp` sent: the offender's last hit.")
    response = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the last attempt did not send it.")
    attempts = models.PositiveIntegerField(default=0, help_text="Requests made to AbuseIPDB for it.")
    last_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="While `sending`: when a retry may resume."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reported_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.offender.ip} {self.state}"


class RefusalDay(models.Model):
    """429 answers per day (UTC), exactly: the dashboard's chart. Offender counts are totals, and an
    offender's days cannot be recovered from them, so the collector adds each flush here too."""

    day = models.DateField(unique=True)
    refused = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ("-day",)

    def __str__(self) -> str:
        return f"{self.day}: {self.refused}"

    @classmethod
    def add(cls, counts: Mapping[date, int]) -> None:
        counts = {day: n for day, n in counts.items() if n}
        RefusalDay.objects.bulk_create([RefusalDay(day=day) for day in counts], ignore_conflicts=True)
        for day, n in counts.items():
            RefusalDay.objects.filter(day=day).update(refused=models.F("refused") + n)


class KnownGood(models.Model):
    """An address that presented a valid bearer token or a staff session (IPv6: its network, as
    `tmuxhub.lib.netkey.rate_key` counts it). For `ABUSE_KNOWN_GOOD_DAYS` after `last_seen` it is never
    staged or reported: strangers must not get the owner's or Anthropic's egress address reported.
    Written by the rate limiter at most once per address per `knowngood.REFRESH_SECONDS`."""

    network = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "known good address"
        ordering = ("-last_seen",)

    def __str__(self) -> str:
        return self.network
