"""What an unmet doorstep task is waiting for, and what to do about it, in Chinese and English.

Each cause has a reason (what blocks it) and a fix (who can unblock it). The texts name the compound
so that a street office can act on them without opening the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from baolei_volunteers.domain.skills import REQUIRED_PAPER
from baolei_volunteers.domain.tasks import KIND_EN, TaskKind

CAUSES = (
    "zone_sealed_no_one",      # a doorstep task inside a 封控区: no volunteer may go in
    "no_volunteer_in_reach",   # nobody whose zone (and reach) lets them go there
    "no_skill",                # people in reach, none offering the kind or holding its paper
    "all_declined",            # everyone who could has declined it (excluded)
    "deadline",                # cannot be finished before its deadline by anyone allowed
    "no_hours",                # people allowed, their day is full
    "past_deadline",           # the deadline is already past (or too close for the work itself)
)

CAUSE_NAMES: dict[str, tuple[str, str]] = {  # cause -> (zh, en), for counts on the coverage panels
    "zone_sealed_no_one": ("封控区内无人可上门", "sealed: nobody may go in"),
    "no_volunteer_in_reach": ("可达范围内无志愿者", "no volunteer in reach"),
    "no_skill": ("无具备技能或资质者", "nobody with the skill or paper"),
    "all_declined": ("可承接者均已拒绝", "everyone able declined"),
    "deadline": ("无法在时限前完成", "cannot meet the deadline"),
    "no_hours": ("志愿者时间已排满", "volunteers' hours are full"),
    "past_deadline": ("已过时限", "past its deadline"),
}


@dataclass(frozen=True, slots=True)
class Unmet:
    cause: str
    reason_zh: str
    reason_en: str
    fix_zh: str
    fix_en: str


def sealed(compound: str) -> Unmet:
    return Unmet(
        "zone_sealed_no_one",
        f"封控区 {compound} 内无可上门志愿者（封控区内志愿者居家，区外志愿者不得进入）",
        f"Nobody may go to a door inside the sealed compound {compound} "
        "(its volunteers stay home, others may not enter)",
        f"封控区 {compound} 内无可上门志愿者：请街道安排下沉干部或防护到位的工作人员",
        f"No volunteer may go to a door in the sealed compound {compound}: the street office should send "
        "its cadres or staff with protective equipment",
    )


def nobody_in_reach(compound: str, controlled: bool, remote: bool = False) -> Unmet:
    if remote:
        return Unmet(
            "no_volunteer_in_reach",
            f"{compound} 所在社区及本区没有志愿者可承接远程任务",
            f"No volunteer of the community or district of {compound} can take a remote task",
            "请社区动员居家的志愿者（含封控区内的党员）承接电话关怀和线上答疑",
            "The community should call on volunteers at home (sealed-zone party members too) for calls and Q&A",
        )
    if controlled:
        return Unmet(
            "no_volunteer_in_reach",
            f"管控区 {compound} 内没有住在本小区的可用志愿者（管控区志愿者不出小区，区外志愿者不得进入）",
            f"No volunteer living inside the controlled compound {compound} is available "
            "(its volunteers stay inside, others may not enter)",
            f"请社区在 {compound} 内动员居民党员亮身份报到，或由街道安排下沉干部",
            f"The community should call on party members living in {compound} to sign up, or the street "
            "office should send cadres",
        )
    return Unmet(
        "no_volunteer_in_reach",
        f"{compound} 附近没有按分区规则可前往的志愿者",
        f"No volunteer allowed by the zone rule lives within reach of {compound}",
        "请社区招募附近志愿者，或由社区工作人员上门",
        "The community should recruit volunteers nearby, or its staff should go",
    )


def no_skill(kind: TaskKind, missing_paper: bool) -> Unmet:
    paper = REQUIRED_PAPER.get(kind)
    if missing_paper and paper is not None:
        return Unmet(
            "no_skill",
            f"可前往的志愿者中没有{paper[1]}的人（{kind.value}需要）",
            f"No volunteer in reach has {paper[2]} ({KIND_EN[kind]} needs it)",
            f"请社区为附近志愿者安排{paper[1]}，或由具备条件的工作人员完成",
            f"The community should arrange {paper[2]} for volunteers nearby, or qualified staff should do it",
        )
    return Unmet(
        "no_skill",
        f"可前往的志愿者中没有人提供“{kind.value}”服务",
        f"No volunteer in reach offers {KIND_EN[kind]}",
        f"请社区动员能做“{kind.value}”的志愿者报名",
        f"The community should find volunteers offering {KIND_EN[kind]}",
    )


def all_declined() -> Unmet:
    return Unmet(
        "all_declined",
        "可承接的志愿者都已婉拒此任务",
        "Every volunteer who could take this task has declined it",
        "请社区工作人员联系居民另作安排",
        "The community worker should call the household and arrange it another way",
    )


def deadline(deadline_hhmm: str) -> Unmet:
    return Unmet(
        "deadline",
        f"可前往的志愿者都无法在 {deadline_hhmm} 前完成",
        f"No volunteer allowed to go can finish it before {deadline_hhmm}",
        "请社区工作人员或社康医生直接送达，或与居民商定新的时间",
        "Community staff or the health station should deliver it directly, or agree a new time with the household",
    )


def past_deadline(deadline_hhmm: str) -> Unmet:
    return Unmet(
        "past_deadline",
        f"截止时间 {deadline_hhmm} 已过或来不及完成",
        f"Its deadline {deadline_hhmm} has passed or is too close to do the work",
        "请社区工作人员立即联系居民，确认是否仍需要并重新登记时间",
        "The community worker should call the household now and register a new time if still needed",
    )


def no_hours() -> Unmet:
    return Unmet(
        "no_hours",
        "可前往的志愿者今天的服务时间已排满",
        "Every volunteer allowed to go has a full day",
        "请社区动员更多志愿者报到，或将任务顺延到明天",
        "The community should call on more volunteers, or move the task to tomorrow",
    )


CLAIM_RELEASED = {
    "zone": ("认领不符合分区管控规则，已释放", "the claim breaks the zone rule and was released"),
    "skill": ("认领者不具备所需技能或证书，已释放", "the claimant lacks the skill or paper and the claim was released"),
    "excluded": ("认领者已婉拒此任务，已释放", "the claimant declined the task and the claim was released"),
    "time": (
        "认领者的时间或截止时间无法满足，已释放",
        "the claimant's hours or the deadline cannot be met and the claim was released",
    ),
    "unknown": ("认领者不在志愿者名单中，已释放", "the claimant is not a listed volunteer and the claim was released"),
}
