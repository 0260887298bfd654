"""The standing rule "confirm proposals for my resources automatically" on the real app, PostgreSQL
and the broker: switched on by the bus company's dispatcher, the proposal already waiting on it is
accepted at once and one arriving later by the app's own loop, in the company's name; operators see
the rule on the attention panel and its switching in the audit; switched off, holds wait again."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll
from tests.integration.test_permission_matrix import RequestsCity, auth

pytestmark = pytest.mark.integration


def assignment(c: TestClient, need_id: str, aid: str) -> dict:
    return next(a for a in c.get(f"/api/needs/{need_id}", headers=auth("operator")).json()["assignments"]
                if a["id"] == aid)


def test_the_standing_rule_confirms_holds_without_a_click_until_switched_off(kafka_settings, pg_database):
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-rule",
                         inventory_url="http://127.0.0.1:9")
    with TestClient(create_app(cfg)) as c:
        city = RequestsCity(c, kafka_settings)
        waiting = city.propose("巴士集团", "bus")
        city.producer.flush()
        city.wait_status([waiting], "proposed")

        r = c.put("/api/standing-rules/巴士集团", headers=auth("bus dispatcher"), json={"auto_confirm": True})
        assert r.status_code == 200 and r.json()["auto_confirm"] is True, r.text
        city.wait_status([waiting], "confirmed")  # accepted in the company's name, confirmed round the log
        later = city.propose("巴士集团", "bus")
        city.producer.flush()
        city.wait_status([later], "confirmed")  # by the app's own loop: nobody clicked
        assert assignment(c, *later)["accepted_by"] == ["巴士集团"]

        audit = c.get("/api/audit", params={"entity": f"assignment:{later[1]}"}, headers=auth("operator")).json()
        assert [(e["action"], e["actor"], e["organisation"]) for e in audit] == [
            ("assignment.accept", "自动确认规则（巴士集团）", "巴士集团")]
        att = c.get("/api/attention", headers=auth("operator")).json()
        assert [x["organisation"] for x in att["auto_confirm"]] == ["巴士集团"]
        rules = c.get("/api/standing-rules", headers=auth("bus dispatcher")).json()
        assert rules[0]["auto_confirm"] is True and rules[0]["set_by"] == "巴士集团调度"

        assert c.put("/api/standing-rules/巴士集团", headers=auth("operator"),
                     json={"auto_confirm": False}).status_code == 200
        switched = c.get("/api/audit", params={"entity": "rule:巴士集团"}, headers=auth("operator")).json()
        assert [e["after"]["auto_confirm"] for e in switched] == [False, True]  # newest first
        off = city.propose("巴士集团", "bus")
        hotel = city.propose("投控公司", "hotel")  # a proposal behind it: once this is in, so is `off`
        city.producer.flush()
        city.wait_status([off, hotel], "proposed")
        poll(lambda: c.get("/api/attention", headers=auth("operator")).json()["auto_confirm"] == [], timeout_s=5)
        assert assignment(c, *off)["awaiting"] == ["巴士集团"]  # the company has to answer again
        city.producer.close()
