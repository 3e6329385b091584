"""Abuse review: a list of what needs the owner, an offender's evidence shown once and side by side,
and actions from its page that return to it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abuse.models import Enrichment, KnownGood, Offender
from tests.abuse.factories import offender

pytestmark = pytest.mark.django_db


def _detail(admin_client: Client, row: Offender) -> str:
    return admin_client.get(f"/admin/abuse/offender/{row.pk}/change/").content.decode()


def test_the_detail_shows_enrichment_categories_and_samples_together(admin_client: Client) -> None:
    row = offender("9.9.9.9")

    html = _detail(admin_client, row)

    enrichment = html.split('id="review-enrichment"')[1].split('id="review-categories"')[0]
    categories = html.split('id="review-categories"')[1].split('id="review-samples"')[0]
    samples = html.split('id="review-samples"')[1]
    assert "AS64500" in enrichment and "NL" in enrichment
    # It probed exploit paths: web app attack and hacking, by name and AbuseIPDB id.
    assert "Web app attack (21), Hacking (15)" in categories
    assert "/wp-login.php" in samples and "zgrab" in samples


def test_the_detail_shows_each_fact_once(admin_client: Client) -> None:
    """No raw fields or inlines repeating the review below it: the form edits status and note."""
    html = _detail(admin_client, offender("9.9.9.9"))

    assert 'name="status"' in html and 'name="note"' in html
    assert "field-banned_hits" not in html and "inline-group" not in html
    assert html.count("AS64500") == 1


def test_what_ripe_stat_did_not_say_is_shown_as_missing(admin_client: Client) -> None:
    row = offender("9.9.9.9")
    Enrichment.objects.filter(offender=row).update(holder=Enrichment.UNKNOWN, rir=Enrichment.UNKNOWN)
    bare = offender("8.8.8.8", enriched=False)

    html = _detail(admin_client, row)
    listing = admin_client.get("/admin/abuse/offender/").content.decode()

    # holder and RIR, and the prefix and abuse contact the factory never set
    assert ">unknown<" not in html and html.count("RIPE Stat did not say") == 4
    assert "Not looked up yet" in _detail(admin_client, bare)
    assert 'title="not looked up yet">—<' in listing


def test_the_list_shows_what_needs_review_unless_asked(admin_client: Client) -> None:
    offender("9.9.9.9")
    offender("8.8.8.8", Offender.Status.PENDING)
    offender("1.1.1.1", Offender.Status.REPORTED)
    offender("4.4.4.4", Offender.Status.DISMISSED)

    listing = admin_client.get("/admin/abuse/offender/").content.decode()
    everything = admin_client.get("/admin/abuse/offender/?status__exact=all").content.decode()

    assert "9.9.9.9" in listing and "8.8.8.8" in listing
    assert "1.1.1.1" not in listing and "4.4.4.4" not in listing
    assert "needs review (pending, staged) (2)" in listing
    assert "staged (enriched, ready to report) (1)" in listing
    assert "1.1.1.1" in everything and "4.4.4.4" in everything
    # Category names, and a status chip that says the short name.
    assert "Web app attack, Hacking, Bad web bot" in listing
    assert 'title="staged (enriched, ready to report)">staged<' in listing


def test_the_buttons_say_what_they_do(admin_client: Client, settings: Any) -> None:
    """Dismiss is an ordinary button; Submit (public, permanent) is the primary one and asks first."""
    settings.ABUSEIPDB_KEY = "a-key"
    html = _detail(admin_client, offender("9.9.9.9"))

    assert 'class="hub-button " data-action="dismiss"' in html
    assert 'data-action="submit_reports" data-confirm="Report 9.9.9.9 to AbuseIPDB?' in html
    assert "hub-danger" not in html.split('class="hub-review-actions"')[1].split("hub-review")[0]
    assert 'data-action="delete_selected"' not in html


def test_without_a_key_submit_says_so_instead_of_asking(admin_client: Client, settings: Any) -> None:
    settings.ABUSEIPDB_KEY = ""
    html = _detail(admin_client, offender("9.9.9.9"))

    assert 'data-action="submit_reports" aria-disabled="true" aria-describedby="abuseipdb-missing"' in html
    assert "Report 9.9.9.9 to AbuseIPDB?" not in html
    assert 'id="abuseipdb-missing"' in html and "ABUSEIPDB_KEY is not set" in html


def test_an_action_on_the_detail_returns_to_it(admin_client: Client) -> None:
    row = offender("9.9.9.9")
    page = f"/admin/abuse/offender/{row.pk}/change/"

    response = admin_client.post(
        "/admin/abuse/offender/", {"action": "dismiss", "_selected_action": [row.pk], "next": page}
    )

    assert response.status_code == 302 and response["Location"] == page
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.DISMISSED
    assert "1 offender(s) dismissed." in admin_client.get(page).content.decode()


def test_an_action_never_returns_to_another_site(admin_client: Client) -> None:
    row = offender("9.9.9.9")

    response = admin_client.post(
        "/admin/abuse/offender/",
        {"action": "dismiss", "_selected_action": [row.pk], "next": "https://evil.example/"},
    )

    assert response.status_code == 302 and response["Location"] == "/admin/abuse/offender/"


def test_a_known_good_address_is_marked_in_the_list_and_on_its_page(admin_client: Client) -> None:
    row = offender("9.9.9.9", Offender.Status.PENDING)
    offender("8.8.8.8", Offender.Status.PENDING)
    KnownGood.objects.create(network="9.9.9.9", last_seen=timezone.now())

    listing = admin_client.get("/admin/abuse/offender/").content.decode()

    assert listing.count(">known good</span>") == 1
    assert "Never staged or reported: known good" in _detail(admin_client, row)
