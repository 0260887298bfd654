"""GET /metrics on each of the three services, running against the real broker and PostgreSQL:
the text format, the families an operations team graphs and alerts on, the intake counter moving
by exactly the needs submitted, and the submit → first outcome histogram observing the outcome."""
from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from baolei_common import topics
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll
from tests.integration.test_walking_skeleton import OP, raise_transfer, register_city

pytestmark = pytest.mark.integration

SHARED = {"baolei_http_requests", "baolei_http_request_duration_seconds", "baolei_consumer_lag_messages",
          "baolei_dead_letters"}
FAMILIES = {
    "requests": SHARED | {"baolei_intake_requests", "baolei_admission_shed", "baolei_submit_to_outcome_seconds",
                          "baolei_outbox_depth", "baolei_outbox_oldest_unsent_age_seconds", "baolei_holds_waiting",
                          "baolei_holds_expiring_soon", "baolei_unmet_needs",
                          "baolei_holds_expired"},
    "inventory": SHARED | {"baolei_admission_shed", "baolei_outbox_depth", "baolei_outbox_oldest_unsent_age_seconds",
                           "baolei_stock_below_cover"},
    "matcher": SHARED | {"baolei_solve_duration_seconds", "baolei_solves"},
}


class Scrape:
    def __init__(self, response) -> None:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain"), response.headers["content-type"]
        self.families = {f.name: f for f in text_string_to_metric_families(response.text)}

    def value(self, sample: str, **labels: str) -> float:
        """The sum of the samples of this name whose labels include `labels` (0 when none)."""
        return sum(s.value for f in self.families.values() for s in f.samples
                   if s.name == sample and labels.items() <= s.labels.items())

    def has(self, sample: str, **labels: str) -> bool:
        return any(s.name == sample and labels.items() <= s.labels.items()
                   for f in self.families.values() for s in f.samples)


@pytest.fixture
def requests_client(kafka_settings, pg_databases):
    # a database of its own: the inventory fixture has `pg_database`, and each service migrates its own
    cfg = RequestsConfig(database_url=pg_databases(), kafka=kafka_settings, consumer_group="requests-metrics")
    with TestClient(create_app(cfg)) as client:
        yield client


def test_each_service_serves_its_metrics(requests_client, matcher, inventory, kafka_settings):
    c = requests_client
    register_city(c)
    before = Scrape(c.get("/metrics"))
    assert FAMILIES["requests"] <= set(before.families), FAMILIES["requests"] - set(before.families)
    accepted_before = before.value("baolei_intake_requests_total", result="accepted")

    needs = [raise_transfer(c, "close_contact", 3)["id"], raise_transfer(c, "close_contact", 2)["id"]]
    poll(lambda: all(c.get(f"/api/needs/{n}", headers=OP).json()["status"] in ("proposed", "unmet")
                     for n in needs), timeout_s=60)

    # observed after the outcome's transaction commits, so read until the consumer has reported it
    after = poll(lambda: (s := Scrape(c.get("/metrics"))).value("baolei_submit_to_outcome_seconds_count") >= 1
                 and s, timeout_s=30)
    assert after.value("baolei_intake_requests_total", result="accepted") - accepted_before == len(needs)
    assert after.value("baolei_intake_requests_total", result="shed") == 0
    assert after.value("baolei_submit_to_outcome_seconds_count") >= 1
    assert after.value("baolei_http_requests_total", method="POST", route="/api/needs", status="201") == len(needs)
    # a route template, never a need's id
    assert after.has("baolei_http_requests_total", route="/api/needs/{need_id}")
    assert not any(need_id in v for f in after.families.values() for s in f.samples
                   for v in s.labels.values() for need_id in needs)
    # database figures, read at scrape time from PostgreSQL (cached a few seconds: read until fresh)
    assert after.has("baolei_outbox_depth") and after.has("baolei_holds_waiting")
    poll(lambda: (s := Scrape(c.get("/metrics"))).value("baolei_holds_waiting") >= 1 or s.has("baolei_unmet_needs"),
         timeout_s=30)
    # the requests consumer reports its lag on the assignments topic once a poll has seen the highwater
    lag = poll(lambda: (s := Scrape(c.get("/metrics"))).has(
        "baolei_consumer_lag_messages", topic=kafka_settings.topic(topics.ASSIGNMENTS),
        group="requests-metrics") and s, timeout_s=30)
    assert lag.value("baolei_consumer_lag_messages", group="requests-metrics") >= 0

    m = Scrape(httpx.get(f"{matcher['url']}/metrics", timeout=10))
    assert FAMILIES["matcher"] <= set(m.families), FAMILIES["matcher"] - set(m.families)
    assert m.value("baolei_solve_duration_seconds_count") >= 1
    assert m.value("baolei_solves_total") >= 1
    assert m.has("baolei_consumer_lag_messages", topic=kafka_settings.topic(topics.NEEDS))

    i = Scrape(httpx.get(f"{inventory['url']}/metrics", timeout=10))
    assert FAMILIES["inventory"] <= set(i.families), FAMILIES["inventory"] - set(i.families)
    assert i.has("baolei_outbox_depth") and i.has("baolei_outbox_oldest_unsent_age_seconds")
