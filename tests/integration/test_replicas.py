"""Two replicas of the requests service and two of the inventory on one PostgreSQL each, behind
the same topics, and a matcher: under a steady stream of needs, one replica of each is killed
with SIGKILL. The survivors take over its partitions (consumer group), its turn at the outbox
(advisory lock) and its expiry; then every accepted need has exactly one live outcome, nothing is
booked twice, and the three services agree with the log (the checks of the fault tests).

The stream goes to replica A's port; replica B is the one killed, while it holds consumer
partitions and perhaps the relay's lock, which is what a replica dying in a real deployment does.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration import faults_support as fs
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration

RATE_PER_S = 5.0
STEADY_S = 8.0


def _replica(of: fs.Service, name: str, port_env: str, logs: Path) -> fs.Service:
    port = free_port()
    env = {k: v for k, v in of.env.items() if k.startswith("BAOLEI_")}
    env[port_env] = str(port)
    return fs.Service(name, of.module, env, port, logs)


def test_two_replicas_of_requests_and_inventory_survive_losing_one(pg_databases, tmp_path: Path) -> None:
    stack = fs.Stack(tmp_path, pg_databases, n_matchers=1)
    logs = tmp_path / "logs"
    rq_b = _replica(stack.requests, "requests-b", "BAOLEI_REQUESTS_HTTP_PORT", logs)
    inv_b = _replica(stack.inventory, "inventory-b", "BAOLEI_INVENTORY_HTTP_PORT", logs)
    stream = None
    try:
        stack.start()
        for s in (rq_b, inv_b):
            s.start()
            s.wait_ready(90)
        stack.services += [rq_b, inv_b]
        stream = fs.NeedStream(stack.requests.url, rate=RATE_PER_S)
        stream.start()
        time.sleep(STEADY_S)
        rq_b.kill9()
        inv_b.kill9()
        stack.services = [s for s in stack.services if s not in (rq_b, inv_b)]
        time.sleep(STEADY_S * 2)  # the group notices (session timeout 10 s) and the survivors take over
        stream.stop()
        summary = stream.summary()
        assert summary, "the stream posted nothing"
        problems, quiet_s = stack.wait_quiet(120, stream)
        assert not problems, f"after losing one replica of each (quiet after {quiet_s} s):\n" + "\n".join(problems[:60])
        dead = stack.check_dead_letters()
        assert not dead, "dead letters:\n" + "\n".join(dead[:30])
    finally:
        if stream is not None and not stream.stopped:
            stream.stop(drain_s=5)
        for s in (rq_b, inv_b):
            s.stop()
        stack.close()
