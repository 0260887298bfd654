"""Helpers for the solver tests: the contract checker (tools/check_plan.py, a copy of the shared one),
imported by path."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

CHECKER = Path(os.environ.get("BAOLEI_CHECK_PLAN", Path(__file__).resolve().parents[3] / "tools" / "check_plan.py"))


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_plan", CHECKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def check():
    """check(scenario_doc, plan_doc) -> metrics; fails the test on any broken hard rule."""
    if not CHECKER.exists():
        pytest.skip(f"checker not found at {CHECKER}")
    mod = _load_checker()

    def run(scenario: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
        bad, metrics = mod.check(scenario, plan)
        assert bad == [], bad[:10]
        return metrics

    return run
