"""Who may see and do what: operators everything, dispatchers their own organisation's resources
and the assignments involving them, sites their own needs, viewers read only.

Kept in one place so the routes, the exports and the live feed apply the same rules.
"""
from __future__ import annotations

from baolei_requests.adapters.models import Assignment, Bus, Hotel, Need
from baolei_requests.service import Forbidden, Principal


def sees_all(p: Principal) -> bool:
    return p.role in ("operator", "viewer")


def can_read_need(p: Principal, need: Need) -> bool:
    if sees_all(p):
        return True
    if p.role == "site":
        return need.organisation == p.organisation
    if p.role == "dispatcher":
        return any(p.organisation in a.organisations for a in need.assignments)
    return False


def can_act_on_assignment(p: Principal, a: Assignment) -> bool:
    if p.role == "operator":
        return True
    return p.role == "dispatcher" and p.organisation in a.organisations


def require_need(p: Principal, need: Need) -> None:
    if not can_read_need(p, need):
        raise Forbidden(f"need {need.id} belongs to {need.organisation or 'another organisation'}",
                        f"需求 {need.id} 属于{need.organisation or '其他单位'}，无权查看", "need_id")


def require_assignment(p: Principal, a: Assignment) -> None:
    if not can_act_on_assignment(p, a):
        raise Forbidden(f"assignment {a.id} belongs to {', '.join(a.organisations) or 'nobody'}",
                        f"任务 {a.id} 属于{'、'.join(a.organisations) or '其他单位'}，无权处理", "assignment_id")


def require_need_owner(p: Principal, need: Need) -> None:
    """Cancel or change a need: operators, or the site that raised it."""
    if p.role == "operator" or (p.role == "site" and need.organisation == p.organisation):
        return
    raise Forbidden(f"need {need.id} belongs to {need.organisation}",
                    f"需求 {need.id} 属于{need.organisation}，只有提交单位或指挥部可以修改", "need_id")


def require_resource(p: Principal, resource: Bus | Hotel) -> None:
    if p.role == "operator" or (p.role == "dispatcher" and resource.operator == p.organisation):
        return
    kind = type(resource).__name__.lower()
    raise Forbidden(f"{kind} {resource.id} belongs to {resource.operator}",
                    f"{'车辆' if kind == 'bus' else '隔离酒店'} {resource.id} 属于{resource.operator}，无权操作",
                    f"{kind}_id")


def assignment_view(p: Principal, a: Assignment) -> bool:
    """Whether this principal sees this assignment in lists (dispatchers: only their own)."""
    return sees_all(p) or (p.role == "dispatcher" and p.organisation in a.organisations) or (
        p.role == "site" and a.need.organisation == p.organisation)
