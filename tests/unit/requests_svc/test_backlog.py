"""The matching-backlog watch: intake closes above `high_s`, opens below `low_s` (hysteresis),
ignores needs older than its window and any backlog while the relay cannot publish — also when the
relay's own flag still says "connected" but the outbox has stopped draining (the broker died under a
connected producer; another replica's relay is frozen): intake pauses only when matching is behind."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from baolei_common.events import utcnow
from baolei_requests.adapters import db
from baolei_requests.adapters.models import Need, Outbox, Site
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


def add_unsent(sessions, age_s: float, sent: bool = False) -> int:
    at = utcnow() - timedelta(seconds=age_s)
    with sessions.begin() as x:
        row = Outbox(topic="baolei.needs.v1", key="N", payload=b"x", created_at=at, sent_at=at if sent else None)
        x.add(row)
        x.flush()
        return row.id


def test_a_stalled_outbox_keeps_intake_open_and_the_wait_counts_from_its_end(sessions):
    b = Backlog(sessions, lambda: True, high_s=10, low_s=5, stall_s=3)
    add_unsent(sessions, 60, sent=True)       # published long ago: no stall
    add_need(sessions, "N-1", 30)             # waits 30 s, published, no outcome: matching behind
    b.refresh()
    assert b.closed and not b.stalled
    row = add_unsent(sessions, 20)            # an event unsent for 20 s: publication stalled
    b.refresh()
    assert b.stalled and not b.closed and b.delay_s == 0
    add_need(sessions, "N-2", 40)
    b.refresh()
    assert b.stalled and not b.closed       # however long the outage, intake stays open
    with sessions.begin() as x:             # the broker is back: the outbox drains
        x.get(Outbox, row).sent_at = utcnow()
    b.refresh()
    assert not b.stalled and not b.closed and b.delay_s < 2   # counted from the stall's end, not creation


def test_a_relay_behind_but_publishing_is_no_stall(sessions):
    """A surge: the oldest unsent row is 5 s old, but rows went out a moment ago — matching is judged."""
    b = Backlog(sessions, lambda: True, high_s=10, low_s=5, stall_s=3)
    add_unsent(sessions, 5)
    add_unsent(sessions, 0.2, sent=True)
    add_need(sessions, "N-1", 12)
    b.refresh()
    assert not b.stalled and b.closed


def test_a_young_unsent_row_is_not_a_stall(sessions):
    b = Backlog(sessions, lambda: True, high_s=10, low_s=5, stall_s=3)
    add_unsent(sessions, 0.5)                 # the relay's normal sub-second delay
    add_need(sessions, "N-1", 12)
    b.refresh()
    assert not b.stalled and b.closed
