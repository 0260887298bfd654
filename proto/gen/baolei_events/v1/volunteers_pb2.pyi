import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from baolei_events.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CompoundZone(_message.Message):
    __slots__ = ("meta", "compound_id", "name", "district", "street", "community", "zone", "previous_zone", "lat", "lon")
    META_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ZONE_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    compound_id: str
    name: str
    district: str
    street: str
    community: str
    zone: str
    previous_zone: str
    lat: float
    lon: float
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., compound_id: _Optional[str] = ..., name: _Optional[str] = ..., district: _Optional[str] = ..., street: _Optional[str] = ..., community: _Optional[str] = ..., zone: _Optional[str] = ..., previous_zone: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ...) -> None: ...

class VolunteerState(_message.Message):
    __slots__ = ("meta", "volunteer_id", "name", "phone_masked", "community", "compound_id", "party_member", "skills", "health_check", "nucleic_training", "counselling_cert", "minutes_per_day", "mode", "buildings", "pairs", "status")
    META_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_MASKED_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    PARTY_MEMBER_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    HEALTH_CHECK_FIELD_NUMBER: _ClassVar[int]
    NUCLEIC_TRAINING_FIELD_NUMBER: _ClassVar[int]
    COUNSELLING_CERT_FIELD_NUMBER: _ClassVar[int]
    MINUTES_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    BUILDINGS_FIELD_NUMBER: _ClassVar[int]
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    volunteer_id: str
    name: str
    phone_masked: str
    community: str
    compound_id: str
    party_member: bool
    skills: _containers.RepeatedScalarFieldContainer[str]
    health_check: bool
    nucleic_training: bool
    counselling_cert: bool
    minutes_per_day: int
    mode: str
    buildings: _containers.RepeatedScalarFieldContainer[str]
    pairs: _containers.RepeatedScalarFieldContainer[str]
    status: str
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., volunteer_id: _Optional[str] = ..., name: _Optional[str] = ..., phone_masked: _Optional[str] = ..., community: _Optional[str] = ..., compound_id: _Optional[str] = ..., party_member: _Optional[bool] = ..., skills: _Optional[_Iterable[str]] = ..., health_check: _Optional[bool] = ..., nucleic_training: _Optional[bool] = ..., counselling_cert: _Optional[bool] = ..., minutes_per_day: _Optional[int] = ..., mode: _Optional[str] = ..., buildings: _Optional[_Iterable[str]] = ..., pairs: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ...) -> None: ...

class HouseholdState(_message.Message):
    __slots__ = ("meta", "household_id", "community", "compound_id", "building", "unit", "floor", "vulnerability", "residents")
    META_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FIELD_NUMBER: _ClassVar[int]
    VULNERABILITY_FIELD_NUMBER: _ClassVar[int]
    RESIDENTS_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    household_id: str
    community: str
    compound_id: str
    building: str
    unit: str
    floor: int
    vulnerability: _containers.RepeatedScalarFieldContainer[str]
    residents: int
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., household_id: _Optional[str] = ..., community: _Optional[str] = ..., compound_id: _Optional[str] = ..., building: _Optional[str] = ..., unit: _Optional[str] = ..., floor: _Optional[int] = ..., vulnerability: _Optional[_Iterable[str]] = ..., residents: _Optional[int] = ...) -> None: ...

class DoorstepTaskEvent(_message.Message):
    __slots__ = ("meta", "task_id", "household_id", "community", "kind", "status", "volunteer_id", "raised", "proposed", "accepted", "claimed", "declined", "started", "done", "confirmed", "released", "unmet", "stock")
    META_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_ID_FIELD_NUMBER: _ClassVar[int]
    RAISED_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    UNMET_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    task_id: str
    household_id: str
    community: str
    kind: str
    status: str
    volunteer_id: str
    raised: TaskRaised
    proposed: TaskProposed
    accepted: TaskAnswered
    claimed: TaskAnswered
    declined: TaskAnswered
    started: TaskAnswered
    done: TaskAnswered
    confirmed: TaskAnswered
    released: TaskReleased
    unmet: TaskUnmet
    stock: TaskStock
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., task_id: _Optional[str] = ..., household_id: _Optional[str] = ..., community: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., volunteer_id: _Optional[str] = ..., raised: _Optional[_Union[TaskRaised, _Mapping]] = ..., proposed: _Optional[_Union[TaskProposed, _Mapping]] = ..., accepted: _Optional[_Union[TaskAnswered, _Mapping]] = ..., claimed: _Optional[_Union[TaskAnswered, _Mapping]] = ..., declined: _Optional[_Union[TaskAnswered, _Mapping]] = ..., started: _Optional[_Union[TaskAnswered, _Mapping]] = ..., done: _Optional[_Union[TaskAnswered, _Mapping]] = ..., confirmed: _Optional[_Union[TaskAnswered, _Mapping]] = ..., released: _Optional[_Union[TaskReleased, _Mapping]] = ..., unmet: _Optional[_Union[TaskUnmet, _Mapping]] = ..., stock: _Optional[_Union[TaskStock, _Mapping]] = ...) -> None: ...

class TaskStock(_message.Message):
    __slots__ = ("state", "warehouse_name")
    STATE_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_NAME_FIELD_NUMBER: _ClassVar[int]
    state: str
    warehouse_name: str
    def __init__(self, state: _Optional[str] = ..., warehouse_name: _Optional[str] = ...) -> None: ...

class TaskRaised(_message.Message):
    __slots__ = ("source", "remote", "deadline", "duration_min", "every_days")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MIN_FIELD_NUMBER: _ClassVar[int]
    EVERY_DAYS_FIELD_NUMBER: _ClassVar[int]
    source: str
    remote: bool
    deadline: _timestamp_pb2.Timestamp
    duration_min: int
    every_days: int
    def __init__(self, source: _Optional[str] = ..., remote: _Optional[bool] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_min: _Optional[int] = ..., every_days: _Optional[int] = ...) -> None: ...

class TaskProposed(_message.Message):
    __slots__ = ("seq", "start", "end", "hold_until", "why_zh", "why_en")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    HOLD_UNTIL_FIELD_NUMBER: _ClassVar[int]
    WHY_ZH_FIELD_NUMBER: _ClassVar[int]
    WHY_EN_FIELD_NUMBER: _ClassVar[int]
    seq: int
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    hold_until: _timestamp_pb2.Timestamp
    why_zh: str
    why_en: str
    def __init__(self, seq: _Optional[int] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hold_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., why_zh: _Optional[str] = ..., why_en: _Optional[str] = ...) -> None: ...

class TaskAnswered(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: str
    def __init__(self, note: _Optional[str] = ...) -> None: ...

class TaskReleased(_message.Message):
    __slots__ = ("reason", "reason_zh", "reason_en")
    REASON_FIELD_NUMBER: _ClassVar[int]
    REASON_ZH_FIELD_NUMBER: _ClassVar[int]
    REASON_EN_FIELD_NUMBER: _ClassVar[int]
    reason: str
    reason_zh: str
    reason_en: str
    def __init__(self, reason: _Optional[str] = ..., reason_zh: _Optional[str] = ..., reason_en: _Optional[str] = ...) -> None: ...

class TaskUnmet(_message.Message):
    __slots__ = ("cause", "reason_zh", "reason_en", "fix_zh", "fix_en")
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    REASON_ZH_FIELD_NUMBER: _ClassVar[int]
    REASON_EN_FIELD_NUMBER: _ClassVar[int]
    FIX_ZH_FIELD_NUMBER: _ClassVar[int]
    FIX_EN_FIELD_NUMBER: _ClassVar[int]
    cause: str
    reason_zh: str
    reason_en: str
    fix_zh: str
    fix_en: str
    def __init__(self, cause: _Optional[str] = ..., reason_zh: _Optional[str] = ..., reason_en: _Optional[str] = ..., fix_zh: _Optional[str] = ..., fix_en: _Optional[str] = ...) -> None: ...

class DoorstepTaskRequest(_message.Message):
    __slots__ = ("meta", "household_id", "kind", "deadline", "duration_min", "note")
    META_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MIN_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    household_id: str
    kind: str
    deadline: _timestamp_pb2.Timestamp
    duration_min: int
    note: str
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., household_id: _Optional[str] = ..., kind: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_min: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class DoorstepStockEvent(_message.Message):
    __slots__ = ("meta", "task_id", "community", "district", "reserve", "consume", "release", "reserved", "short")
    META_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    RESERVE_FIELD_NUMBER: _ClassVar[int]
    CONSUME_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    SHORT_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    task_id: str
    community: str
    district: str
    reserve: DoorstepStockLines
    consume: DoorstepStockDone
    release: DoorstepStockDone
    reserved: DoorstepStockPickup
    short: DoorstepStockShort
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., task_id: _Optional[str] = ..., community: _Optional[str] = ..., district: _Optional[str] = ..., reserve: _Optional[_Union[DoorstepStockLines, _Mapping]] = ..., consume: _Optional[_Union[DoorstepStockDone, _Mapping]] = ..., release: _Optional[_Union[DoorstepStockDone, _Mapping]] = ..., reserved: _Optional[_Union[DoorstepStockPickup, _Mapping]] = ..., short: _Optional[_Union[DoorstepStockShort, _Mapping]] = ...) -> None: ...

class DoorstepStockLine(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class DoorstepStockLines(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[DoorstepStockLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[DoorstepStockLine, _Mapping]]] = ...) -> None: ...

class DoorstepStockDone(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class DoorstepStockPickup(_message.Message):
    __slots__ = ("warehouse_id", "warehouse_name", "organisation", "lines")
    WAREHOUSE_ID_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_NAME_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    warehouse_id: str
    warehouse_name: str
    organisation: str
    lines: _containers.RepeatedCompositeFieldContainer[DoorstepStockLine]
    def __init__(self, warehouse_id: _Optional[str] = ..., warehouse_name: _Optional[str] = ..., organisation: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[DoorstepStockLine, _Mapping]]] = ...) -> None: ...

class DoorstepStockShort(_message.Message):
    __slots__ = ("reason_zh", "reason_en", "fix_zh", "fix_en")
    REASON_ZH_FIELD_NUMBER: _ClassVar[int]
    REASON_EN_FIELD_NUMBER: _ClassVar[int]
    FIX_ZH_FIELD_NUMBER: _ClassVar[int]
    FIX_EN_FIELD_NUMBER: _ClassVar[int]
    reason_zh: str
    reason_en: str
    fix_zh: str
    fix_en: str
    def __init__(self, reason_zh: _Optional[str] = ..., reason_en: _Optional[str] = ..., fix_zh: _Optional[str] = ..., fix_en: _Optional[str] = ...) -> None: ...
