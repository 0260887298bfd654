"""Generated scenarios, deterministic by seed, from a handful of needs to city scale: the one entry
for every family. The families that are a city's share of every resource are made by
`generator_base.py`; issue 17's shapes (`stream_one_site`, `night_wave`) by
`generator_families.py`, which builds on the former (so the dispatch lives here, above both)."""
from __future__ import annotations

from typing import Any

from .generator_base import generate_city
from .generator_data import FAMILIES, SIZES
from .generator_families import generate_family

OWN_SHAPES = ("stream_one_site", "night_wave")


def generate(size: str = "small", family: str = "mixed", seed: int = 1) -> dict[str, Any]:
    """A scenario/v1 document."""
    if size not in SIZES or family not in FAMILIES:
        raise ValueError(f"size must be one of {list(SIZES)}, family one of {list(FAMILIES)}")
    if family in OWN_SHAPES:
        return generate_family(size, family, seed)
    return generate_city(size, family, seed)
