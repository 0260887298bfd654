"""Skills and certificates: a volunteer does only the kinds they offer, and some kinds need a paper.

送药 and 送检上门 need a health check (健康监测合格); 核酸 support needs nucleic-test training;
心理疏导 needs a counselling certificate.
"""

from __future__ import annotations

from dataclasses import dataclass

from baolei_volunteers.domain.tasks import TaskKind


@dataclass(frozen=True, slots=True)
class Credentials:
    skills: frozenset[TaskKind]
    health_check: bool
    nucleic_training: bool
    counselling_cert: bool


# kind -> (the credential's attribute, its Chinese name, its English name)
REQUIRED_PAPER: dict[TaskKind, tuple[str, str, str]] = {
    TaskKind.MEDICINE: ("health_check", "健康监测合格", "a health check"),
    TaskKind.SAMPLE: ("health_check", "健康监测合格", "a health check"),
    TaskKind.NUCLEIC: ("nucleic_training", "核酸采样培训", "nucleic-test training"),
    TaskKind.COUNSELLING: ("counselling_cert", "心理咨询证书", "a counselling certificate"),
}


def skill_refusal(kind: TaskKind, who: Credentials) -> str | None:
    """'no_skill' when the volunteer does not offer the kind, 'no_certificate' when a paper is missing."""
    if kind not in who.skills:
        return "no_skill"
    paper = REQUIRED_PAPER.get(kind)
    if paper is not None and not getattr(who, paper[0]):
        return "no_certificate"
    return None
