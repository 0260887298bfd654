"""Many rows at once: COPY on PostgreSQL (an import's 10,000 needs), an INSERT elsewhere."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sqlalchemy import Connection, FromClause, Table


def _copy_value(v: object) -> object:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc)
    return v


def insert_rows(conn: Connection, table: FromClause, rows: list[dict[str, Any]]) -> None:
    """Many rows on PostgreSQL by COPY (an import's 10,000 needs: psycopg's executemany sends a
    statement per row, and stored them in 5 s); otherwise an INSERT (executemany on SQLite)."""
    assert isinstance(table, Table), "a mapped class's table"
    if len(rows) < 20 or conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows[0] if len(rows) == 1 else rows)  # one row: no executemany
        return
    columns = list(rows[0])
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for r in rows:
                copy.write_row([_copy_value(r[c]) for c in columns])
    finally:
        cursor.close()
