"""Replay bookkeeping: the matcher rebuilds its state from the log on every start.

Before the worker starts, the matcher's consumer group is deleted, so its agents read every topic
from the beginning (compacted state topics hold the latest resource states; the needs and
assignments logs are kept). It does not match until it has read up to the end offsets seen at start,
so it never re-proposes for a need whose proposal it has not read back yet.
"""
from __future__ import annotations

import logging

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import GroupIdNotFoundError, KafkaError

log = logging.getLogger(__name__)


def reset_group(bootstrap: str, group_id: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=f"{group_id}-reset")
    try:
        admin.delete_consumer_groups([group_id])
        log.info("consumer group %s reset: replaying the log", group_id)
    except (GroupIdNotFoundError, KafkaError) as exc:
        log.info("consumer group %s not reset (%s): first start", group_id, type(exc).__name__)
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
