"""Replay bookkeeping: the matcher rebuilds its state from the log on every start.

Each run consumes with a consumer group of its own (`<app_id>-<run id>`), so its agents read every
topic from the beginning (compacted state topics hold the latest resource states; the needs and
assignments logs are kept) and never wait for a crashed predecessor's session to time out. The
groups of earlier runs are deleted when they are empty. It does not match until it has read up to the end offsets seen at start,
so it never re-proposes for a need whose proposal it has not read back yet.
"""
from __future__ import annotations

import logging
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

log = logging.getLogger(__name__)


def run_group(app_id: str) -> str:
    return f"{app_id}-{uuid.uuid4().hex[:8]}"


def drop_old_groups(bootstrap: str, app_id: str, keep: str) -> None:
    """Best effort: delete the empty consumer groups of earlier runs."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=f"{app_id}-cleanup")
    try:
        old = [g for g, _ in admin.list_consumer_groups() if g.startswith(f"{app_id}-") and g != keep]
        if old:
            admin.delete_consumer_groups(old)  # non-empty groups are refused and left alone
            log.info("dropped %d consumer groups of earlier runs", len(old))
    except KafkaError as exc:
        log.info("could not drop old consumer groups: %s", exc)
    finally:
        admin.close()


def end_offsets(bootstrap: str, topic_names: list[str]) -> dict[tuple[str, int], int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tps = [TopicPartition(t, p) for t in topic_names for p in (consumer.partitions_for_topic(t) or ())]
        return {(tp.topic, tp.partition): off for tp, off in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


class Progress:
    """Tracks how far each topic-partition has been read against the end offsets seen at start."""

    def __init__(self, targets: dict[tuple[str, int], int]) -> None:
        self._targets = {k: v for k, v in targets.items() if v > 0}
        self._seen: dict[tuple[str, int], int] = {}
        self.caught_up = not self._targets

    def saw(self, topic: str, partition: int, offset: int) -> bool:
        """Record one message; True when this message completed the replay."""
        self._seen[(topic, partition)] = offset + 1
        if self.caught_up:
            return False
        if all(self._seen.get(k, 0) >= v for k, v in self._targets.items()):
            self.caught_up = True
            return True
        return False
