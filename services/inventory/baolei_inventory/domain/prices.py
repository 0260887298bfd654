"""Price stability (稳价): a baseline per SKU×district and a grade by the rise over it.

Grades by rise = (price - baseline) / baseline, with configurable thresholds (defaults):
  rise < 5 %  normal;  5 % ≤ rise < 10 %  stress;  10 % ≤ rise < 20 %  alert;  rise ≥ 20 %  crisis.
Without an explicit baseline, the baseline is the median of the observations of the last 7 days
before the new one; with none, there is nothing to compare and the grade is normal.
An observation is recorded only for a known district and not in the future (`observation_problems`).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Grade(str, Enum):
    NORMAL = "normal"
    STRESS = "stress"
    ALERT = "alert"
    CRISIS = "crisis"


GRADE_ZH = {Grade.NORMAL: "正常", Grade.STRESS: "承压", Grade.ALERT: "预警", Grade.CRISIS: "危机"}


@dataclass(frozen=True)
class Thresholds:
    stress: float = 0.05
    alert: float = 0.10
    crisis: float = 0.20


@dataclass(frozen=True)
class Assessment:
    grade: Grade
    price_fen: int
    baseline_fen: int
    rise_ratio: float

    @property
    def raises_alert(self) -> bool:
        return self.grade in (Grade.ALERT, Grade.CRISIS)


def median_baseline(prices_fen: list[int]) -> int | None:
    if not prices_fen:
        return None
    return int(round(statistics.median(prices_fen)))


def grade(price_fen: int, baseline_fen: int | None, thresholds: Thresholds = Thresholds()) -> Assessment:
    if not baseline_fen or baseline_fen <= 0:
        return Assessment(Grade.NORMAL, price_fen, baseline_fen or 0, 0.0)
    rise = (price_fen - baseline_fen) / baseline_fen
    if rise >= thresholds.crisis:
        g = Grade.CRISIS
    elif rise >= thresholds.alert:
        g = Grade.ALERT
    elif rise >= thresholds.stress:
        g = Grade.STRESS
    else:
        g = Grade.NORMAL
    return Assessment(g, price_fen, baseline_fen, rise)


def messages(sku_zh: str, sku_en: str, district: str, a: Assessment, release: int,
             unit: str) -> tuple[str, str]:
    """The Chinese and English text of a price alert."""
    pct = a.rise_ratio * 100
    zh = (f"{district}{sku_zh}价格{GRADE_ZH[a.grade]}：{a.price_fen / 100:.2f} 元/{unit}，"
          f"较基准 {a.baseline_fen / 100:.2f} 元上涨 {pct:.1f}%。")
    en = (f"{sku_en} price in {district} is at {a.grade.value}: {a.price_fen / 100:.2f} yuan/{unit}, "
          f"{pct:.1f}% above the baseline of {a.baseline_fen / 100:.2f} yuan.")
    if release > 0:
        zh += f"建议向该区投放储备 {release} {unit}。"
        en += f" Recommend releasing {release} {unit} of reserve stock in the district."
    return zh, en


FUTURE_TOLERANCE_S = 300.0  # clocks of phones and survey laptops drift: a price seen "in 5 minutes" is taken


def observation_problems(district: str, observed_at: datetime, now: datetime,
                         known_districts: set[str]) -> list[tuple[str, str, str]]:
    """Why an observation cannot be recorded, as (field, reason in Chinese, in English): a district
    no warehouse or baseline names (a typo, or 火星), or a time in the future beyond the tolerance
    (a 2099 price would stand as the latest for ever)."""
    out = []
    if district not in known_districts:
        shown = "、".join(sorted(known_districts)[:12])
        out.append(("district", f"未知的区“{district}”：应为有仓库或基准价的区（{shown}）",
                    f"unknown district {district!r}: must be one with a warehouse or a baseline "
                    f"({', '.join(sorted(known_districts)[:12])})"))
    if (observed_at - now).total_seconds() > FUTURE_TOLERANCE_S:
        out.append(("observed_at", "观测时间不能晚于现在", "observed_at must not be in the future"))
    return out
