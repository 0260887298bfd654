"""Work as the people who decide it see it: a bus company's runs, a hotel's arrivals by hour.

Why: one bus run (粤B·D1001 23:09, 坪山社区, 22 people) was split over as many proposals as needs
it carried, each with its own accept, and 巴士集团's dispatcher had 106 to answer one by one. A
dispatcher thinks in runs — a bus leaving at a time, its stops with people, the hotel, the arrival —
and a hotel in arrivals per hour. This groups the proposals (and the work confirmed) that way, so
one decision answers a whole run or hour, however many needs it carries.

Plain code on plain dicts (the assignments' stored trips and rooms), no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

CITY = timezone(timedelta(hours=8))
ROOM_TYPES = ("standard", "family", "accessible")


@dataclass(frozen=True)
class Work:
    """One assignment as the grouping needs it."""
    id: str
    need_id: str
    status: str
    people: int
    trips: list[dict[str, Any]]
    room: Mapping[str, Any] | None
    must_answer: bool = False


@dataclass
class Stop:
    site: str
    at: str
    people: int = 0


@dataclass
class Run:
    bus: str
    operator: str
    start_at: str
    hotel: str
    arrive_at: str
    stops: list[Stop] = field(default_factory=list)
    assignment_ids: list[str] = field(default_factory=list)
    need_ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    to_answer: list[str] = field(default_factory=list)  # the caller must still answer these

    @property
    def key(self) -> str:
        return f"{self.bus}@{self.start_at}"

    @property
    def people(self) -> int:
        return sum(s.people for s in self.stops)


@dataclass
class Arrival:
    hotel: str
    hour: str  # local (UTC+8) "2026-12-07T23:00"
    people: int = 0
    rooms: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROOM_TYPES, 0))
    assignment_ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    to_answer: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.hotel}@{self.hour}"


def runs(work: Iterable[Work], operator: str | None) -> list[Run]:
    """Bus runs (one per bus and start), earliest first; `operator` keeps one company's (None: all).
    A run's stops count each need's people once, whichever of its assignments carries the trip."""
    out: dict[tuple[str, str], Run] = {}
    seen: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for w in work:
        for t in w.trips or []:
            if operator is not None and t.get("operator") != operator:
                continue
            key = (t.get("bus", ""), t.get("start_at") or "")
            r = out.get(key)
            if r is None:
                r = out[key] = Run(bus=key[0], operator=t.get("operator", ""), start_at=key[1],
                                   hotel=t.get("hotel", ""), arrive_at=t.get("arrive_at") or "")
                seen[key] = set()
            for s in t.get("stops") or []:
                stop = next((x for x in r.stops if x.site == s.get("site") and x.at == s.get("at")), None)
                if stop is None:
                    stop = Stop(site=s.get("site", ""), at=s.get("at") or "")
                    r.stops.append(stop)
                for ld in s.get("load") or []:
                    mark = (stop.site, ld.get("need", ""))
                    if mark not in seen[key]:
                        seen[key].add(mark)
                        stop.people += int(ld.get("people", 0))
            if w.id not in r.assignment_ids:
                r.assignment_ids.append(w.id)
                r.statuses.append(w.status)
                if w.need_id not in r.need_ids:
                    r.need_ids.append(w.need_id)
                if w.must_answer:
                    r.to_answer.append(w.id)
    for r in out.values():
        r.stops.sort(key=lambda s: s.at)
    return sorted(out.values(), key=lambda r: (r.start_at, r.bus))


def hour_of(instant: str) -> str:
    """The local hour an ISO instant falls in ("2026-12-07T23:00")."""
    t = datetime.fromisoformat(instant)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(CITY).strftime("%Y-%m-%dT%H:00")


def arrival_of(w: Work) -> str:
    """When the people of an assignment reach the hotel: its last trip's arrival."""
    times = [str(t["arrive_at"]) for t in w.trips or [] if t.get("arrive_at")]
    return max(times) if times else ""


def arrivals(work: Iterable[Work], operator: str | None) -> list[Arrival]:
    """A hotel operator's arrivals per hotel and local hour, earliest first."""
    out: dict[tuple[str, str], Arrival] = {}
    for w in work:
        room = w.room or {}
        if not room or (operator is not None and room.get("operator") != operator):
            continue
        at = arrival_of(w)
        key = (room.get("hotel", ""), hour_of(at) if at else "")
        a = out.get(key) or out.setdefault(key, Arrival(hotel=key[0], hour=key[1]))
        a.people += w.people
        for t in ROOM_TYPES:
            a.rooms[t] += int(room.get(t, 0) or 0)
        a.assignment_ids.append(w.id)
        a.statuses.append(w.status)
        if w.must_answer:
            a.to_answer.append(w.id)
    return sorted(out.values(), key=lambda a: (a.hour, a.hotel))
