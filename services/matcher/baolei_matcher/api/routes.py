"""/healthz, /readyz and /state/*: what the matcher process says about itself. Read-only; the
process is `request.app.state.matcher`."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from baolei_common.rooms import Rooms
from baolei_matcher.adapters.process import Matcher

router = APIRouter()


def _matcher(request: Request) -> Matcher:
    m: Matcher = request.app.state.matcher
    return m


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    m = _matcher(request)
    status = m.status()
    return JSONResponse(status, status_code=200 if status["ready"] else 503)


@router.get("/state/stock")
async def stock_view(request: Request) -> list[dict[str, Any]]:
    """What the matcher believes is available: the inventory's level and what it may still give."""
    st = _matcher(request).rt.state
    free = st.stock_free()
    return [{"warehouse": w, "sku": k, "available": s.available, "free": free[(w, k)]}
            for (w, k), s in sorted(st.stock.items())]


@router.get("/state/rooms")
async def rooms_view(request: Request) -> list[dict[str, Any]]:
    """Per hotel: usable, occupied, being cleaned, free now (never negative), more taken than usable."""
    st = _matcher(request).rt.state
    now = datetime.now(timezone.utc)
    free, over = st.rooms_free(now), st.rooms_over()
    occ = st.occupancy
    return [{"hotel": h.id, "name": h.name, "operator": h.operator, "usable": h.usable.as_dict(),
             "occupied": st.rooms_taken.get(h.id, Rooms()).as_dict(),
             "cleaning": occ.cleaning_at(h.id, now).as_dict(), "free": free[h.id].as_dict(),
             "over": over.get(h.id, Rooms()).as_dict(), "open": h.open} for h in st.hotels.values()]
