"""An in-memory unit of work for the requests service's use cases (cosmicpython's FakeUnitOfWork).

Rows are the service's own model objects, never attached to a session (a need's assignments and an
assignment's need are linked in memory by the relationship). Events staged for the outbox are kept
decoded, so a test reads what the matcher and the inventory would hear.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from baolei_common.events import utcnow
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Ask, Assignment, AuditEntry, Bus, Hotel, Need, Site, StandingRule
from baolei_requests.service.unit_of_work import Event, UnitOfWork


class FakeAssignments:
    def __init__(self, rows: dict[str, Assignment]) -> None:
        self.rows = rows

    def get(self, assignment_id: str, *, lock: bool = False) -> Assignment | None:
        return self.rows.get(assignment_id)

    def expired(self, now: datetime) -> Sequence[Assignment]:
        return [a for a in self.rows.values() if a.status == "proposed" and a.hold_expires_at is not None
                and as_utc(a.hold_expires_at) <= now]

    def waiting_transfers(self, *, besides: str) -> Sequence[Assignment]:
        return [a for a in self.rows.values() if a.status == "proposed" and a.kind == "transfer" and a.id != besides]

    def waiting_for(self, need_id: str) -> Sequence[Assignment]:
        return [a for a in self.rows.values() if a.need_id == need_id and a.status == "proposed"]

    def waiting(self) -> Sequence[Assignment]:
        return [a for a in self.rows.values() if a.status == "proposed"]


class FakeRows:
    def __init__(self, rows: dict[str, Any]) -> None:
        self.rows = rows

    def get(self, ident: str) -> Any:
        return self.rows.get(ident)

    def of_operator(self, operator: str) -> list[Any]:
        return [r for _, r in sorted(self.rows.items()) if r.operator == operator]

    def with_plate(self, plate: str) -> str | None:
        return next((k for k, r in sorted(self.rows.items()) if getattr(r, "plate", None) == plate), None)


class FakeRules:
    def __init__(self, rows: dict[str, StandingRule]) -> None:
        self.rows = rows

    def automatic(self) -> list[str]:
        return sorted(o for o, r in self.rows.items() if r.auto_confirm)


class FakeUnitOfWork(UnitOfWork):
    def __init__(self) -> None:
        self.assignments = FakeAssignments({})
        self.needs = FakeRows({})
        self.buses = FakeRows({})
        self.sites: dict[str, Site] = {}
        self.hotels: dict[str, Hotel] = {}
        self.asks: dict[str, Ask] = {}
        self.rules = FakeRules({})
        self.committed = False
        self.events: list[tuple[str, str, Event]] = []  # committed (topic, key, message)
        self.audited: list[AuditEntry] = []
        self._events: list[tuple[str, str, Event]] = []
        self._rows: list[Any] = []

    def commit(self) -> None:
        self.events += self._events
        self.audited += [r for r in self._rows if isinstance(r, AuditEntry)]
        self._events, self._rows = [], []
        self.committed = True

    def rollback(self) -> None:
        self._events, self._rows = [], []

    def get(self, model: type[Any], ident: str) -> Any:
        return self._table(model).get(ident)

    def _table(self, model: type[Any]) -> dict[str, Any]:
        return {Bus: self.buses.rows, Need: self.needs.rows, Assignment: self.assignments.rows, Site: self.sites,
                Hotel: self.hotels, Ask: self.asks, StandingRule: self.rules.rows}.get(model, {})

    def refresh(self, row: Any) -> None:
        """What the database's relationships would load: a bus's depot, a hotel's site."""
        if isinstance(row, Bus):
            row.depot = self.sites[row.depot_id]
        elif isinstance(row, Hotel):
            row.site = self.sites[row.site_id]

    def add(self, row: Any) -> None:
        self._rows.append(row)
        if isinstance(row, (Bus, Hotel, Ask)):
            self._table(type(row))[row.id] = row
        elif isinstance(row, StandingRule):
            self.rules.rows[row.organisation] = row

    def add_event(self, topic: str, key: str, message: Event) -> None:
        self._events.append((topic, key, message))

    def flush(self) -> None:
        pass

    # -- what a test sets up ------------------------------------------------------------------

    def need(self, need_id: str = "N-1", *, kind: str = "transfer", people: int = 6, lines: list | None = None,
             status: str = "proposed") -> Need:
        site = Site(id="S-1", name="莲花北社区", zone="sealed", lat=22.55, lon=114.05, organisation="福田区")
        need = Need(id=need_id, kind=kind, site_id=site.id, site=site, organisation="福田区", priority=1,
                    people=people if kind == "transfer" else 0, lines=lines or [], status=status, unmet_code="",
                    unmet_reason_zh="", unmet_reason_en="", assignments=[])
        self.needs.rows[need_id] = need
        return need

    def assignment(self, need: Need, assignment_id: str = "A-1", *, status: str = "proposed",
                   organisations: tuple[str, ...] = ("巴士集团", "投控公司"), people: int | None = None,
                   picks: list | None = None, expires_in_s: int = 900) -> Assignment:
        kind = need.kind
        a = Assignment(id=assignment_id, need_id=need.id, need=need, kind=kind, status=status,
                       organisations=list(organisations), accepted_by=[],
                       people=need.people if people is None else people,
                       trips=[{"bus": "B-1", "operator": "巴士集团"}] if kind == "transfer" else [],
                       room={"hotel": "H-1", "operator": "投控公司"} if kind == "transfer" else None,
                       picks=picks or [], delivered=0, hold_expires_at=utcnow() + timedelta(seconds=expires_in_s))
        self.assignments.rows[assignment_id] = a
        return a

    def bus(self, bus_id: str = "B-1", operator: str = "巴士集团") -> Bus:
        depot = Site(id="D-1", name="车场", zone="other", lat=22.5, lon=114.0, organisation=operator)
        now = utcnow()
        bus = Bus(id=bus_id, operator=operator, plate="粤B·12345", depot_id=depot.id, depot=depot, seats=45,
                  load_limit=0.5, shift_start=now, shift_end=now + timedelta(hours=8), turnaround_min=30,
                  state="in_service")
        self.buses.rows[bus_id] = bus
        self.sites[depot.id] = depot
        return bus

    def hotel(self, hotel_id: str = "H-1", operator: str = "投控公司", *, out_of_use: dict | None = None,
              accepts: tuple[str, ...] = ("close_contact",)) -> Hotel:
        site = Site(id=f"site-{hotel_id}", name="会展北", zone="other", lat=22.53, lon=114.05, organisation=operator)
        self.sites[site.id] = site
        h = Hotel(id=hotel_id, name="会展北", operator=operator, site_id=site.id, site=site, accepts=list(accepts),
                  rooms={"standard": 100, "family": 10, "accessible": 2}, out_of_use=dict(out_of_use or {}),
                  open_at=None, state="open")
        self.hotels[hotel_id] = h
        return h

    def kinds(self) -> list[str]:
        """The committed events, each as its topic and the name of its body (`released`, `confirmed` …)."""
        return [f"{topic}:{m.WhichOneof('event') if 'event' in m.DESCRIPTOR.oneofs_by_name else type(m).__name__}"
                for topic, _, m in self.events]
