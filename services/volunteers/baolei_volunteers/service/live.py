"""Who receives which doorstep-task change on the live feed (issue 19 §6): a volunteer only changes
of their own tasks (proposed to them, expired, released, declined) and of the claim-board tasks they
may take (one taken by someone else disappears from their board); a community worker only their
community's tasks; the command center and viewers all. What is sent names the task and its new
status and nothing else of a household or another volunteer: the page re-reads through the API,
where the same rules apply."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from baolei_common import policy
from baolei_common.identity import Principal

MINE = ("proposed", "accepted", "started", "done", "confirmed")
CLAIMABLE = ("open", "unmet")


class Watcher:
    """One subscriber. For a volunteer, `held` and `board` are the task ids their page shows; the
    board is read again (`load`) when a task opens and the last reading is older than that change."""

    def __init__(self, actor: Principal, load: Callable[[], tuple[set[str], set[str]]]) -> None:
        self.actor = actor
        self._load = load
        self.held: set[str] = set()
        self.board: set[str] = set()
        self.loaded_at = float("-inf")

    @property
    def is_volunteer(self) -> bool:
        return self.actor.role == policy.VOLUNTEER

    def refresh(self, at: float) -> None:
        self.held, self.board = self._load()
        self.loaded_at = at

    def needs_refresh(self, s: dict[str, Any]) -> bool:
        """A volunteer's board may have gained this task: read it again (once for a burst)."""
        return (self.is_volunteer and s["status"] in CLAIMABLE and s["task_id"] not in self.board
                and s["volunteer_id"] != self.actor.user and self.loaded_at < s["seen"])

    def frame(self, s: dict[str, Any]) -> dict[str, Any] | None:
        """What this subscriber receives of a change (None: nothing)."""
        out = {"type": "task", "event": s["event"], "task_id": s["task_id"], "kind": s["kind"], "status": s["status"]}
        if not self.is_volunteer:
            everyone = policy.scope(self.actor, "doorstep.live") is policy.ANY
            if not everyone and s["community"] != self.actor.organisation:
                return None
            return {**out, "community": s["community"], "household_id": s["household_id"],
                    "volunteer_id": s["volunteer_id"]}
        tid, me = s["task_id"], self.actor.user
        ours = s["volunteer_id"] == me  # held by them, or just left them (released, declined, expired)
        mine = ours and s["status"] in MINE
        on_board = s["status"] in CLAIMABLE and tid in self.board and not ours
        was_shown = tid in self.held or tid in self.board
        if not (ours or on_board or was_shown):
            return None
        (self.held.add if mine else self.held.discard)(tid)
        if not on_board:
            self.board.discard(tid)
        return {**out, "mine": mine, "board": on_board}
