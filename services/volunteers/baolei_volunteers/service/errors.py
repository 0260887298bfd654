"""Refusals of the volunteers' use cases, in the one error shape (`baolei_common.problems`)."""
from __future__ import annotations

from baolei_common.problems import Conflict, NotFound, Problem

__all__ = ["Conflict", "Full", "Invalid", "NotFound", "RowsRefused"]


class Invalid(Problem):
    status = 422


class Full(Problem):
    """A bound reached (the tasks waiting for the matching loop): try again shortly."""
    status = 503


class RowsRefused(Exception):
    """A sheet whose rows the rules refuse, every one at once (row numbers count the header as row 1):
    `entries` are (row, field, reason_zh, reason_en); `forbidden` when any row is another community's."""

    def __init__(self, entries: list[tuple[int, str, str, str]], forbidden: bool) -> None:
        super().__init__(f"{len(entries)} row(s) refused")
        self.entries, self.forbidden = entries, forbidden
