"""Every metric the alert rules and the Grafana dashboard name is one the services register, with
help text: a renamed metric must not leave an alert that can never fire or an empty panel."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from baolei_common.metrics import family_of

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bbaolei_[a-z0-9_]+")


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """family -> help, per service, from the apps as they are built (nothing connects)."""
    from baolei_inventory.app import create_app as inventory
    from baolei_inventory.config import InventoryConfig
    from baolei_matcher.app import create_app as matcher
    from baolei_matcher.config import MatcherConfig
    from baolei_requests.app import create_app as requests
    from baolei_requests.config import RequestsConfig

    d = tmp_path_factory.mktemp("apps")
    apps = {"requests": requests(RequestsConfig(database_url=f"sqlite:///{d}/r.db")),
            "inventory": inventory(InventoryConfig(database_url=f"sqlite:///{d}/i.db")),
            "matcher": matcher(MatcherConfig())}
    return {name: dict(app.state.metrics.families) for name, app in apps.items()}


def _used() -> set[str]:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dash = json.loads((ROOT / "deploy/grafana/baolei.json").read_text())
    exprs += [t["expr"] for p in dash["panels"] for t in p["targets"]]
    return {n for e in exprs for n in NAME.findall(e)}


def test_every_metric_in_alerts_and_dashboard_is_registered(registered: dict[str, dict[str, str]]) -> None:
    families = {f for fams in registered.values() for f in fams}
    used = _used()
    assert len(used) >= 10
    assert sorted(n for n in used if family_of(n, families) is None) == []


def test_every_service_serves_the_shared_families_and_its_own(registered: dict[str, dict[str, str]]) -> None:
    shared = {"baolei_http_requests", "baolei_http_request_duration_seconds", "baolei_consumer_lag_messages",
              "baolei_consumer_apply_seconds", "baolei_dead_letters"}
    own = {"requests": {"baolei_intake_requests", "baolei_admission_shed", "baolei_submit_to_outcome_seconds",
                        "baolei_outbox_depth", "baolei_outbox_oldest_unsent_age_seconds", "baolei_holds_waiting",
                        "baolei_holds_expiring_soon", "baolei_unmet_needs",
                        "baolei_holds_expired"},
           "inventory": {"baolei_admission_shed", "baolei_outbox_depth", "baolei_stock_below_cover"},
           "matcher": {"baolei_solve_duration_seconds", "baolei_solves"}}
    for service, fams in registered.items():
        assert shared | own[service] <= set(fams), service
        assert all(help_text.strip() for help_text in fams.values()), service
