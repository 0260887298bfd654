"""Dependencies of the routes: database session and the signed-in principal."""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from baolei_common.problems import item
from baolei_requests.service import Principal

bearer = HTTPBearer(auto_error=False)


def session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as s:
        yield s


async def principal(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    if creds is None:
        raise HTTPException(401, detail=[item("Authorization", "请先登录（缺少令牌）",
                                              "sign in first: bearer token missing")],
                            headers={"WWW-Authenticate": "Bearer"})
    info = request.app.state.config.tokens.get(creds.credentials)
    if info is None:
        raise HTTPException(401, detail=[item("Authorization", "令牌无效", "invalid token")],
                            headers={"WWW-Authenticate": "Bearer"})
    return Principal(token=creds.credentials, user=info["user"], role=info["role"],
                     organisation=info.get("organisation", ""))


async def writer(p: Principal = Depends(principal)) -> Principal:
    if p.role == "viewer":
        raise HTTPException(403, detail=[item("Authorization", "只读用户不能修改", "viewers only read")])
    return p


async def operator(p: Principal = Depends(principal)) -> Principal:
    if p.role != "operator":
        raise HTTPException(403, detail=[item("Authorization", "仅指挥部操作员可执行", "operators only")])
    return p
