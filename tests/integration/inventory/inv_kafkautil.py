"""Reading the test's prefixed topics from the start with kafka-python (no consumer group), and
holding stock the one way there is: a matcher's proposal on the assignments topic."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from kafka import KafkaConsumer, KafkaProducer

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_common.events import meta, new_id
from baolei_events.v1 import assignments_pb2


def produce(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, key=key, value=value).get(timeout=30)
        producer.flush()
    finally:
        producer.close()


def wait_for(bootstrap: str, topic: str, match: Callable[[bytes, bytes], object], *,
             deadline_s: float = 60.0):
    """The first decoded value `match(key, value)` returns truthy, reading from the beginning."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=1000)
    end = time.monotonic() + deadline_s
    try:
        while time.monotonic() < end:
            for record in consumer:
                found = match(record.key, record.value)
                if found:
                    return found
        raise AssertionError(f"nothing matching on {topic} within {deadline_s} s")
    finally:
        consumer.close()


def eventually(check: Callable[[], object], *, deadline_s: float = 60.0, every_s: float = 0.2):
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("condition not met before the deadline")
        time.sleep(every_s)


def propose_picks(kafka: KafkaSettings, assignment_id: str, picks: list[tuple[str, str, int]],
                  need_id: str = "", hold_expires_at: datetime | None = None) -> None:
    """Publish the matcher's proposal of `picks` (warehouse, sku, quantity) for an assignment: the
    inventory's consumer holds them, all or none (the HTTP API has no hold writes)."""
    need = need_id or f"n-{assignment_id}"
    dated = {}
    if hold_expires_at is not None:
        dated["hold_expires_at"] = Timestamp()
        dated["hold_expires_at"].FromDatetime(hold_expires_at)
    event = assignments_pb2.AssignmentEvent(
        meta=meta(producer="matcher", event_id=new_id("ev-")),
        proposed=assignments_pb2.AssignmentProposed(
            assignment_id=assignment_id, need_id=need,
            picks=[assignments_pb2.SupplyPick(warehouse_id=w, sku=sku, quantity=q) for w, sku, q in picks],
            **dated))
    produce(kafka.bootstrap_servers, kafka.topic(topics.ASSIGNMENTS), need.encode(), event.SerializeToString())
