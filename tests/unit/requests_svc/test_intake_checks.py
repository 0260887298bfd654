"""Intake's sense checks and the body hash behind an Idempotency-Key (duplicates: test_duplicates.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from baolei_requests.api.schemas import NeedCreate
from baolei_requests.domain.intake.checks import IntakeRules, body_hash, resolve_skus, sense

NOW = datetime(2022, 1, 14, 8, 0, tzinfo=timezone.utc)
RULES = IntakeRules(clock_skew_s=600, max_ahead_days=30)


def fields(problems) -> set[str]:
    return {p.field for p in problems}


def test_times_that_make_sense_pass():
    data = {"kind": "transfer", "ready_at": NOW, "due_at": NOW + timedelta(hours=3)}
    assert sense(data, now=NOW, rules=RULES, site_role=None) == []
    assert sense({"kind": "supply", "due_at": NOW - timedelta(minutes=5)}, now=NOW, rules=RULES, site_role=None) == []


def test_a_due_date_in_the_past_or_years_ahead_is_refused():
    past = sense({"kind": "supply", "due_at": datetime(2020, 1, 14, tzinfo=timezone.utc)}, now=NOW, rules=RULES,
                 site_role=None)
    assert fields(past) == {"due_at"} and "已过" in past[0].reason_zh and "past" in past[0].reason_en
    ahead = sense({"kind": "supply", "due_at": NOW + timedelta(days=31)}, now=NOW, rules=RULES, site_role=None)
    assert fields(ahead) == {"due_at"} and "30" in ahead[0].reason_zh
    ready_late = sense({"kind": "supply", "due_at": NOW + timedelta(hours=1), "ready_at": NOW + timedelta(hours=2)},
                       now=NOW, rules=RULES, site_role=None)
    assert fields(ready_late) == {"ready_at"}


def test_a_hotel_is_no_pickup_site_and_a_depot_raises_nothing():
    transfer = {"kind": "transfer", "ready_at": NOW, "due_at": NOW + timedelta(hours=3)}
    supply = {"kind": "supply", "due_at": NOW + timedelta(hours=3)}
    assert fields(sense(transfer, now=NOW, rules=RULES, site_role="hotel")) == {"site_id"}
    assert sense(supply, now=NOW, rules=RULES, site_role="hotel") == []  # an isolation hotel may need staples
    assert fields(sense(supply, now=NOW, rules=RULES, site_role="depot")) == {"site_id"}


def test_staple_names_resolved_and_unknown_lines_named():
    lines = [{"sku": "大米", "quantity": 50}, {"sku": "黄金", "quantity": 1}, {"sku": "Milk", "quantity": 2}]
    problems = resolve_skus(lines)
    assert [p.field for p in problems] == ["lines[1].sku"] and "大米(rice)" in problems[0].reason_zh
    assert [ln["sku"] for ln in lines] == ["rice", "黄金", "milk"]


def test_the_schema_takes_staple_names_and_sees_one_staple_twice():
    need = NeedCreate(kind="supply", site_id="s1", due_at="2022-01-14T12:00:00+08:00",
                      lines=[{"sku": "大米", "quantity": 50}])
    assert need.lines[0].sku == "rice"
    try:
        NeedCreate(kind="supply", site_id="s1", due_at="2022-01-14T12:00:00+08:00",
                   lines=[{"sku": "大米", "quantity": 50}, {"sku": "rice", "quantity": 1}])
    except ValueError as exc:
        assert "each sku at most once" in str(exc)
    else:
        raise AssertionError("大米 and rice are one staple")


def test_body_hash_is_the_instant_not_its_offset():
    a = NeedCreate(kind="supply", site_id="s1", due_at="2022-01-14T20:00:00+08:00",
                   lines=[{"sku": "大米", "quantity": 50}]).model_dump()
    b = NeedCreate(kind="supply", site_id="s1", due_at="2022-01-14T12:00:00Z",
                   lines=[{"sku": "rice", "quantity": 50}]).model_dump()
    c = NeedCreate(kind="supply", site_id="s1", due_at="2022-01-14T12:00:00Z",
                   lines=[{"sku": "rice", "quantity": 51}]).model_dump()
    assert body_hash(a) == body_hash(b) != body_hash(c)


def test_row_keys_fit_the_column_and_stay_distinct():
    from baolei_requests.service.intake import row_key
    long = "k" * 200
    keys = {row_key(long, str(i)) for i in range(100)}
    assert len(keys) == 100 and all(len(k) <= 200 for k in keys)
    assert row_key("sheet-1", "A1") == "sheet-1:A1"
