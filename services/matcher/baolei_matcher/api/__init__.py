"""The matcher's HTTP face: health, readiness and read-only views of its state."""
