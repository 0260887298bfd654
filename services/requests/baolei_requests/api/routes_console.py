"""The web console (static files, no build step) and the read models and live feed it uses."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session

from baolei_requests import city
from baolei_requests.api.deps import principal, session
from baolei_requests.service import Principal

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
router = APIRouter()


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/api/overview", summary="指挥中心概览 / command-center overview")
def get_overview(s: Session = Depends(session), p: Principal = Depends(principal)) -> dict:
    if p.role not in ("operator", "viewer"):
        raise HTTPException(403, detail={"message_zh": "仅指挥部可查看全市概览",
                                         "message_en": "operators and viewers only"})
    return city.overview(s)


@router.get("/api/map", summary="城市地图：地点与任务连线 / sites and assignment lines")
def get_map(s: Session = Depends(session), p: Principal = Depends(principal)) -> dict:
    data = city.city_map(s)
    if p.role not in ("operator", "viewer"):
        data["lines"] = []
    return data


@router.get("/api/city/stock", summary="各区库存与价格（来自库存服务）/ stock and prices per district")
async def get_stock(request: Request, p: Principal = Depends(principal)) -> dict:
    return await city.stock_and_prices(request.app.state.config.inventory_url, p.token)


@router.get("/api/live", summary="实时事件（SSE）/ live events as Server-Sent Events")
async def live(request: Request, token: str | None = Query(None, description="EventSource cannot send headers")):
    creds = token or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    info = request.app.state.config.tokens.get(creds or "")
    if info is None:
        raise HTTPException(401, detail={"message_zh": "请先登录", "message_en": "sign in first"})
    stream = request.app.state.live.stream(info["role"], info.get("organisation", ""))
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
