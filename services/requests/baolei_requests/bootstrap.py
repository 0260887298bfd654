"""Composition root of the requests service: two pools, the admission gates (writes, reads) sized with the first,
and the background workers (outbox relay, assignments consumer, reconciliation) wired from config.
Nothing connects here; engines connect lazily on first use.

Why two pools: API requests get exactly as many connections as requests are admitted at once, so
an admitted request never waits for one (issue 10: 40 worker threads waiting on a pool of 15 locked
the service up); the background loops have a pool of their own, so request traffic cannot starve
them — the relay keeps publishing and the consumer keeps applying matches during a burst.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from baolei_common import topics
from baolei_common.admission import Admission
from baolei_common.consumer import BatchHandler, ConsumerLoop
from baolei_common.outbox import OutboxRelay
from baolei_common.reconcile import Reconciler
from baolei_common.uploads import Limits
from baolei_requests.adapters import db
from baolei_requests.adapters.live_audience import Audience
from baolei_requests.adapters.models import Outbox
from baolei_requests.config import RequestsConfig
from baolei_requests.domain.intake.checks import IntakeRules
from baolei_requests.domain.live_tickets import Tickets
from baolei_requests.service import assignment_events as handlers
from baolei_requests.service.backlog import Backlog
from baolei_requests.service.sql_uow import SqlUnitOfWork


@dataclass
class Container:
    config: RequestsConfig
    sessions: sessionmaker  # API requests
    snapshots: sessionmaker  # a need's status read: the same pool, no transaction on PostgreSQL (see db.py)
    background: sessionmaker  # relay, consumer, expiry, reconciliation
    gate: Admission  # everything but reads: intake, answers, registry
    reads: Admission  # GET and HEAD: never behind intake (issue 20)
    handler: BatchHandler

    @property
    def intake_rules(self) -> IntakeRules:
        return IntakeRules(clock_skew_s=self.config.intake_clock_skew_s,
                           max_ahead_days=self.config.intake_max_ahead_days)

    @property
    def import_limits(self) -> Limits:
        return Limits(max_bytes=self.config.import_max_bytes, max_rows=self.config.import_max_rows,
                      max_errors=self.config.import_max_errors)

    def uow(self) -> SqlUnitOfWork:
        """A unit of work of the background pool (hold expiry)."""
        return SqlUnitOfWork(self.background)

    def tickets(self) -> Tickets:
        """Single-use tickets for the live feed, signed alike in every worker."""
        return Tickets(self.config.tokens, self.config.live_ticket_ttl_s, self.config.live_ticket_secret)

    def audience(self) -> Audience:
        """Whose each live event is (read from the background pool)."""
        return Audience(self.background)

    def backlog(self, relay_connected: Callable[[], bool]) -> Backlog:
        """The matching backlog that pauses intake (closes at `intake_pause_s`, opens at half)."""
        return Backlog(self.background, relay_connected, high_s=self.config.intake_pause_s,
                       low_s=self.config.intake_pause_s / 2)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.background, Outbox, self.config.kafka, lease_s=self.config.outbox_lease_s)

    def consumer(self) -> ConsumerLoop:
        return ConsumerLoop(self.config.kafka, [topics.ASSIGNMENTS], self.config.consumer_group,
                            batch_handler=self.handler, service="requests")

    def reconciler(self) -> Reconciler:
        return Reconciler(self.config.kafka, topics.ASSIGNMENTS, self.config.consumer_group, self.handler,
                          handlers.processed_ids_fn(self.background), service="requests")

    def dispose(self) -> None:
        for maker in (self.sessions, self.background):
            maker.kw["bind"].dispose()


def bootstrap(config: RequestsConfig, notify: Callable[[dict], None] | None = None,
              observe_outcome: Callable[[float], None] | None = None) -> Container:
    """`notify` hears about every applied assignment event (the console's live feed);
    `observe_outcome` of each need's first outcome (seconds since submission; the metrics)."""
    engine = db.make_engine(config.database_url, pool_size=config.max_inflight + config.read_inflight,
                            max_overflow=0, pool_timeout_s=config.pool_timeout_s)
    background = db.make_engine(config.database_url, pool_size=config.background_pool_size, max_overflow=2,
                                pool_timeout_s=30)
    bg_sessions = db.make_sessions(background)
    gate = Admission(limit=config.max_inflight, max_wait_s=config.admission_wait_s,
                     max_queued=config.max_queued, exempt=("/api/live",))
    gate.intake_wait_s = config.intake_wait_s
    reads = Admission(limit=config.read_inflight, max_wait_s=max(2.0, config.admission_wait_s),
                      max_queued=config.read_queued, exempt=("/api/live",))
    return Container(config, db.make_sessions(engine), db.make_read_sessions(engine), bg_sessions, gate, reads,
                     handlers.make_batch_handler(bg_sessions, notify, observe_outcome))
