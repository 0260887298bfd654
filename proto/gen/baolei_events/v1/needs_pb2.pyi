import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from baolei_events.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NeedKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NEED_KIND_UNSPECIFIED: _ClassVar[NeedKind]
    NEED_KIND_TRANSFER: _ClassVar[NeedKind]
    NEED_KIND_SUPPLY: _ClassVar[NeedKind]

class RiskCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_UNSPECIFIED: _ClassVar[RiskCategory]
    RISK_CLOSE_CONTACT: _ClassVar[RiskCategory]
    RISK_SECONDARY_CONTACT: _ClassVar[RiskCategory]
    RISK_INBOUND: _ClassVar[RiskCategory]
NEED_KIND_UNSPECIFIED: NeedKind
NEED_KIND_TRANSFER: NeedKind
NEED_KIND_SUPPLY: NeedKind
RISK_UNSPECIFIED: RiskCategory
RISK_CLOSE_CONTACT: RiskCategory
RISK_SECONDARY_CONTACT: RiskCategory
RISK_INBOUND: RiskCategory

class SupplyLine(_message.Message):
    __slots__ = ("sku", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class NeedSubmitted(_message.Message):
    __slots__ = ("need_id", "kind", "site", "priority", "due_at", "risk", "people", "rooms", "ready_at", "lines", "organisation", "note")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    READY_AT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    kind: NeedKind
    site: _common_pb2.Site
    priority: int
    due_at: _timestamp_pb2.Timestamp
    risk: RiskCategory
    people: int
    rooms: _common_pb2.RoomCounts
    ready_at: _timestamp_pb2.Timestamp
    lines: _containers.RepeatedCompositeFieldContainer[SupplyLine]
    organisation: str
    note: str
    def __init__(self, need_id: _Optional[str] = ..., kind: _Optional[_Union[NeedKind, str]] = ..., site: _Optional[_Union[_common_pb2.Site, _Mapping]] = ..., priority: _Optional[int] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., risk: _Optional[_Union[RiskCategory, str]] = ..., people: _Optional[int] = ..., rooms: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ..., ready_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[SupplyLine, _Mapping]]] = ..., organisation: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class FasterRequested(_message.Message):
    __slots__ = ("need_id", "time_weight", "bus_id")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    BUS_ID_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    time_weight: float
    bus_id: str
    def __init__(self, need_id: _Optional[str] = ..., time_weight: _Optional[float] = ..., bus_id: _Optional[str] = ...) -> None: ...

class NeedCancelled(_message.Message):
    __slots__ = ("need_id", "reason")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    reason: str
    def __init__(self, need_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class NeedEvent(_message.Message):
    __slots__ = ("meta", "submitted", "cancelled")
    META_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    submitted: NeedSubmitted
    cancelled: NeedCancelled
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., submitted: _Optional[_Union[NeedSubmitted, _Mapping]] = ..., cancelled: _Optional[_Union[NeedCancelled, _Mapping]] = ...) -> None: ...
