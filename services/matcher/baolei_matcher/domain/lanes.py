"""Two lanes in a round: answers first, woken needs after, so a wake-up never delays an answer.

Why: a release or a new bus may wake thousands of needs found unmet (domain/wakeups.py says which).
They are worth solving again, but not before a need still waiting for an answer — a new need, or
one whose proposal a hotel just declined. A round (app.py `_rematch_once`) keeps its queue per group
of declined resources; `next_group` takes a group holding an answer to give before a group of only
woken needs, and the Pacer orders answers first within a group. The woken needs are solved in
solves of their own, smaller (`RETRY_SOLVE_NEEDS`), with the budget of a solve with nothing queued
behind it, so an answer arriving meanwhile waits at most one such solve (about 0.6 s), not one 2 s
solve of a backlog's worth, and is never solved beside them (`one_lane`).
"""
from __future__ import annotations

from collections.abc import Container, Mapping

from baolei_matcher.domain.entities import Need

RETRY_SOLVE_NEEDS = 100  # needs of a solve of woken needs only: budget 0.2 s + 4 ms a need


def answers_waiting(pending: Mapping[frozenset[str], Mapping[str, Need]], answered: Container[str]) -> int:
    """How many needs queued in the round still wait for an answer (not found unmet before)."""
    return sum(1 for g in pending.values() for nid in g if nid not in answered)


def next_group(pending: Mapping[frozenset[str], Mapping[str, Need]], answered: Container[str]) -> frozenset[str]:
    """The group the next solve takes: one holding a need still waiting for an answer before one of
    only woken needs; among equals the group without declined resources (solved first, so the
    groups after it see what it took), then the order the groups were queued in."""
    order = {k: i for i, k in enumerate(pending)}

    def rank(k: frozenset[str]) -> tuple[bool, bool, int]:
        waiting = any(nid not in answered for nid in pending[k])
        return (not waiting, bool(k), order[k])

    return min(pending, key=rank)


def one_lane(chunk: list[Need], answered: Container[str], cut: Container[str]) -> list[Need]:
    """The needs of a solve from the Pacer's pick: the answers in it only (a new need, a declined
    one, one cut off by the time limit), so an answer is never solved beside a hundred woken needs;
    or, when it holds none, at most RETRY_SOLVE_NEEDS woken needs (most urgent first, as picked)."""
    first = [n for n in chunk if n.id not in answered or n.id in cut]
    return first or chunk[:RETRY_SOLVE_NEEDS]
