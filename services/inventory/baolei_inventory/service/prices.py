"""Price observations, baselines, grading and PriceAlert publication (稳价).

Each observation is graded against the SKU×district baseline (the one set by an operator, else the
median of the previous `baseline_window_days` of observations). Alert and crisis grades store an
alert, stage a PriceAlert for baolei.price-alerts.v1, with a reserve-release recommendation for
the district (see domain.cover.recommend_reserve_release).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common import topics
from baolei_common.events import new_id, utcnow
from baolei_common.outbox import add_event
from baolei_inventory.adapters import proto
from baolei_inventory.adapters import repository as repo
from baolei_inventory.adapters.db import Store
from baolei_inventory.adapters.orm import AlertRow, BaselineRow, LevelRow, OutboxRow, PriceObservationRow, WarehouseRow
from baolei_inventory.domain import prices
from baolei_inventory.domain.cover import recommend_reserve_release
from baolei_inventory.domain.csvrows import SOURCES
from baolei_inventory.domain.errors import DomainError
from baolei_inventory.service.stock import sku_row

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observed:
    id: int
    sku: str
    district: str
    source: str
    price_fen: int
    observed_at: datetime
    grade: str
    baseline_fen: int
    rise_ratio: float
    alert_id: str | None


class PriceService:
    def __init__(self, store: Store, *, thresholds: prices.Thresholds, baseline_window_days: int,
                 cover_window_days: int, target_days: dict[str, float]) -> None:
        self.store = store
        self.thresholds = thresholds
        self.baseline_window = timedelta(days=baseline_window_days)
        self.cover_window_days = cover_window_days
        self.target_days = target_days

    def set_baseline(self, *, actor: str, sku: str, district: str, baseline_fen: int) -> None:
        if baseline_fen <= 0:
            raise DomainError("baseline_fen", "基准价必须为正数", "baseline_fen must be positive")
        with self.store.transaction() as s:
            sku_row(s, sku)
            s.merge(BaselineRow(sku=sku, district=district, baseline_fen=baseline_fen,
                                set_by=actor, set_at=utcnow()))

    def baseline(self, s: Session, sku: str, district: str, before: datetime) -> int | None:
        row = s.get(BaselineRow, (sku, district))
        if row is not None:
            return row.baseline_fen
        recent = s.execute(select(PriceObservationRow.price_fen).where(
            PriceObservationRow.sku == sku, PriceObservationRow.district == district,
            PriceObservationRow.observed_at >= before - self.baseline_window,
            PriceObservationRow.observed_at <= before)).scalars().all()
        return prices.median_baseline(list(recent))

    def observe_in(self, s: Session, *, actor: str, sku: str, district: str, source: str,
                   price_fen: int, observed_at: datetime | None = None) -> Observed:
        if source not in SOURCES:
            raise DomainError("source", f"来源应为 {'/'.join(SOURCES)}", f"source must be one of {', '.join(SOURCES)}")
        if price_fen <= 0:
            raise DomainError("price_fen", "价格必须为正数（单位：分）", "price_fen must be positive (in fen)")
        k = sku_row(s, sku)
        at = observed_at or utcnow()
        problems = prices.observation_problems(district, at, utcnow(), self.known_districts(s))
        if problems:
            field, zh, en = problems[0]
            raise DomainError(field, zh, en, status=422)
        base = self.baseline(s, sku, district, at)
        a = prices.grade(price_fen, base, self.thresholds)
        row = PriceObservationRow(sku=sku, district=district, source=source, price_fen=price_fen,
                                  observed_at=at, actor=actor, grade=a.grade.value)
        s.add(row)
        s.flush()
        add_event(s, OutboxRow, topics.PRICES, f"{sku}:{district}",
                  proto.price_observed(sku, district, source, price_fen, k.unit, at, actor))
        alert_id = None
        if a.raises_alert:
            release = self.recommend(s, sku, district, a.grade.value)
            zh, en = prices.messages(k.name_zh, k.name_en, district, a, release, k.unit)
            alert_id = new_id("pa-")
            s.add(AlertRow(event_id=alert_id, sku=sku, district=district, grade=a.grade.value,
                           price_fen=price_fen, baseline_fen=a.baseline_fen, rise_ratio=a.rise_ratio,
                           recommended_reserve_release=release, message_zh=zh, message_en=en,
                           raised_at=utcnow()))
            add_event(s, OutboxRow, topics.PRICE_ALERTS, f"{sku}:{district}",
                      proto.price_alert(sku, district, a, release, zh, en, event_id=alert_id,
                                        occurred_at=at, actor=actor))
            log.info("price alert %s %s %s rise=%.3f release=%d", sku, district, a.grade.value,
                     a.rise_ratio, release)
        return Observed(row.id, sku, district, source, price_fen, at, a.grade.value, a.baseline_fen,
                        a.rise_ratio, alert_id)

    @staticmethod
    def known_districts(s: Session) -> set[str]:
        """The districts prices may be recorded for: those with a warehouse or a baseline."""
        return set(s.execute(select(WarehouseRow.district)).scalars()) | \
            set(s.execute(select(BaselineRow.district)).scalars())

    def row_problems(self, rows: list[tuple[str, datetime | None]]) -> list[list[tuple[str, str, str]]]:
        """Why each (district, observed_at) would be refused: a CSV's rows all checked before any is applied."""
        with self.store.read() as s:
            known = self.known_districts(s)
        now = utcnow()
        return [prices.observation_problems(d, at or now, now, known) for d, at in rows]

    def observe(self, **kwargs) -> Observed:
        with self.store.transaction() as s:
            return self.observe_in(s, **kwargs)

    def recommend(self, s: Session, sku: str, district: str, grade: str) -> int:
        """Reserve to release in the district for `grade` (rule in domain.cover)."""
        since = utcnow() - timedelta(days=self.cover_window_days)
        whs = {w.id for w in s.execute(select(WarehouseRow).where(WarehouseRow.district == district)).scalars()}
        issued = sum(q for wh, k, q in repo.issued_since(s, since) if k == sku and wh in whs)
        reserve = sum(r.reserve for r in s.execute(select(LevelRow).where(LevelRow.sku == sku)).scalars()
                      if r.warehouse_id in whs)
        return recommend_reserve_release(daily=issued / self.cover_window_days, reserve=reserve,
                                         target_days=self.target_days.get(grade, 0.0))

    def alerts(self, *, district: str | None = None, limit: int = 200) -> list[AlertRow]:
        with self.store.read() as s:
            q = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
            if district:
                q = q.where(AlertRow.district == district)
            return list(s.execute(q).scalars())

    def observations(self, *, sku: str | None = None, district: str | None = None,
                     limit: int = 200) -> list[PriceObservationRow]:
        with self.store.read() as s:
            q = select(PriceObservationRow).order_by(PriceObservationRow.id.desc()).limit(limit)
            if sku:
                q = q.where(PriceObservationRow.sku == sku)
            if district:
                q = q.where(PriceObservationRow.district == district)
            return list(s.execute(q).scalars())

    def baselines(self) -> list[BaselineRow]:
        with self.store.read() as s:
            return list(s.execute(select(BaselineRow).order_by(BaselineRow.sku, BaselineRow.district)).scalars())
