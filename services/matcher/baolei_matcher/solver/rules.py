"""The hard rules of a plan, each written once as a small pure function.

Why: the rooms model, the bus stage, re-hoteling, the explanations and the in-package validator
(`validate.py`) must all mean the same thing by "fits", "accepts" or "in time". Each rule lives
here and nowhere else; callers pass plain values (room counts, seats, times in any ordered unit:
integer seconds in the solver, datetimes in the validator), so the functions stay pure and cheap.
`tools/check_plan.py` is the contract's independent checker and is deliberately *not* built on
this module: the tests run both on the same plans so each catches the other's mistakes.

Rules (contracts/solve.md):
- the hotel accepts the need's risk category (`hotel_accepts`);
- rooms fit with upgrades, never downgrades: the same number of rooms, at least the family and
  accessible rooms asked, a standard room may become a family or accessible one (`rooms_cover`,
  `fit`, `short_type`);
- one hotel per need (`one_hotel_per_need`);
- one risk category per trip (`one_risk_per_trip`);
- seats × load limit (`bus_capacity`, `seats_ok`);
- shift, turnaround and bus-day timing (`starts_when_free`, `reaches_in_time`, `picks_up_when_ready`,
  `arrives_when_open`, `arrives_in_shift`, `free_after`);
- stock never over what is available: rooms of a hotel and staples of a warehouse (`within`,
  `stock_within`).

And the one soft rule every stage must price the same way, goal 3 "be quick and on time"
(`time_cost`, `LATE_EXTRA`): person-minutes from `ready_at` to arrival at the hotel, with each
minute after `due_at` counting LATE_EXTRA more.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeVar

from baolei_common.rooms import Rooms

T = TypeVar("T")

# Slack for times written as ISO strings: the same 0.01 minute the contract's checker allows.
TIME_EPS_S = 0.6
# Goal 3: a minute past `due_at` costs 1 (it is also a minute of waiting) + LATE_EXTRA.
LATE_EXTRA = 2.0


def time_cost(wait_pm: float, late_pm: float) -> float:
    """The cost of time to isolation: person-minutes from ready to arrival at the hotel
    (`wait_pm`), plus LATE_EXTRA for each person-minute of it after `due_at` (`late_pm`). Both
    may already carry a need's `time_weight`."""
    return wait_pm + LATE_EXTRA * late_pm


# --- rooms -----------------------------------------------------------------------------------

def hotel_accepts(accepts: Iterable[str], risk: str) -> bool:
    """The hotel takes people of this risk category."""
    return risk in accepts


def rooms_cover(asked: Rooms, given: Rooms) -> bool:
    """`given` honours `asked`: as many rooms in all, never fewer family or accessible rooms
    (a standard room may be upgraded, nothing is downgraded)."""
    return (given.total() == asked.total() and given.family >= asked.family
            and given.accessible >= asked.accessible)


def within(used: Rooms, cap: Rooms) -> bool:
    """Every room type used is within what is there."""
    return used.standard <= cap.standard and used.family <= cap.family and used.accessible <= cap.accessible


def fits_counts(s: Any, f: Any, a: Any, cap_s: Any, cap_f: Any, cap_a: Any) -> Any:
    """The fit rule on plain counts: works on ints and element-wise on numpy arrays (one need
    against many hotels at once). Family and accessible rooms are never substituted; standard
    rooms may take any type left over."""
    return (f <= cap_f) & (a <= cap_a) & (s <= cap_s + (cap_f - f) + (cap_a - a))


def short_type(asked: Rooms, cap: Rooms) -> str | None:
    """The room type that makes `asked` not fit `cap` even with upgrades, or None if it fits.
    Family and accessible rooms are never substituted; standard rooms may take any type left."""
    if asked.family > cap.family:
        return "family"
    if asked.accessible > cap.accessible:
        return "accessible"
    if not fits_counts(asked.standard, asked.family, asked.accessible, cap.standard, cap.family, cap.accessible):
        return "standard"
    return None


def fit(asked: Rooms, cap: Rooms) -> Rooms | None:
    """Rooms given if `asked` fits `cap` (upgrading standard rooms to family first, then
    accessible), else None. The result always satisfies `rooms_cover` and `within`."""
    if short_type(asked, cap) is not None:
        return None
    gs = min(asked.standard, cap.standard)
    gf = min(asked.standard - gs, cap.family - asked.family)
    ga = asked.standard - gs - gf
    return Rooms(gs, asked.family + gf, asked.accessible + ga)


def one_hotel_per_need(needs: Iterable[str]) -> list[str]:
    """Needs that appear in more than one room assignment (empty when the rule holds)."""
    return sorted(n for n, k in Counter(needs).items() if k > 1)


# --- buses -----------------------------------------------------------------------------------

def one_risk_per_trip(risks: Iterable[str]) -> bool:
    """A trip carries people of one risk category only."""
    return len(set(risks)) <= 1


def bus_capacity(seats: int, load_limit: float) -> int:
    """People allowed aboard: floor(seats × load limit), as the checker computes it."""
    return int(math.floor(seats * load_limit + 1e-9))


def seats_ok(people: int, seats: int, load_limit: float) -> bool:
    return people <= bus_capacity(seats, load_limit)


def turnaround_s(turnaround_min: float) -> int:
    """The disinfection turnaround in whole seconds, rounded up."""
    return int(math.ceil(turnaround_min * 60 - 1e-9))


def free_after(arrive: T, turnaround: Any) -> T:
    """When a bus is free again after arriving at a hotel (`turnaround` in the unit of `arrive`)."""
    free: T = arrive + turnaround  # T: int seconds or datetime, `turnaround` in the same unit
    return free


def starts_when_free(start: Any, free_at: Any, eps: Any = 0) -> bool:
    """A trip starts no earlier than the bus is free (shift start, or the last trip's turnaround)."""
    return bool(start >= free_at - eps)


def reaches_in_time(at: Any, leave: Any, drive: Any, eps: Any = 0) -> bool:
    """A stop (or the hotel) is reached no earlier than leaving the last place plus the drive."""
    return bool(at >= leave + drive - eps)


def picks_up_when_ready(at: Any, ready_at: Any) -> bool:
    return bool(at >= ready_at)


def arrives_when_open(arrive: Any, open_at: Any | None) -> bool:
    return open_at is None or bool(arrive >= open_at)


def arrives_in_shift(arrive: Any, shift_end: Any, eps: Any = 0) -> bool:
    """The trip (the bus day) ends at the hotel before the shift ends."""
    return bool(arrive <= shift_end + eps)


# --- stock -----------------------------------------------------------------------------------

def stock_within(drawn: int, available: int) -> bool:
    """Never more drawn from a warehouse than it holds (per SKU)."""
    return drawn <= available
