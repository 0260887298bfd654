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


@dataclass(frozen=True)
class ReserveForTask:
    """A 代购 doorstep task's staples (baolei.doorstep-stock.v1): held in one warehouse of `district`
    that has them all, or answered short."""

    event_id: str
    task_id: str
    district: str
    lines: tuple[tuple[str, int], ...]  # (sku, quantity)
    actor: str = "volunteers"


@dataclass(frozen=True)
class EndTask:
    """The task done (`consume`: issue what it holds) or cancelled or past its deadline (release)."""

    event_id: str
    task_id: str
    consume: bool
    reason: str = ""
    actor: str = "volunteers"


def task_hold_id(task_id: str) -> str:
    """The assignment id a doorstep task's holds are kept under (one namespace with assignments)."""
    return f"doorstep:{task_id}"


Command = HoldPicks | ConfirmAssignment | ReleaseAssignment | Ignore | AnswerAsk | ReserveForTask | EndTask
