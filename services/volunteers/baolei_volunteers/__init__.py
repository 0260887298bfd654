"""Baolei volunteers service (先锋行动): volunteers, vulnerable households and doorstep tasks,
matched inside the zone rules (issue 19)."""
