"""Refusals of the volunteers' use cases, in the one error shape (`baolei_common.problems`)."""
from __future__ import annotations

from baolei_common.problems import Problem


class Invalid(Problem):
    status = 422


class NotFound(Problem):
    status = 404


class Conflict(Problem):
    status = 409


class Full(Problem):
    """A bound reached (the tasks waiting for the matching loop): try again shortly."""
    status = 503
