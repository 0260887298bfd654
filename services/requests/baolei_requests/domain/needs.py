"""Needs as the domain sees them: kinds, risk categories, priority rules and the lifecycle."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NeedKind(StrEnum):
    TRANSFER = "transfer"
    SUPPLY = "supply"


class Risk(StrEnum):
    CLOSE_CONTACT = "close_contact"
    SECONDARY_CONTACT = "secondary_contact"
    INBOUND = "inbound"


class Zone(StrEnum):
    SEALED = "sealed"
    CONTROLLED = "controlled"
    PRECAUTION = "precaution"
    OTHER = "other"


class Vulnerability(StrEnum):
    ELDERLY_ALONE = "elderly_alone"        # 孤寡/独居老人
    DISABLED = "disabled"                  # 残障人士
    PREGNANT = "pregnant"                  # 孕妇
    CHILDREN_ALONE = "children_alone"      # 留守儿童
    MEDICINE_NEEDED = "medicine_needed"    # 需要药品


class NeedStatus(StrEnum):
    SUBMITTED = "submitted"
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    UNDER_WAY = "under_way"
    DONE = "done"
    UNMET = "unmet"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({NeedStatus.SUBMITTED, NeedStatus.PROPOSED, NeedStatus.UNMET})


@dataclass(frozen=True)
class Priority:
    value: int
    reason_zh: str
    reason_en: str


def derive_priority(zone: str | None, vulnerabilities: list[str]) -> Priority:
    """Suggested default of the domain: sealed zone or vulnerable → 1, controlled → 2,
    precaution → 3, other → 4."""
    if vulnerabilities:
        return Priority(1, "含脆弱人群：" + "、".join(VULNERABILITY_ZH[Vulnerability(v)] for v in vulnerabilities),
                        "vulnerable people: " + ", ".join(VULNERABILITY_EN[Vulnerability(v)] for v in vulnerabilities))
    if zone == Zone.SEALED:
        return Priority(1, "封控区", "sealed zone")
    if zone == Zone.CONTROLLED:
        return Priority(2, "管控区", "controlled zone")
    if zone == Zone.PRECAUTION:
        return Priority(3, "防范区", "precaution zone")
    return Priority(4, "其他", "other")


VULNERABILITY_ZH = {
    Vulnerability.ELDERLY_ALONE: "独居老人",
    Vulnerability.DISABLED: "残障人士",
    Vulnerability.PREGNANT: "孕妇",
    Vulnerability.CHILDREN_ALONE: "留守儿童",
    Vulnerability.MEDICINE_NEEDED: "需用药",
}

VULNERABILITY_EN = {
    Vulnerability.ELDERLY_ALONE: "elderly living alone",
    Vulnerability.DISABLED: "disabled",
    Vulnerability.PREGNANT: "pregnant",
    Vulnerability.CHILDREN_ALONE: "children alone",
    Vulnerability.MEDICINE_NEEDED: "needs medicine",
}

STATUS_ZH = {
    NeedStatus.SUBMITTED: "已提交",
    NeedStatus.PROPOSED: "已匹配待确认",
    NeedStatus.CONFIRMED: "已确认",
    NeedStatus.UNDER_WAY: "执行中",
    NeedStatus.DONE: "已完成",
    NeedStatus.UNMET: "暂无法满足",
    NeedStatus.CANCELLED: "已取消",
}
