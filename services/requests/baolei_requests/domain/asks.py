"""Asks for capacity: who is best placed to relieve an unmet cause, what the ask says, and what an
answer changes.

Why: the attention panel said "请公交企业增派约 38 车次" and named no one, so the night stalled
until somebody phoned around. Here the system names the organisation best placed — for buses the
company with the nearest depot that has buses off shift or out of service (they can run at once),
else the nearest depot; for rooms the hotel with rooms out of use that takes the waiting risk
category, else a hotel that could take it, else the nearest that takes it and could add rooms —
and the ask carries the matcher's figures ("约缺 38 车次", "缺 20 间"). For staples (调拨物资) the
supply group whose warehouse covers most of what is short, nearest first ("缺 大米 120 袋").

Plain code, no I/O: the service and the presenters hand in what they read.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

BUS_KINDS = ("add_buses", "extend_shifts")
ROOM_KINDS = ("open_rooms", "accept_risk")
STOCK_KINDS = ("move_stock",)
KINDS = BUS_KINDS + ROOM_KINDS + STOCK_KINDS
KIND_NAMES: dict[str, tuple[str, str]] = {
    "add_buses": ("增派车辆", "more buses"), "extend_shifts": ("延长班次", "longer shifts"),
    "open_rooms": ("开放房间", "open rooms"), "accept_risk": ("接收", "take"),
    "move_stock": ("调拨物资", "move stock"),
}
RISK_NAMES: dict[str, tuple[str, str]] = {"close_contact": ("密接", "close contacts"),
                                          "secondary_contact": ("次密接", "secondary contacts"),
                                          "inbound": ("入境人员", "inbound travellers")}
ROOM_TYPES = ("standard", "family", "accessible")


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


def distance_km(a: Point, b: Point) -> float:
    """Straight-line distance (equirectangular: exact enough within a city)."""
    x = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    y = math.radians(b.lat - a.lat)
    return 6371.0 * math.hypot(x, y)


def centre(points: Iterable[Point]) -> Point | None:
    pts = list(points)
    if not pts:
        return None
    return Point(sum(p.lat for p in pts) / len(pts), sum(p.lon for p in pts) / len(pts))


@dataclass(frozen=True)
class BusAt:
    """A bus as the choice sees it: its company, depot and whether it could run more now."""
    operator: str
    depot_id: str
    depot_name: str
    depot: Point
    in_service: bool
    shift_end: datetime


@dataclass(frozen=True)
class HotelAt:
    hotel_id: str
    name: str
    operator: str
    where: Point
    accepts: frozenset[str]
    out_of_use: dict[str, int]
    open: bool


@dataclass(frozen=True)
class Option:
    """One organisation the command center could ask, best first."""
    kind: str
    organisation: str
    resource_id: str
    resource_name: str
    km: float
    spare: int  # buses off shift or out of service; rooms out of use of the types asked
    why_zh: str
    why_en: str
    risk: str = ""


@dataclass(frozen=True)
class Figures:
    """The matcher's figures an ask carries."""
    trips: int = 0
    rooms: int = 0
    people: int = 0
    rooms_by_type: dict[str, int] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)  # staples short: quantity per SKU

    def as_dict(self) -> dict[str, int | dict[str, int]]:
        return {"trips": self.trips, "rooms": self.rooms, "people": self.people,
                "rooms_by_type": dict(self.rooms_by_type), "stock": dict(self.stock)}


def bus_options(buses: Iterable[BusAt], where: Point | None, until: datetime) -> list[Option]:
    """One option per bus company, its best depot: depots with buses off shift before `until` (the
    latest a waiting need is due) or out of service first — they can run more at once — nearest
    first; then the nearest depot of a company with none spare (it would add buses)."""
    depots: dict[tuple[str, str], list[BusAt]] = {}
    for b in buses:
        depots.setdefault((b.operator, b.depot_id), []).append(b)
    best: dict[str, Option] = {}
    for (org, _), fleet in depots.items():
        d = fleet[0]
        ending = sum(1 for b in fleet if b.in_service and b.shift_end < until)
        stopped = sum(1 for b in fleet if not b.in_service)
        km = distance_km(where, d.depot) if where else 0.0
        if ending:
            kind, zh, en = "extend_shifts", f"{d.depot_name}有 {ending} 辆车班次在需求截止前结束", \
                f"{d.depot_name}: {ending} bus(es) end their shift before the needs are due"
        elif stopped:
            kind, zh, en = "add_buses", f"{d.depot_name}有 {stopped} 辆车停运", \
                f"{d.depot_name}: {stopped} bus(es) out of service"
        else:
            kind, zh, en = "add_buses", f"{d.depot_name}距待转运地点最近", f"{d.depot_name} is nearest"
        o = Option(kind, org, d.depot_id, d.depot_name, round(km, 1), ending + stopped,
                   f"{zh}（约 {km:.0f} 公里）", f"{en} (about {km:.0f} km)")
        if org not in best or _bus_rank(o) < _bus_rank(best[org]):
            best[org] = o
    return sorted(best.values(), key=_bus_rank)


def _bus_rank(o: Option) -> tuple[int, float, str]:
    return (0 if o.spare else 1, o.km, o.organisation)


def room_options(hotels: Iterable[HotelAt], risks: set[str], kinds: tuple[str, ...],
                 where: Point | None) -> list[Option]:
    """One option per hotel: with rooms out of use of the types asked that takes the waiting risk
    (most rooms first), then one that could take the risk (open, not taking it yet), then any that
    takes it (it would add rooms); nearest first within each."""
    out: list[tuple[int, Option]] = []
    risk = sorted(risks)[0] if risks else ""
    for h in hotels:
        km = distance_km(where, h.where) if where else 0.0
        spare = sum(h.out_of_use.get(t, 0) for t in kinds)
        takes = bool(risks & h.accepts) if risks else True
        far_zh, far_en = f"（约 {km:.0f} 公里）", f" (about {km:.0f} km)"
        if not h.open:
            continue
        if takes and spare:
            tier, kind = 0, "open_rooms"
            zh, en = f"{h.name}有 {spare} 间停用房间", f"{h.name} has {spare} room(s) out of use"
        elif not takes:
            tier, kind = 1, "accept_risk"
            rz, re_ = RISK_NAMES.get(risk, (risk, risk))
            zh, en = f"{h.name}尚未接收{rz}", f"{h.name} does not take {re_} yet"
        else:
            tier, kind = 2, "open_rooms"
            zh, en = f"{h.name}接收此类人员，可新增房间", f"{h.name} takes them and could add rooms"
        out.append((tier, Option(kind, h.operator, h.hotel_id, h.name, round(km, 1), spare, zh + far_zh,
                                 en + far_en, risk)))
    out.sort(key=lambda x: (x[0], -x[1].spare, x[1].km, x[1].resource_id))
    return [o for _, o in out]


@dataclass(frozen=True)
class WarehouseAt:
    """A warehouse as the choice of whom to ask for staples sees it: what it has available now."""
    warehouse_id: str
    name: str
    organisation: str
    where: Point
    available: dict[str, int]


Amount = Callable[[str, int], tuple[str, str]]  # (sku, quantity) -> ("大米 120 袋", "120 bags of rice")


def stock_options(warehouses: Iterable[WarehouseAt], short: dict[str, int], where: Point | None,
                  amount: Amount) -> list[Option]:
    """One option per supply group, its best warehouse: the one whose available stock covers most of
    what is short (it can move or release it at once), nearest first; then a group with none of it
    (it would receive new stock), nearest first. `spare` is the quantity covered."""
    best: dict[str, Option] = {}
    for w in warehouses:
        km = distance_km(where, w.where) if where else 0.0
        has = {k: min(w.available.get(k, 0), q) for k, q in short.items() if w.available.get(k, 0) > 0}
        covered = sum(has.values())
        far_zh, far_en = f"（约 {km:.0f} 公里）", f" (about {km:.0f} km)"
        if covered:
            parts = [amount(k, w.available[k]) for k in sorted(has)]
            zh = f"{w.name}有 {'、'.join(p[0] for p in parts)}"
            en = f"{w.name} has {', '.join(p[1] for p in parts)}"
        else:
            zh, en = f"{w.name}距需求最近，可新到货入库", f"{w.name} is nearest and could receive new stock"
        o = Option("move_stock", w.organisation, w.warehouse_id, w.name, round(km, 1), covered, zh + far_zh,
                   en + far_en)
        if w.organisation not in best or _stock_rank(o) < _stock_rank(best[w.organisation]):
            best[w.organisation] = o
    return sorted(best.values(), key=_stock_rank)


def _stock_rank(o: Option) -> tuple[int, float, str]:
    return (-o.spare, o.km, o.organisation)


def stock_text(short: dict[str, int], amount: Amount) -> tuple[str, str]:
    """"大米 120 袋、食用油 30 桶" / "120 bags of rice, 30 bottles of oil" (never added across staples)."""
    parts = [amount(k, q) for k, q in sorted(short.items()) if q > 0]
    return "、".join(p[0] for p in parts), ", ".join(p[1] for p in parts)


def ask_text(kind: str, figures: Figures, risk: str, resource_name: str,
             stock: tuple[str, str] = ("", "")) -> tuple[str, str]:
    """What the ask says, with the figures: "增派车辆：约缺 38 车次，828 人待转运（巴士集团福田车场）",
    "调拨物资：缺 大米 120 袋（食品物资集团福田仓）" (`stock`: stock_text of the staples short)."""
    name_zh, name_en = KIND_NAMES[kind]
    at_zh, at_en = (f"（{resource_name}）", f" ({resource_name})") if resource_name else ("", "")
    if kind in STOCK_KINDS:
        return f"{name_zh}：缺 {stock[0]}{at_zh}", f"{name_en.capitalize()}: short of {stock[1]}{at_en}"
    if kind in BUS_KINDS:
        return (f"{name_zh}：约缺 {figures.trips} 车次，{figures.people} 人待转运{at_zh}",
                f"{name_en.capitalize()}: about {figures.trips} trip(s) short, {figures.people} people to move{at_en}")
    rz, re_ = RISK_NAMES.get(risk, (risk, risk))
    if kind == "accept_risk":
        return (f"{name_zh}{rz}：缺 {figures.rooms} 间{at_zh}",
                f"{name_en.capitalize()} {re_}: {figures.rooms} room(s) short{at_en}")
    return (f"{name_zh}：缺 {figures.rooms} 间（{rz}）{at_zh}",
            f"{name_en.capitalize()}: {figures.rooms} room(s) short ({re_}){at_en}")


def kind_fits(kind: str, organisation_kind: str) -> bool:
    """Bus asks go to bus companies, room asks to hotel operators, stock asks to supply groups."""
    return (kind in BUS_KINDS and organisation_kind == "bus") or (kind in ROOM_KINDS and organisation_kind == "hotel") \
        or (kind in STOCK_KINDS and organisation_kind == "supply")


@dataclass(frozen=True)
class Placed:
    """An assignment as the "what it unlocked" count sees it."""
    proposed_at: datetime
    live: bool  # proposed, confirmed, under way, arriving or done (not released)
    people: int
    resources: frozenset[str]  # "bus:<id>", "hotel:<id>", "warehouse:<id>"


def unlocked(resources: Iterable[str], answered_at: datetime, placed: Iterable[Placed],
             count_needs: bool = False) -> int:
    """People (or, for staples, needs) matched, since the answer, onto what the answer added or changed."""
    mine = set(resources)
    return sum(1 if count_needs else p.people for p in placed
               if p.live and p.proposed_at >= answered_at and p.resources & mine)
