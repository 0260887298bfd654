"""Bus stage driver: multi-start insertion, then ruin-and-recreate, under the solve's deadline.

Why: which bus-minute price works best depends on how tight the fleet is, so insertion runs with
a few prices (cheap: well under a second at medium size) and the best start by (weighted unserved
people, time cost, km) is then improved by `improve.py` for the time left. Hotels of
needs not yet carried may move to where a trip goes (`rehotel.py`); each start works on its own
copy of the room book, and the winner's copy is written back. With a `previous` plan the stage
re-seeds its trips and routes only what is new, with hotels frozen: re-matching must not churn.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from baolei_common.rooms import Rooms

from .buses import GOAL3_W, THROUGHPUT_W, Router, route_all
from .fleet import BusState, Request, make_fleet
from .improve import Score, improve, score
from .model import Hotel, Scenario
from .plan import RoomAssignment, Trip, Unmet
from .rehotel import HotelChooser
from .travel import Travel
from .tripmoves import polish

logger = logging.getLogger(__name__)

BUSY_WEIGHTS = (2.0, 0.3, 0.0)  # bus-minute prices tried (tight fleets want 2, ample ones 0)
# ... in this order when the fleet is ample (a bus standing idle for every request): the first price
# is the only one of an incremental solve, and with buses to spare pricing their time only pushes
# people onto buses already busy, to wait behind their trips.
AMPLE_WEIGHTS = (0.0, 0.3, 2.0)
# The local search runs until the deadline less this reserve, kept for what follows it (freed rooms
# offered again, explanations: measured 0.0 s at medium size, 0.2 s at city size).
RESERVE_SHARE, RESERVE_S = 0.03, 0.05
# Switches for measuring (the benchmark's "insertion only" column); all on in production.
PHASES = {"rehotel": True, "polish": True, "improve": True}
POLISH_SHARE = 0.06            # time for the trip moves after each start, as a share of the limit
REHOTEL_MAX_NEEDS = 1500        # above this, trying other hotels makes insertion overrun (city scale)


# one start's outcome: score, router, requests, unmet, rooms, residual rooms
_Start = tuple[Score, Router, dict[str, Request], list[Unmet], dict[str, RoomAssignment], dict[str, Rooms]]


@dataclass
class BusOutcome:
    router: Router
    requests: dict[str, Request]
    unmet: list[Unmet]
    info: dict[str, Any] = field(default_factory=dict)


def route_buses(scenario: Scenario, travel: Travel, fixed_trips: list[Trip], room_of: dict[str, RoomAssignment],
                residual: dict[str, Rooms], frozen: set[str],
                make_requests: Callable[[dict[str, RoomAssignment]], dict[str, Request]],
                seed_previous: Callable[[Router, dict[str, Request], list[BusState]], None] | None,
                deadline: float, time_limit_s: float, say: Callable[[str], None],
                buses_short: bool = False) -> BusOutcome:
    """Route every need with rooms; `room_of` and `residual` are updated in place if hotels move.
    `buses_short`: the greedy baseline left people with rooms but no seat, so every start carries
    the most first; otherwise only starts after a first one (on the goals) that left some."""
    hotels: list[Hotel] = scenario.hotels
    incremental = seed_previous is not None
    best: _Start | None = None
    # With rooms short, freed rooms go to needs still without any (core's retry): do not reshuffle them.
    rooms_short = any(n.id not in room_of for n in scenario.transfers if n.people > 0)
    weights: tuple[float, ...] | None = None  # chosen once the first start's fleet is seeded
    starts: list[tuple[float, bool]] = []      # (bus-minute price, insert on lateness alone)
    i = 0
    while i == 0 or i < len(starts):
        left = deadline - time.perf_counter()
        if i and left < 0.4 * time_limit_s:  # keep time for the first run's answer and the rest
            break
        rooms = dict(room_of)
        resid = dict(residual)
        rehotel = (PHASES["rehotel"] and not incremental and not rooms_short
                   and len(room_of) <= REHOTEL_MAX_NEEDS)
        chooser = None if not rehotel else HotelChooser(hotels, travel, resid, rooms, frozen)
        fleet = make_fleet(scenario, travel, fixed_trips)
        router = Router(fleet, travel, chooser=chooser)
        requests = make_requests(rooms)
        if seed_previous is not None:
            seed_previous(router, requests, fleet)
        if weights is None:
            weights = busy_weights(fleet, requests)
            short = buses_short and weights is BUSY_WEIGHTS and not incremental
            starts = [(w, short) for w in weights]
        busy_w, throughput = starts[i]
        router.busy_w = busy_w
        if throughput:
            router.wait_w, router.late_w = THROUGHPUT_W
        unmet = route_all(router, list(requests.values()), deadline - 0.05 * time_limit_s)
        router.wait_w, router.late_w = GOAL3_W
        if not incremental and PHASES["polish"]:
            polish(router, min(deadline - 0.3 * time_limit_s, time.perf_counter() + POLISH_SHARE * time_limit_s))
        sc = score(router, requests)
        say(f"buses: busy weight {busy_w:g}: weighted unserved {sc[0]}, time cost {sc[1]:.0f}")
        if best is None or sc < best[0]:
            best = (sc, router, requests, unmet, rooms, resid)
        if i == 0 and weights is BUSY_WEIGHTS and not incremental and not starts[0][1] and sc[0] > 0:
            # Buses short after all: the first start, on the goals, left people without a seat, so
            # the next ones carry the most first (insertion on lateness alone pools more per trip),
            # at every price again. Not from the first start unless greedy already left people
            # without a seat: a fleet busy on paper (fewer idle buses than needs) often carries
            # everyone on the goals (city rooms short, seed 1: 46.6 min waits for pickup against
            # greedy's 0.5 when every start inserted on lateness alone; 0.6 now).
            starts = starts[:1] + [(w, True) for w in BUSY_WEIGHTS]
        i += 1
        if incremental:
            break  # incremental: one pass from the previous plan
    assert best is not None  # the first start always runs
    sc, router, requests, unmet, rooms, resid = best
    info: dict[str, Any] = {"start": sc}
    if not incremental and PHASES["improve"] and router.fleet and requests:
        until = deadline - (RESERVE_SHARE * time_limit_s + RESERVE_S)
        sc, info = improve(router, requests, until)
        say(f"buses: local search {info['iterations']} steps: weighted unserved {sc[0]}, time cost {sc[1]:.0f}")
        unmet = _still_unmet(router, requests, unmet)
    router.chooser = None  # rooms are the caller's again: later routing (retry) must not move them
    room_of.clear()
    room_of.update(rooms)
    residual.update(resid)
    return BusOutcome(router, requests, unmet, info)


def busy_weights(fleet: list[BusState], requests: dict[str, Request]) -> tuple[float, ...]:
    """The bus-minute prices to try, first the one that suits the fleet: AMPLE_WEIGHTS when at
    least as many buses have no trip yet as requests wait for a seat."""
    idle = sum(1 for b in fleet if not b.trips and b.cap > 0)
    waiting = sum(1 for r in requests.values() if r.remaining > 0)
    return AMPLE_WEIGHTS if idle >= waiting else BUSY_WEIGHTS


def _still_unmet(router: Router, requests: dict[str, Request], before: list[Unmet]) -> list[Unmet]:
    """Reasons for what the local search left unserved (it may serve more than insertion did)."""
    return [router.why_not(r) for r in requests.values() if r.remaining > 0]
