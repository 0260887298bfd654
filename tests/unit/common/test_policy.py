"""The one policy: role × own organisation × action × resource, and the token map it is read with."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from baolei_common import policy
from baolei_common.auth import DEFAULT_TOKENS


@dataclass(frozen=True)
class Who:
    role: str
    organisation: str
    kind: str = ""


OP, VIEWER = Who("operator", "指挥部"), Who("viewer", "指挥部")
BUS, HOTEL, FMG = Who("dispatcher", "巴士集团", "bus"), Who("dispatcher", "投控公司", "hotel"), Who(
    "dispatcher", "食品物资集团", "supply")
SITE = Who("site", "莲花街道")


def test_only_sites_for_their_own_sites_and_operators_raise_needs():
    assert policy.allows(OP, "need.raise", "东门街道")
    assert policy.allows(SITE, "need.raise", "莲花街道") and not policy.allows(SITE, "need.raise", "东门街道")
    for who in (BUS, HOTEL, FMG, VIEWER):
        assert not policy.may(who, "need.raise") and not policy.may(who, "need.import")
        with pytest.raises(policy.Denied) as exc:
            policy.require(who, "need.raise", who.organisation, "site_id")
        assert exc.value.field == "Authorization" and "无权提交需求" in exc.value.reason_zh


def test_prices_only_from_supply_groups_and_operators():
    assert policy.allows(FMG, "price.record", {"食品物资集团", "深粮集团"})
    assert not policy.allows(FMG, "price.record", {"深粮集团"}) and not policy.allows(FMG, "price.record", set())
    assert not policy.may(BUS, "price.record") and not policy.may(HOTEL, "price.record")
    assert not policy.may(FMG, "baseline.set") and policy.may(OP, "baseline.set")


def test_dispatchers_manage_only_their_kind_and_their_organisation():
    assert policy.allows(BUS, "bus.manage", "巴士集团") and not policy.allows(BUS, "bus.manage", "东部公交")
    assert not policy.may(BUS, "hotel.manage") and not policy.may(HOTEL, "bus.manage")
    assert policy.allows(FMG, "stock.move", "食品物资集团") and not policy.allows(FMG, "stock.move", "深粮集团")
    assert policy.allows(BUS, "assignment.answer", ["投控公司", "巴士集团"])
    assert not policy.allows(BUS, "assignment.answer", ["投控公司"])
    with pytest.raises(policy.Denied) as exc:
        policy.require(BUS, "bus.manage", "东部公交", "operator")
    assert exc.value.field == "operator" and "东部公交" in exc.value.reason_zh and "巴士集团" in exc.value.reason_zh
    assert exc.value.detail == [{"field": "operator", "reason_zh": exc.value.reason_zh,
                                 "reason_en": exc.value.reason_en}]


def test_own_needs_an_organisation_and_viewers_never_write():
    assert not policy.allows(Who("site", ""), "need.raise", "")
    assert all(a in policy.READ_ACTIONS for a in policy.grants_of(VIEWER))
    assert set(policy.grants_of(OP)) == set(policy.ACTIONS)
    community = {a: "own" for a in ("volunteer.register", "volunteer.verify", "zone.change", "household.manage",
                                    "task.raise", "task.wish", "task.approve", "task.confirm", "doorstep.live")}
    assert policy.grants_of(SITE) == {"need.raise": "own", "need.import": "own", "need.cancel": "own",
                                      "live.subscribe": "own", **community}


def test_a_volunteer_acts_only_on_their_own_tasks_and_registration_in_their_community():
    volunteer = Who("volunteer", "莲花北社区")
    assert policy.grants_of(volunteer) == {"volunteer.register": "own", "task.wish": "own", "task.take": "own",
                                          "doorstep.live": "own"}
    assert policy.allows(volunteer, "task.take", "莲花北社区") and not policy.allows(volunteer, "task.take", "景田社区")
    assert not policy.may(volunteer, "need.raise") and not policy.may(volunteer, "coverage.read")
    with pytest.raises(ValueError, match="organisation"):
        policy.check_tokens({"t": {"user": "V-1", "role": "volunteer"}})


def test_token_maps_are_checked_at_start_up():
    policy.check_tokens(DEFAULT_TOKENS)
    kinds = {t["organisation"]: t.get("kind") for t in DEFAULT_TOKENS.values() if t["role"] == "dispatcher"}
    assert kinds == {"巴士集团": "bus", "东部公交": "bus", "西部公交": "bus", "投控公司": "hotel",
                     "食品物资集团": "supply"}
    with pytest.raises(ValueError, match="kind"):
        policy.check_tokens({"t": {"user": "u", "role": "dispatcher", "organisation": "x"}})
    with pytest.raises(ValueError, match="role"):
        policy.check_tokens({"t": {"user": "u", "role": "admin", "organisation": "x"}})


def test_the_table_has_a_cell_for_every_action_and_role():
    rows = policy.table()
    assert [r["action"] for r in rows] == list(policy.ACTIONS)
    assert all(set(policy.POLICY_ROLES) <= set(r) for r in rows)
    assert next(r for r in rows if r["action"] == "price.record")["dispatcher:bus"] == "—"


def test_an_operators_answer_stands_for_all_a_dispatchers_for_its_own():
    assert policy.answers_for_all(OP)
    assert not any(policy.answers_for_all(w) for w in (BUS, HOTEL, FMG, SITE, VIEWER))


def test_read_rules_any_sees_everything_own_by_need_or_by_resources():
    mine, theirs = {"need_owners": ["福田区"], "resource_owners": ["巴士集团"]}, {"need_owners": ["南山区"],
                                                                             "resource_owners": ["东部公交"]}
    for read in ("need.read", "assignment.read", "event.read"):
        assert policy.sees(OP, read, **theirs) and policy.sees(VIEWER, read, **theirs)
        assert policy.sees(BUS, read, **mine) and not policy.sees(BUS, read, **theirs)
        # a site's own are the needs of its organisation, not what its organisation's resources hold
        site = Who("site", "福田区")
        assert policy.sees(site, read, **mine) and not policy.sees(site, read, **theirs)
        assert not policy.sees(site, read, need_owners=[], resource_owners=["福田区"])
    assert policy.sees(FMG, "price_alert.read") and not policy.sees(BUS, "price_alert.read")
    assert not policy.sees(Who("site", "福田区"), "price_alert.read")
    assert policy.read_scope(Who("site", "福田区"), "sheet.read") is None
    assert policy.sees_all(Who("site", "福田区"), "resource.read") and not policy.sees_all(BUS, "resource.read")
