"""Intake stays open while the broker is away (issue 20): the outbox absorbs an outage. A stream of
needs runs against the full stack on a PRIVATE broker (its own port; the shared one is never
touched); the broker is killed with SIGKILL and stays away for `BAOLEI_TEST_OUTAGE_S` (default
40 s: four times the intake pause of 10 s, after which an earlier release closed intake; set it to
300 or more for the five-minute outage of the issue). Asserted: not one intake request refused with
503, every need accepted, and after the broker is back every need's NeedSubmitted on the needs
topic, per partition in the order the needs were written to the outbox."""
from __future__ import annotations

import os
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from baolei_common import topics
from baolei_events.v1 import needs_pb2
from tests.integration import faults_support as fs

pytestmark = pytest.mark.integration

OUTAGE_S = float(os.environ.get("BAOLEI_TEST_OUTAGE_S", "40"))
RATE_PER_S = 5.0
DRAINED_WITHIN_S = 150.0  # generous bounds that fail the test, not timing claims


def _outbox_order(url: str, topic: str) -> dict[str, int]:
    """need id -> outbox id of its NeedSubmitted (the first event of each need)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(text("SELECT key, min(id) FROM outbox WHERE topic = :t GROUP BY key"), {"t": topic})
            return {k: int(i) for k, i in rows}
    finally:
        engine.dispose()


def test_intake_stays_open_through_a_broker_outage_and_every_need_is_published_in_order(
        pg_databases, tmp_path: Path) -> None:
    stack = fs.Stack(tmp_path, pg_databases, n_matchers=1)
    stream: fs.NeedStream | None = None
    try:
        stack.start()
        stream = fs.NeedStream(stack.requests.url, rate=RATE_PER_S, workers=4)
        stream.start()
        time.sleep(5)  # steady: published and matched
        fs.say(f"killing the private broker for {OUTAGE_S:.0f} s under {RATE_PER_S:g} needs/s")
        stack.broker.kill9()
        time.sleep(OUTAGE_S)
        during = stack.requests.readyz()
        stream.stop(drain_s=30)  # every need scheduled during the outage is answered now
        posted_during = len(stream.posted)
        stack.broker.start()
        fs.say(f"broker back; {posted_during} needs posted; readyz during the outage: {during}")
        deadline = time.monotonic() + DRAINED_WITHIN_S
        while (left := fs.unsent_outbox(stack.rq_db)) > 0:
            assert time.monotonic() < deadline, f"{left} outbox rows still unsent {DRAINED_WITHIN_S:.0f} s " \
                                                f"after the broker came back"
            time.sleep(1)

        summary = stream.summary()
        refused = [(p.key, dict(p.outcomes)) for p in [*stream.posted.values(), *stream.twins]
                   if p.outcomes.get("503")]
        assert not refused, f"intake refused needs while the broker was away: {refused[:5]}"
        failed = {k: (p.final_status, p.error) for k, p in stream.posted.items() if p.need_id is None}
        assert not failed, f"needs not accepted: {list(failed.items())[:5]} ({summary})"
        accepted = {p.need_id for p in stream.posted.values()}

        needs_topic = stack.prefix + topics.NEEDS
        records = fs.read_topic(stack.broker.bootstrap, needs_topic)
        order = _outbox_order(stack.rq_db, topics.NEEDS)
        first_seen: dict[int, list[str]] = defaultdict(list)
        seen: set[str] = set()
        for r in records:
            ev = needs_pb2.NeedEvent.FromString(r.value)
            if ev.WhichOneof("event") == "submitted" and r.key.decode() not in seen:
                seen.add(r.key.decode())
                first_seen[r.partition].append(r.key.decode())
        missing = accepted - seen
        assert not missing, f"{len(missing)} accepted needs never published: {sorted(missing)[:5]}"
        for partition, keys in first_seen.items():
            assert keys == sorted(keys, key=order.__getitem__), f"partition {partition} out of outbox order"
    finally:
        if stream is not None and not stream.stopped:
            stream.stop(drain_s=5)
        stack.close()
