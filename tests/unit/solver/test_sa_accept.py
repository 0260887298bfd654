"""The local search's acceptance rule on crafted scores (issue 17, point 5).

Why: `math.exp(-worse / temp)` overflowed when a step was later but shorter (`worse` < 0) at a
small temperature; in the streaming matcher the OverflowError aborted the whole re-match. The
scores below reach that case deterministically, without a search that happens to get there.
"""
from __future__ import annotations

import math

import pytest

from baolei_matcher.solver.improve import SA_KM_W, sa_accept


def _never() -> float:
    raise AssertionError("chance was asked although the rule decides")


def test_a_later_but_shorter_step_is_accepted_without_overflow():
    old, new, temp = (0, 1000.0, 90_000.0), (0, 1001.0, 10.0), 1e-4  # 1 person-min later, 89,990 km shorter
    worse = new[1] - old[1] + SA_KM_W * (new[2] - old[2])
    assert worse < 0
    with pytest.raises(OverflowError):
        math.exp(-worse / temp)  # what the rule computed before
    assert sa_accept(new, old, temp, _never) is True


def test_the_order_of_the_goals_decides_before_chance():
    assert sa_accept((0, 5.0, 5.0), (1, 0.0, 0.0), 0.0, _never) is True     # fewer unserved
    assert sa_accept((1, 0.0, 0.0), (0, 5.0, 5.0), 1e9, _never) is False    # more unserved: never
    assert sa_accept((0, 5.0, 5.0), (0, 5.0, 6.0), 0.0, _never) is True     # no worse
    assert sa_accept((0, 6.0, 5.0), (0, 5.0, 5.0), 0.0, _never) is False    # worse, no temperature
    assert sa_accept((0, 6.0, 5.0), (0, 5.0, 5.0), 1e-300, _never) is False  # worse, tiny temperature


def test_a_worse_step_is_taken_by_chance_at_a_warm_temperature():
    new, old = (0, 6.0, 5.0), (0, 5.0, 5.0)  # 1 person-min worse
    assert sa_accept(new, old, 1.0, lambda: 0.3) is True    # exp(-1) = 0.37
    assert sa_accept(new, old, 1.0, lambda: 0.4) is False
    assert sa_accept(new, old, 0.04, lambda: 0.0) is False  # 25 × temperature worse: not even tried
