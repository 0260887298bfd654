"""The matcher's own topics: its leader election and its state snapshots.

Why here: the shared topic list (`baolei_common.topics`) belongs to the platform; until these two
are added there, the matcher creates them itself at start, with the same admin client and the same
"every partition led" wait. Both have one partition:
- `baolei.matcher-leader.v1`: never written; matchers consume it in the group `<APP_ID>-leader`, and
  the one the broker assigns its only partition is the active one (Kafka's group membership is the
  lease: a member that stops heartbeating loses it after the session timeout).
- `baolei.matcher-snapshots.v1`: compacted, key = APP_ID, value = the latest snapshot of the state
  (zlib-compressed JSON, see domain/snapshot.py); up to 16 MiB a message.
"""
from __future__ import annotations

import logging

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from baolei_common import topics

log = logging.getLogger(__name__)

LEADER = "baolei.matcher-leader.v1"
SNAPSHOTS = "baolei.matcher-snapshots.v1"
SNAPSHOT_MAX_BYTES = 16 * 1024 * 1024

MATCHER_TOPICS: dict[str, dict[str, str]] = {
    LEADER: {"retention.ms": str(3600 * 1000)},
    SNAPSHOTS: {**topics.COMPACTED, "segment.ms": str(600 * 1000), "max.message.bytes": str(SNAPSHOT_MAX_BYTES)},
}


def ensure_all(bootstrap: str, prefix: str) -> dict[str, list[int]]:
    """The shared topics, then the matcher's own; returns every topic's partition ids.
    Raises (NoBrokersAvailable, …) if Kafka is down."""
    topics.ensure_topics(bootstrap, prefix)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="baolei-matcher-admin")
    try:
        existing = set(admin.list_topics())
        wanted = [NewTopic(prefix + name, num_partitions=1, replication_factor=1, topic_configs=dict(cfg))
                  for name, cfg in MATCHER_TOPICS.items() if prefix + name not in existing]
        if wanted:
            try:
                admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
            log.info("created %s", ", ".join(t.name for t in wanted))
        names = [prefix + n for n in MATCHER_TOPICS]
        topics._wait_for_leaders(admin, names, {n: 1 for n in names})
        every = names + [prefix + t.name for t in topics.TOPICS]
        return {t["topic"]: sorted(p["partition"] for p in t.get("partitions", []))
                for t in admin.describe_topics(every)}
    finally:
        admin.close()
