"""The dashboard's 429 chart counts every refused request of the day, however many IPs sent them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from abuse.collector import Tally, write_batch
from abuse.models import RefusalDay

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_adds_each_flush_to_the_day_of_the_refusals() -> None:
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    write_batch({"198.51.100.1": Tally(now, now, refused=3), "198.51.100.2": Tally(now, now, refused=4)})
    write_batch({"198.51.100.1": Tally(now, now, refused=5), "198.51.100.3": Tally(yesterday, yesterday, 2)})

    by_day = dict(RefusalDay.objects.values_list("day", "refused"))
    assert by_day == {now.date(): 12, yesterday.date(): 2}
