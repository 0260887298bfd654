"""Why a proposal arrives after its need's due time: the cause codes and their words.

Why here: the matcher writes the code on the proposal and says it in its explanation; the
requests service shows it in the console. One table keeps "无更早可用车辆 / no bus free earlier"
the same wherever an operator reads it. Codes (matcher solver/lateness.py decides which holds):
`no_bus_earlier`, `no_room_nearer`, `hotel_opens_later`, `due_unreachable`.
"""
from __future__ import annotations

CAUSE_WORDS: dict[str, tuple[str, str]] = {
    "no_bus_earlier": ("无更早可用车辆", "no bus free earlier"),
    "no_room_nearer": ("更近的酒店已满", "no room nearer"),
    "hotel_opens_later": ("酒店开放时间晚于截止时间", "hotel opens later"),
    "due_unreachable": ("截止时间前无法到达任何可接收酒店", "no accepting hotel reachable by due time"),
}


def late_words(late_minutes: int, cause: str) -> tuple[str, str]:
    """"逾期 45 分钟：无更早可用车辆", "45 min late: no bus free earlier"; empty when on time."""
    if late_minutes <= 0:
        return "", ""
    zh, en = CAUSE_WORDS.get(cause, (cause, cause))
    return (f"逾期 {late_minutes} 分钟" + (f"：{zh}" if zh else ""),
            f"{late_minutes} min late" + (f": {en}" if en else ""))
