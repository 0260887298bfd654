"""`python -m baolei_volunteers.worker`: the matching loop in its own process (issue 19, item 7).

The HTTP service starts this process (`match_process`, on PostgreSQL) and starts it again when it
dies, so a solve never holds the API's interpreter (the GIL) and a raise never waits behind a round.
Leadership: the process holds a session advisory lock (`LEADER_LOCK`) on its own connection for its
whole life, so one process in the city matches at a time; the others wait for the lock. When the
leader dies (kill -9, a lost connection) PostgreSQL ends its session and the lock passes.
Recovery: a round takes its dirty areas out of `matching_dirty` before it solves; a process killed
mid-round would leave their tasks 匹配中 for ever, so a new leader first marks the area of every
task still 匹配中 dirty (`resume`) — nothing accepted waits unanswered after a restart.
The process also ends when its parent (the service) is gone.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Iterator
from functools import partial
from types import FrameType

from sqlalchemy import Connection, text

from baolei_common.events import utcnow
from baolei_volunteers.adapters.db import Store, make_engine
from baolei_volunteers.adapters.uow import LEADER_LOCK, SqlUnitOfWork
from baolei_volunteers.config import VolunteersConfig
from baolei_volunteers.service.matching import Matcher
from baolei_volunteers.solver import solve

log = logging.getLogger("baolei_volunteers.worker")


@contextlib.contextmanager
def leadership(store: Store, stopping: list[bool], parent: int, poll_s: float = 1.0) -> Iterator[Connection]:
    """Wait until this process holds the matching lease (or is told to stop, or its parent is gone);
    yields the connection that holds it."""
    with store.engine.connect() as conn:
        while not stopping and os.getppid() == parent:
            if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar():
                conn.commit()
                break
            conn.commit()
            time.sleep(poll_s)
        try:
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
                conn.commit()


def run(config: VolunteersConfig) -> None:
    parent = os.getppid()
    stopping: list[bool] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    store = Store(make_engine(config.database_url, pool_size=2, max_overflow=1))
    matcher = Matcher(solve, time_limit_s=config.solve_time_limit_s, hold_ttl_s=config.hold_ttl_s,
                      batch_areas=config.match_batch_areas, batch_tasks=config.match_batch_tasks)
    uow = partial(SqlUnitOfWork, store)
    try:
        with leadership(store, stopping, parent) as lease:
            if stopping or os.getppid() != parent:
                return
            marked = matcher.resume(uow)
            log.info("matching process %d leads; %d areas of tasks still 匹配中 marked again", os.getpid(), marked)
            while not stopping and os.getppid() == parent:
                lease.execute(text("SELECT 1"))  # a lost lease connection ends the process (the service restarts it)
                lease.commit()
                try:
                    while not stopping and matcher.round(uow, utcnow()) is not None:
                        pass
                except Exception:
                    log.exception("matching round failed; its areas wait for the next one")
                time.sleep(config.match_debounce_s)
    finally:
        store.engine.dispose()


def main() -> None:
    from baolei_common import logs

    logs.setup("volunteers-matching")
    run(VolunteersConfig())


if __name__ == "__main__":
    main()
