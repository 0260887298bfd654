from baolei_events.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PriceSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRICE_SOURCE_UNSPECIFIED: _ClassVar[PriceSource]
    PRICE_SOURCE_MARKET_SURVEY: _ClassVar[PriceSource]
    PRICE_SOURCE_SUPPLY_GROUP_SALE: _ClassVar[PriceSource]

class PriceGrade(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRICE_GRADE_UNSPECIFIED: _ClassVar[PriceGrade]
    PRICE_GRADE_NORMAL: _ClassVar[PriceGrade]
    PRICE_GRADE_STRESS: _ClassVar[PriceGrade]
    PRICE_GRADE_ALERT: _ClassVar[PriceGrade]
    PRICE_GRADE_CRISIS: _ClassVar[PriceGrade]
PRICE_SOURCE_UNSPECIFIED: PriceSource
PRICE_SOURCE_MARKET_SURVEY: PriceSource
PRICE_SOURCE_SUPPLY_GROUP_SALE: PriceSource
PRICE_GRADE_UNSPECIFIED: PriceGrade
PRICE_GRADE_NORMAL: PriceGrade
PRICE_GRADE_STRESS: PriceGrade
PRICE_GRADE_ALERT: PriceGrade
PRICE_GRADE_CRISIS: PriceGrade

class StockChanged(_message.Message):
    __slots__ = ("meta", "warehouse", "warehouse_operator", "sku", "on_hand", "held", "available", "reserve", "cause", "unit", "assignment_id", "movement_kind")
    META_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    RESERVE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    MOVEMENT_KIND_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    warehouse: _common_pb2.Site
    warehouse_operator: str
    sku: str
    on_hand: int
    held: int
    available: int
    reserve: int
    cause: str
    unit: str
    assignment_id: str
    movement_kind: str
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., warehouse: _Optional[_Union[_common_pb2.Site, _Mapping]] = ..., warehouse_operator: _Optional[str] = ..., sku: _Optional[str] = ..., on_hand: _Optional[int] = ..., held: _Optional[int] = ..., available: _Optional[int] = ..., reserve: _Optional[int] = ..., cause: _Optional[str] = ..., unit: _Optional[str] = ..., assignment_id: _Optional[str] = ..., movement_kind: _Optional[str] = ...) -> None: ...

class PriceObserved(_message.Message):
    __slots__ = ("meta", "sku", "district", "source", "price_fen", "unit")
    META_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FEN_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    sku: str
    district: str
    source: PriceSource
    price_fen: int
    unit: str
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., sku: _Optional[str] = ..., district: _Optional[str] = ..., source: _Optional[_Union[PriceSource, str]] = ..., price_fen: _Optional[int] = ..., unit: _Optional[str] = ...) -> None: ...

class PriceAlert(_message.Message):
    __slots__ = ("meta", "sku", "district", "grade", "price_fen", "baseline_fen", "rise_ratio", "recommended_reserve_release", "message_zh", "message_en")
    META_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FEN_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FEN_FIELD_NUMBER: _ClassVar[int]
    RISE_RATIO_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDED_RESERVE_RELEASE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ZH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EN_FIELD_NUMBER: _ClassVar[int]
    meta: _common_pb2.EventMeta
    sku: str
    district: str
    grade: PriceGrade
    price_fen: int
    baseline_fen: int
    rise_ratio: float
    recommended_reserve_release: int
    message_zh: str
    message_en: str
    def __init__(self, meta: _Optional[_Union[_common_pb2.EventMeta, _Mapping]] = ..., sku: _Optional[str] = ..., district: _Optional[str] = ..., grade: _Optional[_Union[PriceGrade, str]] = ..., price_fen: _Optional[int] = ..., baseline_fen: _Optional[int] = ..., rise_ratio: _Optional[float] = ..., recommended_reserve_release: _Optional[int] = ..., message_zh: _Optional[str] = ..., message_en: _Optional[str] = ...) -> None: ...
