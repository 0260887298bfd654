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

class BusState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BUS_STATE_UNSPECIFIED: _ClassVar[BusState]
    BUS_STATE_IN_SERVICE: _ClassVar[BusState]
    BUS_STATE_OUT_OF_SERVICE: _ClassVar[BusState]

class HotelState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOTEL_STATE_UNSPECIFIED: _ClassVar[HotelState]
    HOTEL_STATE_OPEN: _ClassVar[HotelState]
    HOTEL_STATE_CLOSED: _ClassVar[HotelState]
BUS_STATE_UNSPECIFIED: BusState
BUS_STATE_IN_SERVICE: BusState
BUS_STATE_OUT_OF_SERVICE: BusState
HOTEL_STATE_UNSPECIFIED: HotelState
HOTEL_STATE_OPEN: HotelState
HOTEL_STATE_CLOSED: HotelState

class BusStatus(_message.Message):
    __slots__ = ("meta", "bus_id", "operator", "depot", "seats", "load_limit", "shift_start", "shift_end", "turnaround_min", "state", "plate")
    META_FIELD_NUMBER: _ClassVar[int]
    BUS_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    DEPOT_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    LOAD_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SHIFT_START_FIELD_NUMBER: _ClassVar[int]
    SHIFT_END_FIELD_NUMBER: _ClassVar[int]
    TURNAROUND_MIN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    bus_id: str
    operator: str
    depot: _common_pb2.Site
    seats: int
    load_limit: float
    shift_start: _timestamp_pb2.Timestamp
    shift_end: _timestamp_pb2.Timestamp
    turnaround_min: int
    state: BusState
    plate: str
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., bus_id: _Optional[str] = ..., operator: _Optional[str] = ..., depot: _Optional[_Union[_common_pb2.Site, _Mapping]] = ..., seats: _Optional[int] = ..., load_limit: _Optional[float] = ..., shift_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., shift_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., turnaround_min: _Optional[int] = ..., state: _Optional[_Union[BusState, str]] = ..., plate: _Optional[str] = ...) -> None: ...

class HotelRooms(_message.Message):
    __slots__ = ("meta", "hotel_id", "operator", "site", "accepts", "total", "free", "cleaning", "open_at", "state", "name")
    META_FIELD_NUMBER: _ClassVar[int]
    HOTEL_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    FREE_FIELD_NUMBER: _ClassVar[int]
    CLEANING_FIELD_NUMBER: _ClassVar[int]
    OPEN_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    hotel_id: str
    operator: str
    site: _common_pb2.Site
    accepts: _containers.RepeatedScalarFieldContainer[_needs_pb2.RiskCategory]
    total: _common_pb2.RoomCounts
    free: _common_pb2.RoomCounts
    cleaning: _common_pb2.RoomCounts
    open_at: _timestamp_pb2.Timestamp
    state: HotelState
    name: str
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., hotel_id: _Optional[str] = ..., operator: _Optional[str] = ..., site: _Optional[_Union[_common_pb2.Site, _Mapping]] = ..., accepts: _Optional[_Iterable[_Union[_needs_pb2.RiskCategory, str]]] = ..., total: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ..., free: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ..., cleaning: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ..., open_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[HotelState, str]] = ..., name: _Optional[str] = ...) -> None: ...
