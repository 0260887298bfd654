"""The composition root: the matcher process built from its config. The only module that knows
which adapter serves which part (the feed, the elector, the producer, the snapshot store); nothing
here connects: the process connects each part in order, retrying (adapters/process.py)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from baolei_matcher.adapters import topics as mtopics
from baolei_matcher.adapters.feed import Feed
from baolei_matcher.adapters.leader import Elector
from baolei_matcher.adapters.process import SOURCES, Matcher, Parts
from baolei_matcher.adapters.producer import start_producer
from baolei_matcher.adapters.snapshots import load_latest
from baolei_matcher.config import MatcherConfig
from baolei_matcher.domain.snapshot import Snapshot
from baolei_matcher.service.runtime import Runtime
from baolei_matcher.service.solve import SolveReport


def build(config: MatcherConfig, on_solve: Callable[[SolveReport], None] | None = None) -> Matcher:
    """One matcher process: its runtime (state, role, counters) and its Kafka parts. `on_solve`
    receives each solve's `SolveReport` (duration, status, needs, proposed, unmet)."""
    k, app_id = config.kafka, config.app_id
    bootstrap = k.bootstrap_servers

    async def ensure_topics() -> dict[str, list[int]]:
        return await asyncio.get_running_loop().run_in_executor(None, mtopics.ensure_all, bootstrap, k.topic_prefix)

    async def load_snapshot() -> tuple[Snapshot, int] | None:
        return await load_latest(bootstrap, k.topic(mtopics.SNAPSHOTS), app_id, f"{app_id}-snapshot")

    def new_feed() -> Feed:
        return Feed(bootstrap, [k.topic(t) for t in SOURCES], f"{app_id}-feed")

    def new_elector(on_gain: Callable[[], None], on_loss: Callable[[], None]) -> Elector:
        return Elector(bootstrap, k.topic(mtopics.LEADER), f"{app_id}-leader", f"{app_id}-leader",
                       session_timeout_ms=config.leader_session_timeout_ms, heartbeat_ms=config.leader_heartbeat_ms,
                       on_gain=on_gain, on_loss=on_loss)

    async def producer() -> AIOKafkaProducer:
        return await start_producer(bootstrap, f"{app_id}-out", config.publish_timeout_ms)

    parts = Parts(topic=k.topic, ensure_topics=ensure_topics, load_snapshot=load_snapshot, new_feed=new_feed,
                  new_elector=new_elector, start_producer=producer)
    return Matcher(Runtime(config), parts, on_solve)
