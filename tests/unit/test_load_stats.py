"""The load benchmark's bookkeeping (bench/loadgen_stats.py): percentiles, the per-level summary,
503 retry delays and the targets — no broker, no services."""
from __future__ import annotations

import pytest

from bench.loadgen_stats import (
    Attempt,
    NeedRecord,
    percentile,
    render_table,
    retry_delay_s,
    summarize_level,
    targets,
)


def rec(i: int, *attempts: tuple[float, float, int | None, str], outcome: tuple[str, float] | None = None,
        sampled: bool = False, status_at: float | None = None, scheduled: float | None = None,
        gave_up: bool = False) -> NeedRecord:
    r = NeedRecord(index=i, kind="transfer", scheduled=attempts[0][0] if scheduled is None else scheduled,
                   attempts=[Attempt(*a) for a in attempts], sampled=sampled, gave_up=gave_up)
    if r.accepted is not None:
        r.need_id = f"N-{i}"
    if outcome:
        r.outcome, r.outcome_at = outcome
    r.status_at = status_at
    return r


def test_percentile_interpolates_like_numpy():
    xs = [4.0, 1.0, 3.0, 2.0]
    assert percentile(xs, 0) == 1.0
    assert percentile(xs, 100) == 4.0
    assert percentile(xs, 50) == pytest.approx(2.5)
    assert percentile(xs, 95) == pytest.approx(3.85)
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    with pytest.raises(ValueError):
        percentile(xs, 101)


def test_summary_counts_each_kind_of_answer():
    records = [
        rec(0, (0.0, 0.1, 201, ""), outcome=("proposed", 0.6)),
        # 503, retried after its delay, then accepted: accepted after a 503, one retry
        rec(1, (0.1, 0.15, 503, ""), (1.15, 1.3, 201, ""), outcome=("unmet", 1.9)),
        rec(2, (0.2, 35.2, None, "timeout")),                        # no answer: a timeout
        rec(3, (0.3, 0.35, 422, "")),                                # refused
        rec(4, (0.4, 0.45, 503, ""), (1.45, 1.5, 503, ""), gave_up=True),  # still 503 when the budget ran out
        rec(5, (0.5, 0.6, 201, "")),                                 # accepted, no outcome in the wait
        rec(6, (0.6, 0.7, None, "ConnectError")),
    ]
    s = summarize_level(10, 1.0, records, kafka_rtt=[0.01, 0.02, 0.03], loop_lag=[0.001, 0.2])
    assert (s.sent, s.accepted, s.accepted_after_503) == (7, 3, 1)
    assert (s.status_503, s.retries, s.gave_up) == (3, 2, 1)
    assert s.errors == {"422": 1}
    assert (s.timeouts, s.conn_errors) == (1, 1)
    assert s.outcomes == {"proposed": 1, "unmet": 1}
    assert s.no_outcome == 1 and s.long_waits == 1
    # submit → outcome counts from the first send, retries included
    assert s.outcome["n"] == 2
    assert s.outcome["max"] == pytest.approx(1.9 - 0.1)
    assert s.outcome["p50"] == pytest.approx((0.6 + 1.8) / 2)
    # HTTP accepted: first send → accepted answer; attempts: only those with an answer
    assert s.http_accepted["max"] == pytest.approx(1.2)
    assert s.http_attempt["n"] == 8  # 9 attempts; the timeout counts at 35 s, the connection error not
    assert s.http_attempt["max"] == pytest.approx(35.0)
    assert s.kafka_rtt["p50"] == pytest.approx(0.02)
    assert s.loop_lag["max"] == pytest.approx(0.2)
    assert s.pool_wait["n"] == 0  # no trace in these records


def test_pool_wait_is_attempt_start_to_the_wire():
    r = NeedRecord(index=0, kind="supply", scheduled=0.0,
                   attempts=[Attempt(0.0, 1.0, 201, "", on_wire=0.75)], need_id="N-1")
    s = summarize_level(10, 1.0, [r])
    assert s.pool_wait["max"] == pytest.approx(0.75)


def test_status_lag_only_for_sampled_needs_with_an_outcome():
    records = [
        rec(0, (0.0, 0.1, 201, ""), outcome=("proposed", 1.0), sampled=True, status_at=1.3),
        rec(1, (0.0, 0.1, 201, ""), outcome=("proposed", 1.0), sampled=True, status_at=None),  # never moved
        rec(2, (0.0, 0.1, 201, ""), sampled=True),                   # no outcome: not a lag sample
        rec(3, (0.0, 0.1, 201, ""), outcome=("proposed", 1.0), status_at=9.0),  # not sampled
    ]
    s = summarize_level(10, 1.0, records)
    assert s.status_sampled == 2 and s.status_never == 1
    assert s.status_lag["n"] == 1 and s.status_lag["p95"] == pytest.approx(0.3)
    assert s.outcome_before_answer == 0
    assert s.status_get["n"] == 0


def test_status_lag_counts_from_the_answer_when_the_outcome_came_first():
    # the matcher answered on Kafka at 1.0, the HTTP answer came at 2.0; the first GET saw it at 2.1
    r = rec(0, (0.0, 2.0, 201, ""), outcome=("proposed", 1.0), sampled=True, status_at=2.1)
    s = summarize_level(10, 1.0, [r])
    assert s.status_lag["p50"] == pytest.approx(0.1)
    assert s.outcome_before_answer == 1


def test_long_waits_and_generator_lag():
    records = [rec(0, (0.5, 0.6, 201, ""), outcome=("proposed", 31.0), scheduled=0.0),
               rec(1, (1.0, 1.1, 201, ""), outcome=("unmet", 2.0), scheduled=1.0)]
    s = summarize_level(1, 2.0, records)
    assert s.long_waits == 1 and s.no_outcome == 0
    assert s.schedule_lag["max"] == pytest.approx(0.5)
    assert s.achieved_rate == pytest.approx(2.0)  # 2 sends 0.5 s apart


def test_retry_delay_prefers_milliseconds_and_caps():
    assert retry_delay_s({"Retry-After-Ms": "250"}, None) == pytest.approx(0.25)
    assert retry_delay_s({"retry-after": "2"}, {"retry_after_ms": 400}) == pytest.approx(0.4)
    assert retry_delay_s({}, {"detail": {"retry_after_ms": 1500}}) == pytest.approx(1.5)
    assert retry_delay_s({"Retry-After": "3"}, {"detail": "busy"}) == 3.0
    assert retry_delay_s({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None) == 1.0
    assert retry_delay_s({}, None, default_s=0.5) == 0.5
    assert retry_delay_s({"Retry-After": "600"}, None) == 30.0
    assert retry_delay_s({"Retry-After-Ms": "-5"}, None) == 0.0


def _level(rate: float, *, outcome_at: float = 0.5, status_at: float = 0.7, timeout: bool = False,
           shed_s: float = 0.01):
    recs = [rec(i, (0.0, 0.05, 201, ""), outcome=("proposed", outcome_at), sampled=True, status_at=status_at)
            for i in range(20)]
    recs.append(rec(50, (0.0, shed_s, 503, ""), (1.0, 1.05, 201, ""), outcome=("proposed", outcome_at + 1.0)))
    if timeout:
        recs.append(rec(99, (0.0, 35.0, None, "timeout")))
    return summarize_level(rate, 1.0, recs)


def test_targets_met_missed_and_not_run():
    good = targets([_level(10), _level(100), _level(200)])
    assert [t.met for t in good] == [True] * 6
    bad = targets([_level(10), _level(100, outcome_at=3.0, status_at=4.5, timeout=True),
                   _level(200, outcome_at=31.0, timeout=True, shed_s=2.0)])
    assert [t.met for t in bad] == [False] * 6
    assert "1 timeouts" in bad[3].detail
    assert "p99 2.00 s" in bad[4].detail and "p99 30.95 s" in bad[5].detail
    short = targets([_level(10), _level(30)])
    assert [t.met for t in short] == [None, None, None, None]
    assert "not run" in short[0].line()


def test_table_has_ratios_against_the_first_level():
    table = render_table([_level(10, outcome_at=0.5), _level(30, outcome_at=1.0)])
    assert "| metric | 10/s | 30/s |" in table
    assert "(×2.0)" in table  # outcome p50 doubled
    assert "**timeouts**" in table
