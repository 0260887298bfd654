"""The live feed of the volunteer and community pages: Server-Sent Events of doorstep-task changes,
each subscriber receiving only its share (`service/live.py`). Opened with the bearer header (the
pages read it with fetch, so no token goes in a URL); the admission gate does not hold a slot for it."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from baolei_common.errors import responses
from baolei_common.identity import Principal
from baolei_common.problems import Problem
from baolei_common.webauth import requires
from baolei_volunteers.adapters.live import TaskFeed
from baolei_volunteers.api.deps import container
from baolei_volunteers.bootstrap import Container
from baolei_volunteers.service.live import Watcher

router = APIRouter(prefix="/api", tags=["views"])
HEARTBEAT_S = 15.0


async def frames(feed: TaskFeed, watcher: Watcher) -> AsyncIterator[str]:
    q = feed.subscribe()  # before the first reading: nothing between them is missed
    try:
        await feed.ready.wait()  # "hello" means live: the follower holds its partitions
        if watcher.is_volunteer:
            await asyncio.to_thread(watcher.refresh, time.monotonic())
        yield "retry: 2000\nevent: hello\ndata: {}\n\n"
        while True:
            try:
                s: dict[str, Any] = await asyncio.wait_for(q.get(), timeout=HEARTBEAT_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if watcher.needs_refresh(s):
                await asyncio.to_thread(watcher.refresh, time.monotonic())
            out = watcher.frame(s)
            if out is not None:
                yield f"event: task\ndata: {json.dumps(out, ensure_ascii=False)}\n\n"
    finally:
        feed.unsubscribe(q)


@router.get("/live", summary="实时更新（SSE）/ live updates as Server-Sent Events", response_class=StreamingResponse,
            description="Doorstep-task changes the caller may see: a volunteer their own tasks and those on "
                        "their claim board, a community worker their community's, the command center all. "
                        "Each event names the task and its new status; re-read the page's API for the rest.",
            responses={200: {"content": {"text/event-stream": {}}, "description": "事件流 / the event stream"},
                       **responses(401, 403, 503)})
async def live(request: Request, c: Container = Depends(container),
               p: Principal = Depends(requires("doorstep.live"))) -> StreamingResponse:
    if not c.config.live_feed:
        raise Problem("Accept", "本服务未开启实时更新，请刷新页面查看",
                      "this service runs without the live feed: reload the page", status=503)
    watcher = Watcher(p, lambda: c.views.shown_ids(p))
    return StreamingResponse(frames(request.app.state.live, watcher), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
