"""A benchmark checks its own set-up against the API's limits before it starts anything.

Why: `make bench` once failed twenty minutes in with `422 … rooms.standard 应不大于 10000` — the
load bench sized its hotels to the planned load, above the API's own limit for one hotel. The
limits are read from the services' schemas and configs (not copied), and a set-up beyond them stops
the bench at once with a message naming the figure, the limit and what to change.
"""
from __future__ import annotations

from baolei_inventory.api.schemas import MAX_QUANTITY
from baolei_requests.api.schemas import MAX_ROOMS
from baolei_requests.config import RequestsConfig

__all__ = ["MAX_QUANTITY", "MAX_ROOMS", "SetupBeyondLimits", "check", "fail_if", "import_max_bytes", "import_max_rows"]


class SetupBeyondLimits(SystemExit):
    """Raised before anything starts; its message is the whole explanation."""


def check(problems: list[str], what: str, value: int | float, limit: int | float, fix: str) -> None:
    """Collects one figure above its limit (call for each, then `fail_if(problems)`)."""
    if value > limit:
        problems.append(f"{what} = {value:,} exceeds the API's limit of {limit:,}; {fix}")


def fail_if(bench: str, problems: list[str]) -> None:
    if problems:
        raise SetupBeyondLimits(f"[{bench}] set-up beyond the API's limits, nothing started:\n  - "
                                + "\n  - ".join(problems))


def import_max_rows() -> int:
    """Rows one spreadsheet import may have (BAOLEI_REQUESTS_IMPORT_MAX_ROWS or the default)."""
    return RequestsConfig().import_max_rows


def import_max_bytes() -> int:
    """Bytes of one spreadsheet import (BAOLEI_REQUESTS_IMPORT_MAX_BYTES or the default)."""
    return RequestsConfig().import_max_bytes
