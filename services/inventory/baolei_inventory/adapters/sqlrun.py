"""One SQL text, run on the driver directly when the database is PostgreSQL.

Why: on the ledger's hot path SQLAlchemy's per-statement work (cache key, compiled parameters,
result metadata) cost about as much client CPU as psycopg itself, and the service is bound by that
CPU (one interpreter, the GIL), not by PostgreSQL. A `Stmt` is written once with `:name`
parameters; on PostgreSQL it runs as `%(name)s` on the psycopg connection under the SQLAlchemy
connection — same connection, same transaction and savepoints — and psycopg prepares it after a few
uses. Elsewhere (SQLite) it runs as a SQLAlchemy `text()` with the given types.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.types import TypeEngine

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


class Stmt:
    def __init__(self, sql: str, *, binds: dict[str, TypeEngine] | None = None,
                 columns: dict[str, TypeEngine] | None = None) -> None:
        portable = text(sql)
        if binds:
            portable = portable.bindparams(*[bindparam(k, type_=t) for k, t in binds.items()])
        self.portable = portable.columns(**columns) if columns else portable
        self.pg = _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def run(conn: Connection, stmt: Stmt, params: dict[str, Any]) -> list[tuple]:
    """Execute; the rows it returns (empty for a statement without rows)."""
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        assert driver is not None, "an open connection has its driver connection"
        cur = driver.execute(stmt.pg, params)
        return cur.fetchall() if cur.description is not None else []
    result = conn.execute(stmt.portable, params)
    return [tuple(r) for r in result] if result.returns_rows else []
