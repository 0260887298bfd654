"""policy.require_read: a dispatcher reads only what its own organisation owns (the inventory's
warehouse ledger and lots); operators, sites and viewers read everything."""
from __future__ import annotations

import pytest

from baolei_common import policy
from baolei_common.identity import Principal

FMG = Principal("食品物资集团调度", "dispatcher", "食品物资集团", "supply")


def test_a_dispatcher_reads_its_own_organisations_warehouses_only():
    policy.require_read(FMG, "食品物资集团", "warehouse_id", "仓库", "warehouses")
    with pytest.raises(policy.Denied) as exc:
        policy.require_read(FMG, "深粮集团", "warehouse_id", "仓库", "warehouses")
    assert exc.value.field == "warehouse_id"
    assert exc.value.reason_zh == "无权查看其他单位的仓库（深粮集团）"
    assert exc.value.reason_en == "you may read only warehouses of your organisation, not 深粮集团"


@pytest.mark.parametrize("role", ["operator", "site", "viewer"])
def test_other_roles_read_every_organisations_warehouses(role):
    policy.require_read(Principal("u", role, "指挥部"), "深粮集团", "warehouse_id", "仓库", "warehouses")
