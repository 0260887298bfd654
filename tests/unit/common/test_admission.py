"""The admission gate: a bounded number run, a bounded number wait, the rest get 503 with a retry
delay at once — and the next request after the burst is served (no lasting lock-up)."""
from __future__ import annotations

import asyncio
import json

from baolei_common.admission import Admission, AdmissionGate


class SlowApp:
    """An ASGI app that holds each request for `hold_s` and counts how many run at once."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.running = 0
        self.peak = 0

    async def __call__(self, scope, receive, send) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(self.hold_s)
            await send({"type": "http.response.start", "status": 201, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})
        finally:
            self.running -= 1


async def call(app, path: str = "/api/needs") -> tuple[int, dict[bytes, bytes], bytes]:
    out: dict = {"headers": {}, "body": b""}

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(msg):
        if msg["type"] == "http.response.start":
            out["status"] = msg["status"]
            out["headers"] = dict(msg["headers"])
        else:
            out["body"] += msg.get("body", b"")

    await app({"type": "http", "path": path, "method": "POST"}, receive, send)
    return out["status"], out["headers"], out["body"]


async def test_burst_is_bounded_then_shed_with_retry_after_and_recovers():
    inner = SlowApp(hold_s=0.2)
    gate = Admission(limit=4, max_wait_s=0.1, max_queued=4)
    app = AdmissionGate(inner, gate)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    results = await asyncio.gather(*[call(app) for _ in range(40)])
    elapsed = loop.time() - t0
    codes = [r[0] for r in results]
    assert inner.peak == 4                       # never more than the limit at once
    assert codes.count(201) == 4                 # the four admitted; the queued ones time out at 0.1 s
    assert codes.count(503) == 36
    assert elapsed < 1.0                         # refusals are immediate or after the short wait, never a hang
    for status, headers, body in results:
        if status == 503:
            ms = int(headers[b"retry-after-ms"])
            assert 500 <= ms <= 7500
            assert int(headers[b"retry-after"]) >= 1
            payload = json.loads(body)
            assert payload["retry_after_ms"] == ms and "重试" in payload["detail"][0]["reason_zh"]
            assert payload["detail"][0]["field"] and "retry" in payload["detail"][0]["reason_en"]
    assert (await call(app))[0] == 201           # served again the moment load drops
    assert gate.stats()["shed"] == 36 and gate.running == 0 and gate.queued == 0


async def test_waiting_requests_get_a_slot_when_one_frees():
    inner = SlowApp(hold_s=0.05)
    app = AdmissionGate(inner, Admission(limit=2, max_wait_s=2.0, max_queued=10))
    codes = [r[0] for r in await asyncio.gather(*[call(app) for _ in range(12)])]
    assert codes.count(201) == 12                # 2 run, 10 wait and are served in turn


async def test_streams_and_health_are_not_counted():
    inner = SlowApp(hold_s=0.05)
    gate = Admission(limit=1, max_wait_s=0.01, max_queued=0, exempt=("/api/live",))
    app = AdmissionGate(inner, gate)
    codes = [r[0] for r in await asyncio.gather(*[call(app, "/api/live") for _ in range(5)],
                                                *[call(app, "/healthz") for _ in range(5)])]
    assert codes == [201] * 10 and gate.admitted == 0


async def test_intake_yields_while_the_consumer_is_behind():
    """While the service's own consumer is more than a second behind, a quarter of the slots are
    given; once it has caught up, all of them again."""
    inner = SlowApp(hold_s=0.05)
    gate = Admission(limit=8, max_wait_s=5.0, max_queued=100)
    behind = {"s": 2.0}
    gate.pressure = lambda: behind["s"]
    app = AdmissionGate(inner, gate)
    codes = [r[0] for r in await asyncio.gather(*[call(app) for _ in range(16)])]
    assert codes == [201] * 16 and inner.peak == 2
    behind["s"] = 0.1
    inner.peak = 0
    codes = [r[0] for r in await asyncio.gather(*[call(app) for _ in range(16)])]
    assert codes == [201] * 16 and inner.peak == 8


async def test_a_client_gone_while_waiting_gives_its_slot_back():
    inner = SlowApp(hold_s=0.2)
    gate = Admission(limit=1, max_wait_s=5.0, max_queued=10)
    app = AdmissionGate(inner, gate)
    first = asyncio.create_task(call(app))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(call(app))
    await asyncio.sleep(0.01)
    waiting.cancel()
    assert (await first)[0] == 201
    await asyncio.sleep(0.01)
    assert gate.running == 0 and gate.queued == 0
    assert (await call(app))[0] == 201
