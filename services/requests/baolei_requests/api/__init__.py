"""HTTP entry points of the requests service."""
