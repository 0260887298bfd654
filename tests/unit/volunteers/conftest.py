"""The plan checker (tools/check_volunteer_plan.py) as a fixture: fails the test on any broken rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tools.check_volunteer_plan import check


@pytest.fixture(scope="session")
def checked() -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]:
    def run(scenario: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
        errors, metrics = check(scenario, plan)
        assert errors == [], errors
        return metrics

    return run
