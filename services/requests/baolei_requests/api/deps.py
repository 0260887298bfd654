"""The database session of a route. Who is signed in and what they may do come from the one
`baolei_common.webauth` (`current_principal`, `requires(action)`, `authorize`)."""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as s:
        yield s
