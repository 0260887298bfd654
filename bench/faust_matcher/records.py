"""What the Faust matcher keeps in its tables, as bytes and primitives (no protobuf objects).

A need's table value is the need's own events, in the order they were read: each a frame of
(source, offset, payload), so an event read twice (at-least-once after a takeover) is kept once.
Needs and assignments are both keyed by need id on three partitions, so one table partition holds
everything about the needs of one source partition. A need that has left the state (cancelled,
or everything delivered) is deleted from the table; what its done jobs leave behind (rooms people
moved into, where each bus ends up) goes to a small per-partition aggregate."""
from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

NEED_EVENT, ASSIGNMENT_EVENT = 0, 1
_HEAD = struct.Struct(">BqI")


def frames(value: bytes | None) -> Iterator[tuple[int, int, bytes]]:
    """(source, offset, payload) of every event in a need's table value."""
    pos, view = 0, memoryview(value or b"")
    while pos < len(view):
        source, offset, n = _HEAD.unpack_from(view, pos)
        pos += _HEAD.size
        yield source, offset, bytes(view[pos:pos + n])
        pos += n


def appended(value: bytes | None, source: int, offset: int, payload: bytes) -> bytes | None:
    """The value with one more event; None when that event is in it already."""
    if any(s == source and o == offset for s, o, _ in frames(value)):
        return None
    return (value or b"") + _HEAD.pack(source, offset, len(payload)) + payload


def by_source(values: Iterable[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Every need event, then every assignment event (the order the aiokafka matcher replays in:
    needs first, then the assignments that refer to them)."""
    needs: list[bytes] = []
    assignments: list[bytes] = []
    for v in values:
        for source, _, payload in frames(v):
            (needs if source == NEED_EVENT else assignments).append(payload)
    return needs, assignments


def has_submission(value: bytes) -> bool:
    return any(s == NEED_EVENT for s, _, _ in frames(value))


def retired_updates(partition: int, rooms_taken: dict[str, dict[str, int]],
                    bus_after: dict[str, tuple[str, datetime]], get: Any) -> dict[bytes, Any]:
    """The aggregate keys a finished need's done jobs change, with their new values: per source
    partition and hotel, rooms taken per type (`r<p>:<hotel>`); per partition and bus, its latest
    arrival (ISO) and the hotel it arrived at (`b<p>:<bus>`). Each key is written from its own
    partition only, as Faust's changelog requires."""
    out: dict[bytes, Any] = {}
    for hotel, taken in rooms_taken.items():
        key = f"r{partition}:{hotel}".encode()
        into = json.loads(get(key) or b"{}")
        for t, k in taken.items():
            into[t] = into.get(t, 0) + k
        out[key] = into
    for bus, (hotel_id, free_at) in bus_after.items():
        key = f"b{partition}:{bus}".encode()
        last = json.loads(get(key) or b"null")
        if last is None or datetime.fromisoformat(last[0]) < free_at:
            out[key] = [free_at.isoformat(), hotel_id]
    return out
