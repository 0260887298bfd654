"""The inventory service's HTTP API as the requests service reads it: warehouse names for the
dispatcher pages and the dispatch sheets (its own database holds no warehouses)."""
from __future__ import annotations

import logging
import threading
import time

import httpx

log = logging.getLogger(__name__)

_WAREHOUSES: dict[str, tuple[float, dict[str, str]]] = {}
_WAREHOUSES_LOCK = threading.Lock()


def warehouse_names(inventory_url: str, token: str, ttl_s: float = 120.0) -> dict[str, str]:
    """Warehouse names from the inventory service, read with the caller's token (its permissions
    apply) and kept for `ttl_s`; {} for a while if the inventory does not answer (ids are shown)."""
    now = time.monotonic()
    with _WAREHOUSES_LOCK:
        hit = _WAREHOUSES.get(token)
        if hit and hit[0] > now:
            return hit[1]
    try:
        r = httpx.get(f"{inventory_url}/api/warehouses", headers={"Authorization": f"Bearer {token}"}, timeout=2.0)
        r.raise_for_status()
        names, keep = {w["id"]: w["name"] for w in r.json()}, ttl_s
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        log.warning("warehouse names from %s unavailable: %s", inventory_url, exc)
        names, keep = {}, 10.0
    with _WAREHOUSES_LOCK:
        _WAREHOUSES[token] = (now + keep, names)
    return names
