"""Protobuf mapping at the edge, round-tripped; bytes that are not an event are refused."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from google.protobuf.message import DecodeError

from baolei_common.events import meta, ts
from baolei_events.v1 import assignments_pb2, stock_pb2
from baolei_inventory.adapters import proto
from baolei_inventory.domain.commands import ConfirmAssignment, HoldPicks, Ignore, ReleaseAssignment
from baolei_inventory.domain.model import Level, Pick, Warehouse


def test_stock_changed_round_trip():
    level = Level("wh-ft", "rice", on_hand=30, held=12, reserve=100)
    wh = Warehouse("wh-ft", "福田仓", "食品物资集团", "福田", 22.54, 114.05)
    msg = proto.stock_changed(level, wh, "bag", cause_text=proto.cause("hold", "mv-1", "as-1"),
                              occurred_at=datetime.now(timezone.utc), actor="t")
    back = stock_pb2.StockChanged.FromString(msg.SerializeToString())
    assert proto.level_of(back) == level
    assert back.available == 18 and back.cause == "hold movement=mv-1 assignment=as-1"
    assert proto.stock_key("wh-ft", "rice") == "wh-ft:rice"


def test_assignment_events_decode_to_commands():
    expires = datetime(2022, 1, 14, 12, tzinfo=timezone.utc)
    proposed = assignments_pb2.AssignmentEvent(
        meta=meta(producer="matcher", event_id="e1"),
        proposed=assignments_pb2.AssignmentProposed(
            assignment_id="a1", need_id="n1", hold_expires_at=ts(expires),
            picks=[assignments_pb2.SupplyPick(sku="rice", warehouse_id="w", quantity=3)]))
    assert proto.decode_assignment(proposed.SerializeToString()) == HoldPicks(
        "e1", "a1", "n1", (Pick("w", "rice", 3),), expires, "matcher")
    confirmed = assignments_pb2.AssignmentEvent(
        meta=meta(producer="requests", event_id="e2", actor="u"),
        confirmed=assignments_pb2.AssignmentConfirmed(assignment_id="a1", need_id="n1"))
    assert proto.decode_assignment(confirmed.SerializeToString()) == ConfirmAssignment("e2", "a1", "n1", "u")
    released = proto.assignment_released("a1", "n1", "expired")
    cmd = proto.decode_assignment(released.SerializeToString())
    assert isinstance(cmd, ReleaseAssignment) and cmd.reason == "expired"
    rooms_only = assignments_pb2.AssignmentEvent(
        meta=meta(producer="matcher", event_id="e3"),
        proposed=assignments_pb2.AssignmentProposed(assignment_id="a2"))
    assert isinstance(proto.decode_assignment(rooms_only.SerializeToString()), Ignore)


@pytest.mark.parametrize("payload", [b"", b"not a protobuf",
                                     assignments_pb2.AssignmentEvent().SerializeToString()])
def test_undecodable_or_anonymous_events_raise(payload):
    with pytest.raises((ValueError, DecodeError)):
        proto.decode_assignment(payload)


def test_an_answered_stock_ask_decodes_to_its_moves_and_anything_else_is_ignored():
    from datetime import date

    from baolei_events.v1 import asks_pb2
    from baolei_inventory.domain.commands import AnswerAsk, AskMove

    def answered(refused: bool = False, lot: str = "Q-1-1") -> bytes:
        who = meta(producer="requests", actor="食品物资集团调度")
        return asks_pb2.AskEvent(meta=who, answered=asks_pb2.AskAnswered(
            ask_id="Q-1", organisation="食品物资集团", refused=refused, stock_moved=[
                asks_pb2.StockMove(sku="rice", quantity=30, warehouse_id="wh-ft", lot=lot, expiry="2027-06-30"),
                asks_pb2.StockMove(sku="rice", quantity=5, warehouse_id="wh-ft", from_warehouse_id="wh-lh")])
        ).SerializeToString()

    cmd = proto.decode_ask(answered())
    assert isinstance(cmd, AnswerAsk) and cmd.organisation == "食品物资集团" and cmd.actor == "食品物资集团调度"
    assert cmd.moves == (AskMove("rice", 30, "wh-ft", "", "Q-1-1", date(2027, 6, 30)),
                         AskMove("rice", 5, "wh-ft", "wh-lh", "", None))
    assert isinstance(proto.decode_ask(answered(refused=True)), Ignore)
    sent = asks_pb2.AskEvent(meta=meta(producer="requests"), sent=asks_pb2.AskSent(ask_id="Q-1", kind="move_stock"))
    assert isinstance(proto.decode_ask(sent.SerializeToString()), Ignore)
    with pytest.raises(ValueError):  # a receipt without its lot is poison: dead-lettered by the loop
        proto.decode_ask(answered(lot=""))
