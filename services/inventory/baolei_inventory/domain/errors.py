"""Domain errors: each names the field at fault and says why, in Chinese and English (the one
error shape of `baolei_common.problems`, answered by the web edge with its status)."""
from __future__ import annotations

from baolei_common.problems import Problem


class DomainError(Problem):
    """A request the rules refuse. `field` names the input at fault."""

    status = 400


class InsufficientStock(DomainError):
    status = 409


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
