"""A request refused by the rules, in the one error shape every service answers with.

Why a plain module: domain and service code raise these without importing FastAPI; the web edge
(`baolei_common.errors`) turns each into `{"detail": [{"field", "reason_zh", "reason_en"}]}`
with its status. Each item names the input at fault (a body field as `lines[0].sku`, a header as
`Authorization`, a path parameter by its name) and says why, in Simplified Chinese and English,
each text in one language.
"""
from __future__ import annotations


class Problem(Exception):
    """A 4xx: `field` is the input at fault; `reason_zh` / `reason_en` say why."""

    status = 400

    def __init__(self, field: str, reason_zh: str, reason_en: str, *, status: int | None = None) -> None:
        super().__init__(f"{field}: {reason_en}")
        self.field = field
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        if status is not None:
            self.status = status

    def items(self) -> list[dict[str, str]]:
        return [{"field": self.field, "reason_zh": self.reason_zh, "reason_en": self.reason_en}]


def item(field: str, reason_zh: str, reason_en: str) -> dict[str, str]:
    """One entry of `detail`."""
    return {"field": field, "reason_zh": reason_zh, "reason_en": reason_en}


class NotFound(Problem):
    status = 404


class Conflict(Problem):
    status = 409
