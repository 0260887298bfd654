"""Use cases of the requests service: each takes the signed-in principal and a unit of work, and
runs in one transaction; events leave through the outbox."""
