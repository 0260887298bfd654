"""The web console (static files, no build step) and the read models and live feed it uses."""
from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Scope

from baolei_common import policy
from baolei_common.errors import responses
from baolei_common.identity import Principal
from baolei_common.webauth import Unauthenticated, bearer, current_principal, forbidden, principal_for, requires
from baolei_requests.adapters.models import ProcessedEvent
from baolei_requests.api import schemas
from baolei_requests.api.deps import session
from baolei_requests.api.presenters import asks as asks_presenter
from baolei_requests.api.presenters import attention, city
from baolei_requests.domain.live_tickets import BadTicket

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
router = APIRouter()


class ConsoleFiles(StaticFiles):
    """The console's files. Its own are revalidated on every load (ETag), so a new release shows at once;
    the vendored libraries (vendor/: ECharts, the district outlines) are cached for a day."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            vendored = path.replace("\\", "/").startswith("vendor/")
            response.headers["Cache-Control"] = "public, max-age=86400" if vendored else "no-cache"
        return response


def console_app() -> ASGIApp:
    """Served gzipped when the browser accepts it (ECharts is 1.1 MB, about 370 kB gzipped)."""
    return GZipMiddleware(ConsoleFiles(directory=CONSOLE_DIR, html=True), minimum_size=1024)


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/api/overview", summary="指挥中心概览 / command-center overview", responses=responses(401, 403, 503))
def get_overview(s: Session = Depends(session), p: Principal = Depends(requires("overview.read"))) -> dict:
    return city.overview(s)


@router.get("/api/attention", summary="待决事项：待确认、无法满足（按原因）、拒绝、待补送 / what needs a decision",
            response_model=schemas.AttentionRead, responses=responses(401, 403, 503))
def get_attention(request: Request, s: Session = Depends(session),
                  p: Principal = Depends(requires("attention.read"))) -> dict:
    """A stock cause's `ask_options` name warehouses read from the inventory with the caller's token
    (only when a stock cause is there; none when the inventory does not answer)."""
    return attention.attention(s, stock=asks_presenter.inventory_stock(request.app.state.config.inventory_url,
                                                                       p.token))


@router.get("/api/map", summary="城市地图：地点、仓库与任务连线 / sites, warehouses and assignment lines",
            description="`warehouses` come from the inventory service, read with the caller's token (its "
                        "permissions apply); null if it does not answer.", responses=responses(401, 503))
def get_map(request: Request, s: Session = Depends(session), p: Principal = Depends(current_principal)) -> dict:
    data = city.city_map(s)
    if p.role not in ("operator", "viewer"):
        data["lines"] = []
    data["warehouses"] = city.warehouses(request.app.state.config.inventory_url, p.token)
    return data


@router.get("/api/city/stock", summary="各区库存与价格（来自库存服务）/ stock and prices per district",
            responses=responses(401, 503))
async def get_stock(request: Request, p: Principal = Depends(current_principal)) -> dict:
    return await city.stock_and_prices(request.app.state.config.inventory_url, p.token)


@router.get("/api/city/coverage", summary="先锋行动：各区上门服务覆盖（来自志愿者服务）/ doorstep coverage by district",
            description="Vulnerable households without a visit, medicine past its deadline and doorstep tasks "
                        "unmet by cause, per district, read from the volunteers service with the caller's token; "
                        "`available: false` when it does not answer.", responses=responses(401, 403, 503))
async def get_coverage(request: Request, p: Principal = Depends(requires("coverage.read"))) -> dict:
    return await city.doorstep_coverage(request.app.state.config.volunteers_url, p.token)


def _use_once(request: Request, nonce: str) -> bool:
    """Record a ticket's nonce; False if it was recorded before (on any replica)."""
    try:
        with request.app.state.background.begin() as s:
            s.add(ProcessedEvent(event_id=f"live-ticket:{nonce}"))
        return True
    except IntegrityError:
        return False


@router.post("/api/live/ticket", summary="实时事件凭证（一次性，≤60 秒）/ a single-use ticket for /api/live",
             response_model=schemas.LiveTicket, responses=responses(401, 403, 503))
async def live_ticket(request: Request, p: Principal = Depends(requires("live.subscribe"))) -> schemas.LiveTicket:
    tickets = request.app.state.tickets
    return schemas.LiveTicket(ticket=tickets.issue(p.token), expires_in_s=tickets.ttl_s)


@router.get("/api/live", summary="实时事件（SSE）/ live events as Server-Sent Events",
            description="Open with `?ticket=` from `POST /api/live/ticket` (a browser's EventSource cannot send "
                        "headers), or with an Authorization header. Each role and organisation receives only "
                        "its share. A bearer token in the URL is refused.",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "事件流 / the event stream"},
                       **responses(401, 403, 422)})
async def live(request: Request,
               ticket: str | None = Query(None, max_length=500, description="from POST /api/live/ticket"),
               token: str | None = Query(None, include_in_schema=False),
               creds: HTTPAuthorizationCredentials | None = Depends(bearer)):
    if token is not None:
        raise Unauthenticated("token", "令牌不能放在网址中，请先用 POST /api/live/ticket 获取一次性凭证",
                              "a token in the URL is refused: get a single-use ticket from POST /api/live/ticket")
    if ticket is not None:
        try:
            tok, nonce = request.app.state.tickets.check(ticket)
        except BadTicket as exc:
            raise Unauthenticated("ticket", exc.reason_zh, exc.reason_en) from None
        if not await asyncio.to_thread(_use_once, request, nonce):
            raise Unauthenticated("ticket", "实时连接凭证已使用过，请重新获取", "live-feed ticket already used")
        p = principal_for(request, tok)
    elif creds is not None:
        p = principal_for(request, creds.credentials)
    else:
        raise Unauthenticated("ticket", "请先登录：缺少凭证", "sign in first: ticket or bearer token missing")
    try:
        policy.require_role(p, "live.subscribe")
    except policy.Denied as exc:
        raise forbidden(exc) from None
    stream = request.app.state.live.stream(p.role, p.organisation, p.kind)
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
