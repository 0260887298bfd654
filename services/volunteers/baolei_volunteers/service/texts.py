"""Small pure texts and checks the use cases share: masked phones, statuses' names."""
from __future__ import annotations

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "wish": ("微心愿待审核", "wish awaiting approval"),
    "matching": ("匹配中", "matching"),
    "open": ("待认领", "open to claim"),
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


def reach_text(zone: str, compound: str, district: str) -> tuple[str, str]:
    """Where a volunteer living in a compound of this zone may go (§二.1), for their page."""
    if zone == "封控区":
        return ("居家服务：仅可承接电话关怀、线上答疑", "at home: remote tasks only (calls, online answers)")
    if zone == "管控区":
        return (f"不出小区：仅在本小区 {compound} 内上门（及线上任务）",
                f"inside {compound} only (and remote tasks)")
    if zone == "防范区":
        return (f"仅在{district}防范区内上门（及线上任务）", f"within the precaution zone of {district} only")
    return ("可前往常态及防范区小区（不进入封控区、管控区）",
            "normal and precaution compounds (never a sealed or controlled one)")
