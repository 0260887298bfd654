"""Doorstep task kinds (先锋行动, §一.3 and §二.2), their names and what a volunteer needs to do them."""

from __future__ import annotations

from enum import Enum


class TaskKind(str, Enum):
    MEAL = "送餐"
    MEDICINE = "送药"
    SAMPLE = "送检上门"
    SHOPPING = "代购"
    PARCEL = "快递代取"
    RUBBISH = "垃圾清运"
    VISIT = "定期探访"
    CALL = "电话关怀"
    ONLINE = "线上答疑"
    NUCLEIC = "核酸"
    COUNSELLING = "心理疏导"


KIND_EN: dict[TaskKind, str] = {
    TaskKind.MEAL: "meal delivery",
    TaskKind.MEDICINE: "medicine delivery",
    TaskKind.SAMPLE: "doorstep sample collection",
    TaskKind.SHOPPING: "shopping errand",
    TaskKind.PARCEL: "parcel pick-up",
    TaskKind.RUBBISH: "rubbish removal",
    TaskKind.VISIT: "regular visit",
    TaskKind.CALL: "caring phone call",
    TaskKind.ONLINE: "online Q&A",
    TaskKind.NUCLEIC: "nucleic-test support",
    TaskKind.COUNSELLING: "counselling",
}

# Done from home, by phone or in the WeChat group: the only kinds a 封控区 volunteer may take.
REMOTE_KINDS: frozenset[TaskKind] = frozenset({TaskKind.CALL, TaskKind.ONLINE})

# Kinds that may also be done from home when the task says `remote: true` (a video visit, phone counselling).
REMOTE_CAPABLE: frozenset[TaskKind] = REMOTE_KINDS | {TaskKind.VISIT, TaskKind.COUNSELLING}


def is_remote(kind: TaskKind, flagged_remote: bool) -> bool:
    """电话关怀 and 线上答疑 are always remote; 定期探访 and 心理疏导 when flagged; the rest never."""
    return kind in REMOTE_KINDS or (flagged_remote and kind in REMOTE_CAPABLE)


# Typical minutes of service, used by generators and as a default when a task gives none.
DEFAULT_MINUTES: dict[TaskKind, int] = {
    TaskKind.MEAL: 10, TaskKind.MEDICINE: 10, TaskKind.SAMPLE: 15, TaskKind.SHOPPING: 40,
    TaskKind.PARCEL: 15, TaskKind.RUBBISH: 10, TaskKind.VISIT: 30, TaskKind.CALL: 15,
    TaskKind.ONLINE: 20, TaskKind.NUCLEIC: 60, TaskKind.COUNSELLING: 45,
}


_BY_NAME: dict[str, TaskKind] = {
    **{k.value: k for k in TaskKind}, **{k.name: k for k in TaskKind}, **{k.name.lower(): k for k in TaskKind},
}


def parse_kind(value: str) -> TaskKind:
    kind = _BY_NAME.get(value)
    if kind is not None:
        return kind
    raise ValueError(f"unknown task kind {value!r}: one of " + ", ".join(k.value for k in TaskKind))


def kind_names(kind: TaskKind) -> tuple[str, str]:
    """(Chinese, English) name of a kind."""
    return kind.value, KIND_EN[kind]
