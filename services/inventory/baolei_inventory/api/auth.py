"""Bearer tokens → users with a role, an organisation and (dispatchers) a kind; permission checks
as dependencies, from the one policy of baolei_common.policy.

operator: reads and writes everything. A supply group's dispatcher: reads, and writes (stock,
holds, warehouses, prices) only for its own organisation's warehouses and their districts. Bus and
hotel dispatchers, sites and viewers: read only. No token: 401 (no anonymous reads or writes).
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from baolei_common import policy
from baolei_inventory.domain.errors import DomainError, Forbidden

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


class Unauthenticated(DomainError):
    status = 401


@dataclass(frozen=True)
class User:
    name: str
    role: str
    organisation: str
    kind: str = ""

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    @property
    def org_filter(self) -> str | None:
        """The organisation a dispatcher's reads are limited to (None: sees all)."""
        return self.organisation if self.role == "dispatcher" else None


async def current_user(request: Request,
                 creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> User:
    if creds is None or not creds.credentials:
        raise Unauthenticated("Authorization", "缺少 Bearer 令牌", "missing Bearer token")
    entry = request.app.state.container.config.tokens.get(creds.credentials)
    if entry is None:
        raise Unauthenticated("Authorization", "令牌无效", "unknown token")
    return User(entry.user, entry.role, entry.organisation, entry.kind)


def _forbidden(exc: policy.Denied) -> Forbidden:
    return Forbidden(exc.field, exc.reason_zh, exc.reason_en)


def requires(action: str) -> Callable[..., Coroutine[Any, Any, User]]:
    """A dependency: the user, if its role may take `action` at all (403 otherwise); ownership is
    checked by the route once it knows the warehouse."""
    async def dependency(user: User = Depends(current_user)) -> User:
        try:
            policy.require_role(user, action)
        except policy.Denied as exc:
            raise _forbidden(exc) from None
        return user
    dependency.__name__ = f"requires_{action.replace('.', '_')}"
    return dependency


def authorize(user: User, action: str, owners: str | Iterable[str], field: str) -> None:
    """403 unless the policy lets this user take `action` on what `owners` own."""
    try:
        policy.require(user, action, owners if isinstance(owners, str) else list(owners), field)
    except policy.Denied as exc:
        raise _forbidden(exc) from None


def check_org(user: User, organisation: str, field: str = "warehouse_id", action: str = "stock.move") -> None:
    """A supply group's dispatcher acts only on its own organisation's warehouses."""
    authorize(user, action, organisation, field)


def check_read(user: User, organisation: str, field: str = "warehouse_id") -> None:
    """A dispatcher reads the ledger of its own organisation's warehouses only."""
    if user.org_filter is not None and user.organisation != organisation:
        raise Forbidden(field, f"无权查看其他单位的仓库（{organisation}）",
                        f"you may read only warehouses of your organisation, not {organisation}")
