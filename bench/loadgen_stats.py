"""Pure bookkeeping of the load benchmark: what one need went through, and the per-level summary.

Why a module of its own: the load benchmark (`bench.load_bench`) drives the real stack, but what
it reports — percentiles, who counts as accepted, which waits break the targets — must be right
without a broker to check it. Everything here is a pure function of records, unit-tested in
tests/unit/test_load_stats.py. Times are `time.perf_counter()` seconds of the bench process.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Limits the benchmark is judged by (issue 10, point 7).
OUTCOME_WAIT_S = 30.0        # after the end of a level: how long a need may still wait for its first outcome
ACCEPT_LEVEL = 100           # at this rate every need must be accepted (503 then accepted on retry is fine)
OUTCOME_P95_LIMIT_S = 2.0    # submit → first outcome p95 at ACCEPT_LEVEL
STATUS_LAG_P95_LIMIT_S = 1.0  # Kafka outcome → API status p95 at ACCEPT_LEVEL
NO_HANG_LEVEL = 200          # at this rate: no timeouts, no 30 s waits, nothing left without an outcome
LONG_WAIT_S = 30.0
SHED_P99_LIMIT_S = 1.0       # at NO_HANG_LEVEL a 503 answers fast (issue 20): a refusal that waits is a hang


@dataclass
class Attempt:
    """One HTTP POST of a need: its status (None: no answer — timeout or connection error)."""

    started: float
    ended: float
    status: int | None
    error: str = ""          # "timeout", or the exception's class name when status is None
    on_wire: float | None = None  # when the client got a connection and began to send (httpx trace)

    @property
    def latency(self) -> float:
        return self.ended - self.started


@dataclass
class NeedRecord:
    """Everything the bench saw of one need it sent."""

    index: int
    kind: str                # "transfer" | "supply"
    scheduled: float         # when the open-loop schedule said to send it
    attempts: list[Attempt] = field(default_factory=list)
    need_id: str | None = None
    gave_up: bool = False    # still 503 when its retry budget ran out
    sampled: bool = False    # its API status is polled after its outcome
    outcome: str | None = None        # "proposed" | "unmet": the first AssignmentEvent for it
    outcome_at: float | None = None   # when the bench's Kafka consumer got it
    status_at: float | None = None    # when GET /api/needs/{id} first showed status != "submitted"
    status_polls: int = 0
    poll_latencies: list[float] = field(default_factory=list)  # of each GET /api/needs/{id} that answered

    @property
    def first_sent(self) -> float:
        """When its first attempt began (only for a need that was sent)."""
        return self.attempts[0].started

    @property
    def answered_at(self) -> float:
        """When its accepted answer came (only for an accepted need)."""
        a = self.accepted
        if a is None:
            raise ValueError(f"need #{self.index} was not accepted")
        return a.ended

    @property
    def accepted(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status in (200, 201)), None)


def retry_delay_s(headers: Mapping[str, str], body: object, default_s: float = 1.0, cap_s: float = 30.0) -> float:
    """How long to wait before retrying a 503: the `Retry-After-Ms` header, else a `retry_after_ms`
    field of the JSON body (top level or under `detail`), else `Retry-After` in seconds (an HTTP
    date is not understood: default); capped, never negative."""
    lower = {k.lower(): v for k, v in headers.items()}
    candidates: list[float | None] = [_num(lower.get("retry-after-ms"), 1e-3)]
    if isinstance(body, dict):
        candidates.append(_num(body.get("retry_after_ms"), 1e-3))
        if isinstance(body.get("detail"), dict):
            candidates.append(_num(body["detail"].get("retry_after_ms"), 1e-3))
    candidates.append(_num(lower.get("retry-after"), 1.0))
    delay = next((c for c in candidates if c is not None), default_s)
    return min(max(delay, 0.0), cap_s)


def _num(v: object, scale: float) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x * scale if math.isfinite(x) else None


def percentile(xs: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) by linear interpolation between closest ranks (numpy's default);
    None for no data."""
    if not xs:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def pcts(xs: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> dict[str, float | None]:
    out: dict[str, float | None] = {f"p{q:g}": percentile(xs, q) for q in qs}
    out["max"] = max(xs) if xs else None
    out["n"] = len(xs)
    return out


@dataclass
class LevelSummary:
    rate: float                  # needs/s asked for
    duration_s: float
    sent: int
    accepted: int
    accepted_after_503: int
    status_503: int               # 503 answers, all attempts
    retries: int                  # attempts after the first
    errors: dict[str, int]        # other final answers by status code ("422": 3 …), not 503s
    timeouts: int                 # attempts that got no answer in the client's time limit
    conn_errors: int              # attempts that failed otherwise without an answer
    gave_up: int                  # needs still 503 when their retry budget ran out
    http_attempt: dict            # latency of every attempt that got an answer or timed out (s)
    http_accepted: dict           # first send → accepted answer, retries included (s)
    pool_wait: dict               # attempt start → on the wire: queued in the client's connection pool (s)
    outcome: dict                 # first send → first outcome on Kafka (s), accepted needs with one
    accepted_outcome: dict        # accepted answer → first outcome (s, 0 if the outcome came first)
    shed_answer: dict             # on the wire → 503 answer (s; the client's own pool queue apart): shedding is fast
    outcomes: dict[str, int]      # first outcomes by kind (proposed / unmet)
    no_outcome: int               # accepted needs without an outcome by the end of the wait
    long_waits: int               # accepted needs whose outcome came ≥ 30 s after their first send, or never
    status_lag: dict              # Kafka outcome (or the HTTP answer, if later) → API status != submitted (s)
    outcome_before_answer: int    # accepted needs whose outcome was on Kafka before their HTTP answer came
    status_sampled: int
    status_get: dict              # latency of the status polls (s): the lag counts up to their answers
    status_gets: int              # GETs the polling sent: load the bench adds on top of the POSTs
    status_never: int             # sampled needs with an outcome whose status never moved in the poll window
    kafka_rtt: dict               # produce → consume on a scratch topic during the level (s)
    schedule_lag: dict            # how late the generator sent, against its schedule (s)
    loop_lag: dict                # how late the bench's own event loop woke (s): its timestamps are this late
    achieved_rate: float          # needs sent per second of the schedule actually taken
    load_avg: str = ""            # the machine's load average (1/5/15 min) at the level's end
    drain_s: float | None = None  # last scheduled send → last first outcome: how long the backlog took to clear
    backlog_max_s: float | None = None  # the requests service's matching backlog, highest sample (s)

    def row(self) -> dict:
        return self.__dict__.copy()


def summarize_level(rate: float, duration_s: float, records: Sequence[NeedRecord],
                    kafka_rtt: Sequence[float] = (), loop_lag: Sequence[float] = ()) -> LevelSummary:
    """The per-level figures of the report, from the records alone. A timed-out attempt counts in
    the attempt latencies at what it waited (a lock-up must not leave p99 looking fine); an attempt
    that failed at once without an answer (connection refused) does not."""
    sent = [r for r in records if r.attempts]
    attempts = [a for r in sent for a in r.attempts]
    accepted = [r for r in sent if r.accepted is not None]
    errors: Counter[str] = Counter()
    for r in sent:
        last = r.attempts[-1]
        if r.accepted is None and last.status is not None and last.status != 503:
            errors[str(last.status)] += 1
    with_outcome = [(r, r.outcome_at) for r in accepted if r.outcome_at is not None]
    outcome_lat = [at - r.first_sent for r, at in with_outcome]
    no_outcome = len(accepted) - len(with_outcome)
    long_waits = no_outcome + sum(1 for x in outcome_lat if x >= LONG_WAIT_S)
    sampled = [(r, at) for r, at in with_outcome if r.sampled]
    # The API can only be asked once the client knows the need's id: lag counts from the later of
    # the outcome's arrival and the accepted answer (an answer slower than the matcher is no API lag).
    lags = [r.status_at - max(at, r.answered_at) for r, at in sampled if r.status_at is not None]
    starts = [r.first_sent for r in sent]
    span = (max(starts) - min(starts)) if len(starts) > 1 else 0.0
    return LevelSummary(
        rate=rate, duration_s=duration_s, sent=len(sent), accepted=len(accepted),
        accepted_after_503=sum(1 for r in accepted if any(a.status == 503 for a in r.attempts)),
        status_503=sum(1 for a in attempts if a.status == 503),
        retries=sum(len(r.attempts) - 1 for r in sent),
        errors=dict(sorted(errors.items())),
        timeouts=sum(1 for a in attempts if a.status is None and a.error == "timeout"),
        conn_errors=sum(1 for a in attempts if a.status is None and a.error != "timeout"),
        gave_up=sum(1 for r in sent if r.gave_up and r.accepted is None),
        http_attempt=pcts([a.latency for a in attempts if a.status is not None or a.error == "timeout"]),
        http_accepted=pcts([r.answered_at - r.first_sent for r in accepted]),
        pool_wait=pcts([a.on_wire - a.started for a in attempts if a.on_wire is not None]),
        outcome=pcts(outcome_lat),
        accepted_outcome=pcts([max(0.0, at - r.answered_at) for r, at in with_outcome]),
        shed_answer=pcts([a.ended - (a.on_wire if a.on_wire is not None else a.started)
                          for a in attempts if a.status == 503]),
        outcomes=dict(sorted(Counter(r.outcome for r, _ in with_outcome if r.outcome).items())),
        no_outcome=no_outcome, long_waits=long_waits,
        status_lag=pcts(lags),
        outcome_before_answer=sum(1 for r, at in with_outcome if at < r.answered_at),
        status_get=pcts([x for r in sent for x in r.poll_latencies]),
        status_gets=sum(r.status_polls for r in sent),
        status_sampled=len(sampled), status_never=len(sampled) - len(lags),
        kafka_rtt=pcts(list(kafka_rtt)),
        schedule_lag=pcts([r.first_sent - r.scheduled for r in sent]),
        loop_lag=pcts(list(loop_lag)),
        achieved_rate=(len(sent) - 1) / span if span > 0 else float(len(sent)),
    )


@dataclass
class Target:
    name: str
    level: float
    met: bool | None       # None: the level was not run
    detail: str

    def line(self) -> str:
        verdict = {True: "MET", False: "MISSED", None: "not run"}[self.met]
        return f"- {self.name}: **{verdict}** — {self.detail}"


def _at(levels: Sequence[LevelSummary], rate: float) -> LevelSummary | None:
    return next((s for s in levels if s.rate == rate), None)


def targets(levels: Sequence[LevelSummary]) -> list[Target]:
    """The four targets of issue 10, point 7, judged on the summaries of one database's run."""
    out: list[Target] = []
    s = _at(levels, ACCEPT_LEVEL)
    if s is None:
        out += [Target(f"{ACCEPT_LEVEL}/s every need accepted", ACCEPT_LEVEL, None, "level not in this run"),
                Target(f"{ACCEPT_LEVEL}/s submit → first outcome p95 ≤ {OUTCOME_P95_LIMIT_S:g} s", ACCEPT_LEVEL, None,
                       "level not in this run"),
                Target(f"{ACCEPT_LEVEL}/s status lag p95 ≤ {STATUS_LAG_P95_LIMIT_S:g} s", ACCEPT_LEVEL, None,
                       "level not in this run")]
    else:
        out.append(Target(f"{ACCEPT_LEVEL}/s every need accepted (503 then accepted on retry counts)", s.rate,
                          s.sent > 0 and s.accepted == s.sent,
                          f"{s.accepted}/{s.sent} accepted ({s.accepted_after_503} after a 503), "
                          f"{s.timeouts} timeouts, "
                          f"{s.gave_up} gave up on 503, errors {s.errors or '{}'}"))
        p95 = s.outcome["p95"]
        complete = s.no_outcome == 0 and s.accepted == s.sent
        out.append(Target(f"{ACCEPT_LEVEL}/s submit → first outcome p95 ≤ {OUTCOME_P95_LIMIT_S:g} s", s.rate,
                          p95 is not None and p95 <= OUTCOME_P95_LIMIT_S and complete,
                          f"p95 {_s(p95)} over {s.outcome['n']} outcomes; {s.no_outcome} accepted needs without one"
                          + ("" if s.accepted == s.sent else f"; {s.sent - s.accepted} needs never accepted")))
        lag = s.status_lag["p95"]
        out.append(Target(f"{ACCEPT_LEVEL}/s status lag p95 ≤ {STATUS_LAG_P95_LIMIT_S:g} s", s.rate,
                          lag is not None and lag <= STATUS_LAG_P95_LIMIT_S and s.status_never == 0,
                          f"p95 {_s(lag)} over {s.status_lag['n']} sampled needs; {s.status_never} never left "
                          f"'submitted' within the poll window"))
    s = _at(levels, NO_HANG_LEVEL)
    if s is None:
        out.append(Target(f"{NO_HANG_LEVEL}/s no hang, no 30 s waits", NO_HANG_LEVEL, None, "level not in this run"))
    else:
        slow_http = s.http_accepted["max"] is not None and s.http_accepted["max"] >= LONG_WAIT_S
        out.append(Target(f"{NO_HANG_LEVEL}/s no hang, no 30 s waits", s.rate,
                          s.timeouts == 0 and s.conn_errors == 0 and s.long_waits == 0 and not slow_http
                          and s.gave_up == 0,
                          f"{s.timeouts} timeouts, {s.conn_errors} connection errors, {s.gave_up} gave up on 503, "
                          f"{s.long_waits} needs waited ≥ {LONG_WAIT_S:g} s for an outcome or never got one, "
                          f"slowest accepted answer {_s(s.http_accepted['max'])}"))
        shed = s.shed_answer["p99"]
        out.append(Target(f"{NO_HANG_LEVEL}/s shedding answers fast (503 p99 ≤ {SHED_P99_LIMIT_S:g} s)", s.rate,
                          shed is None or shed <= SHED_P99_LIMIT_S,
                          f"{s.status_503} 503s, answered in p99 {_s(shed)}, max {_s(s.shed_answer['max'])}"))
        p99 = s.accepted_outcome["p99"]
        out.append(Target(f"{NO_HANG_LEVEL}/s accepted → first outcome p99 ≤ {LONG_WAIT_S:g} s", s.rate,
                          p99 is not None and p99 <= LONG_WAIT_S and s.no_outcome == 0,
                          f"p99 {_s(p99)}, max {_s(s.accepted_outcome['max'])} over {s.accepted_outcome['n']} "
                          f"accepted needs; {s.no_outcome} without an outcome; {s.gave_up} gave up on 503"))
    return out


def _s(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} s"


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x * 1000:.0f}"


def _ratio(x: float | None, base: float | None) -> str:
    if x is None or base is None or base <= 0:
        return ""
    return f" (×{x / base:.1f})"


def render_table(levels: Sequence[LevelSummary]) -> str:
    """A markdown table: one column per level, absolute figures and, for latencies, the ratio to
    the first (baseline) level measured in the same run."""
    if not levels:
        return "(no levels run)\n"
    base = levels[0]
    head = "| metric | " + " | ".join(f"{s.rate:g}/s" for s in levels) + " |"
    sep = "| --- | " + " | ".join("---:" for _ in levels) + " |"
    rows: list[str] = [head, sep]

    def add(name: str, cell) -> None:
        rows.append(f"| {name} | " + " | ".join(cell(s) for s in levels) + " |")

    def lat(name: str, key: str, q: str, fmt=_ms) -> None:
        add(name, lambda s: fmt(getattr(s, key)[q]) + _ratio(getattr(s, key)[q], getattr(base, key)[q]))

    add("sent (achieved rate/s)", lambda s: f"{s.sent} ({s.achieved_rate:.1f})")
    add("accepted (after a 503)", lambda s: f"{s.accepted} ({s.accepted_after_503})")
    add("503s / retries", lambda s: f"{s.status_503} / {s.retries}")
    add("gave up on 503", lambda s: str(s.gave_up))
    add("other errors by code", lambda s: ", ".join(f"{k}: {v}" for k, v in s.errors.items()) or "0")
    add("**timeouts** / connection errors", lambda s: f"**{s.timeouts}** / {s.conn_errors}")
    for q in ("p50", "p95", "p99"):
        lat(f"HTTP attempt {q} ms", "http_attempt", q)
    for q in ("p50", "p95", "p99"):
        lat(f"HTTP accepted incl. retries {q} ms", "http_accepted", q)
    add("HTTP accepted max ms", lambda s: _ms(s.http_accepted["max"]))
    add("of which in the client's connection pool p95 / max ms",
        lambda s: f"{_ms(s.pool_wait['p95'])} / {_ms(s.pool_wait['max'])}")
    for q in ("p50", "p95", "p99"):
        lat(f"submit → first outcome {q} s", "outcome", q, fmt=lambda x: "–" if x is None else f"{x:.2f}")
    add("submit → first outcome max s", lambda s: "–" if s.outcome["max"] is None else f"{s.outcome['max']:.2f}")
    lat("accepted → first outcome p99 s", "accepted_outcome", "p99", fmt=lambda x: "–" if x is None else f"{x:.2f}")
    add("503 answered (from on the wire) p99 / max ms",
        lambda s: f"{_ms(s.shed_answer['p99'])} / {_ms(s.shed_answer['max'])}")
    add("outcome on Kafka before the HTTP answer", lambda s: str(s.outcome_before_answer))
    add("first outcomes (proposed / unmet)",
        lambda s: f"{s.outcomes.get('proposed', 0)} / {s.outcomes.get('unmet', 0)}")
    add(f"no outcome {OUTCOME_WAIT_S:g} s after the end", lambda s: str(s.no_outcome))
    for q in ("p50", "p95"):
        lat(f"status lag {q} ms", "status_lag", q)
    add("status lag: sampled / never moved", lambda s: f"{s.status_sampled} / {s.status_never}")
    add("status GETs sent / p50 / p95 ms",
        lambda s: f"{s.status_gets} / {_ms(s.status_get['p50'])} / {_ms(s.status_get['p95'])}")
    for q in ("p50", "p95"):
        lat(f"Kafka produce → consume {q} ms", "kafka_rtt", q)
    add("generator lag p99 / max ms", lambda s: f"{_ms(s.schedule_lag['p99'])} / {_ms(s.schedule_lag['max'])}")
    add("bench event-loop lag p95 / max ms", lambda s: f"{_ms(s.loop_lag['p95'])} / {_ms(s.loop_lag['max'])}")
    add("matching backlog max s / drained s after the last send",
        lambda s: f"{_s(s.backlog_max_s).removesuffix(' s')} / {_s(s.drain_s).removesuffix(' s')}")
    add("load average 1/5/15 min (level's end)", lambda s: s.load_avg or "–")
    return "\n".join(rows) + "\n"
