"""A demo city for `make run`: Shenzhen communities, isolation hotels, bus fleets, a few needs.

Loaded over the HTTP API like any client would, so it also exercises validation and events.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from baolei_common.demo_city import (  # the city's data (shared with the solver's scenario generator)
    BUS_LOAD_LIMIT,
    BUS_SEATS,
    BUS_TURNAROUND_MIN,
    COMMUNITIES,
    DEPOTS,
    HOTELS,
    SHIFT_AFTER_H,
    SHIFT_BEFORE_H,
)

__all__ = ["COMMUNITIES", "DEPOTS", "HOTELS", "load_demo", "load_demo_with"]

log = logging.getLogger(__name__)


def _put(client: httpx.Client, path: str, body: dict) -> None:
    r = client.put(path, json=body)
    if r.status_code >= 400:
        raise RuntimeError(f"PUT {path}: {r.status_code} {r.text}")


def load_demo(base_url: str, token: str = "demo-operator", *, with_needs: bool = True) -> dict[str, int]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        return load_demo_with(c, with_needs=with_needs)


def load_demo_with(c: httpx.Client, *, with_needs: bool = True) -> dict[str, int]:
    """The demo city through a client already signed in as an operator (tests pass their own)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    counts = {"sites": 0, "hotels": 0, "buses": 0, "needs": 0}
    for cid, name, district, street, zone, lat, lon in COMMUNITIES:
        _put(c, f"/api/sites/{cid}", {"id": cid, "name": name, "district": district, "street": street,
                                      "zone": zone, "lat": lat, "lon": lon, "organisation": street})
        counts["sites"] += 1
    for hid, sid, name, op, district, lat, lon, accepts, rooms in HOTELS:
        _put(c, f"/api/sites/{sid}", {"id": sid, "name": name, "district": district, "lat": lat, "lon": lon,
                                      "organisation": op})
        _put(c, f"/api/hotels/{hid}", {"id": hid, "name": name, "operator": op, "site_id": sid,
                                       "accepts": accepts, "rooms": rooms})
        counts["hotels"] += 1
    for did, name, district, lat, lon, op, n, plate in DEPOTS:
        _put(c, f"/api/sites/{did}", {"id": did, "name": name, "district": district, "lat": lat, "lon": lon,
                                      "organisation": op})
        for i in range(1, n + 1):
            bid = f"{did.removeprefix('d-')}-{i:02d}"
            _put(c, f"/api/buses/{bid}", {
                "id": bid, "operator": op, "plate": f"{plate}{i:03d}", "depot_id": did, "seats": BUS_SEATS,
                "load_limit": BUS_LOAD_LIMIT, "shift_start": (now - timedelta(hours=SHIFT_BEFORE_H)).isoformat(),
                "shift_end": (now + timedelta(hours=SHIFT_AFTER_H)).isoformat(),
                "turnaround_min": BUS_TURNAROUND_MIN})
            counts["buses"] += 1
    if with_needs and not c.get("/api/needs", params={"limit": 1}).json():
        demo_needs: list[dict[str, Any]] = [
            {"kind": "transfer", "site_id": "c-lianhua-bei", "risk": "close_contact", "people": 18,
             "rooms": {"standard": 12, "family": 2}, "note": "莲花北 3 栋密接人员"},
            {"kind": "transfer", "site_id": "c-dongmen", "risk": "secondary_contact", "people": 6,
             "vulnerabilities": ["elderly_alone"], "rooms": {"standard": 5, "accessible": 1}},
            {"kind": "supply", "site_id": "c-xixiang", "lines": [{"sku": "rice", "quantity": 80},
                                                                 {"sku": "oil", "quantity": 30}]},
            {"kind": "supply", "site_id": "c-yantian", "vulnerabilities": ["medicine_needed"],
             "lines": [{"sku": "milk", "quantity": 40}, {"sku": "eggs", "quantity": 60}]},
        ]
        for body in demo_needs:
            if body["kind"] == "transfer":
                body["ready_at"] = now.isoformat()
            body["due_at"] = (now + timedelta(hours=4)).isoformat()
            r = c.post("/api/needs", json=body)
            if r.status_code >= 400:
                raise RuntimeError(f"POST /api/needs: {r.status_code} {r.text}")
            counts["needs"] += 1
    log.info("demo city loaded: %s", counts)
    return counts
