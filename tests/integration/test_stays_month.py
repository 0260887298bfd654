"""A month of hotel stays through the requests service's use cases on PostgreSQL, and the matcher's
state fed the events they wrote: arrivals (some fewer than the bus brought), departures of whole
stays and of some of their people, everyone due today at once, extensions of some or all, and the
cleaning after each departure. After every day, every hotel's guests, rooms in use and rooms being
cleaned on the occupancy API are checked against the arrivals and departures so far; at the end
the matcher, folding the outbox's events as it reads them from the log, counts the same rooms in
use at every hotel and never a free count below zero."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from baolei_common.identity import Principal
from baolei_common.rooms import Rooms
from baolei_events.v1 import assignments_pb2
from baolei_matcher.adapters import codec as matcher_codec
from baolei_matcher.domain.entities import Hold
from baolei_matcher.domain.state import MatcherState
from baolei_requests.adapters import codec as requests_codec
from baolei_requests.adapters.db import make_engine, make_sessions, migrate
from baolei_requests.adapters.models import Assignment, AuditEntry, Hotel, Need, Outbox, Site, Stay
from baolei_requests.api.presenters.occupancy import end_of_day, occupancy
from baolei_requests.domain.stays import StayRules, leave
from baolei_requests.service import stays, transitions
from baolei_requests.service.sql_uow import SqlUnitOfWork

pytestmark = pytest.mark.integration
OP = Principal(user="指挥部值班员", role="operator", organisation="指挥部")
RULES = StayRules({"close_contact": 7.0, "secondary_contact": 5.0, "inbound": 7.0}, cleaning_hours=4.0)
HOTELS = {f"H{i}": Rooms(standard=12 + 3 * i, family=i % 3) for i in range(6)}


def city(sessions) -> None:
    with sessions.begin() as s:
        s.add(Site(id="c1", name="莲花北社区", district="福田", lat=22.55, lon=114.05, organisation="莲花街道"))
        s.add(Site(id="hs", name="隔离酒店", district="福田", lat=22.53, lon=114.05))
        for hid, rooms in HOTELS.items():
            s.add(Hotel(id=hid, name=f"酒店{hid}", operator="投控公司", site_id="hs",
                        accepts=["close_contact", "secondary_contact"], rooms=rooms.as_dict()))


class Truth:
    """Guests and rooms per hotel from the arrivals and departures alone."""

    def __init__(self) -> None:
        self.people = {h: 0 for h in HOTELS}
        self.rooms = {h: Rooms() for h in HOTELS}
        self.stays: dict[str, tuple[str, Rooms, int]] = {}  # stay id -> hotel, rooms, people
        self.cleaning: list[tuple[str, datetime, Rooms]] = []

    def cleaning_at(self, hotel: str, t: datetime) -> int:
        return sum(r.total() for h, end, r in self.cleaning if h == hotel and end > t)

    def left(self, sid: str, n: int, t: datetime) -> None:
        hotel, rooms, people = self.stays[sid]
        staying, back = leave(rooms, people, n)
        self.people[hotel] -= n
        self.rooms[hotel] = self.rooms[hotel] - back
        self.cleaning.append((hotel, t + timedelta(hours=RULES.cleaning_hours), back))
        if people > n:
            self.stays[sid] = (hotel, staying, people - n)
        else:
            del self.stays[sid]


def arrive(sessions, truth: Truth, rng: random.Random, n: int, t: datetime) -> None:
    hotel = rng.choice(sorted(HOTELS))
    free = HOTELS[hotel] - truth.rooms[hotel]
    want = Rooms(standard=rng.randint(1, 3), family=1 if rng.random() < 0.2 else 0)
    if any(k < 0 for k in free - want) or sum(free) - truth.cleaning_at(hotel, t) < want.total():
        return
    brought = want.standard + 2 * want.family
    aid = f"A{n:05d}"
    with sessions.begin() as s:
        s.add(Need(id=f"N{n:05d}", kind="transfer", site_id="c1", organisation="莲花街道", priority=2,
                   risk=rng.choice(["close_contact", "secondary_contact"]), people=brought, rooms=want.as_dict(),
                   ready_at=t, due_at=t + timedelta(hours=3), status="under_way"))
        s.add(Assignment(id=aid, need_id=f"N{n:05d}", kind="transfer", status="arriving", people=brought,
                         organisations=["投控公司"], delivered=brought,
                         room={"hotel": hotel, "operator": "投控公司", **want.as_dict()}))
    arrived = brought if rng.random() < 0.85 else rng.randint(1, brought)
    transitions.arrive(SqlUnitOfWork(sessions), OP, aid, arrived, rules=RULES)
    with sessions.begin() as s:  # the use case stamps the real clock; this month runs on its own
        st = s.get(Stay, aid)
        st.arrived_at, st.stay_until = t, RULES.ends(t, st.risk)
    kept = want.kept_after(arrived)
    truth.people[hotel] += arrived
    truth.rooms[hotel] = truth.rooms[hotel] + kept
    truth.stays[aid] = (hotel, kept, arrived)


def staying(sessions) -> list[Stay]:
    with sessions() as s:
        return list(s.scalars(select(Stay).where(Stay.status == "staying").order_by(Stay.id)))


def test_a_month_of_stays_keeps_every_hotels_occupancy_exact(pg_database):
    migrate(pg_database)
    sessions = make_sessions(make_engine(pg_database))
    city(sessions)
    rng, truth = random.Random(18), Truth()
    t = datetime.now(timezone.utc)
    start, day, n, checks = t, t, 0, 0
    while t < start + timedelta(days=30):
        t += timedelta(minutes=rng.randint(20, 120))
        roll = rng.random()
        here = staying(sessions)
        if roll < 0.5:
            n += 1
            arrive(sessions, truth, rng, n, t)
        elif roll < 0.8 and here:  # some or all of a stay leave
            st = rng.choice(here)
            k = st.people if rng.random() < 0.6 else rng.randint(1, st.people)
            stays.depart(SqlUnitOfWork(sessions), OP, st.hotel_id, [stays.Leaving(st.id, k)], None, t, RULES)
            truth.left(st.id, k, t)
        elif roll < 0.9 and here:  # everyone due today at one hotel leaves
            hotel = rng.choice(sorted({x.hotel_id for x in here}))
            due = [x for x in here if x.hotel_id == hotel and x.stay_until.replace(tzinfo=timezone.utc)
                   <= end_of_day(t)]
            done = stays.depart(SqlUnitOfWork(sessions), OP, hotel, [], end_of_day(t), t, RULES)
            assert (done.stays, done.people) == (len(due), sum(x.people for x in due))
            for x in due:
                truth.left(x.id, x.people, t)
        elif here:  # someone stays longer: all of a stay, or some of it (it splits)
            st = rng.choice(here)
            some = rng.randint(1, st.people - 1) if st.people > 1 and rng.random() < 0.5 else None
            changed = stays.extend(SqlUnitOfWork(sessions), OP, st.id, t + timedelta(days=3), some, "复检", t, RULES)
            hotel, _, people = truth.stays.pop(st.id)
            for x in changed:
                truth.stays[x.id] = (hotel, Rooms.from_mapping(x.rooms), x.people)
            assert sum(x.people for x in changed) == people
        if t - day >= timedelta(days=1):  # every day: each hotel's count against the arrivals and departures
            day = t
            checks += 1
            with sessions() as s:
                rows = {r["id"]: r for r in occupancy(s, OP, t, 72, RULES)["hotels"]}
            for hid in HOTELS:
                r = rows[hid]
                assert (r["people"], r["occupied"], r["cleaning"]) == (
                    truth.people[hid], truth.rooms[hid].total(), truth.cleaning_at(hid, t)), (hid, t)
                assert r["free"] >= 0 and r["over"] == 0
    assert checks >= 29 and n > 200 and sum(truth.people.values()) > 0
    with sessions() as s:  # every change audited
        actions = Counter(s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("stay.%"))))
    assert actions["stay.begin"] > 150 and actions["stay.left"] > 100 and actions["stay.extend"] > 20, actions

    # the matcher, fed what the outbox holds (as the relay publishes it), counts the same rooms
    m = MatcherState()
    for hid in HOTELS:
        m.hotels[hid] = matcher_codec.hotel(requests_codec.hotel_rooms(_hotel(sessions, hid)))
    with sessions() as s:
        events = [assignments_pb2.AssignmentEvent.FromString(o.payload) for o in s.scalars(select(Outbox)
                                                                                          .order_by(Outbox.id))]
        rooms_of = {a.id: a.room for a in s.scalars(select(Assignment))}
    for ev in events:
        which = ev.WhichOneof("event")
        if which == "released" and ev.released.assignment_id in rooms_of:
            r = ev.released
            room = rooms_of[r.assignment_id]
            m.add_hold(Hold(r.assignment_id, r.need_id, "confirmed", room["hotel"], Rooms.from_mapping(room)))
            m.release(r.assignment_id, r.reason, matcher_codec.delivered(r))
        elif which == "stay":
            m.stay_changed(matcher_codec.stay(ev.stay))
    assert {h: m.rooms_taken.get(h, Rooms()).total() for h in HOTELS} == {h: truth.rooms[h].total() for h in HOTELS}
    assert all(all(k >= 0 for k in free) for free in m.rooms_free(t).values())


def _hotel(sessions, hid: str) -> Hotel:
    with sessions() as s:
        h = s.get(Hotel, hid)
        assert h is not None
        _ = h.site  # loaded for the codec
        return h
