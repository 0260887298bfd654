"""The facts the use cases stage for publication (past tense): `kind` names the message (zone,
volunteer, household, task), `key` its Kafka key, `data` its fields. `adapters.proto` turns each
into protobuf on its topic. A module of its own so that service and adapters both use it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    data: dict[str, Any] = field(default_factory=dict)
