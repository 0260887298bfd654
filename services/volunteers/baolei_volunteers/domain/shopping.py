"""A 代购 task's shopping list: the staples in it (米面油、肉蛋奶, `baolei_common.skus`) with their
quantities, to be drawn from the supply groups' stock; anything else on the list is bought at a shop.

Items are separated by commas, 、, ; or new lines; each is a name and a quantity in either order,
with or without the staple's unit: "大米 2袋", "2袋大米", "鸡蛋1托", "milk 1 case", "rice x2". A
staple in another unit than the one its stock is counted in (e.g. 大米 5斤: rice is counted in bags)
is refused with the unit to use, so that nobody reserves five bags for five jin.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from baolei_common import skus

SEPARATORS = re.compile(r"[,，、;；\n]+")
NAME_FIRST = re.compile(r"^(?P<name>.*?\D)\s*[x×*]?\s*(?P<qty>\d+)\s*(?P<unit>[^\d\s]*)$", re.I)
QTY_FIRST = re.compile(r"^(?P<qty>\d+)\s*(?P<unit>[^\d\s]*?)\s+(?P<name>\D+)$"
                       r"|^(?P<qty2>\d+)(?P<unit2>[袋瓶托箱])(?P<name2>\D+)$")


@dataclass(frozen=True)
class ListRefused(Exception):
    reason_zh: str
    reason_en: str


def _units(s: skus.Staple) -> set[str]:
    """The ways a quantity in the staple's own unit is written (none means that unit)."""
    return {"", s.unit, s.unit_zh, s.unit + "s"} | ({"千克", "kgs"} if s.unit == "kg" else set())


def staples(text: str) -> list[tuple[str, int]]:
    """(staple code, quantity) of the list's staples, merged by staple, in order of first mention.
    Raises ListRefused for a staple in a unit its stock is not counted in, or a quantity of 0 or > 99."""
    found: dict[str, int] = {}
    for raw in SEPARATORS.split(text or ""):
        item = " ".join(raw.split())
        if not item:
            continue
        m = NAME_FIRST.match(item)
        if m is not None:
            name, qty, unit = m["name"].strip(), int(m["qty"]), m["unit"].lower()
        else:
            q = QTY_FIRST.match(item)
            if q is None:
                continue  # no quantity: not something to draw from stock
            name = (q["name"] or q["name2"]).strip()
            qty, unit = int(q["qty"] or q["qty2"]), (q["unit"] or q["unit2"] or "").lower()
        code = skus.resolve(name)
        if code is None:
            continue  # not a staple: bought at a shop
        staple = skus.BY_CODE[code]
        if unit not in _units(staple):
            raise ListRefused(
                f"“{item}”：{staple.name_zh}按“{staple.unit_zh}”计，请写成如“{staple.name_zh} 1{staple.unit_zh}”",
                f"{item!r}: {staple.name_en} is counted in {staple.unit}s, e.g. '{staple.name_en} 1 {staple.unit}'")
        if not 1 <= qty <= 99:
            raise ListRefused(f"“{item}”：数量应为 1–99", f"{item!r}: the quantity must be 1-99")
        found[code] = found.get(code, 0) + qty
    return list(found.items())
