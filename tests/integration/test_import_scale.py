"""A city-sized import does not block the city (issue 12): 10,000 rows checked and stored in at most
10 s, and another office's single needs answered in under 1 s meanwhile, on SQLite and PostgreSQL.
The duplicate check was row by row against everything stored (1,000 rows 72 s) and the whole import
held SQLite's write lock, so other writes failed with "database is locked" after 30 s."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from bench.import_bench import SITES, sheet, sites
from tests.integration.test_intake_inputs import make_client
from tests.integration.test_lifecycle_console_api import OP

pytestmark = pytest.mark.integration
ROWS = 10_000


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_ten_thousand_rows_in_ten_seconds_while_others_write(kafka_settings, pg_database, tmp_path, database):
    url = pg_database if database == "postgresql" else f"sqlite:///{tmp_path / 'requests.db'}"
    with make_client(kafka_settings, url) as c:
        for s in sites():
            assert c.put(f"/api/sites/{s['id']}", headers=OP, json=s).status_code == 200
        data = sheet(ROWS, seed=3)
        stop, latencies, codes = threading.Event(), [], []

        def other_office() -> None:
            i = 0
            while not stop.is_set():
                due = datetime.now(timezone.utc) + timedelta(hours=4)
                t0 = time.perf_counter()
                r = c.post("/api/needs", headers={**OP, "Idempotency-Key": uuid.uuid4().hex}, json={
                    "kind": "supply", "site_id": f"c-imp-{i % SITES:02d}", "due_at": due.isoformat(),
                    "lines": [{"sku": "鸡蛋", "quantity": 2}]})
                latencies.append(time.perf_counter() - t0)
                codes.append(r.status_code)
                i += 1
                stop.wait(0.1)

        writer = threading.Thread(target=other_office, daemon=True)
        writer.start()
        time.sleep(0.5)
        t0 = time.perf_counter()
        r = c.post("/api/needs/import", params={"filename": "city.csv"}, content=data,
                   headers={**OP, "Content-Type": "text/csv", "Idempotency-Key": "city-sheet"})
        took = time.perf_counter() - t0
        stop.set()
        writer.join(timeout=30)
        assert r.status_code == 201, r.text[:2000]
        body = r.json()
        assert body["imported"] == ROWS and body["repeated"] == 0
        flagged = sum(1 for n in body["needs"] if n["duplicate_of"])
        assert 0 < flagged < ROWS  # 50 communities, overlapping windows: many are flagged, the first of each not
        print(f"{database}: {ROWS} rows in {took:.2f} s; {len(latencies)} other writes, "
              f"max {max(latencies) * 1000:.0f} ms; {flagged} flagged as likely duplicates")
        # how long the import and the other writes took is measured by `make bench` (bench.import_bench),
        # not asserted here: a busy machine is not a regression
        assert codes and set(codes) == {201}, codes
        again = c.post("/api/needs/import", params={"filename": "city.csv"}, content=data,
                       headers={**OP, "Content-Type": "text/csv", "Idempotency-Key": "city-sheet"})
        assert again.status_code == 201 and again.json()["repeated"] == ROWS and again.json()["imported"] == 0
