"""The staples catalogue (米面油、肉蛋奶): one code per staple, its Chinese and English names, its
unit, and the names offices actually write in their forms and spreadsheets.

Why here: a community writes 大米 or 米, a supply clerk 花生油, a script `Rice`; the matcher and the
inventory know only `rice` and `oil`. A name that was not resolved used to be kept as it was, so a
need for 大米 was accepted and then found unmet "no 大米 in stock" while rice was in stock. Both
services resolve every SKU a user types through this one table and refuse what it does not know.
Pure code: no database, no web framework.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Staple:
    code: str
    name_zh: str
    name_en: str
    unit: str       # the unit quantities are counted in (as the inventory's demo registers it)
    unit_zh: str
    aliases: tuple[str, ...]


STAPLES: tuple[Staple, ...] = (
    Staple("rice", "大米", "rice", "bag", "袋",
           ("米", "稻米", "白米", "粳米", "籼米", "香米", "rice")),
    Staple("flour", "面粉", "flour", "bag", "袋",
           ("面", "小麦粉", "白面", "面粉（小麦粉）", "flour", "wheat flour")),
    Staple("oil", "食用油", "cooking oil", "bottle", "瓶",
           ("油", "花生油", "菜籽油", "菜油", "大豆油", "豆油", "调和油", "植物油", "粮油",
            "oil", "edible oil", "cooking oil", "vegetable oil")),
    Staple("pork", "猪肉", "pork", "kg", "公斤",
           ("肉", "鲜猪肉", "冻猪肉", "冷鲜肉", "猪肉（冻）", "pork", "meat")),
    Staple("eggs", "鸡蛋", "eggs", "tray", "托",
           ("蛋", "鲜鸡蛋", "鲜蛋", "egg", "eggs")),
    Staple("milk", "牛奶", "milk", "case", "箱",
           ("奶", "纯牛奶", "鲜奶", "鲜牛奶", "牛乳", "milk")),
)

BY_CODE: dict[str, Staple] = {s.code: s for s in STAPLES}


def normalise(name: str) -> str:
    """Full-width letters and spaces folded (NFKC), case and surrounding or repeated spaces ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).strip().lower().split())


_INDEX: dict[str, str] = {}
for _s in STAPLES:
    for _name in (_s.code, _s.name_zh, _s.name_en, *_s.aliases):
        key = normalise(_name)
        if _INDEX.setdefault(key, _s.code) != _s.code:
            raise RuntimeError(f"the staples catalogue names {key!r} twice")


def resolve(name: str) -> str | None:
    """The staple's code for a code, a Chinese or English name or an alias; None if unknown."""
    return _INDEX.get(normalise(name)) if name else None


def known_zh() -> str:
    """The staples as a Chinese list for error messages: 大米(rice)、面粉(flour)…"""
    return "、".join(f"{s.name_zh}({s.code})" for s in STAPLES)


def known_en() -> str:
    return ", ".join(s.code for s in STAPLES)


def unknown_reason(name: str) -> tuple[str, str]:
    """(Chinese, English) reason for a name the catalogue does not know, listing the staples."""
    return (f"无法识别的物资“{name}”，可用：{known_zh()}",
            f"unknown staple '{name}'; known: {known_en()}")


def amounts_zh(lines: Iterable[tuple[str, int]]) -> str:
    """"大米 5 袋、食用油 4 瓶": quantities by staple as an operator reads them (a code nobody registered as is)."""
    return "、".join(f"{BY_CODE[k].name_zh} {q} {BY_CODE[k].unit_zh}" if k in BY_CODE else f"{k} {q}" for k, q in lines)


def amounts_en(lines: Iterable[tuple[str, int]]) -> str:
    """"rice 5 bags, cooking oil 4 bottles"."""
    def one(k: str, q: int) -> str:
        s = BY_CODE.get(k)
        return f"{s.name_en} {q} {s.unit}{'' if q == 1 or s.unit == 'kg' else 's'}" if s else f"{k} {q}"
    return ", ".join(one(k, q) for k, q in lines)
