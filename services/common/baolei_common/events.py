"""Envelope helpers: event ids, timestamps, and the EventMeta every message carries."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp

from baolei_events.v1 import common_pb2


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def ts(value: datetime | None) -> Timestamp:
    """A protobuf Timestamp from an aware datetime (naive means UTC); empty for None."""
    out = Timestamp()
    if value is not None:
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        out.FromDatetime(value.astimezone(timezone.utc))
    return out


def from_ts(value: Timestamp) -> datetime | None:
    """An aware UTC datetime, or None for an unset Timestamp."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    return value.ToDatetime(tzinfo=timezone.utc)


def meta(*, producer: str, occurred_at: datetime | None = None, correlation_id: str = "",
         actor: str = "", event_id: str | None = None) -> common_pb2.EventMeta:
    now = utcnow()
    return common_pb2.EventMeta(
        event_id=event_id or new_id(),
        occurred_at=ts(occurred_at or now),
        recorded_at=ts(now),
        producer=producer,
        correlation_id=correlation_id,
        actor=actor,
    )
