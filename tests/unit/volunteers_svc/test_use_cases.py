"""The volunteers' use cases on an in-memory unit of work and the real solver: the zone rule as a
compound changes zone, the lifecycle (accept, decline, expiry, claim, done, confirm), the unmet
reason and fix, who may do what, and the events each change stages."""
from __future__ import annotations

import pytest

from baolei_common import policy
from baolei_volunteers.adapters.orm import HouseholdRow, TaskRow, VolunteerRow
from baolei_volunteers.service.errors import Conflict, Invalid, RowsRefused
from baolei_volunteers.service.texts import mask_phone
from tests.unit.volunteers_svc.fakes import NOW, OP, OTHER_WORKER, WORKER, World, later, vol


@pytest.fixture
def world() -> World:
    return World()


def test_a_compound_made_a_controlled_zone_shrinks_its_volunteers_reach_at_once(world: World):
    # 王建国 (V-LH-01, C-LHB-1) is paired with a household in C-LHB-2: before, he gets its parcel
    parcel = world.raise_("H-LHB2-0302", "快递代取")
    assert (parcel.status, parcel.volunteer_id) == ("proposed", "V-LH-01")
    before = len(world.db.events)
    out = world.registry.change_zone(WORKER, "C-LHB-1", "管控区", later(1))
    assert out["previous_zone"] == "常态" and out["zone"] == "管控区"
    moved = world.task(parcel.id)
    assert moved.volunteer_id != "V-LH-01"  # he no longer leaves his compound
    staged = world.db.events[before:]
    assert staged[0].kind == "zone" and staged[0].data["zone"] == "管控区"
    released = [e for e in staged if e.data.get("event") == "released" and e.data["volunteer_id"] == "V-LH-01"]
    assert released and released[0].data["task_id"] == parcel.id
    day = world.views.me(vol("V-LH-01"))
    assert "莲花北村一区" in day["reach_zh"] and parcel.id not in [t["id"] for t in day["tasks"]]


def test_medicine_inside_a_controlled_compound_goes_to_a_volunteer_living_there_and_is_done_in_time(world: World):
    world.registry.change_zone(WORKER, "C-LHB-1", "管控区", NOW)
    med = world.raise_("H-LHB1-0701", "送药", deadline=later(120))
    assert (med.status, med.volunteer_id) == ("proposed", "V-LH-01")
    assert med.plan_end is not None and med.plan_end <= med.deadline and med.why_zh
    for step in (world.tasks.accept, world.tasks.start):
        step(vol("V-LH-01"), med.id, later(5))
    world.tasks.done(vol("V-LH-01"), med.id, "药已送到，老人状态良好", later(30))
    t = world.task(med.id)
    assert t.status == "done" and t.done_at <= t.deadline
    assert world.db.rows[HouseholdRow]["H-LHB1-0701"].last_visit_at == later(30)
    world.tasks.confirm(WORKER, med.id, later(40))
    assert world.task(med.id).status == "confirmed"
    assert [e.data["event"] for e in world.events() if e.key == med.id] == [
        "raised", "proposed", "accepted", "started", "done", "confirmed"]


def test_a_doorstep_task_in_a_sealed_compound_is_unmet_with_the_reason_and_the_fix(world: World):
    meal = world.raise_("H-LHB3-0501", "送餐")
    assert meal.status == "unmet" and meal.cause == "zone_sealed_no_one"
    assert meal.fix_zh == "封控区 彩田村 内无可上门志愿者：请街道安排下沉干部或防护到位的工作人员"
    assert meal.reason_en and meal.fix_en
    assert world.events(what="unmet")[-1].data["body"]["cause"] == "zone_sealed_no_one"


def test_a_sealed_compounds_volunteer_takes_a_caring_call(world: World):
    call = world.raise_("H-LHB3-0202", "电话关怀")
    assert (call.status, call.volunteer_id, call.remote) == ("proposed", "V-LH-03", True)
    world.tasks.accept(vol("V-LH-03"), call.id, later(1))
    world.tasks.done(vol("V-LH-03"), call.id, "电话问候，老人情绪稳定", later(20))
    assert world.task(call.id).status == "done"
    # the sealed volunteer never gets a doorstep task, even one in their own compound
    assert world.raise_("H-LHB3-0202", "送餐").volunteer_id is None


def test_a_decline_rematches_without_that_volunteer_and_an_expired_hold_too(world: World):
    parcel = world.raise_("H-LHB2-0302", "快递代取")
    first = parcel.volunteer_id
    world.tasks.decline(vol(first), parcel.id, later(1), "今天没空")
    t = world.task(parcel.id)
    assert first in t.excluded and t.volunteer_id not in (None, first) and t.status == "proposed"
    second = t.volunteer_id
    assert world.tasks.expire_holds(t.hold_until) == 1
    t = world.task(parcel.id)
    assert {first, second} <= set(t.excluded) and t.volunteer_id not in (first, second)
    assert world.events(what="released")[-1].data["body"]["reason"] == "expired"


def test_only_the_volunteer_holding_a_task_answers_it_and_states_are_kept(world: World):
    parcel = world.raise_("H-LHB2-0302", "快递代取")
    other = "V-LH-02" if parcel.volunteer_id != "V-LH-02" else "V-LH-01"
    with pytest.raises(policy.Denied):
        world.tasks.accept(vol(other), parcel.id, later(1))
    with pytest.raises(policy.Denied):  # another community's volunteer
        world.tasks.accept(vol("V-JT-01", "景田社区"), parcel.id, later(1))
    with pytest.raises(Conflict):
        world.tasks.start(vol(parcel.volunteer_id), parcel.id, later(1))  # not accepted yet
    with pytest.raises(Invalid):
        world.tasks.done(vol(parcel.volunteer_id), parcel.id, "  ", later(1))  # a note is required
    world.tasks.accept(OP, parcel.id, later(2))  # the command center may answer for the volunteer
    assert world.task(parcel.id).status == "accepted"


def test_a_community_worker_acts_only_in_their_community(world: World):
    with pytest.raises(policy.Denied):
        world.raise_("H-LHB2-0302", "代购", who=OTHER_WORKER)
    with pytest.raises(policy.Denied):
        world.registry.change_zone(OTHER_WORKER, "C-LHB-1", "封控区", NOW)
    assert world.registry.change_zone(OTHER_WORKER, "C-JT-1", "防范区", NOW)["zone"] == "防范区"


def test_a_self_registered_volunteer_waits_for_verification(world: World):
    from baolei_dev.demo_volunteers import VOLUNTEERS

    me = dict(VOLUNTEERS[1], id="V-LH-09", name="新志愿者", phone="13700000009")
    with pytest.raises(policy.Denied):  # a volunteer registers only themself
        world.registry.register_volunteer(vol("V-LH-02"), me, NOW)
    row = world.registry.register_volunteer(vol("V-LH-09"), me, NOW)
    assert row.status == "pending"
    world.registry.change_zone(WORKER, "C-LHB-2", "管控区", NOW)  # only V-LH-02 and V-LH-09 live there
    # the pending one gets nothing:
    t = world.raise_("H-LHB2-0302", "垃圾清运", duration_min=5)
    assert t.volunteer_id in (None, "V-LH-02")
    world.registry.verify_volunteer(WORKER, "V-LH-09", NOW)
    assert world.db.rows[VolunteerRow]["V-LH-09"].status == "verified"
    assert world.events("volunteer")[-1].data["phone_masked"] == "137****0009"


def test_a_wish_waits_for_approval_then_is_matched(world: World):
    w = world.tasks.wish(vol("V-LH-03"), {"household_id": "H-LHB2-0302", "kind": "代购", "note": "想要一袋米"}, NOW)
    assert world.task(w.id).status == "wish" and world.task(w.id).volunteer_id is None
    with pytest.raises(policy.Denied):
        world.tasks.approve(OTHER_WORKER, w.id, NOW)
    world.tasks.approve(WORKER, w.id, later(1))
    assert world.task(w.id).status == "proposed"


def test_regular_visits_raise_the_next_one_when_done(world: World):
    visit = world.raise_("H-LHB1-0701", "定期探访", every_days=2)
    holder = vol(visit.volunteer_id)
    world.tasks.accept(holder, visit.id, later(1))
    world.tasks.done(holder, visit.id, "探访完成", later(40))
    nxt = [t for t in world.db.rows[TaskRow].values() if t.kind == "定期探访" and t.id != visit.id]
    assert len(nxt) == 1 and nxt[0].earliest == later(40 + 2 * 24 * 60)


def test_the_volunteers_page_shows_only_their_tasks_and_masks_phones(world: World):
    world.raise_("H-LHB2-0302", "快递代取")
    world.raise_("H-JT1-1001", "垃圾清运", who=OP)
    day = world.views.me(vol("V-LH-01"))
    assert all(t["volunteer_id"] == "V-LH-01" for t in day["tasks"])
    assert all(t["household"]["community"] == "莲花北社区" for t in day["tasks"] + day["board"])
    assert all("****" in t["household"]["phone"] for t in day["tasks"])
    community = world.views.community(OTHER_WORKER, "莲花北社区")  # a worker sees their own, whatever asked
    assert community["community"] == "景田社区"
    assert {h["id"] for h in community["households"]} == {"H-JT1-1001"}


def test_coverage_counts_unvisited_vulnerable_households_and_unmet_by_cause(world: World):
    world.raise_("H-LHB3-0501", "送餐")
    cov = world.views.coverage(NOW)
    row = {r["district"]: r for r in cov["districts"]}["福田"]
    assert row["vulnerable"] == 5 and row["not_visited"] == 5 and row["sealed_compounds"] == 1
    assert row["unmet_by_cause"] == {"zone_sealed_no_one": 1}


def test_phone_masks():
    assert mask_phone("13800010001") == "138****0001"
    assert mask_phone("0755-1234") == "******34"
    assert mask_phone("") == "****"


def test_a_hotline_request_is_applied_once(world: World):
    t = world.tasks.raise_task(OP, {"household_id": "H-LHB2-0302", "kind": "代购"}, NOW, source="hotline",
                               event_id="e-1")
    assert t is not None and t.source == "hotline"
    again = world.tasks.raise_task(OP, {"household_id": "H-LHB2-0302", "kind": "代购"}, NOW, source="hotline",
                                   event_id="e-1")
    assert again is None and len([x for x in world.db.rows[TaskRow].values() if x.source == "hotline"]) == 1


def test_a_volunteer_claims_only_from_their_board_and_the_claim_is_recorded(world: World):
    raised = [world.raise_("H-LHB2-0302", "代购", note=f"第{i}单") for i in range(14)]
    unmet = [world.task(t.id) for t in raised if world.task(t.id).status == "unmet"]
    assert unmet and {t.cause for t in unmet} <= {"no_hours", "deadline"}
    boards = {v.id: v.may_claim for v in world.db.rows[VolunteerRow].values()}
    who, board = next((vid, ids) for vid, ids in boards.items() if ids)
    assert set(board) <= {t.id for t in unmet}
    outside = next(t.id for t in raised if t.id not in board)
    with pytest.raises((Conflict, policy.Denied)):
        world.tasks.claim(vol(who), outside, later(1))
    world.tasks.claim(vol(who), board[0], later(1))
    claimed = [e for e in world.events("task", "claimed") if e.key == board[0]]
    assert len(claimed) == 1 and claimed[0].data["volunteer_id"] == who and claimed[0].data["actor"] == who
    # kept when it fits their day, else released with the solver's reason and matched again
    t = world.task(board[0])
    after = [e.data for e in world.events() if e.key == board[0]][-1]
    assert (t.status, t.volunteer_id, t.claimed) == ("accepted", who, True) or (
        after["event"] in ("released", "unmet", "proposed") and t.volunteer_id != who)


def test_every_event_encodes_to_its_topic_and_decodes_back():
    from baolei_common import topics
    from baolei_events.v1 import volunteers_pb2
    from baolei_volunteers.adapters.proto import decode_request, encode, request

    w = World()
    w.raise_("H-LHB3-0501", "送餐")
    w.raise_("H-LHB2-0302", "快递代取", deadline=later(90))
    seen = set()
    for e in w.db.events:
        topic, key, msg = encode(e, NOW)
        assert key == e.key and msg.meta.event_id and msg.meta.producer == "volunteers"
        back = type(msg).FromString(msg.SerializeToString())
        assert back == msg
        seen.add(topic)
        if topic == topics.DOORSTEP_TASKS:
            assert isinstance(back, volunteers_pb2.DoorstepTaskEvent) and back.WhichOneof("event") == e.data["event"]
    assert seen == {topics.ZONES, topics.HOUSEHOLDS, topics.VOLUNTEERS, topics.DOORSTEP_TASKS}
    event_id, data = decode_request(request("H-1", "送药", deadline=later(60), note="热线").SerializeToString())
    assert event_id and data["deadline"] == later(60) and data["kind"] == "送药" and data["note"] == "热线"
    with pytest.raises(ValueError):
        decode_request(b"")


def test_a_task_next_door_in_another_community_is_answered_by_the_volunteer_holding_it(world: World):
    rubbish = world.raise_("H-JT1-1001", "垃圾清运", who=OP)  # 景田's own volunteer does not offer it
    assert rubbish.volunteer_id == "V-LH-02" and rubbish.community == "景田社区"
    world.tasks.accept(vol("V-LH-02"), rubbish.id, later(1))
    assert world.task(rubbish.id).status == "accepted"
    assert rubbish.id in [t["id"] for t in world.views.me(vol("V-LH-02"))["tasks"]]
    with pytest.raises(policy.Denied):  # nobody else of 莲花北 acts on it
        world.tasks.decline(vol("V-LH-01"), rubbish.id, later(2))


# -- matching off the request path ------------------------------------------------------------------
def test_a_raise_answers_before_matching_and_marks_only_its_area(world: World):
    world.settle()
    t = world.tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "快递代取"}, NOW)
    assert t is not None and world.db.rows[TaskRow][t.id].status == "matching"
    assert set(world.db.dirty) == {"district:福田"}  # a doorstep in a 常态 compound: its district
    call = world.tasks.raise_task(WORKER, {"household_id": "H-LHB3-0202", "kind": "电话关怀"}, NOW)
    assert call is not None and set(world.db.dirty) == {"district:福田", "community:莲花北社区"}
    assert world.views.community(WORKER, None)["tasks"] and not world.db.dirty  # the loop drained them
    assert world.task(t.id).status == "proposed" and world.task(call.id).status == "proposed"


def test_a_zone_change_marks_the_compound_its_district_and_its_community(world: World):
    world.settle()
    out = world.registry.change_zone(WORKER, "C-LHB-1", "管控区", NOW)
    assert out["matching"] == "pending"
    assert set(world.db.dirty) == {"compound:C-LHB-1", "district:福田", "community:莲花北社区"}


def test_a_task_changed_while_a_round_solved_keeps_the_change_and_waits_for_the_next_round(world: World):
    parcel = world.raise_("H-LHB2-0302", "快递代取")
    assert (parcel.status, parcel.volunteer_id) == ("proposed", "V-LH-01")
    world.tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "垃圾清运"}, NOW)  # the area is dirty
    inner, declined = world.matcher._solve, []

    def solve_then_decline(scenario, **kw):
        plan = inner(scenario, **kw)  # the plan still gives the parcel to V-LH-01
        if not declined:
            declined.append(world.tasks.decline(vol("V-LH-01"), parcel.id, NOW, "临时有事"))
        return plan
    world.matcher._solve = solve_then_decline
    counts = world.matcher.round(world.uow, NOW)
    assert counts is not None and counts["changed_meanwhile"] == 1
    row = world.db.rows[TaskRow][parcel.id]
    assert (row.status, row.volunteer_id) == ("matching", None) and "V-LH-01" in row.excluded
    world.matcher._solve = inner
    assert world.task(parcel.id).volunteer_id not in (None, "V-LH-01")


def test_the_bound_on_tasks_waiting_for_matching_refuses_a_raise_with_the_reason(world: World):
    from baolei_volunteers.service.errors import Full
    from baolei_volunteers.service.tasks import Tasks

    tasks = Tasks(world.uow, world.matcher, max_pending=2)
    for _ in range(2):
        tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "垃圾清运"}, NOW)
    with pytest.raises(Full) as refused:
        tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "垃圾清运"}, NOW)
    assert "待匹配任务已达上限" in refused.value.reason_zh and refused.value.status == 503
    world.settle()  # the loop drains them: raises are accepted again
    assert tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "垃圾清运"}, NOW) is not None


def test_a_round_caps_its_tasks_and_the_rest_wait_for_the_next(world: World):
    world.settle()
    world.matcher.batch_tasks = 3
    made = [world.tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "垃圾清运", "duration_min": 5},
                                   NOW) for _ in range(5)]
    counts = world.matcher.round(world.uow, NOW)
    assert counts is not None and counts["tasks"] == 3 and world.db.dirty  # the two newest wait
    assert [world.db.rows[TaskRow][t.id].status for t in made].count("matching") == 2
    world.settle()
    assert all(world.db.rows[TaskRow][t.id].status != "matching" for t in made)


def test_a_sheet_names_every_refused_row_at_once_and_stores_none(world: World):
    """An unknown household and a row of another community in one sheet: both named with their rows, 403
    because one is not theirs, and nothing stored (a worker fixes the sheet in one go)."""
    before = len(world.db.rows[TaskRow])
    rows = [{"row": 2, "household_id": "H-LHB1-0701", "kind": "送药"},
            {"row": 3, "household_id": "H-NOPE", "kind": "送餐"},
            {"row": 5, "household_id": "H-LHB2-0302", "kind": "代购"}]
    with pytest.raises(RowsRefused) as refused:
        world.tasks.raise_many(OTHER_WORKER, rows, NOW)
    assert [(r, f) for r, f, _, _ in refused.value.entries] == [(2, "household_id"), (3, "household_id"),
                                                              (5, "household_id")]
    assert refused.value.forbidden
    assert all(zh and en for _, _, zh, en in refused.value.entries)
    assert len(world.db.rows[TaskRow]) == before
    with pytest.raises(RowsRefused) as unknown:
        world.tasks.raise_many(WORKER, rows[1:2], NOW)
    assert not unknown.value.forbidden and unknown.value.entries[0][0] == 3


def test_the_command_center_reads_one_community_at_a_time_and_recent_tasks_only(world: World):
    city = world.views.community(OP, None, NOW)
    assert city["community"] is None and city["households"] == [] and city["tasks"] == []
    assert set(city["communities"]) == {"莲花北社区", "景田社区"}
    fresh = world.raise_("H-LHB2-0302", "快递代取")
    old = world.raise_("H-LHB2-0302", "垃圾清运", at=later(-5 * 24 * 60))
    world.db.rows[TaskRow][old.id].status, world.db.rows[TaskRow][old.id].done_at = "confirmed", later(-4 * 24 * 60)
    lhb = world.views.community(OP, "莲花北社区", NOW)
    ids = {t["id"] for t in lhb["tasks"]}
    assert fresh.id in ids and old.id not in ids and lhb["tasks_total"] == len(ids)
    assert {h["id"] for h in lhb["households"]} >= {"H-LHB2-0302"} and "H-JT1-1001" not in {
        h["id"] for h in lhb["households"]}
    assert world.views.community(WORKER, None, NOW)["communities"] is None  # a worker: their own, no list


def test_a_sheet_with_parse_and_household_errors_answers_all_in_one_round(world: World):
    """A bad kind, an unknown household and another community's row in one sheet: one answer names
    all three (parse errors are not answered first and the households only on the next submit);
    403 because one row is not the worker's, 422 when none is; nothing stored."""
    from baolei_volunteers.service.sheet import parse_rows

    before, events = len(world.db.rows[TaskRow]), len(world.db.events)
    table = [["住户编号", "任务类型", "截止时间"],
             ["H-LHB1-0701", "送外卖", ""],          # row 2: unknown kind (parse)
             ["H-NOPE", "送餐", ""],                  # row 3: unknown household
             ["H-LHB1-0701", "送药", "明天"],         # row 4: bad time (parse)
             ["", "送餐", ""]]                        # row 5: empty household (parse only, named once)
    rows, errors = parse_rows(table)
    parsed = [(e.row, e.field, e.reason_zh, e.reason_en) for e in errors]
    with pytest.raises(RowsRefused) as one_round:
        world.tasks.raise_many(WORKER, rows, NOW, parsed)
    assert [(r, f) for r, f, _, _ in one_round.value.entries] == [
        (2, "kind"), (3, "household_id"), (4, "deadline"), (5, "household_id")]
    assert not one_round.value.forbidden
    with pytest.raises(RowsRefused) as theirs:
        world.tasks.raise_many(OTHER_WORKER, rows, NOW, parsed)
    assert theirs.value.forbidden  # rows 2 and 4 are 莲花北社区's households
    assert [(r, f) for r, f, _, _ in theirs.value.entries] == [
        (2, "kind"), (2, "household_id"), (3, "household_id"), (4, "deadline"), (4, "household_id"),
        (5, "household_id")]
    assert len(world.db.rows[TaskRow]) == before and len(world.db.events) == events


def _next_district(world: World) -> str:
    """A 常态 compound of 罗湖 about 1 km east of 莲花北村二区 (福田), with an elderly resident: no
    volunteer lives in 罗湖, so its round leaves the task unmet."""
    world.registry.put_compound(OP, {"id": "C-HBL-1", "name": "黄贝岭小区", "district": "罗湖", "street": "黄贝街道",
                                     "community": "黄贝岭社区", "zone": "常态", "lat": 22.5545, "lon": 114.0680}, NOW)
    world.registry.put_household(OP, {"id": "H-HBL-0101", "compound_id": "C-HBL-1", "building": "1", "unit": "1",
                                       "floor": 1, "room": "101", "contact": "黄伯", "phone": "13900029999",
                                       "residents": 1, "vulnerability": ["独居老人"], "needs": ""}, NOW)
    world.settle()  # then a round of 罗湖 alone (a round of both districts at once would see 李梅 too)
    return world.raise_("H-HBL-0101", "送餐", who=OP).id


def test_a_normal_zone_volunteer_near_a_district_line_is_offered_and_keeps_the_task_across_it(world: World):
    """Only 封控/管控/防范 restrict where a volunteer goes: 李梅 (常态, e-bike, 福田) sees the 罗湖 task
    1 km away on her board, claims it, and the next rounds keep her claim; 陈静 (封控区) does not see
    it; once 李梅's compound becomes a 防范区 she no longer may (a 防范区 volunteer stays in her district)."""
    tid = _next_district(world)
    assert world.task(tid).status == "unmet"
    board = [t["id"] for t in world.views.me(vol("V-LH-02"))["board"]]
    assert tid in board
    assert tid not in [t["id"] for t in world.views.me(vol("V-LH-03"))["board"]]
    seen = next(t for t in world.views.me(vol("V-LH-02"))["board"] if t["id"] == tid)
    assert "****" in seen["household"]["phone"]
    world.tasks.claim(vol("V-LH-02"), tid, NOW)
    world.registry.change_zone(OP, "C-HBL-1", "常态", NOW)  # anything that re-plans 罗湖
    world.raise_("H-HBL-0101", "快递代取", who=OP)
    t = world.task(tid)
    assert (t.status, t.volunteer_id, t.claimed) == ("accepted", "V-LH-02", True)
    assert tid in [x["id"] for x in world.views.me(vol("V-LH-02"))["tasks"]]


def test_a_precaution_zone_volunteer_is_not_offered_the_next_districts_task(world: World):
    tid = _next_district(world)
    world.registry.change_zone(OP, "C-LHB-2", "防范区", NOW)
    assert tid not in [t["id"] for t in world.views.me(vol("V-LH-02"))["board"]]
    with pytest.raises(policy.Denied):
        world.tasks.claim(vol("V-LH-02"), tid, NOW)  # another community's task not open to her: 403


def test_a_round_killed_after_taking_its_areas_loses_nothing_the_next_leader_resumes(world: World):
    world.settle()
    made = [world.tasks.raise_task(WORKER, {"household_id": h, "kind": k}, NOW)
            for h, k in (("H-LHB2-0302", "快递代取"), ("H-LHB3-0202", "电话关怀"))]
    with world.uow() as uow:  # a matching process took the areas, then was killed before answering
        assert sorted(uow.take_dirty(64)) == ["community:莲花北社区", "district:福田"]
        uow.commit()
    assert not world.db.dirty and world.matcher.round(world.uow, NOW) is None
    assert all(world.db.rows[TaskRow][t.id].status == "matching" for t in made if t is not None)
    assert world.matcher.resume(world.uow) == 2  # the new leader's first step
    assert set(world.db.dirty) == {"community:莲花北社区", "district:福田"}
    assert all(world.task(t.id).status == "proposed" for t in made if t is not None)


def test_a_round_loads_only_the_volunteers_its_areas_may_use(world: World):
    world.registry.change_zone(WORKER, "C-LHB-1", "管控区", NOW)
    world.settle()
    inner, seen = world.matcher._solve, []

    def spy(scenario, **kw):
        seen.append(scenario)
        return inner(scenario, **kw)
    world.matcher._solve = spy
    medicine = world.raise_("H-LHB1-0701", "送药", deadline=later(180))
    assert len(seen) == 1 and medicine.volunteer_id == "V-LH-01"
    homes = {v["compound_id"] for v in seen[0]["volunteers"]}
    assert homes == {"C-LHB-1"}, "a controlled compound's round needs only those living in it"
    assert {v["id"] for v in seen[0]["volunteers"]} < {v.id for v in world.db.rows[VolunteerRow].values()}


def test_a_round_takes_at_most_one_district_and_the_others_wait_for_the_next(world: World):
    world.settle()
    with world.uow() as uow:
        uow.mark_dirty(["district:福田", "district:罗湖", "community:莲花北社区"])
        uow.commit()
    counts = world.matcher.round(world.uow, NOW)
    assert counts is not None and counts["areas"] == 2  # 福田 (the first marked) and the community
    assert set(world.db.dirty) == {"district:罗湖"}
    world.settle()
    assert not world.db.dirty
