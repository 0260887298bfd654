"""Small pure texts and checks the use cases share: masked phones, statuses' names."""
from __future__ import annotations

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "wish": ("微心愿待审核", "wish awaiting approval"),
    "open": ("待匹配", "open"),
    "proposed": ("待志愿者确认", "proposed to a volunteer"),
    "accepted": ("已接单", "accepted"),
    "started": ("进行中", "under way"),
    "done": ("已完成待确认", "done, awaiting confirmation"),
    "confirmed": ("已确认", "confirmed"),
    "unmet": ("暂无人可接", "unmet"),
    "cancelled": ("已取消", "cancelled"),
}


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits (shorter numbers: the last two)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "****"
