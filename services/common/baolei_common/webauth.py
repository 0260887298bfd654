"""Sign-in and permission checks at the web edge of every service, from the one policy.

Each service's app puts its token table on `app.state.principals` (token -> `Principal`, see
`identity.principals`). `current_principal` answers 401 without a known bearer token;
`requires(action)` answers 403 at once to a role the policy never lets take the action (ownership
is checked by the use case once it has read the resource, with `authorize`). Refusals are
`Problem`s, answered by `baolei_common.errors` in the one error shape.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_common.problems import Problem

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


class Unauthenticated(Problem):
    status = 401


class Forbidden(Problem):
    status = 403


def principal_for(request: Request, token: str) -> Principal:
    """The principal a token stands for (401 for an unknown token)."""
    found: Principal | None = request.app.state.principals.get(token)
    if found is None:
        raise Unauthenticated("Authorization", "令牌无效", "invalid token")
    return found


async def current_principal(request: Request,
                            creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    if creds is None or not creds.credentials:
        raise Unauthenticated("Authorization", "请先登录（缺少令牌）", "sign in first: bearer token missing")
    return principal_for(request, creds.credentials)


def forbidden(denied: policy.Denied) -> Forbidden:
    return Forbidden(denied.field, denied.reason_zh, denied.reason_en)


def requires(action: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: the principal, if its role may take `action` at all (403 otherwise)."""
    async def dependency(p: Principal = Depends(current_principal)) -> Principal:
        try:
            policy.require_role(p, action)
        except policy.Denied as exc:
            raise forbidden(exc) from None
        return p
    dependency.__name__ = f"requires_{action.replace('.', '_')}"
    return dependency


def authorize(p: Principal, action: str, owners: str | Iterable[str], field: str) -> None:
    """403 unless the policy lets `p` take `action` on what `owners` own."""
    try:
        policy.require(p, action, owners if isinstance(owners, str) else list(owners), field)
    except policy.Denied as exc:
        raise forbidden(exc) from None
