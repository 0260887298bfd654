"""Decisions at the level people make them (issue 18): a whole bus run, a hotel's arrivals of an
hour, or a selection accepted with one confirmation; and the standing rule "confirm proposals for
my resources automatically".

A run or an hour is one decision: every proposal in it is answered in one transaction, with one
audit entry for the decision (and each proposal's own accept or decline, as for a single answer).
The caller must be entitled to every proposal named (else 403 and nothing is answered); proposals
no longer waiting (already answered, expired, released) are skipped and reported, not refused.

The standing rule is per organisation, switchable at any time, audited, visible to operators;
while it is on, `auto_confirm` (run every few seconds by the app) accepts every proposal still
waiting on that organisation, as the organisation, so its holds need no click.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from baolei_common import policy
from baolei_common.events import utcnow
from baolei_common.identity import Principal
from baolei_requests.adapters.models import Assignment, StandingRule
from baolei_requests.domain import lifecycle
from baolei_requests.service.audit import audit
from baolei_requests.service.decisions import stage_answer
from baolei_requests.service.errors import Invalid, NotFound
from baolei_requests.service.unit_of_work import UnitOfWork

MAX_AT_ONCE = 500


@dataclass
class Outcome:
    answered: list[str] = field(default_factory=list)
    confirming: list[str] = field(default_factory=list)  # accepted by everyone: confirmation on its way
    skipped: list[dict[str, str]] = field(default_factory=list)  # id, reason_zh, reason_en


def decide_many(uow: UnitOfWork, actor: Principal, assignment_ids: list[str], accept: bool, reason: str = "",
                breakdown: bool = False, label: str = "") -> Outcome:
    """Answer every named proposal as one decision (`label`: the run or hour, for the audit). Commits."""
    ids = list(dict.fromkeys(assignment_ids))
    if not ids:
        raise Invalid("assignment_ids", "请至少选择一项", "name at least one proposal")
    if len(ids) > MAX_AT_ONCE:
        raise Invalid("assignment_ids", f"一次最多 {MAX_AT_ONCE} 项", f"at most {MAX_AT_ONCE} at once")
    if not accept and not reason.strip():
        raise Invalid("reason", "拒绝须说明原因", "a decline needs a reason")
    out = Outcome()
    with uow:
        rows: list[Assignment] = []
        for aid in ids:
            a = uow.assignments.get(aid, lock=True)
            if a is None:
                raise NotFound("assignment", aid, "assignment_ids")
            policy.require(actor, "assignment.answer", list(a.organisations or []), "assignment_ids")
            rows.append(a)
        for a in rows:
            if a.status != "proposed" or not _must_answer(actor, a):
                out.skipped.append({"id": a.id, "reason_zh": f"已不在待确认状态（{a.status}）或已由本单位确认",
                                    "reason_en": f"no longer waiting for you ({a.status})"})
                continue
            pending = stage_answer(uow, actor, a.id, accept, reason, breakdown)
            out.answered.append(a.id)
            if accept and not pending:
                out.confirming.append(a.id)
        audit(uow, actor, "decision.accept" if accept else "decision.decline", f"decision:{label or 'selection'}",
              None, {"answered": out.answered, "skipped": [s["id"] for s in out.skipped], "reason": reason})
        uow.commit()
    return out


def _must_answer(actor: Principal, a: Assignment) -> bool:
    return lifecycle.must_answer(a.status, list(a.organisations or []), list(a.accepted_by or []),
                                 actor.organisation, policy.answers_for_all(actor))


def set_rule(uow: UnitOfWork, actor: Principal, organisation: str, on: bool) -> StandingRule:
    """Switch an organisation's standing rule on or off (audited). Switched on, the proposals
    already waiting on it are confirmed at once. Commits."""
    policy.require(actor, "autoconfirm.set", organisation, "organisation")
    with uow:
        rule = uow.get(StandingRule, organisation)
        before = None if rule is None else {"auto_confirm": rule.auto_confirm}
        if rule is None:
            rule = StandingRule(organisation=organisation, auto_confirm=on, set_by=actor.user, set_at=utcnow())
            uow.add(rule)
        else:
            rule.auto_confirm, rule.set_by, rule.set_at = on, actor.user, utcnow()
        audit(uow, actor, "rule.auto_confirm", f"rule:{organisation}", before, {"auto_confirm": on})
        uow.flush()
        if on:
            _confirm_waiting(uow, [organisation])
        uow.commit()
    return rule


def auto_confirm(uow: UnitOfWork) -> int:
    """Accept, for each organisation whose standing rule is on, every proposal still waiting on it.
    Returns how many answers were given. Commits."""
    with uow:
        orgs = list(uow.rules.automatic())
        n = _confirm_waiting(uow, orgs) if orgs else 0
        uow.commit()
    return n


def rule_actor(organisation: str, a: Assignment) -> Principal:
    """Who answers under the rule: the organisation itself, as the kind of dispatcher its part is."""
    kind = ("bus" if any(t.get("operator") == organisation for t in a.trips or [])
            else "hotel" if (a.room or {}).get("operator") == organisation else "supply")
    return Principal(user=f"自动确认规则（{organisation}）", role=policy.DISPATCHER, organisation=organisation,
                     kind=kind)


def _confirm_waiting(uow: UnitOfWork, orgs: list[str]) -> int:
    n = 0
    for a in uow.assignments.waiting():
        for org in orgs:
            if a.status == "proposed" and org in lifecycle.awaiting(a.status, list(a.organisations or []),
                                                                     list(a.accepted_by or [])):
                stage_answer(uow, rule_actor(org, a), a.id, True, "", False)
                n += 1
    return n
