"""The one signed-in-user type of every service: who a bearer token stands for.

A `Principal` is a role (operator, dispatcher, site, viewer), an organisation and, for a dispatcher,
the kind of organisation it dispatches for; all of it comes from the token, never from a request
body. What each may do is in `baolei_common.policy`. Pure Python: no web framework.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from baolei_common.policy import DISPATCHER, OPERATOR


@dataclass(frozen=True)
class Principal:
    user: str
    role: str  # operator, dispatcher, site, viewer
    organisation: str
    kind: str = ""  # a dispatcher's kind of organisation: bus, hotel, supply
    token: str = ""

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR

    @property
    def org_filter(self) -> str | None:
        """The organisation a dispatcher's reads are limited to (None: sees all)."""
        return self.organisation if self.role == DISPATCHER else None


def _field(entry: Any, name: str) -> str:
    value = entry.get(name, "") if isinstance(entry, Mapping) else getattr(entry, name, "")
    return str(value or "")


def principals(tokens: Mapping[str, Any]) -> dict[str, Principal]:
    """token -> Principal, from a config's token table (entries as dicts or objects with
    user / role / organisation / kind)."""
    return {token: Principal(user=_field(e, "user"), role=_field(e, "role"),
                             organisation=_field(e, "organisation"), kind=_field(e, "kind"), token=token)
            for token, e in tokens.items()}
