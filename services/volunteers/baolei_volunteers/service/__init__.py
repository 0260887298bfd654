"""Use cases of the volunteers service: each takes a unit of work and commits itself."""
