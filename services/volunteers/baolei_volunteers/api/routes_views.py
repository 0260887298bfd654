"""Reads: the volunteer's day and claim board, a community's registers, the command center's
coverage by district; and who the caller is (the pages show only what they may do)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from baolei_common import policy
from baolei_common.errors import responses
from baolei_common.identity import Principal
from baolei_common.webauth import current_principal, requires
from baolei_volunteers.api.deps import container, now
from baolei_volunteers.bootstrap import Container

router = APIRouter(prefix="/api", tags=["views"])


@router.get("/whoami", summary="当前用户与权限 / who am I and what may I do", responses=responses(401))
def whoami(p: Principal = Depends(current_principal)) -> dict[str, Any]:
    return {"user": p.user, "role": p.role, "organisation": p.organisation, "may": policy.grants_of(p)}


@router.get("/me/day", summary="志愿者今日任务与可认领任务 / the volunteer's day and claim board",
            responses=responses(401, 404))
def my_day(c: Container = Depends(container), p: Principal = Depends(current_principal)) -> dict[str, Any]:
    return c.views.me(p)


@router.get("/community", summary="社区台账：住户、任务、志愿者 / a community's households, tasks, volunteers",
            responses=responses(401, 403, 422))
def community(name: str | None = Query(None, max_length=100, description="operators and viewers: which community "
                                                                          "(none: only the list to choose from)"),
              c: Container = Depends(container), p: Principal = Depends(current_principal),
              at: datetime = Depends(now)) -> dict[str, Any]:
    return c.views.community(p, name, at)


@router.get("/coverage", summary="按区统计的覆盖情况 / coverage by district", responses=responses(401, 403))
def coverage(c: Container = Depends(container), p: Principal = Depends(requires("coverage.read")),
             at: datetime = Depends(now)) -> dict[str, Any]:
    return c.views.coverage(at)
