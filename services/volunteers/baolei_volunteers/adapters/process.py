"""The matching process as the service's child (`baolei_volunteers.worker`): started with the
service's matching settings, watched by `baolei_common.supervise` (started again with backoff when it
dies, e.g. after kill -9), terminated with the service."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys

from baolei_volunteers.config import VolunteersConfig

log = logging.getLogger(__name__)
PASSED = ("database_url", "solve_time_limit_s", "hold_ttl_s", "match_debounce_s", "match_batch_areas",
          "match_batch_tasks")


class MatchingProcess:
    """One run of the child; `run()` returns when it exits. `pid` while it runs."""

    def __init__(self, config: VolunteersConfig) -> None:
        self._env = {**os.environ, **{f"BAOLEI_VOLUNTEERS_{k.upper()}": str(getattr(config, k)) for k in PASSED}}
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return None if self.proc is None or self.proc.returncode is not None else self.proc.pid

    async def run(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "baolei_volunteers.worker",
                                                         env=self._env)
        log.info("matching process %d started", self.proc.pid)
        try:
            code = await self.proc.wait()
        except asyncio.CancelledError:
            await self.stop()
            raise
        log.warning("matching process %d exited with %s", self.proc.pid, code)

    async def stop(self, timeout_s: float = 10.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()
