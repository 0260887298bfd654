"""The inventory API's bounded texts as named types: an annotation names a type (mypy refuses a
call such as `text(50)` in one), and each bound is written once."""
from __future__ import annotations

from baolei_common.fields import text

SkuName = text(100, min_length=1)
Unit = text(20, min_length=1)
Lot = text(64)
DistrictFilter = text(50)  # a query filter: may be empty
StatusFilter = text(20)
