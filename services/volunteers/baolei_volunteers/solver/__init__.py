"""The doorstep matcher: zone-ruled assignment and walking/e-bike itineraries (OR-Tools).

`solve(scenario) -> plan` (JSON-able dicts, docs/volunteers-solve.md); `first_come(scenario)` is the
mini-program's way (claims in arrival order, nearest first, no priority), kept as the bench baseline.
"""

from baolei_volunteers.solver.board import claim_board, claim_refusal
from baolei_volunteers.solver.core import solve
from baolei_volunteers.solver.firstcome import first_come
from baolei_volunteers.solver.model import ScenarioError

__all__ = ["ScenarioError", "claim_board", "claim_refusal", "first_come", "solve"]
