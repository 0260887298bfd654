"""A minimal HTTP/1.1 keep-alive client for the load generator.

Why: the generator shares the 2 cores with the system it measures. httpx's AsyncClient cost the
generator about 0.6 of a core at 100 needs/s (measured with /proc while the bench ran), a third of
the machine taken from the services. This client does only what the bench needs — keep-alive
connections from a bounded pool, a JSON body, Content-Length or chunked responses — at a small
fraction of that. It is part of the measuring instrument, not of the system.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit


class Headers(dict):
    """Response headers, looked up case-insensitively (names are stored lower-case)."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


class Response:
    def __init__(self, status_code: int, headers: Headers, body: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = body

    def json(self) -> Any:
        return json.loads(self.content)


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class RawClient:
    """`await client.post(path, json=..., headers=...)`, `await client.get(path)`; at most
    `max_connections` requests in flight, the rest wait for a connection (as httpx's pool does)."""

    def __init__(self, base_url: str, *, headers: Mapping[str, str] | None = None, max_connections: int = 100) -> None:
        u = urlsplit(base_url)
        self._host, self._port = u.hostname or "127.0.0.1", u.port or 80
        self._hosthdr = f"{self._host}:{self._port}"
        self._headers = dict(headers or {})
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Conn] = []

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for c in self._idle:
            c.close()
        self._idle.clear()

    async def post(self, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None,
                   extensions: Mapping[str, Callable[..., Awaitable[None]]] | None = None) -> Response:
        body = b"" if json is None else _dumps(json)
        return await self.request("POST", path, body, headers, extensions)

    async def get(self, path: str, *, headers: Mapping[str, str] | None = None) -> Response:
        return await self.request("GET", path, b"", headers, None)

    async def request(self, method: str, path: str, body: bytes, headers: Mapping[str, str] | None,
                      extensions: Mapping[str, Callable[..., Awaitable[None]]] | None) -> Response:
        async with self._slots:
            trace = (extensions or {}).get("trace")
            if trace is not None:
                await trace("connection.acquired", {})
            conn = self._idle.pop() if self._idle else None
            fresh = conn is None
            if conn is None:
                conn = _Conn(*await asyncio.open_connection(self._host, self._port))
            try:
                resp, keep = await self._exchange(conn, method, path, body, headers)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                conn.close()
                if fresh:
                    raise ConnectionError(f"{method} {path}: {exc!r}") from exc
                # a kept-alive connection the server closed meanwhile: once more on a new one
                conn = _Conn(*await asyncio.open_connection(self._host, self._port))
                try:
                    resp, keep = await self._exchange(conn, method, path, body, headers)
                except (ConnectionError, asyncio.IncompleteReadError) as exc2:
                    conn.close()
                    raise ConnectionError(f"{method} {path}: {exc2!r}") from exc2
            except BaseException:
                conn.close()  # a timeout or a cancel mid-exchange: the connection is in an unknown state
                raise
            if keep:
                self._idle.append(conn)
            else:
                conn.close()
            return resp

    async def _exchange(self, conn: _Conn, method: str, path: str, body: bytes,
                        headers: Mapping[str, str] | None) -> tuple[Response, bool]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._hosthdr}", f"Content-Length: {len(body)}"]
        if body:
            lines.append("Content-Type: application/json")
        for k, v in {**self._headers, **(headers or {})}.items():
            lines.append(f"{k}: {v}")
        conn.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await conn.writer.drain()
        head = await conn.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        hdrs = Headers()
        for h in header_lines:
            if h:
                k, _, v = h.partition(":")
                hdrs[k.strip().lower()] = v.strip()
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int((await conn.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await conn.reader.readuntil(b"\r\n")
                    break
                data += await conn.reader.readexactly(size)
                await conn.reader.readexactly(2)
            content = bytes(data)
        else:
            content = await conn.reader.readexactly(int(hdrs.get("content-length", "0")))
        keep = hdrs.get("connection", "").lower() != "close"
        return Response(status, hdrs, content), keep


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
