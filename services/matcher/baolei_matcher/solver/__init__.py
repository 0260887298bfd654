"""Matcher solver core: pure Python, no I/O.

Public API (what the streaming matcher calls):
    solve(scenario, *, time_limit_s, previous=None) -> SolveResult
    parse_scenario(doc) -> Scenario          # JSON edge; or build `Scenario` from the dataclasses
    parse_plan(doc) -> Plan
"""
from baolei_common.rooms import Rooms

from .core import solve
from .model import (
    Bus,
    Hotel,
    Scenario,
    ScenarioError,
    Site,
    StockItem,
    SupplyLine,
    SupplyNeed,
    TransferNeed,
    TravelModel,
    parse_scenario,
)
from .plan import Load, Plan, RoomAssignment, Stop, SupplyAssignment, Trip, Unmet, parse_plan
from .result import SolveResult, StageReport, Status

__all__ = ["solve", "parse_scenario", "parse_plan", "Scenario", "ScenarioError", "Site", "Hotel", "Bus",
           "Rooms", "StockItem", "SupplyLine", "SupplyNeed", "TransferNeed", "TravelModel", "Plan",
           "RoomAssignment", "Trip", "Stop", "Load", "SupplyAssignment", "Unmet", "SolveResult",
           "StageReport", "Status"]
