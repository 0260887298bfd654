"""SQLite as the embedded database of `make run`: one writer at a time, queued in the process.

SQLite has one write lock per file. Left to itself, a writer that finds it taken sleeps and polls
(1, 2, 5 … 100 ms), so under a burst the lock goes to whoever polls at the right moment, and a
holder that is waiting for Python's GIL keeps everyone else sleeping: waits of seconds, then
"database is locked". Here every transaction of the process first takes a process-wide lock
(threads queue on it and wake as soon as it is free), then `BEGIN IMMEDIATE` (the file lock, which
only another process can hold, so the busy timeout is for that case). The lock is given back when
the connection goes back to the pool (a session returns it at commit or rollback). A thread never
holds two connections of one database at once here; if one did, its second BEGIN would give up
after `wait_s` with a transient error instead of waiting for ever.
"""
from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()
_HELD = "baolei_sqlite_writer"


def _lock_for(path: str) -> threading.Lock:
    with _GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


def one_writer(engine: Engine, path: str, *, wait_s: float) -> None:
    """Install the pragmas and the one-writer discipline on a SQLite engine."""
    lock = _lock_for(path)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit survives a killed process; a power cut may roll back the last few.
        # PostgreSQL is the production database.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    def release(info: dict) -> None:
        if info.pop(_HELD, False):
            lock.release()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if not conn.info.get(_HELD):
            if not lock.acquire(timeout=wait_s):
                raise OperationalError("BEGIN IMMEDIATE", {}, TimeoutError(
                    f"database is locked: no turn to write within {wait_s:.0f} s"))
            conn.info[_HELD] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(conn.info)
            raise

    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        release(record.info)
