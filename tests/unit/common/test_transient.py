"""Transient is not poison: database and network failures are retried, bad messages dead-lettered."""
from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc

from baolei_common.consumer import is_transient, per_record


class Rec:
    def __init__(self, value: bytes) -> None:
        self.value = value


@pytest.mark.parametrize("err", [
    sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),   # the stall of issue 10
    sa_exc.OperationalError("SELECT 1", {}, Exception("database is locked")),
    sa_exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
    sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key processed_events")),
    ConnectionResetError("reset by peer"),
])
def test_database_and_network_failures_are_transient(err):
    assert is_transient(err)


@pytest.mark.parametrize("err", [ValueError("assignment event for unknown need"), KeyError("x"),
                                 TypeError("bad"), sa_exc.ProgrammingError("SELECT", {}, Exception("syntax"))])
def test_bad_messages_are_poison(err):
    assert not is_transient(err)


def test_per_record_reports_poison_and_raises_on_transient():
    def handler(_topic, record):
        if record.value == b"bad":
            raise ValueError("undecodable")
        if record.value == b"db-down":
            raise sa_exc.TimeoutError("pool")
    handle = per_record(handler)
    out = handle("t", [Rec(b"ok"), Rec(b"bad"), Rec(b"ok")])
    assert out[0] is None and isinstance(out[1], ValueError) and out[2] is None
    with pytest.raises(sa_exc.TimeoutError):
        handle("t", [Rec(b"ok"), Rec(b"db-down")])
