"""Refusals of the use cases (404, 409, 403, 422), each naming the field and the reason in
Chinese and English, answered in the one error shape by baolei_common.errors."""
from __future__ import annotations

from baolei_common.problems import Problem

WHAT_ZH = {"site": "地点", "need": "需求", "assignment": "任务", "bus": "车辆", "hotel": "隔离酒店", "stay": "入住记录",
           "ask": "增援请求"}


class NotFound(Problem):
    """404 about `<what>_id` (a path parameter or a body field of that name)."""

    status = 404

    def __init__(self, what: str, ident: str, field: str | None = None) -> None:
        super().__init__(field or f"{what}_id", f"未找到{WHAT_ZH.get(what, what)}：{ident}",
                         f"{what} {ident} not found")
        self.what, self.ident = what, ident


class Conflict(Problem):
    """409: the request does not fit the current state. `zh` says it in Chinese."""

    status = 409

    def __init__(self, message_en: str, zh: str = "状态冲突，无法执行此操作", field: str = "status") -> None:
        super().__init__(field, zh, message_en)


class Forbidden(Problem):
    """403: not this caller's to see or do. `zh` says it in Chinese."""

    status = 403

    def __init__(self, message_en: str, zh: str = "无权执行此操作", field: str = "Authorization") -> None:
        super().__init__(field, zh, message_en)


class Invalid(Problem):
    """Input that cannot be applied (422): which field, and why in Chinese and English."""

    status = 422
