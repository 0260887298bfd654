"""Operator-facing reasons, in Simplified Chinese with English alongside.

Why: an operator at the command center must see at a glance why a need is not (fully) served
and what would fix it, e.g. "家庭房已满 / no family rooms left". All wording lives here.
"""
from __future__ import annotations

import logging

from baolei_common.skus import BY_CODE

from .plan import Unmet

logger = logging.getLogger(__name__)

RISK_ZH = {"close_contact": "密接", "secondary_contact": "次密接", "inbound": "入境人员"}
ROOM_ZH = {"standard": "标准间", "family": "家庭房", "accessible": "无障碍房"}
ROOM_EN = {"standard": "standard", "family": "family", "accessible": "accessible"}
# SKU prefix -> (Chinese name, Chinese unit, English name, English unit)
SKU_NAMES = {
    "rice": ("大米", "袋", "rice", "bags"), "flour": ("面粉", "袋", "flour", "bags"),
    "oil": ("食用油", "桶", "cooking oil", "drums"), "pork": ("猪肉", "公斤", "pork", "kg"),
    "eggs": ("鸡蛋", "箱", "eggs", "cases"), "egg": ("鸡蛋", "箱", "eggs", "cases"),
    "milk": ("牛奶", "箱", "milk", "cases"), "vegetables": ("蔬菜", "公斤", "vegetables", "kg"),
    "veg": ("蔬菜", "公斤", "vegetables", "kg"), "noodles": ("方便面", "箱", "instant noodles", "cases"),
    "water": ("饮用水", "箱", "drinking water", "cases"),
}


# The staples catalogue's units, in English, for the six staple codes the services use.
CATALOGUE_UNIT_EN = {"bag": "bags", "bottle": "bottles", "kg": "kg", "tray": "trays", "case": "cases"}


def sku_words(sku: str) -> tuple[str, str, str, str]:
    """(Chinese name, Chinese unit, English name, English unit). A staple of the services' catalogue
    (baolei_common.skus: rice, oil, eggs …) is counted in the catalogue's unit (oil in 瓶, eggs in 托),
    as the inventory and the console count it; other codes (the generator's `oil-5l`) by their prefix."""
    staple = BY_CODE.get(sku)
    if staple is not None:
        return (staple.name_zh, staple.unit_zh, staple.name_en,
                CATALOGUE_UNIT_EN.get(staple.unit, staple.unit))
    key = sku.split("-")[0].split("_")[0].lower()
    return SKU_NAMES.get(key, (sku, "件", sku, "units"))


def no_hotel_for_risk(need: str, risk: str, people: int) -> Unmet:
    return Unmet(need, f"没有接收该风险类别（{RISK_ZH.get(risk, risk)}）的酒店",
                 f"no hotel accepts this risk category ({risk})", "no_hotel_for_risk", people=people)


def rooms_full(need: str, room_type: str | None, people: int) -> Unmet:
    if room_type is None:
        return Unmet(need, "房间已满：接收该类别的酒店均已住满",
                     "hotels full: every hotel taking this category is full", "rooms_full", people=people)
    return Unmet(need, f"{ROOM_ZH[room_type]}已满", f"no {ROOM_EN[room_type]} rooms left",
                 f"{room_type}_rooms_full", people=people)


def rooms_given_to_more_urgent(need: str, people: int) -> Unmet:
    return Unmet(need, "房间已优先分配给更紧急或等待更久的需求",
                 "rooms went to more urgent or longer-waiting needs", "rooms_to_more_urgent", people=people)


def hotel_not_open(need: str, people: int) -> Unmet:
    return Unmet(need, "可接收的酒店在班次结束前未开放", "no accepting hotel opens before the buses' shifts end",
                 "hotel_not_open", people=people)


def no_bus_in_shift(need: str, people: int) -> Unmet:
    return Unmet(need, f"班次结束前没有车辆能到达（{people} 人未转运）",
                 f"no bus can reach it before its shift ends ({people} people not moved)",
                 "no_bus_in_shift", people=people)


def buses_fully_booked(need: str, people: int) -> Unmet:
    return Unmet(need, f"车辆已排满，{people} 人未能安排转运（已优先更紧急的需求）",
                 f"buses are fully booked: {people} people not moved (more urgent needs first)",
                 "buses_fully_booked", people=people)


OUT_OF_TIME = "out_of_time"  # code of a need the time limit cut off (the stream takes it again at once)


def not_routed_in_time(need: str, people: int) -> Unmet:
    """The solve's time limit ran out before this need's turn: not a shortage, so say so."""
    return Unmet(need, f"本轮匹配时限内未能安排（{people} 人），将自动重新匹配",
                 f"not matched within this round's time limit ({people} people); it is matched again automatically",
                 OUT_OF_TIME, people=people)


def no_buses(need: str, people: int) -> Unmet:
    return Unmet(need, "没有可用车辆", "no buses available", "no_buses", people=people)


def stock_short(need: str, sku: str, short: int, total_short: int, rationed: bool) -> Unmet:
    zh_name, zh_unit, en_name, en_unit = sku_words(sku)
    if rationed:
        zh = f"{zh_name}缺口 {total_short} {zh_unit}，按比例配给，本需求少 {short} {zh_unit}"
        en = (f"{en_name} short by {total_short} {en_unit} in the warehouses; "
              f"rationed fairly, this need gets {short} fewer")
    else:
        zh = f"{zh_name}缺口 {total_short} {zh_unit}，库存已优先供应更紧急的需求，本需求少 {short} {zh_unit}"
        en = (f"{en_name} short by {total_short} {en_unit} in the warehouses; stock went to more urgent needs, "
              f"this need gets {short} fewer")
    return Unmet(need, zh, en, "stock_short", sku=sku, quantity=short)


def no_stock(need: str, sku: str, short: int) -> Unmet:
    zh_name, zh_unit, en_name, en_unit = sku_words(sku)
    return Unmet(need, f"仓库中没有{zh_name}库存，缺口 {short} {zh_unit}",
                 f"no {en_name} in stock in any warehouse: short by {short} {en_unit}", "no_stock",
                 sku=sku, quantity=short)
