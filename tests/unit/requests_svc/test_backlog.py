"""The matching-backlog watch: intake closes above `high_s`, opens below `low_s` (hysteresis),
ignores needs older than its window and any backlog while the relay cannot publish."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from baolei_common.events import utcnow
from baolei_requests.adapters import db
from baolei_requests.adapters.models import Need, Site
from baolei_requests.service.backlog import Backlog


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/r.db"
    db.migrate(url)
    s = db.make_sessions(db.make_engine(url))
    with s.begin() as x:
        x.execute(insert(Site), [dict(id="c-1", name="社区", lat=22.5, lon=114.0)])
    return s


def add_need(sessions, need_id: str, age_s: float, status: str = "submitted") -> None:
    at = utcnow() - timedelta(seconds=age_s)
    with sessions.begin() as x:
        x.execute(insert(Need), [dict(id=need_id, kind="transfer", site_id="c-1", priority=3, status=status,
                                      due_at=at + timedelta(hours=4), created_at=at, updated_at=at,
                                      people=2, rooms={}, lines=[], vulnerabilities=[])])


def test_closes_above_high_and_opens_only_below_low(sessions):
    connected = {"v": True}
    b = Backlog(sessions, lambda: connected["v"], high_s=10, low_s=5)
    add_need(sessions, "N-old-proposed", 30, status="proposed")   # has an outcome: not waiting
    add_need(sessions, "N-ancient", 600)                          # outside the window: not counted
    b.refresh()
    assert not b.closed and b.delay_s == 0
    add_need(sessions, "N-1", 12)
    b.refresh()
    assert b.closed and 11 < b.delay_s < 20
    connected["v"] = False   # broker gone: the outbox absorbs it, intake stays open
    b.refresh()
    assert not b.closed and b.delay_s == 0
    connected["v"] = True
    b.refresh()
    assert b.closed
    with sessions.begin() as x:
        x.get(Need, "N-1").status = "proposed"
    add_need(sessions, "N-2", 7)             # between low and high: stays closed (hysteresis)
    b.refresh()
    assert b.closed
    with sessions.begin() as x:
        x.get(Need, "N-2").status = "unmet"
    add_need(sessions, "N-3", 1)
    b.refresh()
    assert not b.closed and b.delay_s < 5
