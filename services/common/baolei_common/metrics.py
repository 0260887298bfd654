"""Prometheus metrics for every service: one registry per app, HTTP requests by route, `/metrics`.

Why a registry per app and not prometheus-client's global one: tests build several apps in one
process (and the dev runner runs the three services side by side), and two apps registering the
same family in one registry raise; a per-app registry also means an app's scrape shows exactly its
own figures. Labels are bounded on purpose: a route *template* (`/api/needs/{need_id}`, never the
need id), a method, a status, a topic, a reason code — an operations team's Prometheus must not
grow a series per need. Values that need the database are computed at scrape time by the
collectors in `baolei_common.scrape`.

Wiring: `metrics = Metrics("requests")`, `metrics.mount(app)` (middleware + route), then the
service's own families (`metrics.counter(...)`, `metrics.add(collector)`), and `metrics.attach(make)`
around a background worker's factory so the consumer loop reports lag and dead letters.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, MutableMapping
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

Scope = MutableMapping[str, Any]
W = TypeVar("W")

# seconds; HTTP answers are milliseconds normally, a 503 is immediate, an import takes seconds
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "unmatched"  # a path no route serves (scanners, typos): one label, not one per path
SUFFIXES = ("_total", "_created", "_bucket", "_count", "_sum")


class Metrics:
    """The registry of one app and the families every service has."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.families: dict[str, str] = {}  # name -> help text, of every family registered here
        self._routes: list[Any] = []
        self.http_requests = self.counter(
            "baolei_http_requests", "HTTP 请求数，按方法、路由模板和状态码 / HTTP requests by method, route "
            "template and status", ["method", "route", "status"])
        self.http_latency = self.histogram(
            "baolei_http_request_duration_seconds", "HTTP 请求耗时（秒）/ HTTP request latency in seconds",
            ["method", "route"], HTTP_BUCKETS)
        self.consumer_lag = self.gauge(
            "baolei_consumer_lag_messages", "消费者落后的消息数（高水位 − 当前位置，每次拉取后更新）/ messages "
            "behind: highwater - position, summed over the topic's partitions, updated per poll",
            ["topic", "group"])
        self.consumer_apply = self.histogram(
            "baolei_consumer_apply_seconds", "消息写入 Kafka 到本服务应用完毕（秒），按主题与消费组 / seconds from a "
            "record's Kafka timestamp to its batch applied here (a need's status lags by this, plus the read)",
            ["topic", "group"], HTTP_BUCKETS)
        self.dead_letters = self.counter(
            "baolei_dead_letters", "发往死信主题的消息数，按来源主题和原因 / messages published to the "
            "dead-letter topic, by source topic and cause (exception type)", ["topic", "cause"])

    # --- families --------------------------------------------------------------------------
    def counter(self, name: str, doc: str, labels: Iterable[str] = ()) -> Counter:
        self.families[name] = doc
        return Counter(name, doc, list(labels), registry=self.registry)

    def gauge(self, name: str, doc: str, labels: Iterable[str] = ()) -> Gauge:
        self.families[name] = doc
        return Gauge(name, doc, list(labels), registry=self.registry)

    def histogram(self, name: str, doc: str, labels: Iterable[str], buckets: Iterable[float]) -> Histogram:
        self.families[name] = doc
        return Histogram(name, doc, list(labels), buckets=tuple(buckets), registry=self.registry)

    def add(self, collector: Collector) -> None:
        """A collector computed at scrape time; it must describe its families (no query then)."""
        describe = getattr(collector, "describe", None)
        if describe is None:
            raise TypeError("a collector must describe its families")
        self.families.update((f.name, f.documentation) for f in describe())
        self.registry.register(collector)

    # --- the HTTP side -----------------------------------------------------------------------
    def mount(self, app: Any) -> None:
        """The request middleware (outermost, so a 503 of the admission gate is counted too) and
        GET /metrics in the Prometheus text format (not in the OpenAPI schema, never gated)."""
        self._routes = app.router.routes
        app.state.metrics = self
        app.add_middleware(HttpMetrics, metrics=self)

        def scrape(_: Request) -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_PLAIN_0_0_4)

        # synchronous: collectors may query the database, which must not block the event loop
        app.add_route("/metrics", scrape, methods=["GET"], include_in_schema=False)

    def route_of(self, scope: Scope) -> str:
        """The template of the route that served (or would have served) this request."""
        route = scope.get("route")
        if route is None:  # answered before routing (the admission gate's 503): match it here
            for r in self._routes:
                match, _ = r.matches(scope)
                if match == Match.FULL:
                    route = r
                    break
        return str(getattr(route, "path", "") or UNMATCHED) if route is not None else UNMATCHED

    def observe_http(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = scope.get("method", ""), self.route_of(scope)
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_latency.labels(method, route).observe(seconds)

    # --- background workers --------------------------------------------------------------------
    def attach(self, make: Callable[[], W]) -> Callable[[], W]:
        """A worker factory whose workers report here (`worker.metrics`); for `supervise`."""
        def made() -> W:
            worker = make()
            setattr(worker, "metrics", self)  # noqa: B010 — any worker with a `metrics` slot
            return worker
        return made

    def set_lag(self, group: str, by_topic: Mapping[str, int]) -> None:
        for topic, behind in by_topic.items():
            self.consumer_lag.labels(topic, group).set(behind)

    def applied(self, topic: str, group: str, ages_s: Iterable[float]) -> None:
        hist = self.consumer_apply.labels(topic, group)
        for age in ages_s:
            hist.observe(age)

    def dead_letter(self, topic: str, error: BaseException) -> None:
        self.dead_letters.labels(topic, type(error).__name__).inc()


def lag_by_topic(consumer: Any, positions: Iterable[tuple[Any, int]]) -> dict[str, int]:
    """highwater - position per topic, over partitions whose highwater a fetch has told us
    (aiokafka's `consumer.highwater(tp)`, None before the first fetch)."""
    out: dict[str, int] = defaultdict(int)
    for tp, position in positions:
        high = consumer.highwater(tp)
        if high is not None:
            out[tp.topic] += max(0, high - position)
    return dict(out)


class HttpMetrics:
    """ASGI middleware: every HTTP request's method, route template, status and duration."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") == "/metrics":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before any answer is what the client sees as a 500
        t0 = time.perf_counter()

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.observe_http(scope, status, time.perf_counter() - t0)


def family_of(sample: str, families: Collection[str]) -> str | None:
    """The family a sample name in PromQL belongs to (`x_total`, `x_bucket` → `x`), if registered."""
    if sample in families:
        return sample
    for suffix in SUFFIXES:
        if sample.endswith(suffix) and sample[: -len(suffix)] in families:
            return sample[: -len(suffix)]
    return None


def watch_gate(metrics: Metrics, gate: Any, *, intake: bool = False, reads: Any = None) -> None:
    """Counts the admission gate's refusals by reason (`baolei_admission_shed_total`) and, with
    `intake`, the intake requests (POST to `gate.intake_paths`) accepted or shed
    (`baolei_intake_requests_total`): the 503s an operations team must see. A separate gate of
    the reads (`reads`) counts its refusals under reasons prefixed `read_`."""
    shed = metrics.counter("baolei_admission_shed", "准入闸门拒绝（503）的请求数，按原因 / requests refused "
                           "with 503 by the admission gate, by reason", ["reason"])
    if reads is not None:
        def observe_read(_scope: Scope, admitted: bool, reason: str) -> None:
            if not admitted:
                shed.labels(f"read_{reason}").inc()

        reads.observe = observe_read
    taken = metrics.counter("baolei_intake_requests", "需求提交请求数：受理或拒绝（附原因）/ intake requests "
                            "(POST of needs): accepted by the gate or shed, with the reason",
                            ["result", "reason"]) if intake else None

    def observe(scope: Scope, admitted: bool, reason: str) -> None:
        if not admitted:
            shed.labels(reason).inc()
        if taken is not None and scope.get("method") == "POST" and scope.get("path") in gate.intake_paths:
            taken.labels("accepted" if admitted else "shed", reason).inc()

    gate.observe = observe
