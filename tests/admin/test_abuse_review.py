"""Abuse review: an offender's evidence side by side, and the actions on it from its own page."""

from __future__ import annotations

import pytest
from django.test import Client

from abuse.models import Offender
from tests.abuse.factories import offender

pytestmark = pytest.mark.django_db


def test_the_detail_shows_enrichment_categories_and_samples_together(admin_client: Client) -> None:
    row = offender("9.9.9.9")

    html = admin_client.get(f"/admin/abuse/offender/{row.pk}/change/").content.decode()

    enrichment = html.split('id="review-enrichment"')[1].split('id="review-categories"')[0]
    categories = html.split('id="review-categories"')[1].split('id="review-samples"')[0]
    samples = html.split('id="review-samples"')[1]
    assert "AS64500" in enrichment and "NL" in enrichment
    assert "21, 15" in categories  # web app attack, hacking: it probed exploit paths
    assert "/wp-login.php" in samples and "zgrab" in samples


def test_a_button_on_the_detail_dismisses_the_offender(admin_client: Client) -> None:
    row = offender("9.9.9.9")
    html = admin_client.get(f"/admin/abuse/offender/{row.pk}/change/").content.decode()
    assert 'data-action="dismiss"' in html and 'data-action="delete_selected"' not in html

    admin_client.post("/admin/abuse/offender/", {"action": "dismiss", "_selected_action": [row.pk]})

    assert Offender.objects.get(pk=row.pk).status == Offender.Status.DISMISSED


def test_the_list_counts_offenders_per_status(admin_client: Client) -> None:
    offender("9.9.9.9")
    offender("8.8.8.8", Offender.Status.PENDING)

    html = admin_client.get("/admin/abuse/offender/").content.decode()

    assert "staged (enriched, ready to report) (1)" in html
