"""Checks of a need for sense, beyond its shape: staples the matcher knows, times that make sense
now, and a site that can raise a need. Shared by POST /api/needs and the spreadsheet import.

Why: a need for 大米 kept as "大米" was accepted and then found unmet "no 大米 in stock" while rice
was in stock; a due date in 2020 and a hotel used as a pickup site were accepted and matched. Each
problem names the field (`lines[0].sku`, `due_at`, `site_id`) and says why in Chinese and English.
Pure code: the caller reads the site's role and the clock.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from baolei_common import skus
from baolei_common.citytime import CITY_TZ


@dataclass(frozen=True)
class IntakeRules:
    """How far a need's times may stray from now."""

    clock_skew_s: float = 600.0      # a due time this far in the past is a clock off, not a mistake
    max_ahead_days: float = 30.0     # a due time further ahead than this is a typo (2032 for 2022)


@dataclass(frozen=True)
class Problem:
    field: str
    reason_zh: str
    reason_en: str

    def as_detail(self) -> dict[str, str]:
        return {"field": self.field, "reason_zh": self.reason_zh, "reason_en": self.reason_en}


class IntakeRejected(Exception):
    """A need that makes no sense as sent; nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.reason_en}" for p in problems))
        self.problems = problems


class KeyReused(Exception):
    """An Idempotency-Key seen before with a different body."""

    def __init__(self, need_id: str) -> None:
        super().__init__(f"Idempotency-Key already used for need {need_id} with a different body")
        self.need_id = need_id
        self.problem = Problem(
            "Idempotency-Key", f"该幂等键已用于需求 {need_id}，但内容不同；修改内容请使用新的幂等键",
            f"this Idempotency-Key was used for need {need_id} with a different body; use a new key for a new need")


def resolve_skus(lines: list[dict[str, Any]]) -> list[Problem]:
    """Each line's sku resolved to the staple's code in place (大米 → rice); unknown ones reported."""
    out = []
    for i, line in enumerate(lines):
        code = skus.resolve(str(line.get("sku", "")))
        if code is None:
            zh, en = skus.unknown_reason(str(line.get("sku", "")))
            out.append(Problem(f"lines[{i}].sku", zh, en))
        else:
            line["sku"] = code
    return out


def _local(t: datetime) -> str:
    return t.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")


def sense(data: dict[str, Any], *, now: datetime, rules: IntakeRules, site_role: str | None) -> list[Problem]:
    """Times checked against now, the site against what it is. `site_role` is None for a community
    or an isolation site, "hotel" for a hotel's own site, "depot" for a bus depot."""
    out: list[Problem] = []
    due, ready = data.get("due_at"), data.get("ready_at")
    if due is not None:
        if due < now - timedelta(seconds=rules.clock_skew_s):
            out.append(Problem("due_at", f"截止时间 {_local(due)} 已过（现在 {_local(now)}）",
                               f"due_at {due.isoformat()} is in the past (now {now.isoformat()})"))
        elif due > now + timedelta(days=rules.max_ahead_days):
            out.append(Problem("due_at", f"截止时间 {_local(due)} 在 {rules.max_ahead_days:g} 天以后，请检查年份和日期",
                               f"due_at {due.isoformat()} is more than {rules.max_ahead_days:g} days ahead; "
                               "check the year and the date"))
    if due is not None and ready is not None and ready > due:
        out.append(Problem("ready_at", "就绪时间晚于截止时间", "ready_at is after due_at"))
    kind = str(data.get("kind", ""))
    if site_role == "depot":
        out.append(Problem("site_id", "该地点是公交车场，不能提出需求",
                           "this site is a bus depot; it cannot raise needs"))
    elif site_role == "hotel" and kind == "transfer":
        out.append(Problem("site_id", "该地点是隔离酒店，不能作为转运的接人地点",
                           "this site is an isolation hotel; it cannot be a transfer's pickup site"))
    return out


def _json_default(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).isoformat()
    raise TypeError(f"not JSON: {type(v).__name__}")


def body_hash(data: dict[str, Any]) -> str:
    """The need as validated, canonical (times in UTC, keys sorted): what an Idempotency-Key stands for.
    Enums are str subclasses and go as their values."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return hashlib.sha256(canonical.encode()).hexdigest()
