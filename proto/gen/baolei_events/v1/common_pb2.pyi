import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Zone(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ZONE_UNSPECIFIED: _ClassVar[Zone]
    ZONE_SEALED: _ClassVar[Zone]
    ZONE_CONTROLLED: _ClassVar[Zone]
    ZONE_PRECAUTION: _ClassVar[Zone]
ZONE_UNSPECIFIED: Zone
ZONE_SEALED: Zone
ZONE_CONTROLLED: Zone
ZONE_PRECAUTION: Zone

class EventMeta(_message.Message):
    __slots__ = ("event_id", "occurred_at", "recorded_at", "producer", "correlation_id", "actor")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    occurred_at: _timestamp_pb2.Timestamp
    recorded_at: _timestamp_pb2.Timestamp
    producer: str
    correlation_id: str
    actor: str
    def __init__(self, event_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., producer: _Optional[str] = ..., correlation_id: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class Site(_message.Message):
    __slots__ = ("id", "name", "district", "zone", "lat", "lon")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    district: str
    zone: Zone
    lat: float
    lon: float
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., district: _Optional[str] = ..., zone: _Optional[_Union[Zone, str]] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ...) -> None: ...

class RoomCounts(_message.Message):
    __slots__ = ("standard", "family", "accessible")
    STANDARD_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    ACCESSIBLE_FIELD_NUMBER: _ClassVar[int]
    standard: int
    family: int
    accessible: int
    def __init__(self, standard: _Optional[int] = ..., family: _Optional[int] = ..., accessible: _Optional[int] = ...) -> None: ...
