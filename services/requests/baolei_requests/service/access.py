"""Who may see and do what in the requests service: writes follow the one policy of
baolei_common.policy (role × own organisation × action × resource); reads: operators and viewers
everything, dispatchers their own organisation's resources and the assignments involving them,
sites their own needs.

Kept in one place so the routes, the exports and the live feed apply the same rules.
"""
from __future__ import annotations

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_requests.adapters.models import Assignment, Bus, Hotel, Need
from baolei_requests.service.errors import Forbidden


def sees_all(p: Principal) -> bool:
    return p.role in ("operator", "viewer")


def can_read_need(p: Principal, need: Need) -> bool:
    if sees_all(p):
        return True
    if p.role == "site":  # needs filed under it, and any need for one of its sites, whoever raised it
        return bool(p.organisation) and p.organisation in (need.organisation, need.site.organisation)
    if p.role == "dispatcher":
        return any(p.organisation in a.organisations for a in need.assignments)
    return False


def require_need(p: Principal, need: Need) -> None:
    if not can_read_need(p, need):
        raise Forbidden(f"need {need.id} belongs to {need.organisation or 'another organisation'}",
                        f"需求 {need.id} 属于{need.organisation or '其他单位'}，无权查看", "need_id")


def require_assignment(p: Principal, a: Assignment, action: str = "assignment.run") -> None:
    """Answer or run a job: operators, or a dispatcher whose organisation's resources it holds."""
    policy.require(p, action, list(a.organisations), "assignment_id")


def require_need_owner(p: Principal, need: Need) -> None:
    """Cancel a need: operators, or the site organisation that raised it."""
    policy.require(p, "need.cancel", need.organisation, "need_id")


def require_resource(p: Principal, resource: Bus | Hotel) -> None:
    """Change a bus or a hotel: operators, or a dispatcher of its operator (and of its kind)."""
    action = "bus.manage" if isinstance(resource, Bus) else "hotel.manage"
    policy.require(p, action, resource.operator, f"{type(resource).__name__.lower()}_id")


def need_organisation(p: Principal, site_organisation: str, requested: str | None) -> str:
    """The organisation a new need is filed under: the site's (the caller's own for a site, which
    may raise needs only for its own sites), never one taken from the body. A body naming another
    organisation is refused (ValueError, a 422 on `organisation`), not silently ignored."""
    org = site_organisation or p.organisation
    if requested and requested != org:
        raise ValueError(org)
    return org


def assignment_view(p: Principal, a: Assignment) -> bool:
    """Whether this principal sees this assignment in lists (dispatchers: only their own)."""
    return sees_all(p) or (p.role == "dispatcher" and p.organisation in a.organisations) or (
        p.role == "site" and a.need.organisation == p.organisation)
