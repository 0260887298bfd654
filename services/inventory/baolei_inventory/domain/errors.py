"""Domain errors: each names the field at fault and says why, in Chinese and English."""
from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse. `field` names the input at fault."""

    status = 400

    def __init__(self, field: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{field}: {reason_en}")
        self.field = field
        self.reason_zh = reason_zh
        self.reason_en = reason_en


class InsufficientStock(DomainError):
    status = 409


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
