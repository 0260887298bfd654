"""baolei_common.metrics and .scrape: route templates as labels, the gate's counters, a per-app
registry, lag from highwater and position, and a scrape-time query cached between scrapes."""
from __future__ import annotations

from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from baolei_common.admission import Admission, AdmissionGate
from baolei_common.metrics import Metrics, family_of, lag_by_topic, watch_gate
from baolei_common.scrape import CachedCollector, Family


def _app(gate: Admission | None = None) -> tuple[FastAPI, Metrics]:
    app = FastAPI()

    @app.get("/api/needs/{need_id}")
    def one(need_id: str) -> dict:
        return {"id": need_id}

    @app.post("/api/needs")
    def submit() -> dict:
        return {"ok": True}

    if gate is not None:
        app.add_middleware(AdmissionGate, admission=gate)
    m = Metrics("test")
    m.mount(app)
    return app, m


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


def test_requests_are_counted_by_route_template_never_by_id() -> None:
    app, _ = _app()
    with TestClient(app) as c:
        for need_id in ("N-1", "N-2", "N-3"):
            assert c.get(f"/api/needs/{need_id}").status_code == 200
        assert c.get("/no/such/path").status_code == 404
        r = c.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    samples = _samples(r.text)
    key = ("baolei_http_requests_total", (("method", "GET"), ("route", "/api/needs/{need_id}"), ("status", "200")))
    assert samples[key] == 3
    assert samples[("baolei_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    assert not any("N-1" in v for (_, labels) in samples for _, v in labels)
    assert samples[("baolei_http_request_duration_seconds_count",
                    (("method", "GET"), ("route", "/api/needs/{need_id}")))] == 3


def test_two_apps_in_one_process_have_their_own_registries() -> None:
    a, ma = _app()
    b, mb = _app()
    with TestClient(a) as c:
        c.get("/api/needs/x")
    assert ma.registry is not mb.registry
    assert "baolei_http_requests_total{" in TestClient(a).get("/metrics").text
    assert "baolei_http_requests_total{" not in TestClient(b).get("/metrics").text


def test_intake_accepted_and_shed_with_the_reason() -> None:
    gate = Admission(limit=4, max_wait_s=0.1, max_queued=4)
    gate.intake_paths = ("/api/needs",)
    closed = {"now": False}
    gate.intake_closed = lambda: closed["now"]
    app, m = _app(gate)
    watch_gate(m, gate, intake=True)
    with TestClient(app) as c:
        assert c.post("/api/needs").status_code == 200
        assert c.post("/api/needs").status_code == 200
        closed["now"] = True
        assert c.post("/api/needs").status_code == 503
        assert c.get("/api/needs/x").status_code == 200  # not intake: not counted as such
        samples = _samples(c.get("/metrics").text)
    assert samples[("baolei_intake_requests_total", (("reason", ""), ("result", "accepted")))] == 2
    assert samples[("baolei_intake_requests_total", (("reason", "intake_closed"), ("result", "shed")))] == 1
    assert samples[("baolei_admission_shed_total", (("reason", "intake_closed"),))] == 1
    # the gate's 503 is an HTTP answer like any other, under its route template
    key = ("baolei_http_requests_total", (("method", "POST"), ("route", "/api/needs"), ("status", "503")))
    assert samples[key] == 1


def test_lag_is_highwater_minus_position_per_topic() -> None:
    tp = SimpleNamespace
    high = {("a", 0): 10, ("a", 1): 5, ("b", 0): None}
    consumer = SimpleNamespace(highwater=lambda t: high[(t.topic, t.partition)])
    positions = [(tp(topic="a", partition=0), 7), (tp(topic="a", partition=1), 5), (tp(topic="b", partition=0), 0)]
    assert lag_by_topic(consumer, positions) == {"a": 3}


def test_scrape_time_values_are_read_once_per_ttl_and_a_failure_leaves_a_gap() -> None:
    calls: list[int] = []

    def read() -> dict:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("database down")
        return {"baolei_x": {("a",): 2.0}}

    c = CachedCollector([Family("baolei_x", "x", ["k"])], read, ttl_s=3600)
    assert [s.value for f in c.collect() for s in f.samples] == [2.0]
    assert [s.value for f in c.collect() for s in f.samples] == [2.0]
    assert len(calls) == 1
    c._ttl_s = 0
    assert list(c.collect()) == []
    assert [f.name for f in c.describe()] == ["baolei_x"]


def test_family_of_maps_promql_sample_names_to_families() -> None:
    fams = {"baolei_solves", "baolei_solve_duration_seconds", "baolei_outbox_depth"}
    assert family_of("baolei_solves_total", fams) == "baolei_solves"
    assert family_of("baolei_solve_duration_seconds_bucket", fams) == "baolei_solve_duration_seconds"
    assert family_of("baolei_outbox_depth", fams) == "baolei_outbox_depth"
    assert family_of("baolei_nothing_total", fams) is None
