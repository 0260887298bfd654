"""Throttle the Kafka clients' own complaints while the broker is away.

Why: during an outage aiokafka and kafka-python log several errors every 250 ms (connection
refused, metadata, fetch, heartbeat): a minute of outage was thousands of lines. The matcher says
once what is going on (and /readyz says not ready); the clients' messages are kept at one per kind
per 30 s, with how many were left out.
"""
from __future__ import annotations

import logging
import time

CLIENT_LOGGERS = ("aiokafka", "kafka")


class Throttle(logging.Filter):
    def __init__(self, every_s: float = 30.0) -> None:
        super().__init__()
        self.every_s = every_s
        self._last: dict[tuple[str, object], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(CLIENT_LOGGERS):
            return True
        key = (record.name, record.msg)
        now = time.monotonic()
        last, skipped = self._last.get(key, (0.0, 0))
        if now - last < self.every_s:
            self._last[key] = (last, skipped + 1)
            return False
        self._last[key] = (now, 0)
        if skipped:
            record.msg = f"{record.msg} [{skipped} more like this in the last {self.every_s:.0f} s]"
        return True


def install(every_s: float = 30.0) -> None:
    """On the root handlers: a logger's own filter would not see its children's records."""
    f = Throttle(every_s)
    for handler in logging.getLogger().handlers:
        handler.addFilter(f)
