"""The volunteers' live feed (issue 19 §6) on the real stack (uvicorn, PostgreSQL, the broker): each
subscriber receives only its share of doorstep-task changes. A volunteer: their own tasks, never
another volunteer's nor another community's; a community worker: their community's; the command
center: all. Opened with the bearer header only (no token in a URL); a supply dispatcher is refused.
No frame carries a phone number, and a volunteer's frames name no other volunteer."""
from __future__ import annotations

import json

import httpx
import pytest

from baolei_volunteers.app import create_app
from baolei_volunteers.config import VolunteersConfig
from tests.integration import sse
from tests.integration.conftest import poll
from tests.integration.test_permission_matrix_volunteers import City

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}


@pytest.fixture
def server(kafka_settings, pg_database):
    app = create_app(VolunteersConfig(database_url=pg_database, kafka=kafka_settings, start_consumer=False,
                                      match_debounce_s=0.2))
    with sse.served(app) as base:
        poll(app.state.live.ready.is_set, timeout_s=60)  # the follower has its partitions: nothing is missed
        yield base


class Listener(sse.Listener):
    """One subscriber's `task` events, opened with the bearer header."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(f"{base}/api/live", event="task", headers={"Authorization": f"Bearer {token}"})

    def got(self, task_id: str, status: str | None = None) -> bool:
        return any(e["task_id"] == task_id and (status is None or e["status"] == status) for e in self.events)

    def ids(self) -> set[str]:
        return {e["task_id"] for e in self.events}


def test_each_subscriber_receives_only_its_share_of_task_changes(server):
    base = server
    with httpx.Client(base_url=base, timeout=30) as c:
        city = City(c)  # type: ignore[arg-type]  # the same calls as the TestClient's
        # 李梅 only takes out rubbish here, so each task below has exactly one volunteer who may take it
        city.ok(c.put("/api/volunteers/V-LH-02", headers=OP, json={**city.volunteers["V-LH-02"],
                                                                   "skills": ["垃圾清运"]}))
        assert c.get("/api/live", headers={"Authorization": "Bearer demo-fmg"}).status_code == 403
        assert c.get("/api/live").status_code == 401
        assert c.get("/api/live?token=demo-operator").status_code == 401  # a token in a URL is no sign-in
        who = {name: Listener(base, token) for name, token in (
            ("V-LH-01", "demo-vol-inside"), ("V-LH-02", "demo-vol-outside"), ("V-JT-01", "demo-vol-jingtian"),
            ("莲花北", "demo-community"), ("景田", "demo-community-2"), ("operator", "demo-operator"))}
        try:
            t1 = city.task("莲花北社区", state="accepted")  # 王建国's (the 管控区 compound he lives in)
            poll(lambda: who["operator"].got(t1, "accepted") and who["V-LH-01"].got(t1, "accepted")
                 and who["莲花北"].got(t1, "accepted"))
            r = city.ok(c.post("/api/tasks", headers=OP, json={"household_id": "H-JT1-1001", "kind": "送餐",
                                                              "duration_min": 5}))
            t2 = r.json()["id"]
            poll(lambda: who["V-JT-01"].got(t2, "proposed") and who["景田"].got(t2, "proposed"))
            r = city.ok(c.post("/api/tasks", headers=OP, json={"household_id": "H-LHB2-0302", "kind": "垃圾清运",
                                                              "duration_min": 5}))
            t3 = r.json()["id"]
            poll(lambda: who["V-LH-02"].got(t3, "proposed") and who["莲花北"].got(t3, "proposed")
                 and who["operator"].got(t3, "proposed"))
        finally:
            for listener in who.values():
                listener.stop()
    mine = {"V-LH-01": t1, "V-JT-01": t2, "V-LH-02": t3}
    for vid, tid in mine.items():
        assert who[vid].ids() == {tid}, (vid, who[vid].events)  # never another's, nor another community's
        assert all(e["mine"] for e in who[vid].events if e["status"] in ("proposed", "accepted"))
        assert all(set(e) == {"type", "event", "task_id", "kind", "status", "mine", "board"}
                   for e in who[vid].events)  # no household, no other volunteer
    assert {"proposed", "accepted"} <= {e["status"] for e in who["V-LH-01"].events}
    assert who["莲花北"].ids() == {t1, t3} and who["景田"].ids() == {t2}
    assert who["operator"].ids() >= {t1, t2, t3}
    everything = json.dumps([x.events for x in who.values()], ensure_ascii=False)
    assert "139000" not in everything and "138000" not in everything  # no phone, masked or not
