"""Snapshots of the matcher's state on a compacted topic (key = APP_ID): write the latest, read it back.

Why a topic, not a file: a standby on another machine reads the same snapshot; compaction keeps
only the latest per key (the topic's segments roll every 10 min so old ones are cleaned soon).
"""
from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from baolei_matcher.adapters.feed import stop_quietly
from baolei_matcher.adapters.topics import SNAPSHOT_MAX_BYTES
from baolei_matcher.domain import snapshot as snap

log = logging.getLogger(__name__)


async def load_latest(bootstrap: str, topic: str, key: str, client_id: str) -> tuple[snap.Snapshot, int] | None:
    """The latest snapshot written under `key`, and its size in bytes; None if there is none.
    Reads the last message first (the usual case: one matcher app per topic prefix); scans the
    partition only if the last message belongs to another app."""
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, client_id=client_id, group_id=None, enable_auto_commit=False,
                         auto_offset_reset="earliest", max_partition_fetch_bytes=SNAPSHOT_MAX_BYTES + 65536,
                         fetch_max_bytes=SNAPSHOT_MAX_BYTES + 65536, request_timeout_ms=10000)
    try:
        await c.start()
    except BaseException:
        await stop_quietly(c)
        raise
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        end = (await c.end_offsets([tp]))[tp]
        if end == 0:
            return None
        found: bytes | None = None
        for start in (end - 1, None):
            if start is None:
                await c.seek_to_beginning(tp)
            else:
                c.seek(tp, start)
            while True:
                batch = await c.getmany(tp, timeout_ms=2000)
                for r in batch.get(tp, []):
                    if r.key == key.encode() and r.value:
                        found = r.value
                if await c.position(tp) >= end:
                    break
            if found is not None:
                break
        if found is None:
            return None
        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        s = await loop.run_in_executor(None, snap.decode, found)
        log.info("snapshot loaded: %d bytes, decoded in %.0f ms", len(found), (time.perf_counter() - t0) * 1000)
        return s, len(found)
    finally:
        await c.stop()


async def write(producer: AIOKafkaProducer, topic: str, key: str, data: bytes) -> None:
    await producer.send_and_wait(topic, key=key.encode(), value=data)
