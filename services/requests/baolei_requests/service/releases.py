"""Releasing an assignment: the AssignmentReleased event staged in the outbox (declined, expired,
cancelled, done with what was delivered, or released for a faster alternative)."""
from __future__ import annotations

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import assignments_pb2, needs_pb2
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Assignment
from baolei_requests.service.unit_of_work import UnitOfWork


def stage_release(uow: UnitOfWork, a: Assignment, reason: str, actor: str,
                  delivery: assignments_pb2.Delivery | None = None,
                  declined: list[assignments_pb2.ResourceRef] | None = None,
                  faster: needs_pb2.FasterRequested | None = None) -> None:
    body = assignments_pb2.AssignmentReleased(assignment_id=a.id, need_id=a.need_id, reason=reason,
                                              declined=declined or [], faster=faster)
    if delivery is not None:
        body.delivery.SetInParent()  # present even when nothing was delivered (that is news too)
        body.delivery.MergeFrom(delivery)
    ev = assignments_pb2.AssignmentEvent(
        meta=meta(producer=codec.PRODUCER, correlation_id=a.need_id, actor=actor), released=body)
    uow.add_event(topics.ASSIGNMENTS, a.need_id, ev)
