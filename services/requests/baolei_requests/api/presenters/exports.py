"""Dispatch sheets: an organisation's bus trips, hotel check-ins and supply deliveries for one
Beijing day, for the printable sheet in the console and as CSV / XLSX.

A sheet is read by drivers, hotel front desks and community workers on paper, so it names things
the way they do: plates, community, hotel and warehouse names, 标准间 / 家庭房 / 无障碍房, 密接 /
次密接 / 入境人员, 大米 80 袋 — never ids or codes — in Chinese (English with lang="en"; place names
stay as registered). Each section has the columns its rows need: what was planned, what was
delivered (empty until reported, so it can be filled in by hand), and signature columns.

Only committed or proposed work appears (never released holds): confirmed work in each section,
proposals still waiting for an answer in a section of their own after it ("待确认方案（未确认，勿执行）"),
so nobody drives a trip no one confirmed. A trip shared by several needs
is one row (its stops count only the loads of needs whose assignment is live on this sheet).
Delivered figures come from the lifecycle: a bus's count is in the `assignment.done` audit entry
(and in `delivered` while the hotel has not confirmed), the hotel's confirmed count and time are the
assignment's `delivered` and `done_at` once it is done. A job's delivered total is spread over its
trips or picks in their order (exact when a job has one trip / one SKU or delivered everything).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common import skus
from baolei_common.citytime import CITY_TZ
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, AuditEntry, Bus, Hotel, Site
from baolei_requests.domain.lifecycle import ACTIVE

RISK = {"close_contact": ("密接", "close contact"), "secondary_contact": ("次密接", "secondary contact"),
        "inbound": ("入境人员", "inbound traveller")}
ROOMS = {"standard": ("标准间", "standard"), "family": ("家庭房", "family"), "accessible": ("无障碍房", "accessible")}
STATUS = {"proposed": ("待确认", "awaiting answers"), "confirming": ("确认中", "confirming"),
          "confirmed": ("已确认", "confirmed"), "under_way": ("执行中", "under way"),
          "arriving": ("待酒店确认入住", "awaiting arrival check"), "done": ("已完成", "done")}
UNIT_EN = {"bag": "bags", "bottle": "bottles", "kg": "kg", "tray": "trays", "case": "cases"}


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _cols(*spec: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*c) for c in spec)


SIGN_DRIVER = ("sign_driver", "司机签字", "Driver's signature")
SIGN_COMMUNITY = ("sign_community", "社区确认", "Community's signature")
SIGN_HOTEL = ("sign_hotel", "酒店签收", "Hotel's signature")
STATUS_COL = ("status", "状态", "Status")


@dataclass(frozen=True)
class Section:
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]


SECTIONS = (
    Section("trips", "转运车次", "Transfer trips", _cols(
        ("plate", "车牌", "Plate"), ("company", "车队", "Bus company"), ("start", "出发", "Departs"),
        ("pickups", "上车点（时间 · 人数）", "Pickups (time · people)"), ("hotel", "目的酒店", "Hotel"),
        ("arrive", "计划到达", "Due at hotel"), ("category", "人员类别", "Category"),
        ("planned", "计划人数", "People planned"), ("delivered", "实际送达", "Delivered"), STATUS_COL,
        SIGN_DRIVER, SIGN_COMMUNITY, SIGN_HOTEL)),
    Section("rooms", "隔离酒店入住", "Hotel check-in", _cols(
        ("hotel", "酒店", "Hotel"), ("from", "来自社区", "From"), ("category", "人员类别", "Category"),
        ("rooms", "房间", "Rooms"), ("planned", "计划人数", "People planned"), ("buses", "车辆", "Buses"),
        ("arrive", "预计到达", "Expected"), ("brought", "车辆送达", "Brought by bus"),
        ("delivered", "实际入住", "Checked in"), ("arrived_at", "入住确认时间", "Arrival confirmed"),
        STATUS_COL, SIGN_HOTEL)),
    Section("supplies", "物资配送", "Supply deliveries", _cols(
        ("warehouse", "发货仓库", "Warehouse"), ("company", "供应单位", "Supplier"), ("to", "送达社区", "Deliver to"),
        ("due", "最晚送达", "Due by"), ("item", "物资", "Item"), ("planned", "计划数量", "Planned"),
        ("delivered", "实际送达", "Delivered"), ("unit", "计量单位", "Unit"), STATUS_COL,
        SIGN_DRIVER, SIGN_COMMUNITY)),
)
PROPOSED_SUFFIX = "_proposed"  # a section's proposals: "trips_proposed", ...
PROPOSED_TITLE = ("（待确认方案，未确认前勿执行）", " — PROPOSED, not confirmed: do not act on these yet")
BY_KEY = {s.key: s for s in SECTIONS}
KIND_SECTIONS = {"bus": ("trips",), "hotel": ("rooms",), "supply": ("supplies",)}


# -- display names -----------------------------------------------------------------------------

@dataclass
class Names:
    """Display names by id: bus plates, site (community), hotel and warehouse names."""
    buses: dict[str, str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)
    hotels: dict[str, str] = field(default_factory=dict)
    warehouses: dict[str, str] = field(default_factory=dict)

    def bus(self, i: str) -> str:
        return self.buses.get(i) or i

    def site(self, i: str) -> str:
        return self.sites.get(i) or i

    def hotel(self, i: str) -> str:
        return self.hotels.get(i) or i

    def warehouse(self, i: str) -> str:
        return self.warehouses.get(i) or i

    def of(self, assignments: Iterable[Assignment]) -> dict[str, str]:
        """id -> display name for every bus, site, hotel and warehouse these assignments name."""
        out: dict[str, str] = {}
        for a in assignments:
            out[a.need.site_id] = self.site(a.need.site_id)
            for t in a.trips or []:
                out[t["bus"]] = self.bus(t["bus"])
                out[t["hotel"]] = self.hotel(t["hotel"])
                for s in t["stops"]:
                    out[s["site"]] = self.site(s["site"])
            if a.room:
                out[a.room["hotel"]] = self.hotel(a.room["hotel"])
            for p in a.picks or []:
                out[p["warehouse"]] = self.warehouse(p["warehouse"])
        return out


def load_names(session: Session, assignments: Iterable[Assignment], warehouses: dict[str, str] | None = None) -> Names:
    """The names of what `assignments` refer to, read from the database (warehouses, which live in
    the inventory service, as given)."""
    bus_ids, site_ids, hotel_ids = set(), set(), set()
    for a in assignments:
        site_ids.add(a.need.site_id)
        for t in a.trips or []:
            bus_ids.add(t["bus"])
            hotel_ids.add(t["hotel"])
            site_ids.update(s["site"] for s in t["stops"])
        if a.room:
            hotel_ids.add(a.room["hotel"])
    names = Names(warehouses=dict(warehouses or {}))
    if bus_ids:
        names.buses = {b.id: b.plate for b in session.scalars(select(Bus).where(Bus.id.in_(bus_ids)))}
    if site_ids:
        names.sites = {s.id: s.name for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    if hotel_ids:
        names.hotels = {h.id: h.name for h in session.scalars(select(Hotel).where(Hotel.id.in_(hotel_ids)))}
    return names


# -- words ---------------------------------------------------------------------------------------

def risk_text(risk: str | None, lang: str) -> str:
    if not risk:
        return ""
    zh, en = RISK.get(risk, (risk, risk))
    return en if lang == "en" else zh


def status_text(status: str, lang: str) -> str:
    zh, en = STATUS.get(status, (status, status))
    return en if lang == "en" else zh


def rooms_text(room: dict | None, lang: str) -> str:
    """标准间 12 间、家庭房 2 间 / 12 standard, 2 family rooms."""
    parts = [(ROOMS[k], room[k]) for k in ROOMS if room and room.get(k)]
    if lang == "en":
        return ", ".join(f"{n} {en}" for (_, en), n in parts) + (" rooms" if parts else "")
    return "、".join(f"{zh} {n} 间" for (zh, _), n in parts)


def sku_text(code: str, lang: str) -> tuple[str, str]:
    """(name, unit) of a staple in the sheet's language: ("大米", "袋") / ("rice", "bags")."""
    s = skus.BY_CODE.get(code)
    if s is None:
        return code, ""
    return (s.name_en, UNIT_EN.get(s.unit, s.unit)) if lang == "en" else (s.name_zh, s.unit_zh)


def _when(value: str | datetime | None, day: date | None) -> str:
    """Beijing time: HH:MM on the sheet's day, MM-DD HH:MM otherwise."""
    if not value:
        return ""
    d = (datetime.fromisoformat(value) if isinstance(value, str) else as_utc(value)).astimezone(CITY_TZ)
    return d.strftime("%H:%M") if day is not None and d.date() == day else d.strftime("%m-%d %H:%M")


def day_of(a: Assignment) -> date:
    """The Beijing day a job belongs to: its first trip's departure, else when it was proposed."""
    starts = sorted(t["start_at"] for t in a.trips or [] if t.get("start_at"))
    d = datetime.fromisoformat(starts[0]) if starts else as_utc(a.proposed_at)
    return d.astimezone(CITY_TZ).date()


def _spread(total: int, amounts: list[int]) -> list[int]:
    """`total` handed over, spread over parts planned as `amounts`, in order."""
    out = []
    for q in amounts:
        out.append(min(max(total, 0), q))
        total -= out[-1]
    return out


# -- rows ----------------------------------------------------------------------------------------

def build(assignments: Iterable[Assignment], names: Names, organisation: str = "", day: date | None = None,
          lang: str = "zh", brought: dict[str, int] | None = None) -> dict[str, list[dict]]:
    """Rows per section for `organisation` (all when empty) on `day` (all days when None).
    `brought`: people each transfer's bus delivered, by assignment id (from the audit)."""
    brought = brought or {}
    jobs = [a for a in assignments if a.status in ACTIVE and (not organisation or organisation in a.organisations)
            and (day is None or day_of(a) == day)]
    return {"trips": _trips(jobs, names, organisation, day, lang, brought),
            "rooms": _rooms(jobs, names, organisation, day, lang, brought),
            "supplies": _supplies(jobs, names, organisation, day, lang)}


def _bus_count(a: Assignment, brought: dict[str, int]) -> int | None:
    """People the bus(es) delivered for this job, once they reported it."""
    if a.status == "arriving":
        return a.delivered or 0
    if a.status == "done":
        return brought.get(a.id, a.delivered or 0)
    return None


def _trips(jobs: list[Assignment], names: Names, org: str, day: date | None, lang: str,
           brought: dict[str, int]) -> list[dict]:
    groups: dict[tuple[str, str], list[tuple[Assignment, dict]]] = {}
    for a in jobs:
        for t in a.trips or []:
            if not org or t["operator"] == org:
                groups.setdefault((t["bus"], t["start_at"] or ""), []).append((a, t))
    # what each job's bus delivered, spread over its trips by the job's own load on each
    per_trip: dict[tuple[str, str, str], int] = {}
    for a in jobs:
        got = _bus_count(a, brought)
        if got is None:
            continue
        loads = [sum(ld["people"] for s in t["stops"] for ld in s["load"] if ld["need"] == a.need_id)
                 for t in a.trips or []]
        for t, n in zip(a.trips or [], _spread(got, loads), strict=True):
            per_trip[(a.id, t["bus"], t["start_at"] or "")] = n
    rows = []
    for (bus, start), members in groups.items():
        trip = members[0][1]
        live = {a.need_id for a, _ in members}
        stops, planned = [], 0
        for s in trip["stops"]:
            n = sum(ld["people"] for ld in s["load"] if ld["need"] in live)
            if n:
                planned += n
                unit = (" person" if n == 1 else " people") if lang == "en" else " 人"
                stops.append(f"{names.site(s['site'])} {_when(s['at'], day)} · {n}{unit}")
        reported = [per_trip.get((a.id, bus, start)) for a, _ in members]
        statuses = list(dict.fromkeys(status_text(a.status, lang) for a, _ in members))
        cats = list(dict.fromkeys(risk_text(a.need.risk, lang) for a, _ in members if a.need.risk))
        rows.append({"plate": names.bus(bus), "company": trip["operator"], "start": _when(trip["start_at"], day),
                     "pickups": "；".join(stops), "hotel": names.hotel(trip["hotel"]),
                     "arrive": _when(trip["arrive_at"], day), "category": "、".join(cats), "planned": planned,
                     "delivered": sum(x for x in reported if x is not None) if None not in reported else "",
                     "status": "、".join(statuses), "sign_driver": "", "sign_community": "", "sign_hotel": "",
                     "assignments": [a.id for a, _ in members], "needs": sorted(live), "_sort": start})
    return _sorted(rows)


def _rooms(jobs: list[Assignment], names: Names, org: str, day: date | None, lang: str,
           brought: dict[str, int]) -> list[dict]:
    rows = []
    for a in jobs:
        if not a.room or (org and a.room["operator"] != org):
            continue
        arrive = max((t["arrive_at"] for t in a.trips or [] if t.get("arrive_at")), default=None)
        bus_count = _bus_count(a, brought)
        rows.append({"hotel": names.hotel(a.room["hotel"]), "from": names.site(a.need.site_id),
                     "category": risk_text(a.need.risk, lang), "rooms": rooms_text(a.room, lang),
                     "planned": a.people, "buses": "、".join(dict.fromkeys(names.bus(t["bus"]) for t in a.trips or [])),
                     "arrive": _when(arrive, day), "brought": "" if bus_count is None else bus_count,
                     "delivered": (a.delivered or 0) if a.status == "done" else "",
                     "arrived_at": _when(a.done_at, day) if a.status == "done" else "",
                     "status": status_text(a.status, lang), "sign_hotel": "",
                     "assignments": [a.id], "needs": [a.need_id], "_sort": arrive or as_utc(a.proposed_at).isoformat()})
    return _sorted(rows)


def _supplies(jobs: list[Assignment], names: Names, org: str, day: date | None, lang: str) -> list[dict]:
    rows = []
    for a in jobs:
        picks = a.picks or []
        done = _spread(a.delivered or 0, [p["quantity"] for p in picks]) if a.status == "done" else [None] * len(picks)
        for p, got in zip(picks, done, strict=True):
            if org and p["operator"] != org:
                continue
            item, unit = sku_text(p["sku"], lang)
            rows.append({"warehouse": names.warehouse(p["warehouse"]), "company": p["operator"],
                         "to": names.site(a.need.site_id), "due": _when(a.need.due_at, day), "item": item,
                         "planned": p["quantity"], "delivered": "" if got is None else got, "unit": unit,
                         "status": status_text(a.status, lang), "sign_driver": "", "sign_community": "",
                         "assignments": [a.id], "needs": [a.need_id], "_sort": as_utc(a.need.due_at).isoformat()})
    return _sorted(rows)


def _sorted(rows: list[dict]) -> list[dict]:
    rows.sort(key=lambda r: r["_sort"])
    for r in rows:
        del r["_sort"]
    return rows


# -- the sheet -------------------------------------------------------------------------------------

def title(organisation: str, day: date | None, lang: str) -> str:
    if lang == "en":
        return f"Dispatch sheet — {organisation or 'all organisations'} — {day.isoformat() if day else 'all days'}" \
               " (Beijing time)"
    return f"调度单 — {organisation or '全部单位'} — {day.isoformat() if day else '全部日期'}（北京时间）"


def sheet(session: Session, organisation: str, day: date | None, lang: str = "zh", kind: str = "",
          warehouses: dict[str, str] | None = None) -> dict:
    """The sheet of `organisation` on `day`: its sections (those with rows; when there are none, the
    ones that fit a dispatcher of `kind`, all for an operator), each with labelled columns."""
    q = select(Assignment).where(Assignment.status.in_(sorted(ACTIVE))).order_by(Assignment.proposed_at)
    jobs = [a for a in session.scalars(q).all() if not organisation or organisation in a.organisations]
    names = load_names(session, jobs, warehouses)
    transfers = [f"assignment:{a.id}" for a in jobs if a.kind == "transfer" and a.status == "done"]
    brought: dict[str, int] = {}
    if transfers:
        for e in session.scalars(select(AuditEntry).where(AuditEntry.entity.in_(transfers),
                                                          AuditEntry.action == "assignment.done")
                                 .order_by(AuditEntry.id)):
            if e.after and "delivered" in e.after:
                brought[e.entity.removeprefix("assignment:")] = int(e.after["delivered"])
    rows = build([a for a in jobs if a.status != "proposed"], names, organisation, day, lang, brought)
    waiting = build([a for a in jobs if a.status == "proposed"], names, organisation, day, lang, brought)
    shown = [k for k in rows if rows[k] or waiting[k]] or list(KIND_SECTIONS.get(kind, BY_KEY))
    sections: list[dict[str, Any]] = []
    for k in shown:
        sec = BY_KEY[k]
        columns = [{"key": c.key, "label": c.label(lang)} for c in sec.columns]
        sections.append({"key": k, "title": sec.en if lang == "en" else sec.zh, "columns": columns,
                         "rows": rows[k], "proposed": False})
        if waiting[k]:
            sections.append({"key": k + PROPOSED_SUFFIX, "columns": columns, "rows": waiting[k], "proposed": True,
                             "title": sec.en + PROPOSED_TITLE[1] if lang == "en" else sec.zh + PROPOSED_TITLE[0]})
    return {"title": title(organisation, day, lang), "organisation": organisation,
            "day": day.isoformat() if day else None, "lang": lang,
            "printed_at": datetime.now(CITY_TZ).strftime("%Y-%m-%d %H:%M"), "sections": sections,
            "rows": [r | {"section": s["key"]} for s in sections for r in s["rows"]]}
