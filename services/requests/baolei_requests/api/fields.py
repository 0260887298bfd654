"""The bounded text fields of the requests API, each named once.

Why: `name: text(100)` is a call in an annotation: pydantic reads it, a type checker cannot. Each
bound here is a name that is the bounded, validated string (`baolei_common.fields.text`) to
pydantic and plain `str` to mypy.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from baolei_common.fields import text

if TYPE_CHECKING:
    Text20 = str
    Text50 = str
    Text60 = str
    Text64 = str
    Text100 = str
    Text200 = str
    Name100 = str
    Name200 = str
    Reason180 = str
    Reason200 = str
    Reason300 = str
else:
    Text20, Text50, Text60, Text64, Text100, Text200 = text(20), text(50), text(60), text(64), text(100), text(200)
    Name100, Name200 = text(100, min_length=1), text(200, min_length=1)  # required: at least one character
    Reason180 = text(180, multiline=True)
    Reason200 = text(200, multiline=True)
    Reason300 = text(300, min_length=1, multiline=True)
