"""Small hand-made doorstep scenarios for the unit tests (docs/volunteers-solve.md)."""

from __future__ import annotations

from typing import Any

NOW = "2026-12-07T09:00:00+08:00"


def at(hhmm: str) -> str:
    return f"2026-12-07T{hhmm}:00+08:00"


def compound(cid: str, zone: str, lat: float = 22.55, lon: float = 113.95, district: str = "南山区") -> dict[str, Any]:
    return {"id": cid, "name": f"{cid}小区", "district": district, "street": "粤海街道", "community": "桃源社区",
            "zone": zone, "lat": lat, "lon": lon}


def volunteer(vid: str, home: str, skills: list[str], **extra: Any) -> dict[str, Any]:
    v = {"id": vid, "name": f"志愿者{vid}", "community": "桃源社区", "compound_id": home, "party_member": True,
         "skills": skills, "health_check": False, "nucleic_training": False, "counselling_cert": False,
         "minutes_left_today": 180, "mode": "foot", "available_from": NOW, "available_until": at("18:00"),
         "buildings": [], "pairs": []}
    v.update(extra)
    return v


def household(hid: str, home: str, marks: list[str], **extra: Any) -> dict[str, Any]:
    h = {"id": hid, "community": "桃源社区", "compound_id": home, "building": "7", "unit": "1", "floor": "7",
         "vulnerability": marks}
    h.update(extra)
    return h


def task(tid: str, hid: str, kind: str, **extra: Any) -> dict[str, Any]:
    t = {"id": tid, "household_id": hid, "kind": kind, "remote": kind in ("电话关怀", "线上答疑"), "earliest": None,
         "deadline": None, "duration_min": 10, "raised_at": at("08:00"), "claimed_by": None, "excluded": []}
    t.update(extra)
    return t


def scenario(compounds: list[dict[str, Any]], volunteers: list[dict[str, Any]], households: list[dict[str, Any]],
             tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"now": NOW, "compounds": compounds, "volunteers": volunteers, "households": households, "tasks": tasks}
