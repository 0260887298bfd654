"""The handler of `baolei.doorstep-requests.v1` (a hotline's call centre raises doorstep tasks
over Kafka) and of the inventory's answers on `baolei.doorstep-stock.v1` (a 代购 task's pickup or
shortfall). Each record is decoded and applied once (its event id is recorded in the same
transaction as the task); a record that cannot be used raises, and the shared consumer loop
dead-letters it."""
from __future__ import annotations

import logging
from typing import Any

from baolei_common import topics
from baolei_common.events import utcnow
from baolei_common.identity import Principal
from baolei_common.policy import OPERATOR
from baolei_volunteers.adapters.proto import decode_request, decode_stock_answer
from baolei_volunteers.service.tasks import Tasks

log = logging.getLogger(__name__)


class HotlineHandler:
    """`(logical topic, record) -> None` for `baolei_common.consumer.ConsumerLoop`."""

    def __init__(self, tasks: Tasks) -> None:
        self._tasks = tasks
        self.applied = 0

    def __call__(self, logical: str, record: Any) -> None:  # an aiokafka ConsumerRecord
        if logical == topics.DOORSTEP_STOCK:  # the inventory's answer to a 代购 task's reserve
            found = decode_stock_answer(record.value or b"")
            if found is not None:
                self._tasks.stock_answer(*found)
            return
        event_id, data = decode_request(record.value or b"")
        actor = Principal(user=str(data.pop("actor")), role=OPERATOR, organisation="12345热线")
        if self._tasks.raise_task(actor, data, utcnow(), source="hotline", event_id=event_id) is not None:
            self.applied += 1
