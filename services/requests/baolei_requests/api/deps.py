"""Dependencies of the routes: database session, the signed-in principal, and `requires(action)`,
which refuses at once (403) a role the policy (baolei_common.policy) never lets take the action."""
from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from baolei_common import policy
from baolei_common.identity import Principal

bearer = HTTPBearer(auto_error=False)


def session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as s:
        yield s


def unauthenticated(reason_zh: str, reason_en: str, field: str = "Authorization") -> HTTPException:
    return HTTPException(401, detail=[{"field": field, "reason_zh": reason_zh, "reason_en": reason_en}],
                         headers={"WWW-Authenticate": "Bearer"})


def principal_of(request: Request, token: str) -> Principal:
    info = request.app.state.config.tokens.get(token)
    if info is None:
        raise unauthenticated("令牌无效", "invalid token")
    return Principal(token=token, user=info["user"], role=info["role"],
                     organisation=info.get("organisation", ""), kind=info.get("kind", ""))


async def principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    if creds is None:
        raise unauthenticated("请先登录（缺少令牌）", "sign in first: bearer token missing")
    return principal_of(request, creds.credentials)


def forbidden(denied: policy.Denied) -> HTTPException:
    return HTTPException(403, detail=denied.detail)


def enforce(p: Principal, action: str, owners: str | list[str], field: str) -> None:
    """403 unless the policy lets this principal take `action` on a resource owned by `owners`."""
    try:
        policy.require(p, action, owners, field)
    except policy.Denied as exc:
        raise forbidden(exc) from None


def requires(action: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: the principal, if its role may take `action` at all (ownership is checked by
    the route once it has read the resource)."""
    async def dependency(p: Principal = Depends(principal)) -> Principal:
        try:
            policy.require_role(p, action)
        except policy.Denied as exc:
            raise forbidden(exc) from None
        return p
    dependency.__name__ = f"requires_{action.replace('.', '_')}"
    return dependency
