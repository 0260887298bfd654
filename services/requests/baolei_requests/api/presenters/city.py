"""Read models of the command center: what is open and why, resources at a glance, the city map,
and stock and staple prices per district read from the inventory service's API.

The inventory is read with the caller's own token, so its permissions apply unchanged; if it does
not answer, the console says so instead of failing.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from baolei_common.events import utcnow
from baolei_common.rooms import Rooms
from baolei_requests.adapters.models import Assignment, Bus, Departure, Hotel, Need, Site, Stay
from baolei_requests.api.presenters.labels import GRADE, WAREHOUSE_NAMES, price_alert_text, staple
from baolei_requests.domain.lifecycle import ACTIVE
from baolei_requests.domain.needs import NeedStatus

log = logging.getLogger(__name__)
CLOSED = (NeedStatus.DONE, NeedStatus.CANCELLED)


def overview(session: Session) -> dict:
    """Counts by status, the people waiting and the unmet reasons are counted by the database (the
    needs themselves are never loaded: at 20,000 open needs that took seconds and held the service)."""
    by_status = {str(st): int(k) for st, k in session.execute(
        select(Need.status, func.count()).group_by(Need.status)).all()}
    waiting = session.scalar(select(func.coalesce(func.sum(Need.people), 0)).where(
        Need.status.in_([NeedStatus.SUBMITTED, NeedStatus.PROPOSED, NeedStatus.UNMET])))
    unmet = session.execute(
        select(Need.unmet_code, Need.unmet_reason_zh, Need.unmet_reason_en, func.count().label("n"))
        .where(Need.status == NeedStatus.UNMET)
        .group_by(Need.unmet_code, Need.unmet_reason_zh, Need.unmet_reason_en).order_by(text("n DESC"))).all()
    active = session.execute(select(Assignment.status, Assignment.trips, Assignment.room)
                             .where(Assignment.status.in_(sorted(ACTIVE)))).all()
    buses = session.execute(select(Bus.state)).scalars().all()
    busy = {t["bus"] for st, trips, _ in active if st != "done" for t in trips or []}
    hotels = session.execute(select(Hotel.rooms, Hotel.out_of_use, Hotel.state)).all()
    held: defaultdict[str, int] = defaultdict(int)
    for st, _, room in active:
        if room and st != "done":  # a done transfer's rooms are a stay (until people leave)
            held[room["hotel"]] += sum(room.get(k, 0) for k in ("standard", "family", "accessible"))
    total = sum(sum(rooms.values()) for rooms, _, state in hotels if state == "open")
    out_of_use = sum(sum((out or {}).values()) for _, out, _ in hotels)
    occupied, cleaning = rooms_in_use(session, utcnow())
    return {
        "needs": {"by_status": by_status, "open": sum(v for k, v in by_status.items() if k not in CLOSED),
                  "people_waiting": int(waiting or 0)},
        "unmet": [{"code": c, "reason_zh": zh, "reason_en": en, "count": k} for c, zh, en, k in unmet],
        "buses": {"total": len(buses), "in_service": sum(b == "in_service" for b in buses),
                  "out_of_service": sum(b != "in_service" for b in buses), "busy": len(busy)},
        "rooms": {"total": total, "out_of_use": out_of_use, "held": sum(held.values()), "occupied": occupied,
                  "cleaning": cleaning,
                  "free": max(0, total - out_of_use - sum(held.values()) - occupied - cleaning), "hotels": len(hotels)},
    }


def rooms_in_use(session: Session, now: datetime) -> tuple[int, int]:
    """Rooms people stay in, and rooms being cleaned after they left, city-wide."""
    occupied = sum(Rooms.from_mapping(r or {}).total()
                   for r in session.scalars(select(Stay.rooms).where(Stay.status == "staying")))
    cleaning = sum(Rooms.from_mapping(r or {}).total()
                   for r in session.scalars(select(Departure.rooms).where(Departure.cleaning_until > now)))
    return occupied, cleaning


def city_map(session: Session) -> dict:
    """Sites with coordinates and the lines of active assignments (pickup site → hotel)."""
    hotels = {h.id: h for h in session.scalars(select(Hotel)).all()}
    depots = set(session.scalars(select(Bus.depot_id)).all())
    hotel_sites = {h.site_id for h in hotels.values()}
    sites = [{"id": s.id, "name": s.name, "district": s.district, "zone": s.zone, "lat": s.lat, "lon": s.lon,
              "organisation": s.organisation,
              "role": "hotel" if s.id in hotel_sites else "depot" if s.id in depots else "community"}
             for s in session.scalars(select(Site)).all()]
    lines = []  # the columns only, the need's site joined (one query, not one per assignment)
    for aid, need_id, site_id, room, status, people in session.execute(
            select(Assignment.id, Assignment.need_id, Need.site_id, Assignment.room, Assignment.status,
                   Assignment.people).join(Need, Need.id == Assignment.need_id)
            .where(Assignment.status.in_(sorted(ACTIVE)))).all():
        if room and room["hotel"] in hotels:
            lines.append({"assignment": aid, "need": need_id, "from": site_id,
                          "to": hotels[room["hotel"]].site_id, "status": status, "people": people})
    return {"sites": sites, "lines": lines}


def warehouses(inventory_url: str, token: str) -> list[dict] | None:
    """The inventory's warehouses for the map, read with the caller's token; None if it does not answer."""
    try:
        r = httpx.get(f"{inventory_url}/api/warehouses", headers={"Authorization": f"Bearer {token}"}, timeout=3)
        r.raise_for_status()
        rows = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("inventory at %s unavailable for the map: %s", inventory_url, exc)
        return None
    return [{"id": w["id"], "name": w["name"], "district": w["district"], "organisation": w["organisation"],
             "lat": w["lat"], "lon": w["lon"]} for w in rows]
def _worded(alert: dict) -> dict:
    zh, en = price_alert_text(alert)
    sku_zh, sku_en, unit_zh, unit_en = staple(alert.get("sku", ""))
    return {**alert, "message_zh": zh, "message_en": en, "sku_zh": sku_zh, "sku_en": sku_en,
            "grade_zh": GRADE.get(alert.get("grade", ""), ("", ""))[0],
            "grade_en": GRADE.get(alert.get("grade", ""), ("", ""))[1], "unit_zh": unit_zh, "unit_en": unit_en}


async def doorstep_coverage(volunteers_url: str, token: str) -> dict:
    """先锋行动's coverage by district from the volunteers service, read with the caller's token (its
    permissions apply); `available: false` with the cause when it does not answer within 5 s."""
    try:
        async with httpx.AsyncClient(base_url=volunteers_url, timeout=5,
                                     headers={"Authorization": f"Bearer {token}"}) as c:
            r = await c.get("/api/coverage")
        r.raise_for_status()
        body = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("volunteers at %s unavailable: %s", volunteers_url, exc)
        return {"available": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"available": True, **body}


async def stock_and_prices(inventory_url: str, token: str, days: int = 7) -> dict:
    """Available stock per district and SKU now, its daily trend, price series and alerts."""
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(timezone.utc)
    instants = [now - timedelta(days=d) for d in range(days - 1, 0, -1)]
    try:
        async with httpx.AsyncClient(base_url=inventory_url, headers=headers, timeout=8) as c:
            wh, skus, now_bal, prices, alerts, baselines, *past = await asyncio.gather(
                c.get("/api/warehouses"), c.get("/api/skus"), c.get("/api/balances"),
                c.get("/api/prices", params={"limit": 2000}), c.get("/api/alerts"), c.get("/api/baselines"),
                *[c.get("/api/balances", params={"as_of": t.isoformat()}) for t in instants])
        for r in (wh, skus, now_bal, prices, alerts, baselines, *past):
            r.raise_for_status()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("inventory at %s unavailable: %s", inventory_url, exc)
        return {"available": False, "error": f"{type(exc).__name__}: {exc}"}
    district = {w["id"]: w["district"] for w in wh.json()}
    WAREHOUSE_NAMES.update({w["id"]: w["name"] for w in wh.json() if w.get("name")})

    def by_district(rows: list[dict]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for b in rows:
            out[district.get(b["warehouse_id"], "?")][b["sku"]] += b["available"]
        return {d: dict(v) for d, v in out.items()}

    series = [(t, by_district(r.json())) for t, r in zip(instants, past, strict=True)]
    series.append((now, by_district(now_bal.json())))
    trend: dict[str, list[dict]] = defaultdict(list)
    for t, levels in series:
        for d, per_sku in levels.items():
            trend[d].append({"at": t.isoformat(), "available": sum(per_sku.values()), **per_sku})
    price_series: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for p in sorted(prices.json(), key=lambda p: p["observed_at"]):
        price_series[p["district"]][p["sku"]].append({"at": p["observed_at"], "fen": p["price_fen"],
                                                      "grade": p["grade"]})
    return {"available": True, "skus": skus.json(), "now": by_district(now_bal.json()), "trend": dict(trend),
            "prices": {d: dict(v) for d, v in price_series.items()}, "alerts": [_worded(a) for a in alerts.json()[:20]],
            "baselines": baselines.json(), "warehouses": {w["id"]: w.get("name", "") for w in wh.json()}}
