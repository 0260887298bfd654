"""The audit trail: who (user, role, organisation), when, what, before and after, for every change."""
from __future__ import annotations

from typing import Any, Protocol

from baolei_common.identity import Principal
from baolei_requests.adapters.models import AuditEntry


class Rows(Protocol):
    """A session or a unit of work: whatever takes new rows."""

    def add(self, row: Any) -> None: ...


def audit(session: Rows, actor: Principal | str, action: str, entity: str,
          before: dict | None, after: dict | None) -> None:
    """One audit row: who (user, role, organisation), when, what, before and after."""
    if isinstance(actor, Principal):
        who, role, org = actor.user, actor.role, actor.organisation
    else:
        who, role, org = actor, "system", ""
    session.add(AuditEntry(actor=who, role=role, organisation=org, action=action, entity=entity,
                           before=before, after=after))
