"""Who may do what, in one place: role × own organisation × action × resource.

Both HTTP services enforce their write routes through this table and the console reads it (through
`GET /api/me`) to show only what the signed-in user may do; `tools/policy_table.py` prints it.

A caller is a role (operator, dispatcher, site, viewer), an organisation and, for a dispatcher, the
kind of organisation it dispatches for (bus company, hotel operator, supply group); all three come
from the bearer token, never from a request body. Each action grants each role either `any` (every
organisation's resources) or `own` (only resources that belong to the caller's organisation); a
role not listed may not act at all. Pure Python: no web framework, no database.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

OPERATOR, DISPATCHER, SITE, VIEWER = "operator", "dispatcher", "site", "viewer"
VOLUNTEER = "volunteer"  # 先锋行动: one volunteer (user = volunteer id, organisation = their community)
ROLES = (OPERATOR, DISPATCHER, SITE, VIEWER, VOLUNTEER)
BUS, HOTEL, SUPPLY = "bus", "hotel", "supply"
DISPATCHER_KINDS = (BUS, HOTEL, SUPPLY)

ROLE_NAMES: dict[str, tuple[str, str]] = {  # policy role -> (zh, en)
    OPERATOR: ("指挥部操作员", "command-center operator"),
    f"{DISPATCHER}:{BUS}": ("公交企业调度", "bus company dispatcher"),
    f"{DISPATCHER}:{HOTEL}": ("隔离酒店调度", "hotel operator dispatcher"),
    f"{DISPATCHER}:{SUPPLY}": ("物资集团调度", "supply group dispatcher"),
    SITE: ("社区/隔离点", "community or site"),
    VIEWER: ("只读观察员", "viewer"),
    VOLUNTEER: ("志愿者", "volunteer"),
}
POLICY_ROLES = tuple(ROLE_NAMES)


class Scope(StrEnum):
    ANY = "any"  # every organisation's resources
    OWN = "own"  # only resources of the caller's own organisation


class Caller(Protocol):
    """What the services know about a signed-in user (their Principal / User)."""

    @property
    def role(self) -> str: ...

    @property
    def organisation(self) -> str: ...

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class Action:
    name: str
    service: str  # requests, inventory (or both)
    zh: str
    en: str
    own_zh: str  # what "own" means for this action's resource
    own_en: str
    grants: Mapping[str, Scope]


ANY, OWN = Scope.ANY, Scope.OWN
_DISPATCHERS = {f"{DISPATCHER}:{k}": OWN for k in DISPATCHER_KINDS}

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("need.raise", "requests", "提交需求", "raise a need", "本单位的地点", "a site of your organisation",
           {OPERATOR: ANY, SITE: OWN}),
    Action("need.import", "requests", "导入需求表格", "import a spreadsheet of needs", "本单位的地点",
           "sites of your organisation", {OPERATOR: ANY, SITE: OWN}),
    Action("need.cancel", "requests", "取消需求", "cancel a need", "本单位提交的需求", "a need of your organisation",
           {OPERATOR: ANY, SITE: OWN}),
    Action("need.faster", "requests", "要求更快的方案", "ask for a faster alternative to a proposal", "", "",
           {OPERATOR: ANY}),
    Action("assignment.answer", "requests", "接受或拒绝匹配方案", "accept or decline a proposal",
           "占用本单位车辆、房间或库存的方案", "a proposal holding your organisation's buses, rooms or stock",
           {OPERATOR: ANY, **_DISPATCHERS}),
    Action("assignment.run", "requests", "开始或完成任务", "start or finish a job", "本单位参与的任务",
           "a job your organisation takes part in", {OPERATOR: ANY, **_DISPATCHERS}),
    Action("assignment.arrive", "requests", "确认入住人数", "confirm who arrived at the hotel", "本单位酒店的任务",
           "a transfer to your organisation's hotel", {OPERATOR: ANY, f"{DISPATCHER}:{HOTEL}": OWN}),
    Action("stay.record", "requests", "记录解除隔离或延长隔离", "record who left isolation or must stay longer",
           "本单位的酒店", "a hotel of your organisation", {OPERATOR: ANY, f"{DISPATCHER}:{HOTEL}": OWN}),
    Action("occupancy.read", "requests", "查看酒店入住与腾房预测", "read hotel occupancy and rooms freeing",
           "本单位的酒店", "hotels of your organisation",
           {OPERATOR: ANY, VIEWER: ANY, f"{DISPATCHER}:{HOTEL}": OWN}),
    Action("site.register", "requests", "登记地点", "register a site", "", "", {OPERATOR: ANY}),
    Action("hotel.manage", "requests", "登记或变更隔离酒店", "register or change a hotel", "本单位的酒店",
           "a hotel of your organisation", {OPERATOR: ANY, f"{DISPATCHER}:{HOTEL}": OWN}),
    Action("bus.manage", "requests", "登记或变更车辆", "register or change a bus", "本单位的车辆",
           "a bus of your organisation", {OPERATOR: ANY, f"{DISPATCHER}:{BUS}": OWN}),
    Action("ask.send", "requests", "向单位发出增援请求", "ask an organisation for capacity", "", "",
           {OPERATOR: ANY}),
    Action("ask.answer", "requests", "答复增援请求", "answer an ask for capacity", "发给本单位的请求",
           "an ask sent to your organisation", {OPERATOR: ANY, **_DISPATCHERS}),
    Action("autoconfirm.set", "requests", "设置自动确认规则", "set the standing rule to confirm proposals "
           "automatically", "本单位的规则", "your organisation's rule", {OPERATOR: ANY, **_DISPATCHERS}),
    Action("live.subscribe", "requests", "订阅实时事件", "follow the live feed", "与本单位有关的事件",
           "events touching your organisation",
           {OPERATOR: ANY, VIEWER: ANY, SITE: OWN, **_DISPATCHERS}),
    Action("overview.read", "requests", "查看全市概览", "read the city overview", "", "",
           {OPERATOR: ANY, VIEWER: ANY}),
    Action("attention.read", "requests", "查看待决事项", "read what needs a decision", "", "",
           {OPERATOR: ANY}),
    Action("audit.read", "requests", "查看审计日志", "read the audit log", "", "", {OPERATOR: ANY}),
    Action("warehouse.manage", "inventory", "登记或变更仓库", "register or change a warehouse", "本单位的仓库",
           "a warehouse of your organisation", {OPERATOR: ANY, f"{DISPATCHER}:{SUPPLY}": OWN}),
    Action("sku.manage", "inventory", "登记物资品类", "register a SKU", "", "", {OPERATOR: ANY}),
    Action("stock.move", "inventory", "记录出入库、调拨或盘点", "record a receipt, issue, transfer or count",
           "本单位的仓库（调拨两端都须是）", "warehouses of your organisation (both ends of a transfer)",
           {OPERATOR: ANY, f"{DISPATCHER}:{SUPPLY}": OWN}),
    Action("reserve.release", "inventory", "投放储备", "release reserve stock", "", "", {OPERATOR: ANY}),
    Action("price.record", "inventory", "上报价格", "record prices", "本单位设有仓库的区",
           "districts where your organisation has a warehouse", {OPERATOR: ANY, f"{DISPATCHER}:{SUPPLY}": OWN}),
    Action("baseline.set", "inventory", "设定基准价", "set a baseline price", "", "", {OPERATOR: ANY}),
    # 先锋行动 (volunteers service): a site is a community's worker; "own" is their community
    Action("volunteer.register", "volunteers", "登记志愿者", "register a volunteer", "本社区的志愿者",
           "a volunteer of your community", {OPERATOR: ANY, SITE: OWN, VOLUNTEER: OWN}),
    Action("volunteer.verify", "volunteers", "审核志愿者", "verify a volunteer", "本社区的志愿者",
           "a volunteer of your community", {OPERATOR: ANY, SITE: OWN}),
    Action("zone.change", "volunteers", "变更小区管控等级", "change a compound's zone", "本社区的小区",
           "a compound of your community", {OPERATOR: ANY, SITE: OWN}),
    Action("household.manage", "volunteers", "登记困难家庭", "register a household", "本社区的住户",
           "a household of your community", {OPERATOR: ANY, SITE: OWN}),
    Action("task.raise", "volunteers", "发起上门任务", "raise a doorstep task", "本社区的住户",
           "a household of your community", {OPERATOR: ANY, SITE: OWN}),
    Action("task.wish", "volunteers", "登记微心愿", "record a resident's wish", "本社区的住户",
           "a household of your community", {OPERATOR: ANY, SITE: OWN, VOLUNTEER: OWN}),
    Action("task.approve", "volunteers", "审核微心愿", "approve a wish", "本社区的住户",
           "a household of your community", {OPERATOR: ANY, SITE: OWN}),
    Action("task.take", "volunteers", "接受、认领、开始或完成上门任务",
           "accept, claim, start or finish a doorstep task",
           "派给本人或本人可认领的任务", "a task held by you or open to you", {OPERATOR: ANY, VOLUNTEER: OWN}),
    Action("task.confirm", "volunteers", "确认上门任务已完成", "confirm a doorstep task was done", "本社区的住户",
           "a household of your community", {OPERATOR: ANY, SITE: OWN}),
    Action("coverage.read", "volunteers", "查看先锋行动覆盖情况", "read the doorstep coverage", "", "",
           {OPERATOR: ANY, VIEWER: ANY}),
    Action("doorstep.live", "volunteers", "订阅先锋行动实时更新", "follow the doorstep live feed",
           "本人的任务与可认领任务，或本社区的任务", "your tasks and those you may claim, or your community's",
           {OPERATOR: ANY, VIEWER: ANY, SITE: OWN, VOLUNTEER: OWN}),
)}


READ_ACTIONS = frozenset({"live.subscribe", "overview.read", "attention.read", "audit.read", "occupancy.read",
                          "coverage.read", "doorstep.live"})
WRITE_ACTIONS = tuple(name for name in ACTIONS if name not in READ_ACTIONS)


class Denied(Exception):
    """A refusal: 403 with the field at fault and the reason in Chinese and English."""

    def __init__(self, field: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{field}: {reason_en}")
        self.field, self.reason_zh, self.reason_en = field, reason_zh, reason_en

    @property
    def detail(self) -> list[dict[str, str]]:
        return [{"field": self.field, "reason_zh": self.reason_zh, "reason_en": self.reason_en}]


def policy_role(role: str, kind: str = "") -> str:
    """The row of the table a caller reads: dispatchers by the kind of organisation they serve."""
    if role == DISPATCHER and kind in DISPATCHER_KINDS:
        return f"{DISPATCHER}:{kind}"
    return role


def _role_of(caller: Caller) -> str:
    return policy_role(caller.role, getattr(caller, "kind", "") or "")


def scope(caller: Caller, action: str) -> Scope | None:
    """What this caller may do with this action: any, own, or nothing (None)."""
    return ACTIONS[action].grants.get(_role_of(caller))


def may(caller: Caller, action: str) -> bool:
    """Whether the caller may take this action on some resource (the role alone)."""
    return scope(caller, action) is not None


def owns(caller: Caller, owners: str | Iterable[str]) -> bool:
    """Whether a resource owned by `owners` (one organisation, or each of several) is the caller's."""
    names = {owners} if isinstance(owners, str) else set(owners)
    return bool(caller.organisation) and caller.organisation in names


def allows(caller: Caller, action: str, owners: str | Iterable[str]) -> bool:
    """Whether the caller may take this action on a resource owned by `owners`."""
    s = scope(caller, action)
    return s is Scope.ANY or (s is Scope.OWN and owns(caller, owners))


def require_role(caller: Caller, action: str, field: str = "Authorization") -> None:
    """Refuse at once a caller whose role may never take this action."""
    if not may(caller, action):
        a, (rzh, ren) = ACTIONS[action], ROLE_NAMES.get(_role_of(caller), (caller.role, caller.role))
        raise Denied(field, f"{rzh}无权{a.zh}", f"a {ren} may not {a.en}")


def require(caller: Caller, action: str, owners: str | Iterable[str], field: str) -> None:
    """Refuse unless the caller may take this action on a resource owned by `owners`."""
    require_role(caller, action)
    if allows(caller, action, owners):
        return
    a = ACTIONS[action]
    names = [owners] if isinstance(owners, str) else sorted(set(owners))
    whose = "、".join(n for n in names if n) or "未登记单位"
    raise Denied(field, f"无权{a.zh}：仅限{a.own_zh}，此项属于{whose}，不属于{caller.organisation or '未知单位'}",
                 f"you may {a.en} only for {a.own_en}; this belongs to {', '.join(n for n in names if n) or 'nobody'}, "
                 f"not {caller.organisation or 'an unknown organisation'}")


def require_read(caller: Caller, owner: str, field: str, what_zh: str, what_en: str) -> None:
    """Read rule: a dispatcher reads only what its own organisation owns (`what`: e.g. 仓库 /
    warehouses); operators, sites and viewers read everything."""
    if caller.role == DISPATCHER and caller.organisation != owner:
        raise Denied(field, f"无权查看其他单位的{what_zh}（{owner}）",
                     f"you may read only {what_en} of your organisation, not {owner}")


def answers_for_all(caller: Caller) -> bool:
    """Whether the caller's answer to a proposal stands for every organisation it holds (an
    operator's: the `any` grant of `assignment.answer`)."""
    return scope(caller, "assignment.answer") is Scope.ANY


# -- reads -----------------------------------------------------------------------------------------
# Who sees what, in the table style of the writes: `any` sees every row; `own` sees rows that are
# the caller's by what `OWNED_BY` names for its role (a site: the needs raised for its
# organisation or its sites; a dispatcher: what holds its organisation's resources).


@dataclass(frozen=True)
class Read:
    name: str
    zh: str
    en: str
    grants: Mapping[str, Scope]


NEED_SIDE, RESOURCE_SIDE = "need", "resources"
OWNED_BY: dict[str, str] = {SITE: NEED_SIDE, **{f"{DISPATCHER}:{k}": RESOURCE_SIDE for k in DISPATCHER_KINDS}}
_EVERYONE_OWN = {OPERATOR: ANY, VIEWER: ANY, SITE: OWN, **_DISPATCHERS}

READS: dict[str, Read] = {r.name: r for r in (
    Read("need.read", "查看需求", "see a need", _EVERYONE_OWN),
    Read("assignment.read", "查看任务", "see an assignment", _EVERYONE_OWN),
    Read("event.read", "接收实时事件", "receive a live event", _EVERYONE_OWN),
    Read("price_alert.read", "接收价格预警", "receive a price alert",
         {OPERATOR: ANY, VIEWER: ANY, f"{DISPATCHER}:{SUPPLY}": ANY}),
    Read("sheet.read", "导出调度单", "export a dispatch sheet", {OPERATOR: ANY, **_DISPATCHERS}),  # not the viewer
    Read("ask.read", "查看增援请求", "see asks for capacity", {OPERATOR: ANY, VIEWER: ANY, **_DISPATCHERS}),
    Read("resource.read", "查看车辆与酒店", "see buses and hotels",
         {OPERATOR: ANY, VIEWER: ANY, SITE: ANY, **_DISPATCHERS}),
)}


def read_scope(caller: Caller, read: str) -> Scope | None:
    return READS[read].grants.get(_role_of(caller))


def sees_all(caller: Caller, read: str = "need.read") -> bool:
    """Whether the caller sees every row of this kind (no filter by organisation)."""
    return read_scope(caller, read) is Scope.ANY


def owned_by(caller: Caller) -> str | None:
    """Which side of a row makes it the caller's: the need's (a site), its resources' (a dispatcher)."""
    return OWNED_BY.get(_role_of(caller))


def sees(caller: Caller, read: str, *, need_owners: Iterable[str] = (), resource_owners: Iterable[str] = ()) -> bool:
    """Whether the caller sees a row whose need belongs to `need_owners` and whose resources belong
    to `resource_owners`."""
    s = read_scope(caller, read)
    if s is Scope.ANY:
        return True
    if s is None:
        return False
    side = owned_by(caller)
    owners = need_owners if side == NEED_SIDE else resource_owners if side == RESOURCE_SIDE else ()
    return owns(caller, owners)

def grants_of(caller: Caller) -> dict[str, str]:
    """Every action this caller may take, with its scope (what `GET /api/me` returns)."""
    return {name: str(s) for name in ACTIONS if (s := scope(caller, name)) is not None}


def check_tokens(tokens: Mapping[str, Mapping[str, str]]) -> None:
    """Start-up check of a token map: known roles, and each dispatcher names the kind it serves."""
    for token, info in tokens.items():
        role, kind = info.get("role", ""), info.get("kind", "") or ""
        if role not in ROLES:
            raise ValueError(f"token {token[:4]}…: role must be one of {ROLES}, not {role!r}")
        if role == DISPATCHER and kind not in DISPATCHER_KINDS:
            raise ValueError(f"token {token[:4]}…: a dispatcher needs kind one of {DISPATCHER_KINDS}, not {kind!r}")
        if role in (DISPATCHER, SITE, VOLUNTEER) and not info.get("organisation"):
            raise ValueError(f"token {token[:4]}…: a {role} needs an organisation")


def table() -> list[dict[str, str]]:
    """The whole policy as rows (action, service, then one column per policy role)."""
    rows = []
    for a in ACTIONS.values():
        row = {"action": a.name, "service": a.service, "what": f"{a.zh} / {a.en}"}
        for r in POLICY_ROLES:
            s = a.grants.get(r)
            row[r] = "—" if s is None else ("全部 any" if s is Scope.ANY else f"本单位 own ({a.own_zh})")
        rows.append(row)
    return rows
