"""The matcher's one Kafka producer: proposals, unmet reasons, dead letters and snapshots.

acks=all and a publish timeout below the leader session: a proposal still unacknowledged when a
successor could take over is given up, never published twice."""
from __future__ import annotations

import logging

from aiokafka import AIOKafkaProducer

from baolei_matcher.adapters.feed import stop_quietly
from baolei_matcher.adapters.topics import SNAPSHOT_MAX_BYTES

log = logging.getLogger(__name__)


async def start_producer(bootstrap: str, client_id: str, publish_timeout_ms: int) -> AIOKafkaProducer:
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id=client_id, acks="all",
                         request_timeout_ms=publish_timeout_ms, linger_ms=0,
                         max_request_size=SNAPSHOT_MAX_BYTES, retry_backoff_ms=250)
    try:
        await p.start()
    except BaseException:
        await stop_quietly(p)
        raise
    return p


async def send_quietly(producer: AIOKafkaProducer, topic: str, key: bytes, value: bytes) -> None:
    """Send and wait, logging a failure instead of raising (a dead letter is best effort)."""
    try:
        await producer.send_and_wait(topic, key=key, value=value)
    except Exception as exc:
        log.warning("dead letter not sent: %s", exc)
