"""The attention panel's counts made by the database (unmet_summary.summarise) agree with the same
counts made need by need in Python, on a city of unmet needs, holds and needs partly served by a
live assignment (SQLite in a file; the bench measures PostgreSQL too)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, selectinload

from baolei_requests.adapters.models import Assignment, Base, Need
from baolei_requests.api.presenters.attention import NEEDS_SHOWN, cause_of
from baolei_requests.api.presenters.labels import Names
from baolei_requests.api.presenters.shortfalls import BUS_CODES, city_shortfall
from baolei_requests.api.presenters.unmet_summary import group_needs, summarise
from bench.attention_bench import fill


def test_database_counts_agree_with_need_by_need_counts(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    Base.metadata.create_all(engine)
    now = datetime.now(timezone.utc)
    with Session(engine) as s:
        fill(s, 900, 150, seed=3)
        # some unmet needs partly served: a confirmed trip of part of the people and rooms, a done delivery
        for i, n in enumerate(s.scalars(select(Need).where(Need.status == "unmet").limit(12)).all()):
            n.people, n.rooms = 6, {"standard": 4, "family": 1}
            s.add(Assignment(id=f"A-live-{i}", need_id=n.id, kind="transfer", status="confirmed" if i % 2 else "done",
                             organisations=["巴士集团"], room={"hotel": "H-001", "standard": 2}, trips=[], people=2,
                             delivered=2 if i % 2 == 0 else 0, hold_expires_at=now + timedelta(minutes=5)))
        s.commit()
    with Session(engine) as s:
        names = Names.of(s)
        got = summarise(s, names, cause_of, BUS_CODES, NEEDS_SHOWN)
        needs = s.scalars(select(Need).where(Need.status == "unmet").options(selectinload(Need.assignments))
                          .order_by(Need.priority, Need.created_at)).unique().all()
        want = group_needs(list(needs), cause_of, NEEDS_SHOWN)
        assert set(got.groups) == set(want) and len(want) >= 3
        for cause, g in want.items():
            h = got.groups[cause]
            assert (h.count, h.codes, h.risks, h.remaining) == (g.count, g.codes, g.risks, g.remaining), cause
            assert [n.id for n in h.shown] == [n.id for n in g.shown]
        by_sql = city_shortfall(s, names, got.waiting, got.buses_short)
        by_need = city_shortfall(s, names, list(needs))
        assert by_sql == by_need and by_sql.people > 0 and by_sql.rooms_needed > 0
