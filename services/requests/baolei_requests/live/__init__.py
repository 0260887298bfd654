"""Live updates for the console: Kafka events fanned out to browsers over Server-Sent Events."""
