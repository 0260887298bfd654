"""Admission control for the HTTP services: a bounded number of requests run at once, a bounded
number wait briefly for a slot, and the rest are refused at once with 503 and a retry delay.

Why: the routes are synchronous and each holds a database connection until its response is
serialised — which itself needs a worker thread. If more requests run than there are connections,
the ones holding a connection wait for a thread held by the ones waiting for a connection (FastAPI
issue 3205) and the service hangs for the pool timeout (30 s). With at most `limit` requests
admitted, a connection pool of `limit` and a thread limiter above `limit`, no admitted request ever
waits for a connection or a thread: the service stays responsive under any burst and sheds the
excess with a clear answer. Long-lived streams (Server-Sent Events) and health checks are not
counted.

Reads (GET, HEAD) may pass through a gate of their own (`AdmissionGate(..., reads=...)`): a site
polling its need's status must not queue behind a surge of new needs, nor be refused because intake
is shedding (issue 20: the API's status lagged seconds behind the database for that alone). The two
limits add up to the request pool, so neither kind waits for a connection the other holds.

Intake (POST to `intake_paths`) is shed fast and in line (issue 20, 200 needs/s): a new need waits at
most `intake_wait_s` for a slot (a fraction of a second), else it is refused at once — waiting a whole
second for a 503 tied up the client's connections and slots answered nothing sooner. Its Retry-After
is sized to the line at the door: the needs refused lately and not yet taken, over the rate at which
intake has been taking needs, so the retries come back about when there is room for them instead of
all at once (and a retry then goes first, see `_refused`).
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from baolei_common.errors import busy_bytes

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class Admission:
    """The gate's limits and counters: at most `limit` requests under `prefixes` run at once; up
    to `max_queued` wait up to `max_wait_s` for a slot; every other request gets 503 with
    `Retry-After` (seconds, as HTTP defines it), `Retry-After-Ms` and `retry_after_ms` in the body."""

    def __init__(self, *, limit: int, max_wait_s: float, max_queued: int,
                 prefixes: Iterable[str] = ("/api/",), exempt: Iterable[str] = ()) -> None:
        self.limit = limit
        self.max_wait_s = max_wait_s
        self.max_queued = max_queued
        self.prefixes = tuple(prefixes)
        self.exempt = tuple(exempt)
        self._waiters: deque[asyncio.Future[bool]] = deque()
        # seconds the service's own consumer is behind (None: not watched): the limit falls from
        # all slots at `low` to a quarter at twice `high` (see `current_limit`)
        self.pressure: Callable[[], float] | None = None
        self.pressure_high_s = 1.0
        self.pressure_low_s = 0.3
        # Intake (new work: POST to `intake_paths`) is refused while `intake_closed()` says so — the
        # work already taken is too far behind (see the requests service's backlog watch); reads,
        # dispatchers' answers and everything else still pass
        self.intake_paths: tuple[str, ...] = ()
        self.intake_closed: Callable[[], bool] | None = None
        # while intake is closed, when to come back (ms; None: 2-3 s)
        self.intake_closed_retry_ms: Callable[[], int] | None = None
        # the longest a new need waits for a slot before its 503 (see the module's docstring)
        self.intake_wait_s = 0.2
        self._intake_taken: deque[float] = deque(maxlen=4096)  # when intake admitted, for its rate
        self.intake_rate_window_s = 5.0
        # a refused key not back within this long has gone (the line counts only who still waits)
        self.refused_ttl_s = 15.0
        self.intake_shed = 0
        # When intake opens again, the needs turned away while it was closed come first: for
        # `reopen_grace_s` (or the longest Retry-After given while it was closed, if longer) only
        # keys refused before are taken, a new key is told to retry. Without it the door reopens to
        # whoever knocks first, and a need could lose that draw for a minute (issue 20: hundreds
        # gave up at 200/s)
        self.reopen_grace_s = 3.0
        self._intake_was_closed = False
        self._grace_until = -1e9
        self._closed_retry_s = 0.0  # the longest Retry-After given while closed: the grace lasts as long
        # Idempotency-Keys refused lately (bounded, oldest dropped): a request that comes back with
        # one was turned away before, so it is not turned away at once again but queued first in
        # line — without this, a retry could lose the draw every time (a need at 200/s waited 35 s)
        # key -> (its place in the line: a number given at its first refusal, when last refused);
        # in the order of first refusal, so a need refused again keeps its place
        self._refused: OrderedDict[bytes, tuple[int, float]] = OrderedDict()
        self._line_seq = 0
        self.refused_memory = 20_000
        self.priority_admitted = 0
        self.running = 0
        self.queued = 0
        self.admitted = 0
        self.shed = 0
        # told of every gated request's fate: (scope, admitted, reason) — the metrics' intake counter
        self.observe: Callable[[Scope, bool, str], None] | None = None
        self._service_s: deque[float] = deque(maxlen=200)

    def _gated(self, scope: Scope) -> bool:
        if scope["type"] != "http":
            return False
        path = scope.get("path", "")
        return path.startswith(self.prefixes) and not path.startswith(self.exempt)

    def expected_wait_s(self) -> float:
        """How long a request queued now would wait for a slot, from the recent service times
        (0 until there are enough of them to say)."""
        if len(self._service_s) < 20:
            return 0.0
        mean = sum(self._service_s) / len(self._service_s)
        return (len(self._waiters) + 1) * mean / max(1, self.current_limit())

    def retry_after_ms(self) -> int:
        """Roughly the time the current backlog needs to drain, with jitter so retries spread."""
        mean = sum(self._service_s) / len(self._service_s) if self._service_s else 0.05
        drain = (self.queued + self.running) * mean / max(1, self.limit)
        base = min(5000.0, max(500.0, drain * 1000))  # a retry sooner than 0.5 s only adds to the load
        return int(base * random.uniform(1.0, 1.5))

    def stats(self) -> dict[str, int]:
        self._grant()  # a limit raised again since the last release
        return {"limit": self.limit, "current_limit": self.current_limit(), "intake_shed": self.intake_shed,
                "priority_admitted": self.priority_admitted,
                "running": self.running,
                "queued": self.queued, "admitted": self.admitted, "shed": self.shed}

    def current_limit(self) -> int:
        """The limit, lowered while the service's own consumer is behind: applying the outcomes of
        needs already taken comes before taking more (their status would lag). In proportion: all
        slots up to `pressure_low_s` behind, a quarter from twice `pressure_high_s`, in between on
        a line. (It was all or a quarter, held until the consumer was back under `pressure_low_s`:
        one slow batch above a second cut intake to a quarter for seconds — issue 20, 200/s.)"""
        if self.pressure is None:
            return self.limit
        behind = self.pressure()
        floor = max(1, self.limit // 4)
        low, high = self.pressure_low_s, 2 * self.pressure_high_s
        if behind <= low:
            return self.limit
        if behind >= high:
            return floor
        return max(floor, round(self.limit - (behind - low) / (high - low) * (self.limit - floor)))

    def _grant(self) -> None:
        """Hand free slots to the longest waiting requests, in arrival order."""
        limit = self.current_limit()
        while self._waiters and self.running < limit:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(True)
                self.running += 1

    async def _acquire(self, again: bool = False, intake: bool = False) -> bool:
        """A slot, now or after a bounded wait. `again`: a retry of a refused request, which waits at
        the head of the queue instead of being refused at once. `intake`: a new need, which waits
        at most `intake_wait_s`."""
        if not self._waiters and self.running < self.current_limit():
            self.running += 1
            return True
        wait_s = min(self.max_wait_s, self.intake_wait_s) if intake else self.max_wait_s
        if not again and (len(self._waiters) >= self.max_queued or self.expected_wait_s() > wait_s):
            # a request that would only time out in the queue is told at once: waiting a second for
            # a 503 ties up the client's connection (a generator with 100 connections then queued
            # its own needs for 20 s at 200/s) and answers nothing sooner
            return False
        if again and len(self._waiters) >= 2 * self.max_queued:
            return False
        fut = asyncio.get_running_loop().create_future()
        if again:
            self._waiters.appendleft(fut)
        else:
            self._waiters.append(fut)
        self.queued = len(self._waiters)
        self._grant()  # the limit may have been raised since the last release
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout=wait_s)
        except TimeoutError:
            if fut.done():  # granted at the last moment: keep it
                return True
            fut.cancel()
            return False
        except asyncio.CancelledError:  # the client went away
            if fut.done() and not fut.cancelled():
                self._release()  # it had been given a slot: give it back
            fut.cancel()
            raise
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)
            self.queued = len(self._waiters)

    def _release(self) -> None:
        self.running -= 1
        self._grant()

    async def __call__(self, app: ASGIApp, scope: Scope, receive, send) -> None:
        if not self._gated(scope):
            await app(scope, receive, send)
            return
        key = _idempotency_key(scope)
        self._forget_gone()
        again = key is not None and key in self._refused
        intake = scope.get("method") == "POST" and scope.get("path", "") in self.intake_paths
        if intake and self.intake_closed is not None and self._intake_refuses(again):
            self.intake_shed += 1
            if key is not None:
                self._remember_refused(key)  # it comes back first when intake opens
            if self.observe is not None:
                self.observe(scope, False, "intake_closed")
            # a backlog drains in seconds, not in the milliseconds of a full queue
            if self.intake_closed_retry_ms is not None:
                ms = self.intake_closed_retry_ms()
                self._closed_retry_s = max(self._closed_retry_s, ms / 1000)  # the grace covers it
            else:
                ms = int(random.uniform(2000, 3000))
            await self._refuse(send, "intake closed: matching is behind", ms)
            return
        if not await self._acquire(again, intake):
            if key is not None:
                self._remember_refused(key)
            why = "queue full" if len(self._waiters) >= self.max_queued else "no slot in time"
            if self.observe is not None:
                self.observe(scope, False, why.replace(" ", "_"))
            await self._refuse(send, why, self.line_retry_ms(key) if intake else None)
            return
        if again:
            self.priority_admitted += 1
            self._refused.pop(key, None)  # type: ignore[arg-type]
        if intake:
            self._intake_taken.append(time.monotonic())
        self.admitted += 1
        if self.observe is not None:
            self.observe(scope, True, "")
        t0 = time.monotonic()
        try:
            await app(scope, receive, send)
        finally:
            self._service_s.append(time.monotonic() - t0)
            self._release()

    def _intake_refuses(self, again: bool) -> bool:
        """Intake closed; or just reopened and this is not a need turned away before."""
        assert self.intake_closed is not None
        closed = self.intake_closed()
        now = time.monotonic()
        if self._intake_was_closed and not closed:
            self._grace_until = now + max(self.reopen_grace_s, self._closed_retry_s)
            self._closed_retry_s = 0.0
        self._intake_was_closed = closed
        if closed:
            return True
        return not again and bool(self._refused) and now < self._grace_until

    def intake_rate(self) -> float:
        """Needs intake can take per second: what it took over the last `intake_rate_window_s`, or
        what all its slots serve at the recent service time if that is more (a brief stall or a
        squeeze must not send the line away for long while the service could take it). At least
        1: an estimate for a Retry-After, never a division by zero."""
        since = time.monotonic() - self.intake_rate_window_s
        taken = self._intake_taken
        while taken and taken[0] < since:
            taken.popleft()
        rate = len(taken) / self.intake_rate_window_s
        if len(self._service_s) >= 20:
            rate = max(rate, self.limit * len(self._service_s) / max(1e-3, sum(self._service_s)))
        return max(1.0, rate)

    def line_retry_ms(self, key: bytes | None = None) -> int:
        """When a need refused now should come back: after the needs refused before it and still
        waiting have been taken at the rate intake can take them (0.5-5 s, with jitter so the line
        does not come back in one wave). A need refused again keeps its place: it is told a shorter
        wait than one that came later, so no need loses the draw over and over."""
        place = self._refused[key][0] if key is not None and key in self._refused else self._line_seq + 1
        ahead = place - next(iter(self._refused.values()))[0] if self._refused else 0
        base = min(5_000.0, max(500.0, ahead / self.intake_rate() * 1000))
        return int(base * random.uniform(1.0, 1.3))

    def _forget_gone(self) -> None:
        """Keys not back within `refused_ttl_s` of their last refusal: their clients gave up (from
        the head of the line; one still waiting there holds the check until it is taken)."""
        since = time.monotonic() - self.refused_ttl_s
        while self._refused:
            key, (_place, at) = next(iter(self._refused.items()))
            if at >= since:
                break
            self._refused.pop(key)

    def _remember_refused(self, key: bytes) -> None:
        now = time.monotonic()
        known = self._refused.get(key)
        if known is not None:
            self._refused[key] = (known[0], now)
            return
        self._line_seq += 1
        self._refused[key] = (self._line_seq, now)
        while len(self._refused) > self.refused_memory:
            self._refused.popitem(last=False)

    async def _refuse(self, send, why: str, ms: int | None = None) -> None:
        self.shed += 1
        ms = ms if ms is not None else self.retry_after_ms()
        if self.shed % 100 == 1:
            log.warning("overloaded (%s): %d running, %d queued; 503 retry after %d ms (%d shed so far)",
                        why, self.running, self.queued, ms, self.shed)
        await send_busy(send, ms)


def _idempotency_key(scope: Scope) -> bytes | None:
    if scope.get("method") != "POST":
        return None
    for name, value in scope.get("headers") or ():
        if name == b"idempotency-key":
            return bytes(value[:200])
    return None


READ_METHODS = frozenset({"GET", "HEAD"})


class AdmissionGate:
    """ASGI middleware around an `Admission` (`app.add_middleware(AdmissionGate, admission=...)`);
    with `reads`, GET and HEAD requests go through that one instead."""

    def __init__(self, app: ASGIApp, admission: Admission, reads: Admission | None = None) -> None:
        self.app = app
        self.admission = admission
        self.reads = reads

    async def __call__(self, scope: Scope, receive, send) -> None:
        if self.reads is not None and scope.get("method") in READ_METHODS:
            await self.reads(self.app, scope, receive, send)
        else:
            await self.admission(self.app, scope, receive, send)


async def send_busy(send, retry_after_ms: int) -> None:
    """A 503 in the one error shape that says when to come back, in Chinese and English."""
    body = busy_bytes(retry_after_ms)
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"retry-after", str(max(1, -(-retry_after_ms // 1000))).encode()),
        (b"retry-after-ms", str(retry_after_ms).encode()),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def set_thread_limit(tokens: int) -> None:
    """Worker threads of synchronous routes (anyio's default limiter, 40 unless set)."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = tokens
