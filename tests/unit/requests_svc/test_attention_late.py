"""The attention panel counts late plans still to run; the need and proposal schemas carry the
lateness (SQLite, migrated as in production)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from baolei_requests.adapters import db
from baolei_requests.adapters.models import Assignment, Need, Site
from baolei_requests.api.presenters.attention import attention
from baolei_requests.api.routes import need_read

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=timezone.utc)


def test_late_plans_are_counted_and_worded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    db.migrate(url)
    with Session(create_engine(url)) as s:
        s.add(Site(id="s1", name="粤海社区", district="南山", lat=22.52, lon=113.93))
        for i, (status, late) in enumerate([("proposed", 45), ("confirmed", 10), ("proposed", 0),
                                            ("released", 90)]):
            n = Need(id=f"n{i}", kind="transfer", site_id="s1", priority=1, risk="close_contact", people=3,
                     rooms={"standard": 3}, ready_at=NOW, due_at=NOW + timedelta(hours=1), status="proposed")
            n.assignments.append(Assignment(id=f"a{i}", need_id=n.id, kind="transfer", status=status, people=3,
                                            wait_minutes=60 + late, late_minutes=late,
                                            late_cause="no_bus_earlier" if late else ""))
            s.add(n)
        s.commit()
        late = attention(s, NOW)["late"]
        assert (late["count"], late["people"], late["title_zh"]) == (2, 6, "2 个方案逾期")
        assert [x["need_id"] for x in late["items"]] == ["n0", "n1"]  # the latest first; released ones gone
        assert late["items"][0]["late_zh"] == "逾期 45 分钟：无更早可用车辆"
        assert late["items"][0]["late_en"] == "45 min late: no bus free earlier"
        read = need_read(s.get(Need, "n0"), s)
        assert (read.late_minutes, read.late_cause, read.wait_minutes) == (45, "no_bus_earlier", 105)
        assert read.assignments[0].late_zh == "逾期 45 分钟：无更早可用车辆"
        assert need_read(s.get(Need, "n2"), s).late_minutes == 0
