"""Import a spreadsheet of needs: read and check every row first, then store them in chunks.

Why this shape: a city's import is thousands of rows, and while it is written nobody else may wait
long. So the file is read and every row checked before anything is written (the database is asked
a few questions in one short transaction: the sites, the keys already used, the open needs of the
sites the file names); likely duplicates are found by an index, not row by row against everything
stored (that was quadratic: 1,000 rows 72 s); then the needs are written `chunk_rows` at a time,
each chunk in a transaction of its own with bulk INSERTs, so on SQLite other writers get the lock
between chunks. Any bad row: nothing is written and the first `max_errors` problems are listed with
the total. Every row is stored under the key `<batch key>:<ref or row>` (the batch key is the
Idempotency-Key header, else a hash of the file): an upload repeated, or retried after a failure
half-way, stores only what is not stored yet.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from baolei_common import policy
from baolei_common.events import utcnow
from baolei_common.identity import Principal
from baolei_common.uploads import Limits, read_table
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Bus, Hotel, Need, Site
from baolei_requests.domain.intake.checks import IntakeRules, body_hash, sense
from baolei_requests.domain.intake.duplicates import RAISED_WINDOW_S, DuplicateIndex, Sketch
from baolei_requests.domain.intake.table import Parsed, RowError, parse_table
from baolei_requests.service import access as permissions
from baolei_requests.service import needs

PYDANTIC_ZH = {
    "missing": "必填项为空", "int_parsing": "应为整数", "greater_than": "数值过小", "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大", "enum": "取值无效", "literal_error": "取值无效", "string_too_long": "内容过长",
    "string_too_short": "内容为空", "timezone_aware": "时间需带时区", "datetime_parsing": "时间格式无效",
}
FIELD_TO_COLUMN = {"site_id": "site", "rooms": "standard", "lines": "lines"}
log = logging.getLogger(__name__)
IN_CHUNK = 500  # values per IN (...) list
CHUNK_PAUSE_S = 0.01  # between two chunks: the process's writer lock is not fair, a waiter needs the gap


class ImportRejected(Exception):
    """The upload has errors; nothing was applied."""

    def __init__(self, errors: list[RowError], denied: list[RowError] | None = None) -> None:
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors
        self.denied = denied or []  # rows the caller may not raise needs for: the answer is 403


@dataclass
class Imported:
    row: int
    need: SimpleNamespace
    created: bool


@dataclass
class _Row:
    n: int
    data: dict
    site: SimpleNamespace
    key: str
    digest: str = ""


@dataclass
class _Known:
    """What the database says before anything is written."""

    sites: dict[str, SimpleNamespace] = field(default_factory=dict)   # by id and by name
    roles: dict[str, str] = field(default_factory=dict)               # site id -> "hotel" | "depot"


def _column(name: str, col_of: dict[str, str]) -> str:
    key = FIELD_TO_COLUMN.get(name, name)
    return col_of.get(key, key)


def _validation_errors(n: int, exc: ValidationError, col_of: dict[str, str]) -> list[RowError]:
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        if not loc and ":" in msg:  # the model's own checks start with "field: 中文 / English"
            name, _, rest = msg.partition(":")
            zh, _, en = rest.partition(" / ")
            out.append(RowError(n, _column(name.split(",")[0].strip(), col_of), zh.strip(), en.strip() or zh.strip()))
            continue
        out.append(RowError(n, _column(loc[0] if loc else "", col_of), PYDANTIC_ZH.get(e.get("type", ""), "取值无效"),
                            msg))
    return out


def _known(session: Session) -> _Known:
    """Every site (a city has about a thousand) and which of them are hotels' or depots."""
    k = _Known()
    for row in session.connection().execute(select(Site.__table__)):
        site = SimpleNamespace(**row._mapping)
        k.sites.setdefault(site.name, site)
        k.sites[site.id] = site
    conn = session.connection()
    for (sid,) in conn.execute(select(Hotel.__table__.c.site_id).distinct()):
        k.roles[sid] = "hotel"
    for (sid,) in conn.execute(select(Bus.__table__.c.depot_id).distinct()):
        k.roles[sid] = "depot"
    return k


def _check_rows(parsed: Parsed, actor: Principal, known: _Known, rules: IntakeRules,
                now: datetime, batch_key: str,
                row_schema: type[BaseModel]) -> tuple[list[_Row], list[RowError], list[RowError]]:
    """Every row against the rules of POST /api/needs, plus its site, permission and sense.
    Returns the good rows, every error, and the errors that are refusals (not entitled: 403)."""
    errors = list(parsed.errors)
    denied: list[RowError] = []
    good: list[_Row] = []
    refs: set[str] = set()
    for n, data, col_of in parsed.rows:
        site = known.sites.get(data.get("site", ""))
        if site is None:
            errors.append(RowError(n, col_of.get("site", "site"), f"未登记的地点“{data.get('site')}”",
                                   f"unknown site '{data.get('site')}'"))
            continue
        if not policy.allows(actor, "need.import", site.organisation):
            denied.append(RowError(n, col_of.get("site", "site"),
                                   f"无权为“{site.name}”提交需求（不属于{actor.organisation}）",
                                   f"you cannot raise needs for {site.name}: not a site of {actor.organisation}"))
            errors.append(denied[-1])
            continue
        ref = data.get("ref") or str(n)
        if ref in refs:
            errors.append(RowError(n, col_of.get("ref", "ref"), f"编号“{ref}”在文件中重复",
                                   f"ref '{ref}' appears twice in the file"))
            continue
        refs.add(ref)
        body = {k: v for k, v in data.items() if k not in ("site", "ref")} | {"site_id": site.id}
        try:  # the organisation comes from the token and the site, never from a column
            body["organisation"] = permissions.need_organisation(actor, site.organisation, body.get("organisation"))
        except ValueError:
            errors.append(RowError(n, col_of.get("organisation", "organisation"),
                                   f"需求所属单位由令牌和地点决定，不能填写为“{body.get('organisation')}”",
                                   "a need's organisation comes from the token and the site, not from the file"))
            continue
        try:
            need = row_schema(**body)
        except ValidationError as exc:
            errors.extend(_validation_errors(n, exc, col_of))
            continue
        dumped = need.model_dump()
        problems = sense(dumped, now=now, rules=rules, site_role=known.roles.get(site.id))
        if problems:
            errors.extend(RowError(n, _column(p.field, col_of), p.reason_zh, p.reason_en) for p in problems)
            continue
        good.append(_Row(n, dumped, site, row_key(batch_key, ref), body_hash(dumped)))
    return good, errors, denied


def _prior(session: Session, actor: Principal, rows: list[_Row]) -> dict[str, SimpleNamespace]:
    """key -> the need stored before under it by this user (id, body_hash, priority, duplicate_of)."""
    t = Need.__table__.c
    out: dict[str, SimpleNamespace] = {}
    keys = [r.key for r in rows]
    conn = session.connection()
    for i in range(0, len(keys), IN_CHUNK):
        q = select(t.idempotency_key, t.id, t.body_hash, t.priority, t.duplicate_of).where(
            t.created_by == actor.user, t.idempotency_key.in_(keys[i:i + IN_CHUNK]))
        out.update({m["idempotency_key"]: SimpleNamespace(**m) for m in (r._mapping for r in conn.execute(q))})
    return out


def _open_needs(session: Session, rows: list[_Row]) -> DuplicateIndex:
    """The open needs of the sites the file names raised within the duplicate window, earliest first."""
    t = Need.__table__.c
    since = utcnow() - timedelta(seconds=RAISED_WINDOW_S)
    site_ids = sorted({r.site.id for r in rows})
    found: list[Any] = []
    conn = session.connection()
    for i in range(0, len(site_ids), IN_CHUNK):
        q = select(t.id, t.site_id, t.kind, t.risk, t.people, t.lines, t.ready_at, t.created_at).where(
            t.site_id.in_(site_ids[i:i + IN_CHUNK]), t.status.in_(needs.OPEN_STATUSES),
            t.created_at >= since)
        found.extend(conn.execute(q).all())
    index = DuplicateIndex()
    for r in sorted(found, key=lambda r: as_utc(r.created_at)):
        index.add(Sketch.of(r.id, r.site_id, r.kind, r.risk, r.people, r.lines,
                            as_utc(r.ready_at) if r.ready_at else None, as_utc(r.created_at)))
    return index


def row_key(batch_key: str, ref: str) -> str:
    """`<batch key>:<ref>`, or its hash where that would not fit the column (never cut: two rows
    would share a key)."""
    key = f"{batch_key}:{ref}"
    return key if len(key) <= 200 else f"sha256-{hashlib.sha256(key.encode()).hexdigest()}"


def batch_key_for(data: bytes, header_key: str | None) -> str:
    """The Idempotency-Key of the upload, else the file's own hash: the same file twice is one import."""
    return header_key or f"file-{hashlib.sha256(data).hexdigest()[:32]}"


def import_needs(sessions: sessionmaker, actor: Principal, data: bytes, filename: str,
                 header_key: str | None, *, limits: Limits, rules: IntakeRules, row_schema: type[BaseModel],
                 chunk_rows: int = 500, on_commit: Callable[[int], None] | None = None) -> list[Imported]:
    """All rows checked, then stored in chunks. Raises UploadRejected (the file as a whole) or
    ImportRejected (rows), having written nothing. Each row is validated by `row_schema` (the API's
    NeedCreate, passed in by the route: the same rules as POST /api/needs, without this layer
    importing the API's schemas)."""
    t0 = time.perf_counter()
    rows = read_table(data, filename, limits)
    parsed = parse_table(rows)
    if parsed.errors and not parsed.rows:
        raise ImportRejected(parsed.errors)
    with sessions() as s:  # short: a few reads, released before the rows are checked
        known = _known(s)
        s.rollback()
    now = utcnow()
    good, errors, denied = _check_rows(parsed, actor, known, rules, now, batch_key_for(data, header_key),
                                         row_schema)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.column)), denied)
    t1 = time.perf_counter()
    with sessions() as s:
        prior = _prior(s, actor, good)
        index = _open_needs(s, good)
        s.rollback()
    t2 = time.perf_counter()
    out: list[Imported] = []
    new: list[tuple[_Row, dict]] = []
    reused = [r for r in good if r.key in prior and prior[r.key].body_hash not in (None, r.digest)]
    if reused:
        raise ImportRejected([RowError(r.n, "Idempotency-Key",
                                       f"该行已用同一幂等键导入为需求 {prior[r.key].id}，内容不同",
                                       f"this row was imported under the same key as need {prior[r.key].id}, "
                                       "with different content; use a new Idempotency-Key") for r in reused])
    for k, r in enumerate(good):
        if r.key in prior:
            out.append(Imported(r.n, prior[r.key], False))
            continue
        # one microsecond apart: the file's order is the needs' order of arrival (lists, duplicates)
        row = needs.need_row(actor, r.data, r.site, r.key, r.digest, now + timedelta(microseconds=k))
        sketch = needs.sketch_of(SimpleNamespace(**row))
        row["duplicate_of"] = index.find(sketch)
        index.add(sketch)
        new.append((r, row))
        out.append(Imported(r.n, SimpleNamespace(**row), True))
    t_built = time.perf_counter()
    for i in range(0, len(new), chunk_rows):
        if i:
            time.sleep(CHUNK_PAUSE_S)  # a writer waiting for SQLite's lock takes it now, not after the import
        _store_chunk(sessions, actor, new[i:i + chunk_rows])
        if on_commit is not None:
            on_commit(min(i + chunk_rows, len(new)))
    t3 = time.perf_counter()
    log.info("import of %d rows by %s: %d new; read and checked in %.2f s, keys and open needs %.2f s, "
             "rows built %.2f s, stored %.2f s", len(good), actor.user, len(new), t1 - t0, t2 - t1,
             t_built - t2, t3 - t_built)
    return out


def _store_chunk(sessions: sessionmaker, actor: Principal, chunk: list[tuple[_Row, dict]]) -> None:
    """One transaction. If the same file is being imported at this moment by another request (a key
    of the chunk stored meanwhile), the rows it stored are left out and the rest stored."""
    sites = {r.site.id: r.site for r, _ in chunk}
    rows = [row for _, row in chunk]
    with sessions() as s:
        try:
            needs.insert_needs(s, actor, rows, sites)
            s.commit()
            return
        except IntegrityError:
            s.rollback()
        stored = _prior(s, actor, [r for r, _ in chunk])
        needs.insert_needs(s, actor, [row for r, row in chunk if r.key not in stored], sites)
        s.commit()
