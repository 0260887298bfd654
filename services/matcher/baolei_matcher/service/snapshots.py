"""Taking a snapshot: the state and the offsets it covers, read together on the event loop (so the
state is exactly the one as of those offsets), encoded off it, and handed to `send`."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from baolei_matcher.domain import snapshot as snapmod
from baolei_matcher.service.runtime import ACTIVE, Runtime

log = logging.getLogger(__name__)

Send = Callable[[bytes], Awaitable[None]]


def due(rt: Runtime, since_last_s: float) -> bool:
    """Is a snapshot due: the active one, ready, with events folded in since the last one, enough
    of them or long enough ago."""
    if rt.role != ACTIVE or not rt.ready or rt.resync:
        return False
    n, cfg = rt.events_since_snapshot, rt.config
    return n >= cfg.snapshot_every_events or (n > 0 and since_last_s >= cfg.snapshot_interval_s)


async def take_snapshot(rt: Runtime, offsets: dict[tuple[str, int], int], events: int, send: Send) -> None:
    """Snapshot the state as of `offsets` (`events`: records read since start, informative)."""
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    doc = snapmod.to_doc(rt.state, dict(offsets), taken_at=datetime.now(timezone.utc), skip_holds=rt.in_flight,
                         events=events, info={"app_id": rt.config.app_id})
    n, rt.events_since_snapshot = rt.events_since_snapshot, 0
    read_ms = (time.perf_counter() - t0) * 1000
    try:
        data = await loop.run_in_executor(None, snapmod.encode, doc)
        await send(data)
    except BaseException:
        rt.events_since_snapshot += n
        raise
    ms = (time.perf_counter() - t0) * 1000
    rt.snapshot.update({"written_at": datetime.now(timezone.utc).isoformat(), "written_bytes": len(data),
                        "written_needs": len(doc["needs"]), "written_holds": len(doc["holds"]),
                        "written_ms": round(ms, 1), "written": rt.snapshot.get("written", 0) + 1})
    log.info("snapshot written: %d bytes, %d needs, %d holds, covers %d events since the last one "
             "(state read %.0f ms, total %.0f ms)", len(data), len(doc["needs"]), len(doc["holds"]), n, read_ms, ms)
