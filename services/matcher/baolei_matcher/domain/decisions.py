"""What a re-match decides: proposals to hold resources, and needs it cannot serve, with reasons."""
from __future__ import annotations

from dataclasses import dataclass, field

from baolei_common.rooms import Rooms
from baolei_matcher.domain.entities import Pick, Trip


@dataclass
class Proposal:
    assignment_id: str
    need_id: str
    kind: str
    hotel_id: str = ""
    hotel_operator: str = ""
    rooms: Rooms = field(default_factory=Rooms)
    trips: list[Trip] = field(default_factory=list)
    picks: list[Pick] = field(default_factory=list)
    people: int = 0
    people_unserved: int = 0
    quantity_unserved: dict[str, int] = field(default_factory=dict)
    explanation_zh: str = ""
    explanation_en: str = ""
    wait_minutes: int = 0  # ready_at -> last arrival at the hotel (transfers)
    late_minutes: int = 0  # after due_at; 0 when on time
    late_cause: str = ""  # solver/lateness.py CAUSES, when late


@dataclass
class Unmet:
    need_id: str
    code: str
    reason_zh: str
    reason_en: str


@dataclass
class Decisions:
    solve_id: str
    proposals: list[Proposal] = field(default_factory=list)
    unmet: list[Unmet] = field(default_factory=list)
    status: str = "feasible"
