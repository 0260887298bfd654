"""Import a spreadsheet of needs: validate every row first, then create all of them in the
caller's transaction, or none. A repeated upload with the same key creates nothing new.
"""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from baolei_common import policy
from baolei_requests import permissions, service
from baolei_requests.adapters.models import Need, Site
from baolei_requests.api.schemas import NeedCreate
from baolei_requests.intake.table import Parsed, RowError, parse_table, read_csv, read_xlsx

PYDANTIC_ZH = {
    "missing": "必填项为空", "int_parsing": "应为整数", "greater_than": "数值过小", "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大", "enum": "取值无效", "literal_error": "取值无效", "string_too_long": "内容过长",
    "string_too_short": "内容为空", "timezone_aware": "时间需带时区", "datetime_parsing": "时间格式无效",
}
FIELD_TO_COLUMN = {"site_id": "site", "rooms": "standard", "lines": "lines"}


class ImportRejected(Exception):
    """The upload has errors; nothing was applied."""

    def __init__(self, errors: list[RowError], denied: list[RowError] | None = None) -> None:
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors
        self.denied = denied or []  # rows the caller may not raise needs for: the answer is 403


@dataclass
class Imported:
    row: int
    need: Need
    created: bool


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return read_xlsx(data)
    return read_csv(data)


def _column(field: str, col_of: dict[str, str]) -> str:
    key = FIELD_TO_COLUMN.get(field, field)
    return col_of.get(key, key)


def _validation_errors(n: int, exc: ValidationError, col_of: dict[str, str]) -> list[RowError]:
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        if not loc and ":" in msg:  # the model's own checks start with "field: 中文 / English"
            field, _, rest = msg.partition(":")
            zh, _, en = rest.partition(" / ")
            out.append(RowError(n, _column(field.split(",")[0].strip(), col_of), zh.strip(), en.strip() or zh.strip()))
            continue
        field = loc[0] if loc else ""
        out.append(RowError(n, _column(field, col_of), PYDANTIC_ZH.get(e.get("type", ""), "取值无效"), msg))
    return out


def _site(session: Session, ref: str) -> Site | None:
    return session.scalars(select(Site).where(or_(Site.id == ref, Site.name == ref))).first()


def validate(session: Session, actor: service.Principal, parsed: Parsed) -> list[tuple[int, dict]]:
    """Every row checked against the same rules as POST /api/needs, plus site and permission."""
    errors = list(parsed.errors)
    denied: list[RowError] = []
    good: list[tuple[int, dict]] = []
    for n, data, col_of in parsed.rows:
        site = _site(session, data.get("site", ""))
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
        body = {k: v for k, v in data.items() if k not in ("site", "ref")} | {"site_id": site.id}
        try:  # the organisation comes from the token and the site, never from a column
            body["organisation"] = permissions.need_organisation(actor, site.organisation, body.get("organisation"))
        except ValueError:
            errors.append(RowError(n, col_of.get("organisation", "organisation"),
                                   f"需求所属单位由令牌和地点决定，不能填写为“{body.get('organisation')}”",
                                   "a need's organisation comes from the token and the site, not from the file"))
            continue
        try:
            need = NeedCreate(**body)
        except ValidationError as exc:
            errors.extend(_validation_errors(n, exc, col_of))
            continue
        good.append((n, need.model_dump() | {"_ref": data.get("ref")}))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.column)), denied)
    return good


def import_needs(session: Session, actor: service.Principal, data: bytes, filename: str,
                 batch_key: str | None) -> list[Imported]:
    """All rows or none: raises ImportRejected with every problem found."""
    try:
        rows = read_rows(data, filename)
    except Exception as exc:  # not a CSV/XLSX we can read
        raise ImportRejected([RowError(0, "", f"无法读取文件：{exc}", f"cannot read the file: {exc}")]) from exc
    good = validate(session, actor, parse_table(rows))
    out = []
    for n, body in good:
        ref = body.pop("_ref")
        key = f"{batch_key}:{ref or n}" if batch_key else None
        need, created = service.create_need(session, actor, body, key)
        out.append(Imported(n, need, created))
    return out
