"""The admission gate: a bounded number run, a bounded number wait, the rest get 503 with a retry
delay at once — and the next request after the burst is served (no lasting lock-up)."""
from __future__ import annotations

import asyncio
import json

import pytest

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
    assert elapsed < 10.0                        # never a hang (the waits are 0.1 s; speed is for benchmarks)
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
    """While the service's own consumer is two seconds behind or more, a quarter of the slots are
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


async def test_intake_closed_refuses_new_needs_only_and_says_when_to_come_back():
    """While matching is behind, POST /api/needs (and imports) get 503 with a retry delay of
    seconds; reads and a dispatcher's answer still pass; once open, needs are taken again."""
    inner = SlowApp(hold_s=0.0)
    gate = Admission(limit=8, max_wait_s=1.0, max_queued=10)
    closed = {"v": True}
    gate.intake_paths = ("/api/needs", "/api/needs/import")
    gate.intake_closed = lambda: closed["v"]
    app = AdmissionGate(inner, gate)
    status, headers, body = await call(app, "/api/needs")
    assert status == 503 and 2000 <= int(headers[b"retry-after-ms"]) <= 3000
    assert json.loads(body)["retry_after_ms"] == int(headers[b"retry-after-ms"])
    assert (await call(app, "/api/needs/import"))[0] == 503
    assert (await call(app, "/api/assignments/A-1/accept"))[0] == 201
    assert gate.stats()["intake_shed"] == 2
    closed["v"] = False
    assert (await call(app, "/api/needs"))[0] == 201


async def test_a_request_that_could_only_time_out_in_the_queue_is_refused_at_once():
    """Once the gate knows its service time, a request that would wait longer than `max_wait_s`
    for a slot gets its 503 at once, not after waiting `max_wait_s` for nothing."""
    inner = SlowApp(hold_s=0.2)
    gate = Admission(limit=2, max_wait_s=0.5, max_queued=100)
    app = AdmissionGate(inner, gate)
    for _ in range(10):   # learn the service time: 20 requests, two at a time
        await asyncio.gather(call(app), call(app))
    t0 = asyncio.get_running_loop().time()
    results = await asyncio.gather(*[call(app) for _ in range(20)])
    codes = [r[0] for r in results]
    # 2 run, about 0.5 s / 0.2 s × 2 = 5 may wait; the rest are refused without waiting
    assert 4 <= codes.count(201) <= 9 and codes.count(503) == 20 - codes.count(201)
    assert asyncio.get_running_loop().time() - t0 < 1.0
    assert gate.expected_wait_s() > 0


async def call_keyed(app, key: bytes) -> int:
    out: dict = {}

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(msg):
        if msg["type"] == "http.response.start":
            out["status"] = msg["status"]

    await app({"type": "http", "path": "/api/needs", "method": "POST",
               "headers": [(b"idempotency-key", key)]}, receive, send)
    return out["status"]


async def test_a_refused_request_coming_back_is_queued_first_not_refused_again():
    """Under a burst, a retry (same Idempotency-Key as a refused request) waits at the head of the
    queue instead of being refused at once again, so no request loses the draw over and over."""
    inner = SlowApp(hold_s=0.05)
    gate = Admission(limit=1, max_wait_s=0.5, max_queued=100)
    app = AdmissionGate(inner, gate)
    for _ in range(20):  # learn the service time
        await call(app)
    codes = await asyncio.gather(*[call_keyed(app, f"k-{i}".encode()) for i in range(30)])
    refused = [i for i, c in enumerate(codes) if c == 503]
    assert refused, codes
    # the burst goes on (new requests keep coming) while the refused ones come back
    fresh = [call_keyed(app, f"new-{i}".encode()) for i in range(30)]
    again = [call_keyed(app, f"k-{i}".encode()) for i in refused[:5]]
    results = await asyncio.gather(*fresh, *again)   # the fresh ones fill the queue first
    assert results[30:] == [201] * 5, results[30:]
    assert 503 in results[:30]
    assert gate.stats()["priority_admitted"] == 5


async def test_when_intake_reopens_the_needs_turned_away_come_first():
    """Needs refused while intake was closed are taken first when it opens; a new key is told to
    retry during the grace, and taken once it has passed (no starvation)."""
    inner = SlowApp(hold_s=0.0)
    gate = Admission(limit=8, max_wait_s=1.0, max_queued=10)
    gate.reopen_grace_s = 2.0  # wide: a loaded machine pausing between two calls must not end it early
    closed = {"v": True}
    gate.intake_paths = ("/api/needs",)
    gate.intake_closed = lambda: closed["v"]
    app = AdmissionGate(inner, gate)
    assert await call_keyed(app, b"early") == 503
    closed["v"] = False
    assert await call_keyed(app, b"late") == 503      # new, during the grace: earlier needs first
    assert await call_keyed(app, b"early") == 201     # turned away before: taken at once
    await asyncio.sleep(2.1)
    assert await call_keyed(app, b"newer") == 201     # the grace has passed
    assert await call_keyed(app, b"late") == 201


async def test_the_limit_follows_how_far_the_consumer_is_behind_in_proportion():
    """Between `pressure_low_s` and twice `pressure_high_s` the limit falls on a line, and rises
    again as soon as the consumer catches up (no all-or-a-quarter held for seconds)."""
    gate = Admission(limit=16, max_wait_s=1.0, max_queued=10)
    behind = {"s": 0.0}
    gate.pressure = lambda: behind["s"]
    seen = []
    for s_ in (0.0, 0.3, 0.6, 1.0, 1.5, 2.0, 5.0, 0.2):
        behind["s"] = s_
        seen.append(gate.current_limit())
    assert seen[0] == seen[1] == 16 and seen[-1] == 16
    assert seen[5] == seen[6] == 4
    assert 16 > seen[2] > seen[3] > seen[4] > 4, seen


async def test_a_new_need_is_refused_at_once_with_a_retry_sized_to_the_line():
    """Intake full: a new need waits at most `intake_wait_s` (not `max_wait_s`) for its 503, and
    the more needs wait at the door per need taken per second, the later it is told to come back."""
    inner = SlowApp(hold_s=1.0)
    gate = Admission(limit=2, max_wait_s=5.0, max_queued=100)
    gate.intake_paths = ("/api/needs",)
    gate.intake_wait_s = 0.1
    app = AdmissionGate(inner, gate)
    busy = [asyncio.create_task(call_keyed(app, f"busy-{i}".encode())) for i in range(2)]
    await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    statuses = [await call_keyed(app, f"k-{i}".encode()) for i in range(5)]
    assert statuses == [503] * 5
    assert loop.time() - t0 < 2.0   # five refusals, none of them after the 5 s of max_wait_s
    assert gate.intake_rate() == 1.0     # two taken in five seconds, no service time known yet: the floor
    assert 5_000 <= gate.line_retry_ms() <= 6_500   # five waiting at one a second: capped at 5 s (and jitter)
    gate._service_s.extend([0.1] * 20)   # two slots serving a need in 0.1 s take 20 a second
    assert gate.intake_rate() == pytest.approx(20.0)
    few = gate.line_retry_ms()
    for i in range(40):  # forty more at the door
        gate._remember_refused(f"more-{i}".encode())
    many = gate.line_retry_ms()
    assert 500 <= few <= 650             # five at 20 a second: the floor of half a second
    assert 2_250 <= many <= 2_925        # forty-five at 20 a second
    # refused again, a need keeps its place: the first in line is told to come back before the last
    assert 500 <= gate.line_retry_ms(b"k-0") <= 650
    gate._remember_refused(b"k-0")
    assert 500 <= gate.line_retry_ms(b"k-0") <= 650
    assert 2_200 <= gate.line_retry_ms(b"more-39") <= 2_860
    await asyncio.gather(*busy)


async def test_keys_not_back_within_the_ttl_leave_the_line():
    gate = Admission(limit=2, max_wait_s=1.0, max_queued=10)
    gate.refused_ttl_s = 0.05
    for i in range(10):
        gate._remember_refused(f"k-{i}".encode())
    await asyncio.sleep(0.1)
    gate._forget_gone()
    assert len(gate._refused) == 0


async def test_the_grace_after_reopening_lasts_as_long_as_the_longest_retry_given_while_closed():
    """Told to come back in 2.5 s while intake was closed, a need still goes before new keys when
    it comes back after the usual grace."""
    inner = SlowApp(hold_s=0.0)
    gate = Admission(limit=8, max_wait_s=1.0, max_queued=10)
    gate.reopen_grace_s = 0.1
    closed = {"v": True}
    gate.intake_paths = ("/api/needs",)
    gate.intake_closed = lambda: closed["v"]
    gate.intake_closed_retry_ms = lambda: 2500
    app = AdmissionGate(inner, gate)
    assert await call_keyed(app, b"early") == 503
    closed["v"] = False
    await asyncio.sleep(0.3)                          # past reopen_grace_s, within the 2.5 s told
    assert await call_keyed(app, b"late") == 503
    assert await call_keyed(app, b"early") == 201
