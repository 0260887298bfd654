"""Chinese reasons for pydantic's validation errors, one per error type, with the English kept.

Why: pydantic says why a value is refused in English only; an office worker filling the form in
Chinese must read the reason in Chinese. The templates take the numbers and choices from the
error's context (`ge`, `max_length`, `expected` …); a type missing here still gets a Chinese
reason ("取值无效"), and a unit test checks that every type pydantic-core knows has its own.
"""
from __future__ import annotations

import re
from typing import Any

ZH: dict[str, str] = {
    # presence and shape
    "missing": "必填项缺失",
    "extra_forbidden": "不允许的多余字段",
    "none_required": "此处应为空",
    "no_such_attribute": "没有这个字段：{attribute}",
    "frozen_field": "此字段不可修改",
    "frozen_instance": "此对象不可修改",
    "invalid_key": "键名无效",
    "get_attribute_error": "读取字段出错",
    "model_type": "应为对象（JSON object）",
    "model_attributes_type": "应为对象（JSON object）",
    "dataclass_type": "应为对象（JSON object）",
    "dataclass_exact_type": "应为 {class_name} 对象",
    "default_factory_not_called": "默认值无法生成",
    "needs_python_object": "需要内部对象，无法从 JSON 读取",
    "recursion_loop": "数据存在循环引用",
    "recursion_depth_exceeded": "数据嵌套过深",
    "ellipsis_error": "此处应为省略号（...）",
    "named_tuple_type": "应为列表（数组）",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON 字符串或字节",
    "is_instance_of": "类型不符（应为 {class}）",
    "is_subclass_of": "类型不符（应为 {class} 的子类）",
    "callable_type": "应为可调用对象",
    "arguments_type": "参数格式无效",
    "missing_argument": "缺少参数",
    "unexpected_keyword_argument": "多余的参数",
    "missing_keyword_only_argument": "缺少参数",
    "unexpected_positional_argument": "多余的参数",
    "missing_positional_only_argument": "缺少参数",
    "multiple_argument_values": "参数重复",
    "missing_sentinel_error": "此处不应有值",
    "union_tag_invalid": "类型标记“{tag}”无效，应为 {expected_tags}",
    "union_tag_not_found": "缺少类型标记字段 {discriminator}",
    # numbers
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_parsing_size": "整数超出范围",
    "int_from_float": "应为整数，不能有小数部分",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限数字",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "数字位数不能超过 {max_digits} 位",
    "decimal_max_places": "小数位数不能超过 {decimal_places} 位",
    "decimal_whole_digits": "整数部分不能超过 {whole_digits} 位",
    "fraction_type": "应为分数或数字",
    "fraction_parsing": "分数格式无效",
    "complex_type": "应为复数",
    "complex_str_parsing": "应为复数",
    # text and bytes
    "string_type": "应为文本（字符串）",
    "string_sub_type": "应为文本（字符串）",
    "string_unicode": "文本编码无效（应为 Unicode）",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
    "string_control": "不能包含控制字符",
    "string_not_ascii": "只能包含 ASCII 字符",
    "bytes_type": "应为字节串",
    "bytes_too_short": "至少 {min_length} 个字节",
    "bytes_too_long": "不能超过 {max_length} 个字节",
    "bytes_invalid_encoding": "编码无效（应为 {encoding}）",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    # choices
    "enum": "取值无效，应为以下之一：{expected}",
    "literal_error": "取值无效，应为以下之一：{expected}",
    # collections
    "list_type": "应为列表（数组）",
    "tuple_type": "应为列表（数组）",
    "set_type": "应为不重复的列表",
    "frozen_set_type": "应为不重复的列表",
    "set_item_not_hashable": "列表项无法比较是否重复",
    "dict_type": "应为对象（键值对）",
    "frozen_dict_type": "应为对象（键值对）",
    "ordered_dict_type": "应为对象（键值对）",
    "counter_type": "应为对象（键值对）",
    "deque_type": "应为列表（数组）",
    "mapping_type": "应为对象（键值对）",
    "iterable_type": "应为列表（数组）",
    "iteration_error": "读取列表出错",
    "too_short": "至少 {min_length} 项",
    "too_long": "不能超过 {max_length} 项",
    # time
    "date_type": "应为日期",
    "date_parsing": "日期格式无效（应为 YYYY-MM-DD）",
    "date_from_datetime_parsing": "日期格式无效（应为 YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期，不能带时刻",
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "time_type": "应为时刻",
    "time_parsing": "时刻格式无效（应为 HH:MM[:SS]）",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "时间格式无效（应为 ISO 8601，例如 2026-12-02T20:00:00+08:00）",
    "datetime_object_invalid": "日期时间无效",
    "datetime_from_date_parsing": "时间格式无效（应为 ISO 8601，例如 2026-12-02T20:00:00+08:00）",
    "datetime_past": "应为过去的时间",
    "datetime_range": "时间应在 {earliest} 年至 {latest} 年之间",
    "outside_shenzhen": "不在深圳市范围内：{axis_zh}应在 {lo} 至 {hi} 之间{hint_zh}",
    "datetime_future": "应为将来的时间",
    "timezone_naive": "时间不应带时区",
    "timezone_aware": "时间须带时区（例如 +08:00 或 Z）",
    "timezone_offset": "时区应为 {tz_expected}",
    "time_delta_type": "应为时长",
    "time_delta_parsing": "时长格式无效",
    # identifiers and addresses
    "url_type": "应为网址",
    "url_parsing": "网址格式无效",
    "url_syntax_violation": "网址格式无效",
    "url_too_long": "网址不能超过 {max_length} 个字符",
    "url_scheme": "网址协议应为 {expected_schemes}",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "UUID 格式无效",
    "uuid_version": "UUID 版本应为 {expected_version}",
    # the model's own checks
    "value_error": "取值无效",
    "assertion_error": "取值无效",
}
FALLBACK = "取值无效"
# "field: 中文 / English" — how the models' own checks word a refusal (e.g. NeedCreate); Chinese ending in a
# full-width bracket has no space before the slash ("…人）/ rooms do not fit"), which made it "取值无效" of `body`
_OWN_CHECK = re.compile(r"^(?P<field>[\w.\[\], ]+?):\s*(?P<zh>.+?)\s*/\s+(?P<en>.+)$", re.S)


def reason_zh(error_type: str, ctx: dict[str, Any] | None = None) -> str:
    template = ZH.get(error_type, FALLBACK)
    try:
        return template.format(**{k: _plain(v) for k, v in (ctx or {}).items()})
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：，（ ") or FALLBACK


def _plain(v: Any) -> str:
    return str(v).replace("'", "")


def field_of(loc: tuple | list) -> str:
    """A location as a dotted path: ('body', 'lines', 0, 'sku') -> 'lines[0].sku'. The source
    (body, query, path, header, cookie) is left out unless it is all there is."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "body"


def translate(error: dict[str, Any]) -> dict[str, str]:
    """One pydantic error (`exc.errors()` item) as {field, reason_zh, reason_en}."""
    etype = str(error.get("type", ""))
    msg = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    field = field_of(tuple(error.get("loc", ())))
    if etype in ("value_error", "assertion_error"):
        own = _OWN_CHECK.match(msg)
        if own is not None:
            inner = own["field"].split(",")[0].strip()
            prefix = field if field != "body" else ""
            named = prefix if prefix.split(".")[-1] == inner else f"{prefix}.{inner}" if prefix else inner
            return {"field": named, "reason_zh": own["zh"].strip(),
                    "reason_en": own["en"].strip()}
    if etype == "json_invalid":
        field = "body"
    return {"field": field, "reason_zh": reason_zh(etype, error.get("ctx")), "reason_en": msg or etype}
