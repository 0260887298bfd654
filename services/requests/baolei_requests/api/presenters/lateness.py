"""The wait and lateness of a need's current plan, as the need and proposal schemas carry them.

Why: the matcher sends how late a proposal arrives and a cause code (matcher solver/lateness.py);
the console marks every list that shows the need from these fields, and reads the words
("逾期 45 分钟：无更早可用车辆 / 45 min late: no bus free earlier") from baolei_common.lateness.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from baolei_common.lateness import late_words
from baolei_requests.domain.lifecycle import ACTIVE


class Late(Protocol):
    status: str
    late_minutes: int
    late_cause: str
    wait_minutes: int


def current(assignments: Iterable[Late]) -> Late | None:
    """The plan a need goes by now: its latest assignment still active (proposed to done)."""
    live = [a for a in assignments if a.status in ACTIVE]
    return live[-1] if live else None


def fields(a: Late | None) -> dict:
    """wait_minutes, late_minutes, late_cause, late_zh, late_en of an assignment (none: defaults)."""
    if a is None:
        return {}
    zh, en = late_words(a.late_minutes or 0, a.late_cause or "")
    return {"wait_minutes": a.wait_minutes or 0, "late_minutes": a.late_minutes or 0,
            "late_cause": a.late_cause or "", "late_zh": zh, "late_en": en}
