"""Live feeds in a test: an app served by uvicorn, and a Server-Sent Events stream read in a thread
that keeps every event of one name (`update` for the requests console's feed, `task` for the
volunteers' pages)."""
from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn


class Listener:
    def __init__(self, url: str, *, event: str, params: dict | None = None, headers: dict | None = None) -> None:
        self.events: list[dict] = []
        self.hello = threading.Event()
        self._stopped = False
        self._wanted = event
        self._client = httpx.Client(timeout=httpx.Timeout(5, read=60))
        self._thread = threading.Thread(target=self._run, args=(url, params, headers), daemon=True)
        self._thread.start()
        assert self.hello.wait(30), f"no hello on {url}"

    def _run(self, url: str, params: dict | None, headers: dict | None) -> None:
        try:
            with self._client.stream("GET", url, params=params, headers=headers) as r:
                assert r.status_code == 200
                event = ""
                for line in r.iter_lines():
                    if self._stopped:
                        return
                    if line.startswith("event: "):
                        event = line.removeprefix("event: ")
                        if event == "hello":
                            self.hello.set()
                    elif line.startswith("data: ") and event == self._wanted:
                        self.events.append(json.loads(line.removeprefix("data: ")))
        except (httpx.HTTPError, RuntimeError):  # closed by stop()
            pass

    def stop(self) -> None:
        """Keep what was received so far and drop the connection (the server's graceful shutdown
        ends any stream still open)."""
        self._stopped = True
        try:
            self._client.close()
        except Exception:  # noqa: BLE001 — the reading thread still holds it; it is a daemon
            pass

    def text(self) -> str:
        return json.dumps(self.events, ensure_ascii=False)


@contextlib.contextmanager
def served(app: Any) -> Iterator[str]:
    """The app on a real uvicorn server on a free port (streams need one: the test client buffers
    them); yields its base URL once /readyz answers 200, and shuts it down gracefully."""
    from tests.integration.conftest import free_port, poll

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        timeout_graceful_shutdown=5))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    poll(lambda: srv.started and httpx.get(f"{base}/readyz").status_code == 200, timeout_s=60)
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=30)
