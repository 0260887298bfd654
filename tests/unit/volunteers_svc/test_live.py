"""Who receives which task change on the volunteers' live feed: a volunteer their own tasks and their
board's (a task taken by someone else leaves it), nothing of others; a worker their community's."""
from __future__ import annotations

from baolei_common.identity import Principal
from baolei_volunteers.service.live import Watcher
from tests.unit.volunteers_svc.fakes import OP, OTHER_WORKER, WORKER, vol


def change(task_id: str, status: str, volunteer: str = "", event: str = "released", community: str = "莲花北社区",
           seen: float = 1.0) -> dict:
    return {"task_id": task_id, "community": community, "household_id": "H-1", "kind": "送餐", "status": status,
            "volunteer_id": volunteer, "event": event, "seen": seen}


def watcher(who: Principal, held: set[str], board: set[str]) -> tuple[Watcher, list[int]]:
    reads = [0]

    def load() -> tuple[set[str], set[str]]:
        reads[0] += 1
        return set(held), set(board)
    w = Watcher(who, load)
    w.refresh(0.0)
    return w, reads


def test_a_volunteer_receives_their_tasks_and_their_boards_and_nothing_else():
    w, _ = watcher(vol("V-1"), held={"T-held"}, board={"T-board"})
    proposed = w.frame(change("T-new", "proposed", "V-1", "proposed"))
    assert proposed == {"type": "task", "event": "proposed", "task_id": "T-new", "kind": "送餐",
                        "status": "proposed", "mine": True, "board": False}
    taken = w.frame(change("T-board", "accepted", "V-2", "claimed"))  # someone else claimed it
    assert taken is not None and not taken["mine"] and not taken["board"] and "volunteer_id" not in taken
    assert w.frame(change("T-board", "started", "V-2", "started")) is None  # gone from their page: no more
    expired = w.frame(change("T-held", "matching", "V-1", "released"))  # their hold expired
    assert expired is not None and not expired["mine"]
    assert w.frame(change("T-other", "accepted", "V-2", "accepted")) is None  # another volunteer's task
    assert w.frame(change("T-other", "open", "")) is None  # open, not on their board
    assert w.frame(change("T-jt", "proposed", "V-JT", "proposed", community="景田社区")) is None


def test_a_task_opening_on_the_board_is_read_once_per_burst():
    board = {"T-a"}
    w, reads = watcher(vol("V-1"), held=set(), board=board)
    board |= {"T-b", "T-c"}
    burst = [change("T-b", "open", seen=5.0), change("T-c", "open", seen=5.0), change("T-x", "open", seen=5.0)]
    got = []
    for s in burst:
        if w.needs_refresh(s):
            w.refresh(6.0)
        got.append(w.frame(s))
    assert reads[0] == 2  # the first reading, then one for the burst
    assert [g["task_id"] for g in got if g] == ["T-b", "T-c"] and all(g["board"] for g in got if g)


def test_a_worker_receives_their_communitys_tasks_and_the_command_center_all():
    s = change("T-1", "proposed", "V-1", "proposed")
    w, _ = watcher(WORKER, set(), set())
    assert w.frame(s)["volunteer_id"] == "V-1"
    assert Watcher(OTHER_WORKER, lambda: (set(), set())).frame(s) is None
    assert Watcher(OP, lambda: (set(), set())).frame(change("T-2", "open", community="景田社区")) is not None
