"""`python -m baolei_requests` runs the service with uvicorn on its configured host and port:
one process, or `WORKERS` processes sharing the port (each a full replica: its own admission gate,
pools, consumer in the shared group, relay and expiry; PostgreSQL only)."""
import uvicorn

from baolei_common.logs import setup
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig

if __name__ == "__main__":
    setup("requests")
    cfg = RequestsConfig()
    if cfg.workers > 1:
        uvicorn.run("baolei_requests.app:app_from_env", factory=True, workers=cfg.workers,
                    host=cfg.http_host, port=cfg.http_port, log_config=None)
    else:
        uvicorn.run(create_app(cfg), host=cfg.http_host, port=cfg.http_port, log_config=None)
