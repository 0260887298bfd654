"""What the assignments and asks topics ask of the inventory, decoded at the edge into plain commands."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from baolei_inventory.domain.model import Pick


@dataclass(frozen=True)
class HoldPicks:
    event_id: str
    assignment_id: str
    need_id: str
    picks: tuple[Pick, ...]
    hold_expires_at: datetime | None = None
    actor: str = "matcher"


@dataclass(frozen=True)
class ConfirmAssignment:
    event_id: str
    assignment_id: str
    need_id: str = ""
    actor: str = ""


@dataclass(frozen=True)
class ReleaseAssignment:
    event_id: str
    assignment_id: str
    need_id: str = ""
    reason: str = ""
    actor: str = ""


@dataclass(frozen=True)
class Ignore:
    """An assignment event with nothing for the inventory (e.g. NeedUnmet, or no supply picks)."""

    event_id: str
    why: str


@dataclass(frozen=True)
class AskMove:
    """Staples a supply group adds in answer to an ask: received (no source) or moved from its own
    warehouse `from_warehouse_id` into `warehouse_id`."""
    sku: str
    quantity: int
    warehouse_id: str
    from_warehouse_id: str = ""
    lot: str = ""
    expiry: date | None = None


@dataclass(frozen=True)
class AnswerAsk:
    """An ask for stock answered (baolei.asks.v1): the moves to apply, once."""

    event_id: str
    ask_id: str
    organisation: str
    moves: tuple[AskMove, ...]
    actor: str = ""


Command = HoldPicks | ConfirmAssignment | ReleaseAssignment | Ignore | AnswerAsk
