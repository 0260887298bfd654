"""Late proposals for the attention panel: "N 个方案逾期" and which ones (issue 17, point 3).

Why: on a bad night 105 of 258 proposals arrived after their need's due time and nothing said
so. The panel counts the plans still to run that arrive late (proposed, being confirmed,
confirmed), lists the latest first with how late and why, and each opens its need, where an
operator can ask for a faster alternative.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baolei_requests.adapters.models import Assignment
from baolei_requests.api.presenters import lateness
from baolei_requests.api.presenters.labels import count_en, need_text

PENDING = ("proposed", "confirming", "confirmed")
SHOWN = 20


def late_proposals(session: Session) -> dict:
    """How many plans still to run arrive after due, with how many people, and the latest first."""
    late = (Assignment.status.in_(PENDING), Assignment.late_minutes > 0)
    count, people = session.execute(select(func.count(), func.coalesce(func.sum(Assignment.people), 0))
                                    .where(*late)).one()
    rows = session.scalars(select(Assignment).where(*late).order_by(Assignment.late_minutes.desc())
                           .limit(SHOWN)).all()
    items = []
    for a in rows:
        zh, en = need_text(a.need.kind, a.need.site.name, a.need.people, a.need.lines)
        items.append({"need_id": a.need_id, "assignment_id": a.id, "priority": a.need.priority,
                      "status": a.need.status, "assignment_status": a.status,
                      "site_name": a.need.site.name,
                      "label_zh": zh, "label_en": en, **lateness.fields(a)})
    return {"count": int(count), "people": int(people), "title_zh": f"{count} 个方案逾期",
            "title_en": f"{count_en(int(count), 'proposal', 'proposals')} late", "items": items}
