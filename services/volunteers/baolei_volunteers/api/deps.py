"""Shared route dependencies: the container and the clock."""
from __future__ import annotations

from datetime import datetime

from fastapi import Request

from baolei_common.events import utcnow
from baolei_volunteers.bootstrap import Container


async def container(request: Request) -> Container:  # no I/O: async, so no thread hop per request
    c: Container = request.app.state.container
    return c


def now() -> datetime:
    return utcnow()
