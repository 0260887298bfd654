"""The Kafka topics of Baolei, created explicitly with their partitions and settings.

State topics (latest value per key) are compacted; event logs keep their history.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)

NEEDS = "baolei.needs.v1"
ASSIGNMENTS = "baolei.assignments.v1"
STOCK = "baolei.stock.v1"
PRICES = "baolei.prices.v1"
PRICE_ALERTS = "baolei.price-alerts.v1"
BUSES = "baolei.buses.v1"
HOTELS = "baolei.hotels.v1"
ASKS = "baolei.asks.v1"
DEADLETTER = "baolei.deadletter.v1"
MATCHER_LEADER = "baolei.matcher-leader.v1"
MATCHER_SNAPSHOTS = "baolei.matcher-snapshots.v1"
ZONES = "baolei.zones.v1"
VOLUNTEERS = "baolei.volunteers.v1"
HOUSEHOLDS = "baolei.households.v1"
DOORSTEP_TASKS = "baolei.doorstep-tasks.v1"
DOORSTEP_REQUESTS = "baolei.doorstep-requests.v1"
DOORSTEP_STOCK = "baolei.doorstep-stock.v1"

FOREVER = {"retention.ms": "-1"}
COMPACTED = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1", "segment.ms": "3600000"}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    key: str = ""
    message: str = ""
    producer: str = ""
    consumers: str = ""


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(NEEDS, 3, FOREVER, "need id", "NeedEvent", "requests", "matcher"),
    TopicSpec(ASSIGNMENTS, 3, FOREVER, "need id", "AssignmentEvent", "matcher, requests",
              "requests, inventory, matcher"),
    TopicSpec(STOCK, 3, COMPACTED, "warehouse:sku", "StockChanged", "inventory", "matcher, requests"),
    TopicSpec(PRICES, 3, FOREVER, "sku:district", "PriceObserved", "inventory", "inventory, requests"),
    TopicSpec(PRICE_ALERTS, 1, FOREVER, "sku:district", "PriceAlert", "inventory", "requests"),
    TopicSpec(BUSES, 3, COMPACTED, "bus id", "BusStatus", "requests", "matcher, requests"),
    TopicSpec(HOTELS, 3, COMPACTED, "hotel id", "HotelRooms", "requests", "matcher, requests"),
    TopicSpec(ASKS, 1, FOREVER, "ask id", "AskEvent", "requests", "requests (live feed), inventory (stock answers)"),
    TopicSpec(DEADLETTER, 1, {"retention.ms": str(30 * 24 * 3600 * 1000)}, "original key",
              "DeadLetter", "every consumer", "operators"),
    TopicSpec(MATCHER_LEADER, 1, {"retention.ms": "3600000"}, "(none)",
              "(none: its group elects the active matcher)", "(none)", "matcher"),
    TopicSpec(MATCHER_SNAPSHOTS, 1, {**COMPACTED, "segment.ms": "600000", "max.message.bytes": str(16 * 1024 * 1024)},
              "matcher APP_ID", "matcher state snapshot (zlib JSON)", "matcher", "matcher"),
    TopicSpec(ZONES, 3, COMPACTED, "compound id", "CompoundZone", "volunteers", "volunteers (console feeds)"),
    TopicSpec(VOLUNTEERS, 3, COMPACTED, "volunteer id", "VolunteerState", "volunteers", "(audit, dashboards)"),
    TopicSpec(HOUSEHOLDS, 3, COMPACTED, "household id", "HouseholdState", "volunteers", "(audit, dashboards)"),
    TopicSpec(DOORSTEP_TASKS, 3, FOREVER, "task id", "DoorstepTaskEvent", "volunteers", "(audit, dashboards)"),
    TopicSpec(DOORSTEP_REQUESTS, 3, FOREVER, "household id", "DoorstepTaskRequest", "hotline systems",
              "volunteers"),
    TopicSpec(DOORSTEP_STOCK, 3, FOREVER, "task id", "DoorstepStockEvent", "volunteers (asks), inventory (answers)",
              "inventory, volunteers"),
)


def ensure_topics(bootstrap_servers: str, prefix: str = "") -> list[str]:
    """Create every topic that does not exist yet; return the names created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="baolei-admin")
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(prefix + t.name, num_partitions=t.partitions, replication_factor=1,
                     topic_configs=dict(t.config))
            for t in TOPICS if prefix + t.name not in existing
        ]
        if wanted:
            try:
                admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
        created = [t.name for t in wanted]
        _wait_for_leaders(admin, [prefix + t.name for t in TOPICS], {prefix + t.name: t.partitions for t in TOPICS})
        log.info("topics ready: %d created, %d existed", len(created), len(TOPICS) - len(created))
        return created
    finally:
        admin.close()


def delete_topics(bootstrap_servers: str, prefix: str, timeout_ms: int = 15000) -> list[str]:
    """Delete every topic under a (non-empty) prefix; return their names. A broker holding thousands
    of stale topics from old runs answers metadata requests slowly and every client pays for it."""
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="baolei-admin",
                             request_timeout_ms=timeout_ms)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine, timeout_ms=timeout_ms)
        return mine
    finally:
        admin.close()


def _wait_for_leaders(admin: KafkaAdminClient, names: list[str], partitions: dict[str, int],
                      timeout_s: float = 30.0) -> None:
    """Return once every topic is in the metadata with all its partitions led. A freshly created
    topic can show up for a moment with no partitions led; a consumer without a group that reads
    the metadata then assigns itself nothing and looks again only minutes later."""
    deadline = time.monotonic() + timeout_s
    while True:
        missing = []
        for t in admin.describe_topics(names):
            parts = [p for p in t.get("partitions", []) if p.get("leader", -1) >= 0]
            if t.get("error_code") or len(parts) < partitions[t["topic"]]:
                missing.append(t["topic"])
        if not missing:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics without a leader after {timeout_s:g} s: {sorted(missing)}")
        time.sleep(0.2)
