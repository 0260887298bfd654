"""Pure rules of doorstep help: zones, skills, vulnerability (no framework, database or broker)."""
