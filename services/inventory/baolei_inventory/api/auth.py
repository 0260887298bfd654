"""Bearer tokens → users with a role and an organisation; permission checks as dependencies.

operator: reads and writes everything. dispatcher: reads, and writes only for warehouses of its own
organisation. viewer: reads only. No token: 401 (no anonymous reads or writes).
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from baolei_inventory.domain.errors import DomainError, Forbidden

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


class Unauthenticated(DomainError):
    status = 401


@dataclass(frozen=True)
class User:
    name: str
    role: str
    organisation: str

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
    return User(entry.user, entry.role, entry.organisation)


async def writer(user: User = Depends(current_user)) -> User:
    if user.role in ("viewer", "site"):
        raise Forbidden("Authorization", "只读用户不能修改库存数据", "viewers and sites may only read stock")
    return user


async def operator(user: User = Depends(current_user)) -> User:
    if not user.is_operator:
        raise Forbidden("Authorization", "仅指挥部操作员可执行此操作", "only operators may do this")
    return user


def check_org(user: User, organisation: str, field: str = "warehouse_id") -> None:
    """A dispatcher acts only on its own organisation's warehouses."""
    if user.is_operator:
        return
    if user.role != "dispatcher" or user.organisation != organisation:
        raise Forbidden(field, f"无权操作其他单位的仓库（{organisation}）",
                        f"you may act only on warehouses of your organisation, not {organisation}")
