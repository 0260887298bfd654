from baolei_events.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AskSent(_message.Message):
    __slots__ = ("ask_id", "kind", "cause", "organisation", "resource_id", "trips", "rooms", "people", "risk", "text_zh", "text_en", "stock")
    class StockEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ASK_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    TEXT_ZH_FIELD_NUMBER: _ClassVar[int]
    TEXT_EN_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    ask_id: str
    kind: str
    cause: str
    organisation: str
    resource_id: str
    trips: int
    rooms: int
    people: int
    risk: str
    text_zh: str
    text_en: str
    stock: _containers.ScalarMap[str, int]
    def __init__(self, ask_id: _Optional[str] = ..., kind: _Optional[str] = ..., cause: _Optional[str] = ..., organisation: _Optional[str] = ..., resource_id: _Optional[str] = ..., trips: _Optional[int] = ..., rooms: _Optional[int] = ..., people: _Optional[int] = ..., risk: _Optional[str] = ..., text_zh: _Optional[str] = ..., text_en: _Optional[str] = ..., stock: _Optional[_Mapping[str, int]] = ...) -> None: ...

class AskAnswered(_message.Message):
    __slots__ = ("ask_id", "organisation", "refused", "reason", "resources", "buses_added", "shifts_extended", "rooms_opened", "risks_accepted", "stock_moved")
    ASK_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    BUSES_ADDED_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_EXTENDED_FIELD_NUMBER: _ClassVar[int]
    ROOMS_OPENED_FIELD_NUMBER: _ClassVar[int]
    RISKS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    STOCK_MOVED_FIELD_NUMBER: _ClassVar[int]
    ask_id: str
    organisation: str
    refused: bool
    reason: str
    resources: _containers.RepeatedScalarFieldContainer[str]
    buses_added: int
    shifts_extended: int
    rooms_opened: _common_pb2.RoomCounts
    risks_accepted: _containers.RepeatedScalarFieldContainer[str]
    stock_moved: _containers.RepeatedCompositeFieldContainer[StockMove]
    def __init__(self, ask_id: _Optional[str] = ..., organisation: _Optional[str] = ..., refused: _Optional[bool] = ..., reason: _Optional[str] = ..., resources: _Optional[_Iterable[str]] = ..., buses_added: _Optional[int] = ..., shifts_extended: _Optional[int] = ..., rooms_opened: _Optional[_Union[_common_pb2.RoomCounts, _Mapping]] = ..., risks_accepted: _Optional[_Iterable[str]] = ..., stock_moved: _Optional[_Iterable[_Union[StockMove, _Mapping]]] = ...) -> None: ...

class StockMove(_message.Message):
    __slots__ = ("sku", "quantity", "warehouse_id", "from_warehouse_id", "lot", "expiry")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_WAREHOUSE_ID_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    warehouse_id: str
    from_warehouse_id: str
    lot: str
    expiry: str
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ..., warehouse_id: _Optional[str] = ..., from_warehouse_id: _Optional[str] = ..., lot: _Optional[str] = ..., expiry: _Optional[str] = ...) -> None: ...

class AskEvent(_message.Message):
    __slots__ = ("meta", "sent", "answered")
    META_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    sent: AskSent
    answered: AskAnswered
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., sent: _Optional[_Union[AskSent, _Mapping]] = ..., answered: _Optional[_Union[AskAnswered, _Mapping]] = ...) -> None: ...
