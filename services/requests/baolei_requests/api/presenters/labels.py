"""Words for people, not codes for programs: display names of risk categories, room types, staples
and statuses in Chinese and English, the names behind ids (bus plates, hotel and warehouse names),
and the audit log as sentences ("巴士集团调度 接受了 莲花北社区 6 人转运").

Why: the console is read by an operator at 2 a.m. and a community worker on a phone; `bus-futian-02`,
`close_contact` or `need.create` mean nothing to them. Every page (and export) can take its words
from here, so the Chinese and the English say the same thing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common import skus
from baolei_requests.adapters.models import Assignment, AuditEntry, Bus, Hotel, Need, Site, Stay

RISK = {"close_contact": ("密接", "close contacts"), "secondary_contact": ("次密接", "secondary contacts"),
        "inbound": ("入境人员", "inbound travellers")}
ROOM = {"standard": ("标准间", "standard rooms"), "family": ("家庭房", "family rooms"),
        "accessible": ("无障碍房", "accessible rooms")}
UNIT_EN = {"bag": "bags", "bottle": "bottles", "kg": "kg", "tray": "trays", "case": "cases"}
UNIT_ONE_EN = {"bags": "bag", "bottles": "bottle", "trays": "tray", "cases": "case", "units": "unit"}
GRADE = {"alert": ("预警", "alert"), "crisis": ("危机", "crisis"), "normal": ("正常", "normal"),
         "stress": ("承压", "under stress")}
NEED_STATUS = {"submitted": ("已提交", "submitted"), "proposed": ("已匹配待确认", "proposed"),
               "confirmed": ("已确认", "confirmed"), "under_way": ("执行中", "under way"), "done": ("已完成", "done"),
               "unmet": ("暂无法满足", "unmet"), "cancelled": ("已取消", "cancelled")}
SYSTEM = ("系统", "the system")
ONE_BY_ONE = 16  # ids of one kind looked up by key before `Names` reads the whole table


def risk(code: str | None) -> tuple[str, str]:
    return RISK.get(code or "", (code or "", code or ""))


def room(code: str) -> tuple[str, str]:
    return ROOM.get(code, (code, code))


def staple(code: str) -> tuple[str, str, str, str]:
    """(name zh, name en, unit zh, unit en) of a staple; an unknown code keeps its own name."""
    s = skus.BY_CODE.get(code)
    if s is None:
        return code, code, "件", "units"
    return s.name_zh, s.name_en, s.unit_zh, UNIT_EN.get(s.unit, s.unit)


def lines_text(lines: list[dict]) -> tuple[str, str]:
    """"大米 80 袋、食用油 30 瓶" / "80 bags of rice, 30 bottles of cooking oil"."""
    zh, en = [], []
    for ln in lines:
        nz, ne, uz, ue = staple(ln.get("sku", ""))
        q = ln.get("quantity", 0)
        zh.append(f"{nz} {q} {uz}")
        en.append(f"{q} {UNIT_ONE_EN.get(ue, ue) if q == 1 else ue} of {ne}")
    return "、".join(zh), ", ".join(en)


def rooms_text(rooms: dict) -> tuple[str, str]:
    parts = [(k, v) for k, v in (rooms or {}).items() if v]
    return ("、".join(f"{room(k)[0]} {v} 间" for k, v in parts),
            ", ".join(f"{v} {room(k)[1]}" for k, v in parts))


def count_en(n: int, one: str, many: str) -> str:
    """"1 person", "2 people"; "1 tray", "3 trays"."""
    return f"{n} {one if n == 1 else many}"


def need_text(kind: str, site_name: str, people: int, lines: list[dict]) -> tuple[str, str]:
    """A need in a few words: "莲花北社区 6 人转运" / "the transfer of 6 people from 莲花北社区"."""
    if kind == "transfer":
        return (f"{site_name} {people} 人转运",
                f"the transfer of {count_en(people, 'person', 'people')} from {site_name}")
    zh, en = lines_text(lines)
    return f"{site_name} 物资保障（{zh}）", f"supplies for {site_name} ({en})"


@dataclass
class Names:
    """The names behind ids, read once per request (a handful of small tables): bus plates and
    companies, hotel names, site names; warehouse names as the inventory last reported them."""

    session: Session
    _buses: dict[str, Bus] | None = None
    _hotels: dict[str, Hotel] | None = None
    _sites: dict[str, Site] | None = None
    warehouses: dict[str, str] = field(default_factory=dict)
    _looked_up: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session) -> Names:
        """One per session (cached in session.info), so a list of needs reads the registry once."""
        names = session.info.get("baolei_names")
        if names is None:
            names = session.info["baolei_names"] = cls(session, warehouses=WAREHOUSE_NAMES)
        return names

    @property
    def buses(self) -> dict[str, Bus]:
        if self._buses is None:
            self._buses = {b.id: b for b in self.session.scalars(select(Bus)).all()}
        return self._buses

    @property
    def hotels(self) -> dict[str, Hotel]:
        if self._hotels is None:
            self._hotels = {h.id: h for h in self.session.scalars(select(Hotel)).all()}
        return self._hotels

    @property
    def sites(self) -> dict[str, Site]:
        if self._sites is None:
            self._sites = {s.id: s for s in self.session.scalars(select(Site)).all()}
        return self._sites

    def _whole(self, model: type[Any]) -> dict[str, Any]:
        return self.buses if model is Bus else self.hotels if model is Hotel else self.sites

    def _one(self, model: type[Any], ident: str) -> Any:
        """One row by id: from the whole table when it was read already, else by its key. A need's
        page names a few buses and a hotel; reading every bus, hotel and site for them was the
        costliest part of a status read of a matched need (polled while it is matched). After
        `ONE_BY_ONE` lookups of a kind the table is read whole (a list of needs)."""
        tables: dict[type[Any], dict[str, Any] | None] = {Bus: self._buses, Hotel: self._hotels, Site: self._sites}
        table = tables[model]
        if table is not None:
            return table.get(ident)
        seen = self._looked_up.setdefault(model.__name__, {})
        if ident not in seen:
            if len(seen) >= ONE_BY_ONE:
                return self._whole(model).get(ident)
            seen[ident] = self.session.get(model, ident) if ident else None
        return seen[ident]

    def plate(self, bus_id: str) -> str:
        b = self._one(Bus, bus_id)
        return (b.plate or f"{b.operator}车辆") if b is not None else "车辆"

    def hotel(self, hotel_id: str) -> str:
        h = self._one(Hotel, hotel_id)
        return h.name if h is not None else "隔离酒店"

    def site(self, site_id: str) -> str:
        s = self._one(Site, site_id)
        return s.name if s is not None else "地点"

    def warehouse(self, warehouse_id: str, operator: str = "") -> str:
        return self.warehouses.get(warehouse_id) or f"{operator}仓库"

    def humanise(self, text: str) -> str:
        """Ids of buses, hotels, sites and warehouses inside a text (a matcher's explanation names the
        resources a decline excluded by id) replaced by their plates and names. Only id-like tokens
        are looked up, one by one, so a long registry costs nothing here."""
        if not text or not ID_LIKE.search(text):
            return text
        return ID_LIKE.sub(lambda m: self._name_of(m.group(0)) or m.group(0), text)

    def _name_of(self, ident: str) -> str | None:
        if self._one(Bus, ident) is not None:
            return self.plate(ident)
        hotel = self._one(Hotel, ident)
        if hotel is not None:
            return hotel.name
        if ident in self.warehouses:
            return self.warehouses[ident]
        site = self._one(Site, ident)
        return site.name if site is not None else None

    def trips(self, trips: list[dict]) -> list[dict]:
        return [{**t, "plate": self.plate(t.get("bus", "")), "hotel_name": self.hotel(t["hotel"]) if t.get("hotel")
                 else ""} for t in trips or []]

    def room(self, room_: dict | None) -> dict | None:
        return None if room_ is None else {**room_, "hotel_name": self.hotel(room_.get("hotel", ""))}

    def picks(self, picks: list[dict]) -> list[dict]:
        out = []
        for k in picks or []:
            nz, ne, uz, ue = staple(k.get("sku", ""))
            out.append({**k, "warehouse_name": self.warehouse(k.get("warehouse", ""), k.get("operator", "")),
                        "sku_zh": nz, "sku_en": ne, "unit_zh": uz, "unit_en": ue})
        return out

    def resources(self, a: Assignment) -> tuple[str, str]:
        """What an assignment holds, by name: "粤B·D1001、会展北"."""
        names = []
        for t in a.trips or []:
            names.append(self.plate(t.get("bus", "")))
        if a.room:
            names.append(self.hotel(a.room.get("hotel", "")))
        for k in a.picks or []:
            names.append(self.warehouse(k.get("warehouse", ""), k.get("operator", "")))
        text = "、".join(dict.fromkeys(names))
        return text, text.replace("、", ", ")


def price_alert_text(a: dict) -> tuple[str, str]:
    """A price alert in words with the staple's own unit in each language (元/袋, yuan per bag)."""
    nz, ne, uz, ue = staple(a.get("sku", ""))
    gz, ge = GRADE.get(a.get("grade", ""), (a.get("grade", ""), a.get("grade", "")))
    price, base, pct = a.get("price_fen", 0) / 100, a.get("baseline_fen", 0) / 100, a.get("rise_ratio", 0) * 100
    unit_en = ue[:-1] if ue.endswith("s") else ue
    zh = f"{a.get('district', '')}{nz}价格{gz}：{price:.2f} 元/{uz}，较基准 {base:.2f} 元上涨 {pct:.1f}%。"
    en = (f"{ne} in {a.get('district', '')}: price {ge}, {price:.2f} yuan per {unit_en}, "
          f"{pct:.1f}% above the baseline of {base:.2f} yuan.")
    release = a.get("recommended_reserve_release") or 0
    if release > 0:
        zh += f"建议向该区投放储备 {release} {uz}。"
        en += f" Recommend releasing {release} {ue} of reserve stock in the district."
    return zh, en


ID_LIKE = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+(?![\w-])")

# Warehouse id -> name, as the inventory's API last listed them (city.stock_and_prices fills it).
WAREHOUSE_NAMES: dict[str, str] = {}


# ---- the audit log in words ----------------------------------------------------------------------

STATE = {"in_service": ("恢复运营", "put back in service"), "out_of_service": ("停运", "took out of service"),
         "open": ("开放", "opened"), "closed": ("关闭", "closed")}


def _reason(after: dict | None) -> tuple[str, str]:
    r = (after or {}).get("reason") or ""
    return (f"（原因：{r}）", f" (reason: {r})") if r else ("", "")


def audit_text(e: AuditEntry, names: Names) -> tuple[str, str]:
    """One audit entry as a sentence in Chinese and in English."""
    who_zh = SYSTEM[0] if e.role == "system" else e.actor
    who_en = SYSTEM[1] if e.role == "system" else e.actor
    kind, _, ident = e.entity.partition(":")
    after = e.after or {}
    rz, re_ = _reason(after)
    what_zh, what_en = _entity_text(kind, ident, names)
    verb = {
        "need.create": ("提交了", "raised"), "need.cancel": ("取消了", "cancelled"),
        "assignment.accept": ("接受了", "accepted"), "assignment.decline": ("拒绝了", "declined"),
        "assignment.start": ("开始执行", "started"), "assignment.done": ("完成了", "finished"),
        "assignment.arrived": ("确认入住", "confirmed the arrival for"),
        "assignment.release": ("释放了", "released"), "assignment.expire": ("超时释放了", "let expire"),
        "need.faster": ("要求更快的方案，释放了", "asked for a faster alternative, releasing"),
        "site.upsert": ("登记了地点", "registered the site"),
        "hotel.upsert": ("登记/更新了隔离酒店", "registered or updated the hotel"),
        "bus.upsert": ("登记/更新了车辆", "registered or updated the bus"),
        "stay.begin": ("登记入住", "checked in"), "stay.left": ("登记解除隔离离开", "recorded departures from"),
        "stay.extend": ("延长了隔离", "extended"),
    }.get(e.action)
    if e.action in ("bus.state", "bus.breakdown", "hotel.state"):
        state = after.get("state", "")
        sz, se = STATE.get(state, (state, state))
        extra_zh = extra_en = ""
        if e.action == "hotel.state":
            rooms_zh, rooms_en = rooms_text(after.get("out_of_use") or {})
            if rooms_zh:
                extra_zh, extra_en = f"，停用 {rooms_zh}", f", {rooms_en} out of use"
        if e.action == "bus.breakdown":
            sz, se = "因故障停运", "took out of service after a breakdown:"
        return f"{who_zh} 将 {what_zh} {sz}{extra_zh}{rz}", f"{who_en} {se} {what_en}{extra_en}{re_}"
    if verb is None:
        return f"{who_zh} 变更了 {what_zh}", f"{who_en} changed {what_en}"
    tail_zh = tail_en = ""
    if e.action == "assignment.decline":
        r = after.get("reason") or ""
        tail_zh, tail_en = (f"：{r}", f": {r}") if r else ("", "")
    elif e.action in ("assignment.done", "assignment.arrived") and "delivered" in after:
        tail_zh = f"（送达 {after.get('delivered')}/{after.get('planned')}）"
        tail_en = f" (delivered {after.get('delivered')} of {after.get('planned')})"
    elif e.action == "assignment.accept" and after.get("awaiting"):
        tail_zh = f"，待 {'、'.join(after['awaiting'])} 确认"
        tail_en = f"; waiting for {', '.join(after['awaiting'])}"
    elif e.action == "need.cancel" or e.action == "stay.extend":
        tail_zh, tail_en = rz, re_
    elif e.action == "stay.left":
        left = after.get("left")
        tail_zh, tail_en = f"（{left} 人，房间消毒中）", f" ({left} left, rooms being cleaned)"
    elif e.action == "need.faster":
        bus = after.get("bus_id") or ""
        tail_zh, tail_en = ((f"（指定车辆 {names.plate(bus)}）", f" (named bus {names.plate(bus)})") if bus else
                            (f"（逾期权重 ×{after.get('time_weight', 1):g}）",
                             f" (lateness weighted ×{after.get('time_weight', 1):g})"))
    return f"{who_zh} {verb[0]} {what_zh}{tail_zh}", f"{who_en} {verb[1]} {what_en}{tail_en}"


def _entity_text(kind: str, ident: str, names: Names) -> tuple[str, str]:
    s = names.session
    if kind == "need":
        n = s.get(Need, ident)
        if n is not None:
            return need_text(n.kind, n.site.name, n.people, n.lines)
    elif kind == "assignment":
        a = s.get(Assignment, ident)
        if a is not None:
            n = a.need
            picked = [{"sku": k["sku"], "quantity": k["quantity"]} for k in a.picks or []]
            return need_text(n.kind, n.site.name, a.people or n.people, picked or n.lines)
    elif kind == "bus":
        b = names.buses.get(ident)
        if b is not None:
            return f"车辆 {names.plate(ident)}（{b.operator}）", f"bus {names.plate(ident)} ({b.operator})"
    elif kind == "hotel":
        return names.hotel(ident), names.hotel(ident)
    elif kind == "site":
        return names.site(ident), names.site(ident)
    elif kind == "stay":
        st = s.get(Stay, ident)
        if st is not None:
            return (f"{names.hotel(st.hotel_id)} 的 {st.people} 人入住记录",
                    f"the stay of {st.people} {'person' if st.people == 1 else 'people'} at {names.hotel(st.hotel_id)}")
    return {"need": ("需求", "a need"), "assignment": ("任务", "a job"), "bus": ("车辆", "a bus"),
            "hotel": ("隔离酒店", "a hotel"), "site": ("地点", "a site")}.get(kind, ("对象", "an item"))
