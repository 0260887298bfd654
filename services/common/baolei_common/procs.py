"""Starting services as child processes and waiting until they say they are ready."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    """Poll `url` until it answers 200; fail with the log's tail if the process exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited ({proc.returncode}); {log}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout_s} s; {log}:\n{log.read_text()[-3000:]}")
