"""Instants leave the requests service in UTC whatever zone they came in with, so the answer to a
POST (built from what was sent) and a later GET (read from the database) render them alike."""
from datetime import datetime, timedelta, timezone

from baolei_requests.adapters.codec import as_utc

CST = timezone(timedelta(hours=8))


def test_an_instant_sent_at_plus_eight_is_rendered_in_utc():
    sent = datetime(2026, 12, 2, 20, 0, tzinfo=CST)
    out = as_utc(sent)
    assert out == sent and out.utcoffset() == timedelta(0) and out.hour == 12


def test_a_naive_value_from_sqlite_is_utc_and_none_stays_none():
    assert as_utc(datetime(2026, 12, 2, 12, 0)) == datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    assert as_utc(None) is None
