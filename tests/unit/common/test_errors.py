"""The one error shape: pydantic errors in Chinese and English, HTTPException details of every
form, Problems, Starlette's own 404/405, strict and bounded inputs."""
from __future__ import annotations

import typing

import pytest
from fastapi import FastAPI, Header, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic_core.core_schema import ErrorType

from baolei_common import errors
from baolei_common.fields import INT32_MAX, Id, Instant, Note, count
from baolei_common.problems import Problem
from baolei_common.pydantic_zh import ZH, field_of, reason_zh, translate


class Line(BaseModel):
    sku: Id
    quantity: int = count(ge=1, le=1_000_000)


class Body(BaseModel):
    people: int = count(ge=1, le=2000)
    due_at: Instant
    note: Note = ""
    lines: list[Line] = []


def app() -> FastAPI:
    a = FastAPI()
    errors.install(a, retry_after_ms=lambda: 1234)

    @a.post("/things")
    def post(body: Body, key: str | None = Header(None, max_length=5)) -> dict:
        return {"ok": True}

    @a.get("/problem")
    def problem() -> dict:
        raise Problem("need_id", "未找到需求", "need not found", status=404)

    @a.get("/legacy")
    def legacy() -> dict:
        raise HTTPException(403, detail={"message_zh": "仅指挥部", "message_en": "operators only"})

    @a.get("/plain")
    def plain() -> dict:
        raise HTTPException(409, detail="already done")

    return a


GOOD = {"people": 3, "due_at": "2026-12-02T20:00:00+08:00"}


@pytest.fixture(scope="module")
def client():
    with TestClient(app()) as c:
        yield c


def only(r, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"detail"} and isinstance(body["detail"], list) and body["detail"]
    for it in body["detail"]:
        assert it["field"] and it["reason_zh"] and it["reason_en"], it
    return body["detail"][0]


def test_every_pydantic_error_type_has_its_own_chinese_reason():
    missing = [t for t in typing.get_args(ErrorType) if t not in ZH]
    assert missing == []
    for t, template in ZH.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in template), t


def test_reasons_take_the_numbers_from_the_context():
    assert reason_zh("less_than_equal", {"le": 2000}) == "应不大于 2000"
    assert reason_zh("string_too_long", {"max_length": 64}) == "不能超过 64 个字符"
    assert reason_zh("greater_than_equal", {}) == "应不小于"  # no number: the sentence without it
    assert reason_zh("no_such_type_yet") == "取值无效"


def test_locations_become_dotted_paths():
    assert field_of(("body", "lines", 0, "quantity")) == "lines[0].quantity"
    assert field_of(("query", "limit")) == "limit"
    assert field_of(("body",)) == "body"
    own = translate({"type": "value_error", "loc": ("body",),
                     "msg": "Value error, due_at: 必须晚于 ready_at / must be after ready_at"})
    assert own == {"field": "due_at", "reason_zh": "必须晚于 ready_at", "reason_en": "must be after ready_at"}
    # Chinese ending in a full-width bracket, no space before the slash: still the field, not "取值无效" of body
    rooms = translate({"type": "value_error", "loc": ("body",),
                       "msg": "Value error, rooms: 房间数与人数不符（家庭房 1–3 人）/ rooms do not fit people"})
    assert rooms == {"field": "rooms", "reason_zh": "房间数与人数不符（家庭房 1–3 人）",
                     "reason_en": "rooms do not fit people"}
    # a field's own check naming itself is not named twice ("reason.reason")
    said = translate({"type": "value_error", "loc": ("body", "reason"), "msg": "Value error, reason: 请填写 / say why"})
    assert said["field"] == "reason"


@pytest.mark.parametrize("change, field, zh", [
    ({"people": True}, "people", "应为整数"),
    ({"people": "3"}, "people", "应为整数"),
    ({"people": 2.0}, "people", "应为整数"),
    ({"people": 2**31}, "people", "应不大于 2000"),
    ({"people": 0}, "people", "应不小于 1"),
    ({"due_at": "2026-12-02T20:00:00"}, "due_at", "时区"),
    ({"due_at": 1764676800}, "due_at", "日期时间"),
    ({"note": "a\x00b"}, "note", "控制字符"),
    ({"lines": [{"sku": "rice", "quantity": 2**40}]}, "lines[0].quantity", "应不大于 1000000"),
    ({"lines": [{"sku": "", "quantity": 1}]}, "lines[0].sku", "至少 1 个字符"),
])
def test_bad_input_is_a_422_naming_the_field_in_both_languages(client, change, field, zh):
    it = only(client.post("/things", json=GOOD | change), 422)
    assert it["field"] == field and zh in it["reason_zh"], it
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in it["reason_en"]), it


def test_good_input_passes_and_tabs_and_newlines_are_kept_in_notes(client):
    assert client.post("/things", json=GOOD | {"note": "一楼\n二楼\t东"}).status_code == 200


def test_headers_and_broken_json_are_named_too(client):
    assert only(client.post("/things", json=GOOD, headers={"key": "toolong"}), 422)["field"] == "key"
    it = only(client.post("/things", content=b"{not json", headers={"Content-Type": "application/json"}), 422)
    assert it["field"] == "body" and it["reason_zh"] == "不是有效的 JSON"
    # bytes that are not even UTF-8: FastAPI's 400 becomes a 422 about the body like any bad input
    it = only(client.post("/things", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}), 422)
    assert it["field"] == "body" and "无法解析" in it["reason_zh"]


def test_http_exceptions_of_every_form_and_starlettes_own(client):
    assert only(client.get("/problem"), 404) == {"field": "need_id", "reason_zh": "未找到需求",
                                                 "reason_en": "need not found"}
    assert only(client.get("/legacy"), 403) == {"field": "Authorization", "reason_zh": "仅指挥部",
                                                "reason_en": "operators only"}
    it = only(client.get("/plain"), 409)
    assert it["reason_en"] == "already done" and it["reason_zh"] == "状态冲突，无法执行此操作"
    assert only(client.get("/nowhere"), 404)["field"] == "path"
    assert only(client.delete("/things"), 405)["field"] == "method"


def test_busy_body_and_headers():
    body = errors.busy_body(1500)
    assert body["retry_after_ms"] == 1500 and "1500" in body["detail"][0]["reason_zh"]
    assert errors.retry_headers(1500) == {"Retry-After": "2", "Retry-After-Ms": "1500"}


def test_openapi_documents_the_error_model():
    a = FastAPI()

    @a.get("/x", responses=errors.responses(*errors.BASE, 404))
    def x(n: int = 1) -> dict:
        return {}

    spec = a.openapi()
    codes = spec["paths"]["/x"]["get"]["responses"]
    assert set(codes) == {"200", "401", "404", "422", "503"}
    assert codes["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "Retry-After" in codes["503"]["headers"]
    assert INT32_MAX == 2**31 - 1
