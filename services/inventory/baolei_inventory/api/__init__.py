"""HTTP API of the inventory (FastAPI routers, schemas, auth and error mapping)."""
