"""One-line log format for every service: time, level, service, message."""
from __future__ import annotations

import logging
import os


def setup(service: str) -> None:
    level = os.environ.get("BAOLEI_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("aiokafka", "kafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
