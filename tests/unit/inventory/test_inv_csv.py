"""CSV validation: every bad row with its number and reason; nothing valid is lost."""
from __future__ import annotations

from datetime import date

from baolei_inventory.domain import csvrows

WH = {"wh-ft"}
SKUS = {"rice", "oil"}


def test_good_counts_parse():
    text = "warehouse_id,sku,lot,counted,expiry,reserve\nwh-ft,rice,L1,10,2022-06-01,\nwh-ft,oil,R1,5,,true\n"
    rows, errors = csvrows.parse_counts(text, warehouses=WH, skus=SKUS)
    assert errors == []
    assert rows[0].expiry == date(2022, 6, 1) and rows[1].reserve and rows[1].row == 3


def test_every_bad_count_row_is_reported_with_its_number():
    text = ("warehouse_id,sku,lot,counted\n"
            "wh-ft,rice,L1,10\n"        # row 2 ok
            "wh-xx,rice,L1,10\n"        # row 3 unknown warehouse
            "wh-ft,beef,L1,-1\n"        # row 4 unknown sku and negative
            "wh-ft,rice,,ten\n"         # row 5 empty lot, not an integer
            "wh-ft,rice,L1,3\n")        # row 6 duplicate lot
    rows, errors = csvrows.parse_counts(text, warehouses=WH, skus=SKUS)
    by_row = {}
    for e in errors:
        by_row.setdefault(e.row, set()).add(e.field)
    assert by_row == {3: {"warehouse_id"}, 4: {"sku", "counted"}, 5: {"lot", "counted"}, 6: {"lot"}}
    assert all(e.reason_zh and e.reason_en for e in errors)


def test_missing_columns_and_empty_file():
    _, errors = csvrows.parse_counts("warehouse_id,sku\n", warehouses=WH, skus=SKUS)
    assert errors[0].row == 1 and "lot" in errors[0].field
    _, errors = csvrows.parse_prices("sku,district,source,price_fen\n", skus=SKUS)
    assert errors[0].reason_en == "the file has no data rows"


def test_price_rows():
    text = ("\ufeffsku,district,source,price_fen,observed_at\n"
            "rice,福田,market_survey,5200,2022-01-14T09:00\n"
            "rice,福田,rumour,5200,\n"
            "rice,福田,supply_group_sale,0,yesterday\n")
    rows, errors = csvrows.parse_prices(text, skus=SKUS)
    assert len(rows) == 1 and rows[0].observed_at.utcoffset().total_seconds() == 8 * 3600
    assert {(e.row, e.field) for e in errors} == {(3, "source"), (4, "price_fen"), (4, "observed_at")}


def test_staples_by_chinese_name_and_unknown_skus_reported():
    text = ("sku,district,source,price_fen\n"
            "大米,福田,market_survey,5200\n"
            "食用油,福田,market_survey,7900\n"
            "黄金,福田,market_survey,100\n")
    rows, errors = csvrows.parse_prices(text, skus=SKUS)
    assert [r.sku for r in rows] == ["rice", "oil"]
    assert [(e.row, e.field) for e in errors] == [(4, "sku")] and "黄金" in errors[0].reason_zh
    text = "warehouse_id,sku,lot,counted\nwh-ft,米,L1,10\nwh-ft,牛奶,L2,3\n"
    rows, errors = csvrows.parse_counts(text, warehouses=WH, skus=SKUS)
    assert [r.sku for r in rows] == ["rice"]
    assert [(e.row, e.field) for e in errors] == [(3, "sku")]  # milk is a staple, but not registered here


def test_row_limit():
    import pytest

    from baolei_common.uploads import Limits, UploadRejected
    text = "sku,district,source,price_fen\n" + "rice,福田,market_survey,5200\n" * 11
    with pytest.raises(UploadRejected, match="too many rows"):
        csvrows.parse_prices(text, skus=SKUS, limits=Limits(max_rows=10))
    rows, errors = csvrows.parse_prices(text, skus=SKUS, limits=Limits(max_rows=11))
    assert len(rows) == 11 and errors == []
