"""What the use cases need from the outside, as protocols: the Kafka producer and the leader
election satisfy them in production (adapters/), fakes in unit tests."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from baolei_matcher.domain.decisions import Proposal, Unmet
from baolei_matcher.domain.entities import Hold, Place


class Publisher(Protocol):
    """Sends a record; `send` returns once it is queued, with a future that resolves on delivery."""

    async def send(self, topic: str, key: bytes, value: bytes) -> asyncio.Future[Any]: ...


class Lease(Protocol):
    """May this process still publish as the active matcher?"""

    async def lease(self) -> bool: ...


class Encoder(Protocol):
    """Decisions as records of the assignments topic (the wire format is the adapter's)."""

    def proposal(self, p: Proposal, *, solve_id: str, now: datetime, bus_operators: dict[str, str],
                 hotel_sites: dict[str, Place]) -> tuple[Hold, bytes]:
        """The record, and the hold it makes (the same as when it is read back from the topic)."""
        ...

    def unmet(self, u: Unmet, *, solve_id: str) -> bytes: ...


@dataclass(frozen=True)
class Outlet:
    """Where a solve's decisions go: the assignments topic, while the lease holds."""

    publisher: Publisher
    lease: Lease
    encoder: Encoder
    assignments_topic: str
