"""The web console (static files, no build step) and the read models and live feed it uses."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session

from baolei_common.errors import responses
from baolei_common.problems import item
from baolei_requests import city
from baolei_requests.api.deps import principal, session
from baolei_requests.service import Principal

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
router = APIRouter()


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/api/overview", summary="指挥中心概览 / command-center overview", responses=responses(401, 403, 503))
def get_overview(s: Session = Depends(session), p: Principal = Depends(principal)) -> dict:
    if p.role not in ("operator", "viewer"):
        raise HTTPException(403, detail=[item("Authorization", "仅指挥部可查看全市概览", "operators and viewers only")])
    return city.overview(s)


@router.get("/api/map", summary="城市地图：地点与任务连线 / sites and assignment lines", responses=responses(401, 503))
def get_map(s: Session = Depends(session), p: Principal = Depends(principal)) -> dict:
    data = city.city_map(s)
    if p.role not in ("operator", "viewer"):
        data["lines"] = []
    return data


@router.get("/api/city/stock", summary="各区库存与价格（来自库存服务）/ stock and prices per district",
            responses=responses(401, 503))
async def get_stock(request: Request, p: Principal = Depends(principal)) -> dict:
    return await city.stock_and_prices(request.app.state.config.inventory_url, p.token)


@router.get("/api/live", summary="实时事件（SSE）/ live events as Server-Sent Events",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "事件流 / the event stream"},
                       **responses(401, 422)})
async def live(request: Request, token: str | None = Query(None, description="EventSource cannot send headers")):
    creds = token or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    info = request.app.state.config.tokens.get(creds or "")
    if info is None:
        raise HTTPException(401, detail=[item("token", "请先登录（令牌缺失或无效）",
                                              "sign in first: token missing or invalid")])
    stream = request.app.state.live.stream(info["role"], info.get("organisation", ""))
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
