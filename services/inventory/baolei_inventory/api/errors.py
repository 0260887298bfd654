"""Error responses: every 4xx names the field and the reason, in Simplified Chinese and English.

Body: {"detail": [{"field": ..., "reason_zh": ..., "reason_en": ..., "row": (CSV only)}]} — the
shared shape of `baolei_common.errors`, which also answers the CSV imports' rejection
(`baolei_common.uploads.RowsRejected`: every bad row, nothing applied).
"""
from __future__ import annotations

from fastapi import FastAPI

from baolei_common import errors


def install(app: FastAPI) -> None:
    errors.install(app, retry_after_ms=lambda: app.state.gate.retry_after_ms())
