"""Which matcher publishes: the member of the group `<APP_ID>-leader` that holds the only partition
of the leader topic. Kafka's group coordinator decides; nothing here votes.

Why a consumer group: the broker already detects a dead member (no heartbeat for the session
timeout, 6 s by default and the broker's minimum) and hands its partitions to the others. The
assignor below gives the partition to the member that took it last (each member tells, in its
join metadata, the group generation in which it was given the partition): a standby that joins
does not take leadership from a healthy active one, and a paused process that comes back with an
old claim does not take it back from its successor. (aiokafka's sticky assignor gave it back to the
paused one: aiokafka never tells that assignor the generation, so both claims look the same.)

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
from aiokafka.coordinator.assignors.abstract import AbstractPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment, ConsumerProtocolMemberMetadata

from baolei_matcher.adapters.feed import stop_quietly

log = logging.getLogger(__name__)


class LatestClaimAssignor(AbstractPartitionAssignor):
    """Every partition to the member with the latest claim (ties: the first member id); run by the
    group's leader member. Subclassed per Elector, since aiokafka calls assignors as classes."""

    name = "baolei-latest-claim"
    version = 0
    claim = -1  # the generation in which this process was given the partition; -1: never

    @classmethod
    def assign(cls, cluster, members):
        claims = {m: _claim(md.user_data) for m, md in members.items()}
        winner = max(sorted(members), key=lambda m: claims[m])
        topics = sorted({t for md in members.values() for t in md.subscription})
        parts = [(t, sorted(cluster.partitions_for_topic(t) or ())) for t in topics]
        return {m: ConsumerProtocolMemberAssignment(cls.version, parts if m == winner else [], b"")
                for m in members}

    @classmethod
    def metadata(cls, topics):
        return ConsumerProtocolMemberMetadata(cls.version, list(topics), str(cls.claim).encode())

    @classmethod
    def on_assignment(cls, assignment) -> None:
        pass


def _claim(user_data: bytes | None) -> int:
    try:
        return int(user_data or b"-1")
    except ValueError:
        return -1


class Elector(ConsumerRebalanceListener):
    def __init__(self, bootstrap: str, topic: str, group: str, client_id: str, *, session_timeout_ms: int,
                 heartbeat_ms: int, on_gain: Callable[[], None], on_loss: Callable[[], None]) -> None:
        self.bootstrap, self.topic, self.group, self.client_id = bootstrap, topic, group, client_id
        self.session_timeout_ms, self.heartbeat_ms = session_timeout_ms, heartbeat_ms
        self.tp = TopicPartition(topic, 0)
        self.on_gain, self.on_loss = on_gain, on_loss
        self.holding = False
        self.consumer: AIOKafkaConsumer | None = None
        self.assignor: type[LatestClaimAssignor] = type("LeaderAssignor", (LatestClaimAssignor,), {"claim": -1})

    # --- ConsumerRebalanceListener: called by the consumer's group coordinator -------------------
    def on_partitions_revoked(self, revoked) -> None:
        if self.holding:
            self.holding = False
            log.info("leader partition revoked: standby now / 失去主节点身份，转为备用")
            self.on_loss()

    def on_partitions_assigned(self, assigned) -> None:
        if self.tp in set(assigned) and not self.holding:
            self.holding = True
            coordinator = getattr(self.consumer, "_coordinator", None)
            self.assignor.claim = max(self.assignor.claim + 1, getattr(coordinator, "generation", 0))
            log.info("leader partition assigned: taking over / 获得主节点身份，开始接管")
            self.on_gain()

    # --- running ------------------------------------------------------------------------------
    async def start(self) -> None:
        c = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, client_id=self.client_id, group_id=self.group,
                             enable_auto_commit=False, auto_offset_reset="latest",
                             session_timeout_ms=self.session_timeout_ms, heartbeat_interval_ms=self.heartbeat_ms,
                             rebalance_timeout_ms=self.session_timeout_ms, max_poll_interval_ms=60000,
                             request_timeout_ms=max(10000, self.session_timeout_ms + 2000), retry_backoff_ms=250,
                             partition_assignment_strategy=(self.assignor,))
        c.subscribe([self.topic], listener=self)
        self.consumer = c  # before start: the first assignment may come during it (its generation is read)
        try:
            await c.start()
        except BaseException:
            self.consumer = None
            await stop_quietly(c)
            raise

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
