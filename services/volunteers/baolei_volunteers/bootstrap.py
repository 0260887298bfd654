"""Composition root: builds the store, the matcher (the solver of `baolei_volunteers.solver`), the
use cases and the Kafka workers from config. Nothing connects at import time."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from baolei_common import topics
from baolei_common.consumer import ConsumerLoop
from baolei_common.events import utcnow
from baolei_common.outbox import OutboxRelay
from baolei_common.uploads import Limits
from baolei_volunteers.adapters.db import Store, make_engine
from baolei_volunteers.adapters.orm import OutboxRow
from baolei_volunteers.adapters.uow import SqlUnitOfWork, leader
from baolei_volunteers.config import VolunteersConfig
from baolei_volunteers.service.hotline import HotlineHandler
from baolei_volunteers.service.matching import Matcher
from baolei_volunteers.service.registry import Registry
from baolei_volunteers.service.tasks import Tasks
from baolei_volunteers.service.views import Views
from baolei_volunteers.solver import solve


@dataclass
class Container:
    config: VolunteersConfig
    store: Store
    background: Store  # relay, consumer and hold expiry: a pool the API cannot starve
    matcher: Matcher
    registry: Registry
    tasks: Tasks
    views: Views
    background_tasks: Tasks

    @property
    def upload_limits(self) -> Limits:
        return Limits.of(self.config)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.background.sessions, OutboxRow, self.config.kafka)

    def matching_round(self) -> dict[str, int] | None:
        """One round of the matching loop when this replica holds the lease (None: nothing done)."""
        with leader(self.background) as lead:
            if not lead:
                return None
            return self.matcher.round(partial(SqlUnitOfWork, self.background), utcnow())

    def consumer(self) -> ConsumerLoop:
        return ConsumerLoop(self.config.kafka, [topics.DOORSTEP_REQUESTS, topics.DOORSTEP_STOCK],
                            self.config.consumer_group, HotlineHandler(self.background_tasks), service="volunteers")


def bootstrap(config: VolunteersConfig) -> Container:
    store = Store(make_engine(config.database_url, pool_size=config.db_pool_size, max_overflow=4))
    background = Store(make_engine(config.database_url, pool_size=config.background_pool_size, max_overflow=2))
    matcher = Matcher(solve, time_limit_s=config.solve_time_limit_s, hold_ttl_s=config.hold_ttl_s,
                      batch_areas=config.match_batch_areas, batch_tasks=config.match_batch_tasks)
    uow = partial(SqlUnitOfWork, store)
    return Container(config, store, background, matcher, Registry(uow, matcher),
                     Tasks(uow, matcher, config.max_pending_tasks), Views(uow, visit_gap_days=config.visit_gap_days),
                     Tasks(partial(SqlUnitOfWork, background), matcher, config.max_pending_tasks))
