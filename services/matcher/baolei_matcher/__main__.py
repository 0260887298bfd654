"""`python -m baolei_matcher` runs one matcher process: start as many as you like on the same
APP_ID; one is active, the others are warm standbys (see app.py)."""
from __future__ import annotations

import uvicorn

from baolei_common.logs import setup
from baolei_matcher.adapters import quiet
from baolei_matcher.app import create_app
from baolei_matcher.config import MatcherConfig


def main() -> None:
    setup("matcher")
    quiet.install()
    cfg = MatcherConfig()
    uvicorn.run(create_app(cfg), host=cfg.http_host, port=cfg.http_port, log_level="warning", access_log=False,
                lifespan="on", timeout_graceful_shutdown=15)


if __name__ == "__main__":
    main()
