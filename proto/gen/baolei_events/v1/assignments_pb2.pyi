import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from baolei_events.v1 import common_pb2 as _common_pb2
from baolei_events.v1 import needs_pb2 as _needs_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ResourceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOURCE_KIND_UNSPECIFIED: _ClassVar[ResourceKind]
    RESOURCE_KIND_BUS: _ClassVar[ResourceKind]
    RESOURCE_KIND_HOTEL: _ClassVar[ResourceKind]
    RESOURCE_KIND_WAREHOUSE: _ClassVar[ResourceKind]
RESOURCE_KIND_UNSPECIFIED: ResourceKind
RESOURCE_KIND_BUS: ResourceKind
RESOURCE_KIND_HOTEL: ResourceKind
RESOURCE_KIND_WAREHOUSE: ResourceKind

class RoomGrant(_message.Message):
    __slots__ = ("hotel_id", "hotel_operator", "rooms")
    HOTEL_ID_FIELD_NUMBER: _ClassVar[int]
    HOTEL_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    hotel_id: str
    hotel_operator: str
    rooms: _common_pb2.RoomCounts
    def __init__(self, hotel_id: _Optional[str] = ..., hotel_operator: _Optional[str] = ..., rooms: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ...) -> None: ...

class TripLoad(_message.Message):
    __slots__ = ("need_id", "people")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    people: int
    def __init__(self, need_id: _Optional[str] = ..., people: _Optional[int] = ...) -> None: ...

class TripStop(_message.Message):
    __slots__ = ("site_id", "at", "load")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    at: _timestamp_pb2.Timestamp
    load: _containers.RepeatedCompositeFieldContainer[TripLoad]
    def __init__(self, site_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., load: _Optional[_Iterable[_Union[TripLoad, _Mapping]]] = ...) -> None: ...

class Trip(_message.Message):
    __slots__ = ("bus_id", "bus_operator", "start_at", "stops", "hotel_id", "arrive_at")
    BUS_ID_FIELD_NUMBER: _ClassVar[int]
    BUS_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    STOPS_FIELD_NUMBER: _ClassVar[int]
    HOTEL_ID_FIELD_NUMBER: _ClassVar[int]
    ARRIVE_AT_FIELD_NUMBER: _ClassVar[int]
    bus_id: str
    bus_operator: str
    start_at: _timestamp_pb2.Timestamp
    stops: _containers.RepeatedCompositeFieldContainer[TripStop]
    hotel_id: str
    arrive_at: _timestamp_pb2.Timestamp
    def __init__(self, bus_id: _Optional[str] = ..., bus_operator: _Optional[str] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stops: _Optional[_Iterable[_Union[TripStop, _Mapping]]] = ..., hotel_id: _Optional[str] = ..., arrive_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SupplyPick(_message.Message):
    __slots__ = ("sku", "warehouse_id", "warehouse_operator", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_ID_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    warehouse_id: str
    warehouse_operator: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., warehouse_id: _Optional[str] = ..., warehouse_operator: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class AssignmentProposed(_message.Message):
    __slots__ = ("assignment_id", "need_id", "kind", "room", "trips", "picks", "explanation_zh", "explanation_en", "solve_id", "hold_expires_at", "people_unserved", "quantity_unserved", "wait_minutes", "late_minutes", "late_cause")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    PICKS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_ZH_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_EN_FIELD_NUMBER: _ClassVar[int]
    SOLVE_ID_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_UNSERVED_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_UNSERVED_FIELD_NUMBER: _ClassVar[int]
    WAIT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    LATE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    LATE_CAUSE_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    need_id: str
    kind: _needs_pb2.NeedKind
    room: RoomGrant
    trips: _containers.RepeatedCompositeFieldContainer[Trip]
    picks: _containers.RepeatedCompositeFieldContainer[SupplyPick]
    explanation_zh: str
    explanation_en: str
    solve_id: str
    hold_expires_at: _timestamp_pb2.Timestamp
    people_unserved: int
    quantity_unserved: _containers.RepeatedCompositeFieldContainer[_needs_pb2.SupplyLine]
    wait_minutes: int
    late_minutes: int
    late_cause: str
    def __init__(self, assignment_id: _Optional[str] = ..., need_id: _Optional[str] = ..., kind: _Optional[_Union[_needs_pb2.NeedKind, str]] = ..., room: _Optional[_Union[RoomGrant, _Mapping]] = ..., trips: _Optional[_Iterable[_Union[Trip, _Mapping]]] = ..., picks: _Optional[_Iterable[_Union[SupplyPick, _Mapping]]] = ..., explanation_zh: _Optional[str] = ..., explanation_en: _Optional[str] = ..., solve_id: _Optional[str] = ..., hold_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., people_unserved: _Optional[int] = ..., quantity_unserved: _Optional[_Iterable[_Union[_needs_pb2.SupplyLine, _Mapping]]] = ..., wait_minutes: _Optional[int] = ..., late_minutes: _Optional[int] = ..., late_cause: _Optional[str] = ...) -> None: ...

class AssignmentConfirmed(_message.Message):
    __slots__ = ("assignment_id", "need_id", "organisation")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    need_id: str
    organisation: str
    def __init__(self, assignment_id: _Optional[str] = ..., need_id: _Optional[str] = ..., organisation: _Optional[str] = ...) -> None: ...

class AssignmentReleased(_message.Message):
    __slots__ = ("assignment_id", "need_id", "reason", "delivery", "declined", "faster")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    FASTER_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    need_id: str
    reason: str
    delivery: Delivery
    declined: _containers.RepeatedCompositeFieldContainer[ResourceRef]
    faster: _needs_pb2.FasterRequested
    def __init__(self, assignment_id: _Optional[str] = ..., need_id: _Optional[str] = ..., reason: _Optional[str] = ..., delivery: _Optional[_Union[Delivery, _Mapping]] = ..., declined: _Optional[_Iterable[_Union[ResourceRef, _Mapping]]] = ..., faster: _Optional[_Union[_needs_pb2.FasterRequested, _Mapping]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("people", "quantities", "people_remaining", "quantity_remaining")
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    QUANTITIES_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_REMAINING_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_REMAINING_FIELD_NUMBER: _ClassVar[int]
    people: int
    quantities: _containers.RepeatedCompositeFieldContainer[_needs_pb2.SupplyLine]
    people_remaining: int
    quantity_remaining: _containers.RepeatedCompositeFieldContainer[_needs_pb2.SupplyLine]
    def __init__(self, people: _Optional[int] = ..., quantities: _Optional[_Iterable[_Union[_needs_pb2.SupplyLine, _Mapping]]] = ..., people_remaining: _Optional[int] = ..., quantity_remaining: _Optional[_Iterable[_Union[_needs_pb2.SupplyLine, _Mapping]]] = ...) -> None: ...

class ResourceRef(_message.Message):
    __slots__ = ("kind", "id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    kind: ResourceKind
    id: str
    def __init__(self, kind: _Optional[_Union[ResourceKind, str]] = ..., id: _Optional[str] = ...) -> None: ...

class NeedUnmet(_message.Message):
    __slots__ = ("need_id", "code", "reason_zh", "reason_en", "solve_id")
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_ZH_FIELD_NUMBER: _ClassVar[int]
    REASON_EN_FIELD_NUMBER: _ClassVar[int]
    SOLVE_ID_FIELD_NUMBER: _ClassVar[int]
    need_id: str
    code: str
    reason_zh: str
    reason_en: str
    solve_id: str
    def __init__(self, need_id: _Optional[str] = ..., code: _Optional[str] = ..., reason_zh: _Optional[str] = ..., reason_en: _Optional[str] = ..., solve_id: _Optional[str] = ...) -> None: ...

class StayChanged(_message.Message):
    __slots__ = ("assignment_id", "need_id", "hotel_id", "kind", "rooms_staying", "people_staying", "stay_until", "rooms_vacated", "people_left", "cleaning_until", "cleaning_hours")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEED_ID_FIELD_NUMBER: _ClassVar[int]
    HOTEL_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ROOMS_STAYING_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_STAYING_FIELD_NUMBER: _ClassVar[int]
    STAY_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ROOMS_VACATED_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_LEFT_FIELD_NUMBER: _ClassVar[int]
    CLEANING_UNTIL_FIELD_NUMBER: _ClassVar[int]
    CLEANING_HOURS_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    need_id: str
    hotel_id: str
    kind: str
    rooms_staying: _common_pb2.RoomCounts
    people_staying: int
    stay_until: _timestamp_pb2.Timestamp
    rooms_vacated: _common_pb2.RoomCounts
    people_left: int
    cleaning_until: _timestamp_pb2.Timestamp
    cleaning_hours: float
    def __init__(self, assignment_id: _Optional[str] = ..., need_id: _Optional[str] = ..., hotel_id: _Optional[str] = ..., kind: _Optional[str] = ..., rooms_staying: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ..., people_staying: _Optional[int] = ..., stay_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rooms_vacated: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ..., people_left: _Optional[int] = ..., cleaning_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cleaning_hours: _Optional[float] = ...) -> None: ...

class AssignmentEvent(_message.Message):
    __slots__ = ("meta", "proposed", "confirmed", "released", "unmet", "stay")
    META_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    UNMET_FIELD_NUMBER: _ClassVar[int]
    STAY_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    proposed: AssignmentProposed
    confirmed: AssignmentConfirmed
    released: AssignmentReleased
    unmet: NeedUnmet
    stay: StayChanged
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., proposed: _Optional[_Union[AssignmentProposed, _Mapping]] = ..., confirmed: _Optional[_Union[AssignmentConfirmed, _Mapping]] = ..., released: _Optional[_Union[AssignmentReleased, _Mapping]] = ..., unmet: _Optional[_Union[NeedUnmet, _Mapping]] = ..., stay: _Optional[_Union[StayChanged, _Mapping]] = ...) -> None: ...
