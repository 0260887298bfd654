"""Which matcher publishes: the member of the group `<APP_ID>-leader` that holds the only partition
of the leader topic. Kafka's group coordinator decides; nothing here votes.

Why a consumer group: the broker already detects a dead member (no heartbeat for the session
timeout, 6 s by default and the broker's minimum) and hands its partitions to the others. The
sticky assignor keeps the partition where it is when a standby joins, so a new standby does not
take leadership from a healthy active one.

Publishing is fenced twice: a member stops at once when the partition is revoked (the listener
below runs before any rebalance), and before each batch the active commits an offset on the
partition, which the coordinator accepts only from the member of the current generation that owns
it (`lease()`); the proposals of that batch go out within the producer's request timeout (3 s),
well inside the session timeout a successor has to wait before it is given the partition.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor

from baolei_matcher.adapters.feed import stop_quietly

log = logging.getLogger(__name__)


class Elector(ConsumerRebalanceListener):
    def __init__(self, bootstrap: str, topic: str, group: str, client_id: str, *, session_timeout_ms: int,
                 heartbeat_ms: int, on_gain: Callable[[], None], on_loss: Callable[[], None]) -> None:
        self.bootstrap, self.topic, self.group, self.client_id = bootstrap, topic, group, client_id
        self.session_timeout_ms, self.heartbeat_ms = session_timeout_ms, heartbeat_ms
        self.tp = TopicPartition(topic, 0)
        self.on_gain, self.on_loss = on_gain, on_loss
        self.holding = False
        self.consumer: AIOKafkaConsumer | None = None

    # --- ConsumerRebalanceListener: called by the consumer's group coordinator -------------------
    def on_partitions_revoked(self, revoked) -> None:
        if self.holding:
            self.holding = False
            log.info("leader partition revoked: standby now / 失去主节点身份，转为备用")
            self.on_loss()

    def on_partitions_assigned(self, assigned) -> None:
        if self.tp in set(assigned) and not self.holding:
            self.holding = True
            log.info("leader partition assigned: taking over / 获得主节点身份，开始接管")
            self.on_gain()

    # --- running ------------------------------------------------------------------------------
    async def start(self) -> None:
        c = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, client_id=self.client_id, group_id=self.group,
                             enable_auto_commit=False, auto_offset_reset="latest",
                             session_timeout_ms=self.session_timeout_ms, heartbeat_interval_ms=self.heartbeat_ms,
                             rebalance_timeout_ms=self.session_timeout_ms, max_poll_interval_ms=60000,
                             request_timeout_ms=max(10000, self.session_timeout_ms + 2000), retry_backoff_ms=250,
                             partition_assignment_strategy=(StickyPartitionAssignor,))
        c.subscribe([self.topic], listener=self)
        try:
            await c.start()
        except BaseException:
            await stop_quietly(c)
            raise
        self.consumer = c

    async def run(self) -> None:
        """Poll: the group's membership needs a consumer that keeps asking (nothing is ever written)."""
        assert self.consumer is not None
        while True:
            try:
                await self.consumer.getmany(timeout_ms=1000)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("leader group: %s: %s; rejoining", type(exc).__name__, exc)
                await asyncio.sleep(1)

    async def lease(self, timeout_s: float = 2.0) -> bool:
        """True if the coordinator still takes this member as the owner of the partition, now."""
        if not self.holding or self.consumer is None:
            return False
        try:
            await asyncio.wait_for(self.consumer.commit({self.tp: 0}), timeout_s)
            return self.holding
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("leader lease not confirmed (%s: %s): not publishing this batch / 未确认主节点租约，本批不发布",
                        type(exc).__name__, exc)
            return False

    async def stop(self) -> None:
        if self.consumer is not None:
            self.holding = False
            await self.consumer.stop()  # leaves the group: a standby takes over at once
