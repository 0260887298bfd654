"""An operator's request for a faster alternative to a need's proposal (issue 17, point 3).

Why: a proposal arriving hours after `due_at` must not be the last word. The requests service
releases the proposal (only while it is still proposed: it alone knows at that instant whether a
dispatcher has confirmed it) and the release carries the request (`AssignmentReleased.faster`),
so the matcher never re-solves the need between the two. Here the need is marked for its next
solve: lateness weighted higher (`time_weight`, honoured by the bus stage's cost through
`TransferNeed.time_weight`), or every bus but the named one excluded, with the same per-need
exclusions a decline uses. A named bus replaces the one asked for before; a weighted request lifts
a named-bus restriction (declines stay).
"""
from __future__ import annotations

from dataclasses import dataclass

from baolei_matcher.domain.entities import Need
from baolei_matcher.domain.state import MatcherState

MAX_TIME_WEIGHT = 100.0  # a request cannot make lateness outweigh serving people at all


@dataclass(frozen=True)
class Faster:
    need_id: str
    time_weight: float = 1.0
    bus_id: str = ""


def ask_faster(state: MatcherState, req: Faster) -> str:
    """Mark the need for its re-solve; its proposal is released by the same event."""
    need = state.needs.get(req.need_id)
    if need is None:
        return f"faster alternative for unknown need {req.need_id} ignored"
    need.excluded -= need.narrowed
    need.narrowed = set()
    need.only_bus = ""
    if req.bus_id:
        need.only_bus = req.bus_id
        need.narrowed = {f"bus:{b}" for b in state.buses if b != req.bus_id}
        need.excluded |= need.narrowed
    if req.time_weight > 1.0:
        need.time_weight = min(MAX_TIME_WEIGHT, float(req.time_weight))
    state.unmet.pop(need.id, None)
    return f"need {need.id}: faster alternative asked ({describe(need)[1]})"


def describe(need: Need) -> tuple[str, str]:
    """What the operator asked for, in words; empty when nothing was asked."""
    zh, en = [], []
    if need.time_weight > 1.0:
        zh.append(f"已按逾期加权（×{need.time_weight:g}）重新匹配")
        en.append(f"re-matched with lateness weighted ×{need.time_weight:g}")
    if need.only_bus:
        zh.append(f"已按指定车辆 {need.only_bus} 重新匹配")
        en.append(f"re-matched with the named bus {need.only_bus}")
    return "；".join(zh), "; ".join(en)


def unmet_words(need: Need, zh: str, en: str) -> tuple[str, str]:
    """Why a need solved with a named bus got nothing: the named bus cannot carry it, and why."""
    if not need.only_bus:
        return zh, en
    return (f"指定车辆 {need.only_bus} 无法承运：{zh}", f"the named bus {need.only_bus} cannot carry it: {en}")
