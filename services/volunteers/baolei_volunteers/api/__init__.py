"""Routes, request/response schemas and presenters of the volunteers service."""
