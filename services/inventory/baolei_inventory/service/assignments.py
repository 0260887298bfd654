"""The use cases of baolei.assignments.v1 (decode, dedupe by event id, hold / issue / release stock)
and of baolei.asks.v1 (stock a supply group added in answer to an ask: received or moved, once).

The one way stock is held for an assignment (the HTTP API only reads holds). A service-layer
module, not an adapter: it calls the stock use cases, and adapters never import the service layer.

Runs inside `baolei_common.consumer.ConsumerLoop` (a worker thread per message). Bytes that do not
decode raise, and the loop dead-letters them. The event id is recorded in `processed_events` in the
same transaction as the holds it causes, so a replayed event changes nothing: the first statement
claims the id (INSERT … ON CONFLICT DO NOTHING RETURNING; a concurrent worker with the same event
waits on the unique key and then finds it taken).
"""
from __future__ import annotations

import logging

from aiokafka import ConsumerRecord
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from baolei_common import topics
from baolei_common.outbox import add_event
from baolei_inventory.adapters import proto
from baolei_inventory.adapters.orm import OutboxRow
from baolei_inventory.domain.commands import (
    AnswerAsk,
    Command,
    ConfirmAssignment,
    EndTask,
    HoldPicks,
    Ignore,
    ReleaseAssignment,
    ReserveForTask,
)
from baolei_inventory.domain.errors import Conflict, DomainError, InsufficientStock
from baolei_inventory.domain.model import HoldStatus
from baolei_inventory.service.doorstep import doorstep
from baolei_inventory.service.stock import StockService

log = logging.getLogger(__name__)
_CLAIM = text("INSERT INTO processed_events (event_id, processed_at) VALUES (:id, CURRENT_TIMESTAMP)"
              " ON CONFLICT (event_id) DO NOTHING RETURNING event_id")


class AssignmentHandler:
    def __init__(self, stock: StockService) -> None:
        self.stock = stock

    def __call__(self, logical_topic: str, record: ConsumerRecord) -> None:
        decode = {topics.ASKS: proto.decode_ask, topics.DOORSTEP_STOCK: proto.decode_doorstep_stock}.get(
            logical_topic, proto.decode_assignment)
        command = decode(record.value or b"")
        outcome = self.handle(command)
        log.debug("handled %s[%d]@%d event=%s %s: %s", logical_topic, record.partition, record.offset,
                 command.event_id, type(command).__name__, outcome)

    def handle(self, command: Command) -> str:
        """Apply one command once; returns what happened, for the log line."""
        if isinstance(command, Ignore):  # nothing to do, so nothing to remember: no transaction
            return f"ignored ({command.why})"
        try:
            with self.stock.store.transaction() as s:
                if s.connection().execute(_CLAIM, {"id": command.event_id}).first() is None:
                    return "duplicate, skipped"
                return self._dispatch(s, command)
        except IntegrityError:  # the same event handled concurrently by another worker
            return "duplicate, skipped"

    def _dispatch(self, s, command: Command) -> str:
        stock = self.stock
        if isinstance(command, Ignore):
            return f"ignored ({command.why})"
        if isinstance(command, HoldPicks):
            try:
                holds = stock.hold_in(s, actor=command.actor, assignment_id=command.assignment_id,
                                      need_id=command.need_id, picks=list(command.picks),
                                      expires_at=command.hold_expires_at)
            except InsufficientStock as exc:
                add_event(s, OutboxRow, topics.ASSIGNMENTS, command.need_id or command.assignment_id,
                          proto.assignment_released(command.assignment_id, command.need_id, "stock_short"))
                return f"stock short for {command.assignment_id} ({exc.reason_en}); released"
            except Conflict as exc:
                return f"ignored ({exc.reason_en})"
            return f"held {len(holds)} line(s) for {command.assignment_id}"
        if isinstance(command, ConfirmAssignment):
            try:
                holds = stock.confirm_in(s, actor=command.actor or "dispatcher",
                                         assignment_id=command.assignment_id)
            except DomainError as exc:  # nothing held (e.g. it was short) or stock counted away
                log.info("confirm of %s not applied: %s", command.assignment_id, exc.reason_en)
                return f"not issued ({exc.reason_en})"
            return f"issued {len(holds)} line(s) for {command.assignment_id}"
        if isinstance(command, AnswerAsk):
            try:
                moved = stock.answer_ask_in(s, actor=command.actor, organisation=command.organisation,
                                            ask_id=command.ask_id, moves=list(command.moves))
            except DomainError as exc:  # a race since the answer was checked (stock moved away): none applied
                log.warning("ask %s's stock not applied: %s", command.ask_id, exc.reason_en)
                return f"ask {command.ask_id} not applied ({exc.reason_en})"
            return f"ask {command.ask_id}: {len(moved)} movement(s)"
        if isinstance(command, ReleaseAssignment):
            # "expired" comes from the requests service, the one owner of every hold's expiry
            status = HoldStatus.EXPIRED if command.reason == "expired" else HoldStatus.RELEASED
            holds = stock.release_in(s, actor=command.actor or "matcher",
                                     assignment_id=command.assignment_id,
                                     reason=command.reason or "released", status=status)
            return f"released {len(holds)} line(s) for {command.assignment_id}"
        if isinstance(command, ReserveForTask | EndTask):
            return doorstep(s, stock, command)
        raise TypeError(f"unknown command {command!r}")
