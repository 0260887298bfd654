"""Who is signed in and what the one permission policy (baolei_common.policy) lets them do here."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from baolei_common import policy
from baolei_common.errors import responses
from baolei_common.identity import Principal
from baolei_common.webauth import current_principal

router = APIRouter(prefix="/api", tags=["auth"], responses=responses(401, 503))


@router.get("/me", summary="当前用户及可执行的操作 / who is signed in and what they may do")
async def me(user: Principal = Depends(current_principal)) -> dict:
    """`actions`: each inventory action of the policy this user may take, `any` (every organisation)
    or `own` (warehouses of their own organisation only)."""
    grants = policy.grants_of(user)
    return {"user": user.user, "role": user.role, "organisation": user.organisation, "kind": user.kind,
            "actions": {a: s for a, s in grants.items() if policy.ACTIONS[a].service == "inventory"}}
