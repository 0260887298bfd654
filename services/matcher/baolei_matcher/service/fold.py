"""Folding what happened into the matcher's state: the only way the state changes besides the
matcher's own proposals. One function per kind of event, taking domain values (the Kafka edge,
adapters/inbound.py, decodes and calls these); what an event means for the state is the state's
(domain/state.py), what it may wake is wakeups'."""
from __future__ import annotations

from baolei_matcher.domain import wakeups
from baolei_matcher.domain.entities import Bus, Delivered, Hold, Hotel, Need, Stock
from baolei_matcher.domain.faster import Faster, ask_faster
from baolei_matcher.domain.occupancy import StayChange
from baolei_matcher.service.runtime import Runtime


def need_submitted(rt: Runtime, need: Need) -> None:
    rt.state.upsert_need(need)


def need_cancelled(rt: Runtime, need_id: str) -> None:
    rt.state.cancel_need(need_id)


def proposal_read(rt: Runtime, hold: Hold) -> None:
    """A proposal read back from the assignments topic (whoever proposed it) holds its resources."""
    rt.state.add_hold(hold)
    rt.state.unmet.pop(hold.need_id, None)
    rt.in_flight.discard(hold.assignment_id)


def confirmed(rt: Runtime, assignment_id: str) -> None:
    rt.state.confirm(assignment_id)


def released(rt: Runtime, need_id: str, assignment_id: str, reason: str, declined: list[str],
             faster: Faster | None, delivered: Delivered | None) -> None:
    st = rt.state
    st.exclude(need_id, declined)
    if faster is not None:
        ask_faster(st, faster)
    st.release(assignment_id, reason, delivered)


def told_unmet(rt: Runtime, need_id: str, code: str) -> None:
    if need_id in rt.state.needs:
        rt.state.unmet[need_id] = code


def stay_changed(rt: Runtime, change: StayChange) -> None:
    """People arrived at, left or stay longer at a hotel: its rooms over time."""
    rt.state.stay_changed(change)


def hotel_seen(rt: Runtime, hotel: Hotel) -> None:
    st = rt.state
    st.changes.add_rooms(hotel.id, wakeups.hotel_gain(st.hotels.get(hotel.id), hotel))
    st.hotels[hotel.id] = hotel


def bus_seen(rt: Runtime, bus: Bus) -> None:
    st = rt.state
    if wakeups.bus_gain(st.buses.get(bus.id), bus):
        st.changes.buses.add(bus.id)
    st.buses[bus.id] = bus


def stock_seen(rt: Runtime, stock: Stock, cause: str, assignment_id: str) -> None:
    rt.state.upsert_stock(stock, cause, assignment_id)
