"""The claim board shows only what the volunteer may take; a refused claim says why."""

from __future__ import annotations

import pytest

from baolei_volunteers.solver import ScenarioError, claim_board, claim_refusal
from tests.unit.volunteers.scenarios import compound, household, scenario, task, volunteer


def city() -> dict:
    return scenario(
        [compound("A", "管控区"), compound("B", "管控区", lat=22.551), compound("S", "封控区", lat=22.552)],
        [volunteer("a", "A", ["送餐", "送药", "电话关怀"]), volunteer("s", "S", ["送餐", "电话关怀"])],
        [household("ha", "A", ["居家隔离"]), household("ha2", "A", ["独居老人"]), household("hb", "B", []),
         household("hs", "S", ["病患"])],
        [task("meal_a", "ha", "送餐"), task("meal_a2", "ha2", "送餐"), task("meal_b", "hb", "送餐"),
         task("med_a", "ha", "送药"), task("call_s", "hs", "电话关怀"), task("meal_s", "hs", "送餐"),
         task("declined", "ha", "送餐", excluded=["a"])])


def test_the_board_lists_only_what_the_rules_allow_frail_first() -> None:
    sc = city()
    assert [r["task_id"] for r in claim_board(sc, "a")] == ["meal_a2", "call_s", "meal_a"]
    assert [r["task_id"] for r in claim_board(sc, "s")] == ["call_s"]  # a sealed volunteer: remote only


def test_a_refused_claim_names_the_rule() -> None:
    sc = city()
    assert claim_refusal(sc, "a", "meal_a") is None
    assert claim_refusal(sc, "a", "meal_b")["code"] == "outside_own_compound"
    assert claim_refusal(sc, "s", "meal_s")["code"] == "target_sealed"
    assert claim_refusal(sc, "a", "med_a")["code"] == "no_certificate"
    refused = claim_refusal(sc, "a", "declined")
    assert refused == {"code": "excluded", "reason_zh": "志愿者已婉拒此任务",
                       "reason_en": "the volunteer declined this task"}
    with pytest.raises(ScenarioError):
        claim_refusal(sc, "nobody", "meal_a")
