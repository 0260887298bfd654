"""The scenario as the solver sees it: plain dataclasses, times in minutes after `now`.

`read_scenario` turns the JSON-able scenario of docs/volunteers-solve.md into these; it raises
ScenarioError naming the field for anything it cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from baolei_volunteers.domain.geo import Travel
from baolei_volunteers.domain.skills import Credentials
from baolei_volunteers.domain.tasks import TaskKind, is_remote, parse_kind
from baolei_volunteers.domain.vulnerability import rank
from baolei_volunteers.domain.zones import Place, parse_zone

DAY_MIN = 24 * 60.0


class ScenarioError(ValueError):
    """A scenario field that cannot be read; `field` names it."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.field = where
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Compound:
    id: str
    name: str
    place: Place
    street: str
    community: str
    lat: float
    lon: float


@dataclass(slots=True)
class Volunteer:
    index: int
    id: str
    name: str
    community: str
    home: Compound
    party_member: bool
    credentials: Credentials
    minutes: float
    mode: str
    t_from: float
    t_until: float
    buildings: frozenset[str]
    pairs: frozenset[str]

    @property
    def lat(self) -> float:
        return self.home.lat

    @property
    def lon(self) -> float:
        return self.home.lon


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    community: str
    compound: Compound
    building: str
    unit: str
    floor: str
    lat: float
    lon: float
    marks: tuple[str, ...]
    rank: int

    @property
    def building_key(self) -> str:
        return f"{self.compound.id}/{self.building}"


@dataclass(slots=True)
class Task:
    index: int
    id: str
    household: Household
    kind: TaskKind
    remote: bool
    earliest: float
    deadline: float | None
    duration: float
    raised: float
    claimed_by: str | None
    excluded: frozenset[str]

    @property
    def rank(self) -> int:
        return self.household.rank


@dataclass(slots=True)
class Scenario:
    now: datetime
    travel: Travel
    compounds: dict[str, Compound]
    volunteers: list[Volunteer]
    households: dict[str, Household]
    tasks: list[Task]
    by_volunteer_id: dict[str, Volunteer] = field(default_factory=dict)

    def iso(self, minutes: float) -> str:
        return (self.now + timedelta(minutes=minutes)).isoformat(timespec="seconds")

    def hhmm(self, minutes: float) -> str:
        return (self.now + timedelta(minutes=minutes)).strftime("%H:%M")


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ScenarioError(where, f"not an ISO 8601 time: {value!r}")
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise ScenarioError(where, f"not an ISO 8601 time: {value!r}") from None
    if t.tzinfo is None:
        raise ScenarioError(where, f"a time without an offset: {value!r}")
    return t


def _num(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(where, f"not a number: {value!r}")
    return float(value)


def _req(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise ScenarioError(f"{where}.{key}", "missing")
    return raw[key]


def read_scenario(raw: dict[str, Any]) -> Scenario:
    now = _time(_req(raw, "now", "scenario"), "now")

    def rel(value: Any, where: str, default: float) -> float:
        if value is None:
            return default
        return (_time(value, where) - now).total_seconds() / 60.0

    travel_raw = raw.get("travel")
    travel = Travel.from_dict(travel_raw if isinstance(travel_raw, dict) else None)
    compounds: dict[str, Compound] = {}
    for i, c in enumerate(raw.get("compounds", [])):
        w = f"compounds[{i}]"
        try:
            zone = parse_zone(str(_req(c, "zone", w)))
        except ValueError as exc:
            raise ScenarioError(f"{w}.zone", str(exc)) from None
        cid = str(_req(c, "id", w))
        compounds[cid] = Compound(
            cid, str(c.get("name") or cid), Place(cid, zone, str(c.get("district", ""))),
            str(c.get("street", "")), str(c.get("community", "")),
            _num(_req(c, "lat", w), f"{w}.lat"), _num(_req(c, "lon", w), f"{w}.lon"),
        )

    def compound(cid: Any, where: str) -> Compound:
        found = compounds.get(str(cid))
        if found is None:
            raise ScenarioError(where, f"unknown compound {cid!r}")
        return found

    volunteers: list[Volunteer] = []
    for i, v in enumerate(raw.get("volunteers", [])):
        w = f"volunteers[{i}]"
        skills: set[TaskKind] = set()
        for j, s in enumerate(v.get("skills", [])):
            try:
                skills.add(parse_kind(str(s)))
            except ValueError as exc:
                raise ScenarioError(f"{w}.skills[{j}]", str(exc)) from None
        home = compound(_req(v, "compound_id", w), f"{w}.compound_id")
        volunteers.append(Volunteer(
            index=i, id=str(_req(v, "id", w)), name=str(v.get("name") or v["id"]),
            community=str(v.get("community") or home.community), home=home,
            party_member=bool(v.get("party_member", False)),
            credentials=Credentials(frozenset(skills), bool(v.get("health_check", False)),
                                    bool(v.get("nucleic_training", False)), bool(v.get("counselling_cert", False))),
            minutes=max(0.0, _num(v.get("minutes_left_today", 0), f"{w}.minutes_left_today")),
            mode="ebike" if v.get("mode") == "ebike" else "foot",
            t_from=max(0.0, rel(v.get("available_from"), f"{w}.available_from", 0.0)),
            t_until=rel(v.get("available_until"), f"{w}.available_until", DAY_MIN),
            buildings=frozenset(str(b) for b in v.get("buildings", [])),
            pairs=frozenset(str(h) for h in v.get("pairs", [])),
        ))
    households: dict[str, Household] = {}
    for i, h in enumerate(raw.get("households", [])):
        w = f"households[{i}]"
        home = compound(_req(h, "compound_id", w), f"{w}.compound_id")
        marks = tuple(str(m) for m in h.get("vulnerability", []))
        hid = str(_req(h, "id", w))
        households[hid] = Household(
            hid, str(h.get("community") or home.community), home, str(h.get("building", "")),
            str(h.get("unit", "")), str(h.get("floor", "")),
            _num(h.get("lat", home.lat), f"{w}.lat"), _num(h.get("lon", home.lon), f"{w}.lon"), marks, rank(marks),
        )
    tasks: list[Task] = []
    for i, t in enumerate(raw.get("tasks", [])):
        w = f"tasks[{i}]"
        hh = households.get(str(_req(t, "household_id", w)))
        if hh is None:
            raise ScenarioError(f"{w}.household_id", f"unknown household {t['household_id']!r}")
        try:
            kind = parse_kind(str(_req(t, "kind", w)))
        except ValueError as exc:
            raise ScenarioError(f"{w}.kind", str(exc)) from None
        deadline = t.get("deadline")
        claimed = t.get("claimed_by")
        tasks.append(Task(
            index=i, id=str(_req(t, "id", w)), household=hh, kind=kind,
            remote=is_remote(kind, bool(t.get("remote", False))),
            earliest=max(0.0, rel(t.get("earliest"), f"{w}.earliest", 0.0)),
            deadline=None if deadline is None else rel(deadline, f"{w}.deadline", 0.0),
            duration=max(0.0, _num(_req(t, "duration_min", w), f"{w}.duration_min")),
            raised=rel(t.get("raised_at"), f"{w}.raised_at", 0.0),
            claimed_by=None if claimed in (None, "") else str(claimed),
            excluded=frozenset(str(x) for x in t.get("excluded", [])),
        ))
    for name, ids in (("volunteers", [v.id for v in volunteers]), ("tasks", [t.id for t in tasks])):
        seen: set[str] = set()
        for i, one in enumerate(ids):
            if one in seen:
                raise ScenarioError(f"{name}[{i}].id", f"duplicate id {one!r}")
            seen.add(one)
    scenario = Scenario(now, travel, compounds, volunteers, households, tasks)
    scenario.by_volunteer_id = {v.id: v for v in volunteers}
    return scenario
