"""The requests service's rows put to the one policy (baolei_common.policy): which organisations own
a need, an assignment, a bus or a hotel, for the write rules (`ACTIONS`) and the read rules
(`READS`) alike. The rules themselves live only there.
"""
from __future__ import annotations

from collections.abc import Iterator

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_requests.adapters.models import Assignment, Need
from baolei_requests.service.errors import Forbidden


def sees_all(p: Principal) -> bool:
    return policy.sees_all(p, "need.read")


def _resource_owners(need: Need) -> Iterator[str]:
    """Lazily: the need's assignments are loaded only for a caller who reads by resources."""
    for a in need.assignments:
        yield from a.organisations


def _need_owners(need: Need) -> Iterator[str]:
    """The need's organisation and its site's (a site sees every need for one of its sites)."""
    yield need.organisation
    yield need.site.organisation


def can_read_need(p: Principal, need: Need) -> bool:
    return policy.sees(p, "need.read", need_owners=_need_owners(need), resource_owners=_resource_owners(need))


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


def need_organisation(p: Principal, site_organisation: str, requested: str | None) -> str:
    """The organisation a new need is filed under: the site's (the caller's own for a site, which
    may raise needs only for its own sites), never one taken from the body. A body naming another
    organisation is refused (ValueError, a 422 on `organisation`), not silently ignored."""
    org = site_organisation or p.organisation
    if requested and requested != org:
        raise ValueError(org)
    return org


def _assignment_need_owner(a: Assignment) -> Iterator[str]:
    yield a.need.organisation


def assignment_view(p: Principal, a: Assignment) -> bool:
    """Whether this principal sees this assignment in lists (dispatchers: only their own)."""
    return policy.sees(p, "assignment.read", need_owners=_assignment_need_owner(a), resource_owners=a.organisations)
