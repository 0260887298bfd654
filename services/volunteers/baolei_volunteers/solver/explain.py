"""Why each assignment, why each unmet task and what would fix it (Chinese first, English too)."""

from __future__ import annotations

from baolei_volunteers.domain import reasons
from baolei_volunteers.domain.tasks import KIND_EN
from baolei_volunteers.domain.vulnerability import marks_text
from baolei_volunteers.domain.zones import ZONE_EN, Zone
from baolei_volunteers.solver.itinerary import Route, schedule_from
from baolei_volunteers.solver.model import Scenario, Task, Volunteer
from baolei_volunteers.solver.reach import Reach

TAG_TEXT = {
    "claim": ("本人认领的微心愿", "claimed it as a 微心愿"),
    "pair": ("一助一结对户", "their 一助一 paired household"),
    "building": ("包楼联户的楼栋", "a building they look after (包楼联户)"),
    "remote": ("远程任务，居家即可完成", "a remote task, done from home"),
    "first_come": ("先到先得认领（小程序方式）", "claimed first-come (the mini-program's way)"),
    "near": ("分区规则允许前往，且离家近", "allowed by the zone rule and close to home"),
}
MODE_TEXT = {"foot": ("步行", "on foot"), "ebike": ("电动车", "by e-bike")}


def why(scenario: Scenario, vol: Volunteer, task: Task, tag: str, seq: int, leg: float, start: float, end: float
        ) -> tuple[str, str]:
    home = vol.home
    zone = home.place.zone
    tag_zh, tag_en = TAG_TEXT.get(tag, TAG_TEXT["near"])
    marks_zh, marks_en = marks_text(task.household.marks)
    waited = max(0.0, start - task.raised)
    mode_zh, mode_en = MODE_TEXT[vol.mode]
    where_zh = f"住在{zone.value} {home.name}"
    where_en = f"lives in {home.name} ({ZONE_EN[zone]})"
    if zone is Zone.CONTROLLED and not task.remote:
        where_zh += "（同一小区，管控区内服务）"
        where_en += ", the same compound: serving inside it"
    due_zh = f"，截止 {scenario.hhmm(task.deadline)} 前" if task.deadline is not None else ""
    due_en = f", before its deadline {scenario.hhmm(task.deadline)}" if task.deadline is not None else ""
    go_zh = "居家完成" if task.remote else f"{mode_zh} {leg:.0f} 分钟"
    go_en = "from home" if task.remote else f"{leg:.0f} min {mode_en}"
    zh = (f"{vol.name}{where_zh}；{tag_zh}；{task.kind.value}，住户：{marks_zh}，已等待 {waited:.0f} 分钟；"
          f"{go_zh}，第 {seq} 站 {scenario.hhmm(start)}–{scenario.hhmm(end)}{due_zh}")
    en = (f"{vol.name} {where_en}; {tag_en}; {KIND_EN[task.kind]} for a household marked {marks_en}, "
          f"waiting {waited:.0f} min; {go_en}, stop {seq} at "
          f"{scenario.hhmm(start)}–{scenario.hhmm(end)}{due_en}")
    return zh, en


def unmet(scenario: Scenario, reach: Reach, task: Task) -> reasons.Unmet:
    """The first thing that keeps `task` from being served, checked from the hardest rule down."""
    hh = task.household
    name = hh.compound.name
    if not task.remote and hh.compound.place.zone is Zone.SEALED:
        return reasons.sealed(name)
    if task.deadline is not None and max(0.0, task.earliest) + task.duration > task.deadline:
        return reasons.past_deadline(scenario.hhmm(task.deadline))
    in_reach = offers = skilled = fresh = allowed_late = False
    for _, v in reach.zone_candidates(task):
        in_reach = True
        offers = offers or task.kind in v.credentials.skills
        why_not = reach.refusal(v, task)
        skilled = skilled or why_not in (None, "excluded")
        if why_not is None and (task.deadline is None or schedule_from(
                Route(v, scenario.travel).states[0], [task], v, scenario.travel) is not None):
            fresh = True
            break  # someone could do it on an empty day: what is missing is hours
        if why_not is None:
            allowed_late = True
    if not in_reach:
        return reasons.nobody_in_reach(name, hh.compound.place.zone is Zone.CONTROLLED, remote=task.remote)
    if not skilled:
        return reasons.no_skill(task.kind, missing_paper=offers)
    if fresh:
        return reasons.no_hours()
    if not allowed_late:
        return reasons.all_declined()
    return reasons.deadline(scenario.hhmm(task.deadline or 0.0))
