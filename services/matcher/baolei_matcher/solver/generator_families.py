"""Issue 17's scenario families that are not a city's share of every resource: needs raised one by
one at one site (`stream_one_site`) and a bad night on the demo city (`night_wave`).

Why: the waiting the issue measured happens on shapes `generator.py` never made — three needs raised
one after another at 莲花北社区 queued on one bus while twelve stood idle; 500 needs imported at once
on the demo city, 105 of them proposed to arrive after `due_at`. These families are those shapes,
deterministic by seed like the rest; no target may be tuned away from them.

`stream_one_site` is the `mixed` city of the size (its hotels and buses, buses capped) with only
transfer needs at one community, raised a few minutes apart and ready when raised: the bench solves
them one at a time (`raised_at` order), each against what the earlier answers left, as the
streaming matcher does. `night_wave` is the demo city (`baolei_common/demo_city.py`, the data
`make run` loads) at 21:00 with its fourteen buses and five hotels and hundreds of needs ready
within ten minutes.
"""
from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from baolei_common import demo_city

from .generator_base import _iso, _pick, _priority, _transfer, generate_city
from .generator_data import (
    NIGHT_WAVE_NEEDS,
    NIGHT_WAVE_READY_MIN,
    RISKS,
    STREAM_GAP_MIN,
    STREAM_MAX_BUSES,
    STREAM_NEEDS,
)

logger = logging.getLogger(__name__)

NIGHT = datetime.fromisoformat("2022-01-14T21:00:00+08:00")


def generate_family(size: str, family: str, seed: int) -> dict[str, Any]:
    rng = random.Random(f"{size}/{family}/{seed}")
    doc = _stream_one_site(rng, size) if family == "stream_one_site" else _night_wave(rng, size)
    doc["generator"] = {"size": size, "family": family, "seed": seed}
    return doc


def _stream_one_site(rng: random.Random, size: str) -> dict[str, Any]:
    base = generate_city(size, "mixed", rng.randrange(1 << 30))
    communities = [s for s in base["sites"] if s["id"].startswith("C-")]
    site = rng.choice(communities)
    at = datetime.fromisoformat(base["now"])
    needs = []
    for i in range(STREAM_NEEDS[size]):
        at += timedelta(minutes=rng.randint(*STREAM_GAP_MIN))
        n = _transfer(rng, f"T{i + 1:05d}", site, _priority(rng, site["zone"]), False)
        due = at + timedelta(minutes=rng.randrange(120, 300, 10))
        n.update(ready_at=_iso(at), raised_at=_iso(at), due_at=_iso(due))
        needs.append(n)
    buses = base["buses"][:STREAM_MAX_BUSES]
    keep = {n["site"] for n in needs} | {h["site"] for h in base["hotels"]} | {b["depot"] for b in buses}
    return dict(base, sites=[s for s in base["sites"] if s["id"] in keep], buses=buses, stock=[], needs=needs)


def _night_wave(rng: random.Random, size: str) -> dict[str, Any]:
    sites: list[dict[str, Any]] = []
    communities: list[dict[str, Any]] = []
    for cid, name, district, street, zone, lat, lon in demo_city.COMMUNITIES:
        c: dict[str, Any] = {"id": cid, "name": name, "district": district, "street": street, "zone": zone,
                             "lat": lat, "lon": lon}
        sites.append(c)
        communities.append(c)
    hotels = []
    for hid, sid, name, op, district, lat, lon, accepts, rooms in demo_city.HOTELS:
        sites.append({"id": sid, "name": name, "district": district, "lat": lat, "lon": lon})
        hotels.append({"id": hid, "site": sid, "name": name, "operator": op, "accepts": list(accepts),
                       "rooms": dict(rooms)})
    buses = []
    start, end = NIGHT - timedelta(hours=demo_city.SHIFT_BEFORE_H), NIGHT + timedelta(hours=demo_city.SHIFT_AFTER_H)
    for did, name, district, lat, lon, op, count, _plate in demo_city.DEPOTS:
        sites.append({"id": did, "name": name, "district": district, "lat": lat, "lon": lon})
        for i in range(1, count + 1):
            buses.append({"id": f"{did.removeprefix('d-')}-{i:02d}", "operator": op, "depot": did,
                          "seats": demo_city.BUS_SEATS, "load_limit": demo_city.BUS_LOAD_LIMIT,
                          "shift_start": _iso(start), "shift_end": _iso(end),
                          "turnaround_min": demo_city.BUS_TURNAROUND_MIN})
    needs = []
    for i in range(NIGHT_WAVE_NEEDS.get(size, 500)):
        c = rng.choice(communities)
        n = _transfer(rng, f"T{i + 1:05d}", c, _priority(rng, c["zone"]), False)
        ready = NIGHT + timedelta(seconds=rng.randrange(0, NIGHT_WAVE_READY_MIN * 60 + 1, 30))
        n.update(risk=_pick(rng, RISKS), ready_at=_iso(ready), raised_at=_iso(NIGHT),
                 due_at=_iso(ready + timedelta(hours=4)))
        needs.append(n)
    return {"schema": "scenario/v1", "now": _iso(NIGHT), "travel": {"speed_kmh": 30, "detour": 1.3, "dwell_min": 10},
            "sites": sites, "hotels": hotels, "buses": buses, "stock": [], "needs": needs}
