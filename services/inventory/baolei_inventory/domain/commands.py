"""What the assignments topic asks of the inventory, decoded at the edge into plain commands."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


Command = HoldPicks | ConfirmAssignment | ReleaseAssignment | Ignore
