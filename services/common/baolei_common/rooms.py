"""Room counts and the occupancy rule, in one place.

`Rooms` is the one type for room counts: what a need asks, what a hotel has or has left, what is
given, from the API to the solver. The rule: a standard or accessible room holds one person, a
family room one to `FAMILY_ROOM_MAX` (three). Pure Python.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

ROOM_TYPES = ("standard", "family", "accessible")
FAMILY_ROOM_MAX = 3


@dataclass(frozen=True)
class Rooms:
    """Room counts by type; iterates as (standard, family, accessible)."""

    standard: int = 0
    family: int = 0
    accessible: int = 0

    @classmethod
    def of(cls, counts: Iterable[int]) -> Rooms:
        s, f, a = counts
        return cls(int(s), int(f), int(a))

    @classmethod
    def from_mapping(cls, counts: Mapping[str, int]) -> Rooms:
        return cls(*(int(counts.get(t, 0) or 0) for t in ROOM_TYPES))

    def as_dict(self) -> dict[str, int]:
        return {"standard": self.standard, "family": self.family, "accessible": self.accessible}

    def get(self, room_type: str) -> int:
        return int(getattr(self, room_type))

    def total(self) -> int:
        return self.standard + self.family + self.accessible

    def __iter__(self) -> Iterator[int]:
        yield self.standard
        yield self.family
        yield self.accessible

    def __add__(self, other: Rooms) -> Rooms:
        return Rooms(self.standard + other.standard, self.family + other.family, self.accessible + other.accessible)

    def __sub__(self, other: Rooms) -> Rooms:
        return Rooms(self.standard - other.standard, self.family - other.family, self.accessible - other.accessible)

    # the occupancy rule

    def min_people(self) -> int:
        """Fewest people these rooms are given to: one per room (no room stands empty)."""
        return self.total()

    def max_people(self) -> int:
        """Most people these rooms hold."""
        return self.standard + self.accessible + FAMILY_ROOM_MAX * self.family

    def fits(self, people: int) -> bool:
        """Do these rooms hold exactly `people`, each room used?"""
        return self.min_people() <= people <= self.max_people()

    def fitted_to(self, people: int) -> Rooms:
        """Rooms that hold `people`, starting from these: surplus rooms go (standard, then family,
        then accessible), a shortfall is made up with standard rooms (any room type may serve)."""
        r = {t: max(0, self.get(t)) for t in ROOM_TYPES}
        while sum(r.values()) > people:
            t = next(x for x in ROOM_TYPES if r[x] > 0)
            r[t] -= 1
        short = people - (r["standard"] + r["accessible"] + FAMILY_ROOM_MAX * r["family"])
        if short > 0:
            r["standard"] += short
        return Rooms.from_mapping(r)

    def kept_after(self, arrived: int) -> Rooms:
        """The rooms still taken once `arrived` people moved in: one-person rooms (standard, then
        accessible) are given back while there are more rooms than people and the rest still hold
        them; family rooms are kept (who shares them is not known), so a room is never counted free
        while someone may be in it."""
        kept = self.as_dict()
        for t in ("standard", "accessible"):
            while kept[t] > 0 and sum(kept.values()) > arrived and (
                    kept["standard"] + kept["accessible"] - 1 + FAMILY_ROOM_MAX * kept["family"]) >= arrived:
                kept[t] -= 1
        return Rooms.from_mapping(kept)
