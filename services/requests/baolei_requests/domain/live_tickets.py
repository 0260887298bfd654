"""Short-lived, single-use tickets for opening the live feed.

A browser's EventSource cannot send an Authorization header, and a bearer token in a URL ends up
in logs and histories. So the console asks `POST /api/live/ticket` (with its bearer header) for a
ticket valid for at most 60 s and opens `/api/live?ticket=…` with it. The ticket names no token:
it carries a hash of the token (the principal is looked up again when it is used, so a revoked
token's ticket fails), its expiry and a nonce, signed with HMAC-SHA256 so that every worker process
can check it. A ticket is used once: its nonce is recorded in the database (a second use, on any
replica, finds it there).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping


class BadTicket(Exception):
    """The ticket is malformed, forged, expired or already used (reason in Chinese and English)."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_zh, self.reason_en = reason_zh, reason_en


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tickets:
    def __init__(self, tokens: Mapping[str, Mapping[str, str]], ttl_s: float, secret: str = "") -> None:
        self._by_hash = {token_hash(t): t for t in tokens}
        self.ttl_s = ttl_s
        material = secret or "baolei-live-ticket:" + json.dumps(dict(tokens), sort_keys=True, ensure_ascii=False)
        self._key = hashlib.sha256(material.encode()).digest()

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def issue(self, token: str, now: float | None = None) -> str:
        payload = {"h": token_hash(token), "exp": round((now or time.time()) + self.ttl_s, 3),
                   "n": secrets.token_urlsafe(12)}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def check(self, ticket: str, now: float | None = None) -> tuple[str, str]:
        """(token, nonce) of a valid, unexpired ticket; the caller records the nonce as used."""
        body, _, sig = ticket.partition(".")
        if not body or not sig or not hmac.compare_digest(sig, self._sign(body)):
            raise BadTicket("实时连接凭证无效", "invalid live-feed ticket")
        try:
            payload = json.loads(_unb64(body))
            exp, nonce, h = float(payload["exp"]), str(payload["n"]), str(payload["h"])
        except (ValueError, KeyError, TypeError):
            raise BadTicket("实时连接凭证无效", "invalid live-feed ticket") from None
        if (now or time.time()) > exp:
            raise BadTicket("实时连接凭证已过期，请重新获取", "live-feed ticket expired: ask for a new one")
        token = self._by_hash.get(h)
        if token is None:
            raise BadTicket("令牌已失效", "the ticket's token is no longer valid")
        return token, nonce
