"""`python -m baolei_requests` runs the service with uvicorn on its configured host and port."""
import uvicorn

from baolei_common.logs import setup
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig

if __name__ == "__main__":
    setup("requests")
    cfg = RequestsConfig()
    uvicorn.run(create_app(cfg), host=cfg.host, port=cfg.port, log_config=None)
