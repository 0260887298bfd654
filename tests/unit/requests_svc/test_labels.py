"""Words instead of codes: need labels, staples with their units, price alerts, ids inside texts,
and audit entries as sentences (issue 13)."""
from __future__ import annotations

from types import SimpleNamespace as NS

from baolei_requests.adapters.models import AuditEntry
from baolei_requests.api.presenters import attention, labels


class FakeSession:
    def __init__(self, rows: dict) -> None:
        self.rows, self.info = rows, {}

    def get(self, model, ident):
        return self.rows.get((model.__name__, ident))


def names(rows: dict | None = None) -> labels.Names:
    n = labels.Names(FakeSession(rows or {}))  # type: ignore[arg-type]
    n._buses = {"bus-futian-02": NS(id="bus-futian-02", plate="粤B·D1002", operator="巴士集团", state="in_service")}
    n._hotels = {"H-huizhanbei": NS(id="H-huizhanbei", name="会展北")}
    n._sites = {"c-lianhua-bei": NS(id="c-lianhua-bei", name="莲花北社区")}
    n.warehouses = {"fmg-baoan": "食品物资集团宝安西乡仓"}
    return n


def test_needs_in_words_with_staples_and_their_units():
    assert labels.need_text("transfer", "莲花北社区", 6, []) == ("莲花北社区 6 人转运",
                                                              "the transfer of 6 people from 莲花北社区")
    lines = [{"sku": "rice", "quantity": 80}, {"sku": "oil", "quantity": 30}]
    zh, en = labels.need_text("supply", "西乡社区", 0, lines)
    assert zh == "西乡社区 物资保障（大米 80 袋、食用油 30 瓶）"
    assert en == "supplies for 西乡社区 (80 bags of rice, 30 bottles of cooking oil)"
    assert labels.rooms_text({"standard": 12, "family": 2, "accessible": 0}) == ("标准间 12 间、家庭房 2 间",
                                                                                 "12 standard rooms, 2 family rooms")


def test_price_alert_in_each_language_with_its_own_unit():
    zh, en = labels.price_alert_text({"sku": "eggs", "district": "罗湖", "grade": "alert", "price_fen": 3120,
                                      "baseline_fen": 2800, "rise_ratio": 0.114, "recommended_reserve_release": 0})
    assert zh == "罗湖鸡蛋价格预警：31.20 元/托，较基准 28.00 元上涨 11.4%。"
    assert en.startswith("eggs in 罗湖: price alert, 31.20 yuan per tray")
    zh, _ = labels.price_alert_text({"sku": "pork", "district": "福田", "grade": "crisis", "price_fen": 3600,
                                     "baseline_fen": 3000, "rise_ratio": 0.2, "recommended_reserve_release": 66})
    assert "危机" in zh and "元/公斤" in zh and "投放储备 66 公斤" in zh and "kg" not in zh


def test_ids_inside_a_text_become_plates_and_names():
    n = names()
    assert n.humanise("已排除调度拒绝过的资源：bus-futian-02、H-huizhanbei。") == \
        "已排除调度拒绝过的资源：粤B·D1002、会展北。"
    assert n.humanise("") == ""
    a = NS(trips=[{"bus": "bus-futian-02", "operator": "巴士集团"}], room={"hotel": "H-huizhanbei"},
           picks=[{"warehouse": "fmg-baoan", "operator": "食品物资集团"},
                  {"warehouse": "fmg-x", "operator": "食品物资集团"}])
    assert n.resources(a) == ("粤B·D1002、会展北、食品物资集团宝安西乡仓、食品物资集团仓库",
                              "粤B·D1002, 会展北, 食品物资集团宝安西乡仓, 食品物资集团仓库")


def test_audit_entries_as_sentences():
    need = NS(kind="transfer", site=NS(name="莲花北社区"), people=6, lines=[])
    a = NS(need=need, people=6, picks=[])
    n = names({("Assignment", "A-1"): a, ("Need", "N-1"): need})
    accept = AuditEntry(actor="巴士集团调度", role="dispatcher", organisation="巴士集团", action="assignment.accept",
                        entity="assignment:A-1", after={"awaiting": ["投控公司"]})
    assert labels.audit_text(accept, n) == ("巴士集团调度 接受了 莲花北社区 6 人转运，待 投控公司 确认",
                                            "巴士集团调度 accepted the transfer of 6 people from 莲花北社区; "
                                            "waiting for 投控公司")
    stop = AuditEntry(actor="巴士集团调度", role="dispatcher", action="bus.state", entity="bus:bus-futian-02",
                      after={"state": "out_of_service", "reason": "车辆故障"})
    assert labels.audit_text(stop, n)[0] == "巴士集团调度 将 车辆 粤B·D1002（巴士集团） 停运（原因：车辆故障）"
    expire = AuditEntry(actor="system", role="system", action="assignment.expire", entity="assignment:A-1", after={})
    assert labels.audit_text(expire, n) == ("系统 超时释放了 莲花北社区 6 人转运",
                                            "the system let expire the transfer of 6 people from 莲花北社区")
    gone = AuditEntry(actor="指挥部值班员", role="operator", action="need.create", entity="need:N-gone", after={})
    assert labels.audit_text(gone, n) == ("指挥部值班员 提交了 需求", "指挥部值班员 raised a need")


def test_unmet_codes_grouped_by_cause():
    assert attention.cause_of("accessible_rooms_full") == "accessible_rooms_full"
    assert attention.cause_of("rooms_full") == attention.cause_of("rooms_to_more_urgent") == "rooms"
    assert {attention.cause_of(c) for c in ("no_bus_in_shift", "buses_fully_booked", "no_buses")} == {"buses"}
    assert attention.cause_of("stock_short") == attention.cause_of("no_stock") == "stock"
    assert attention.cause_of("") == "unknown"
