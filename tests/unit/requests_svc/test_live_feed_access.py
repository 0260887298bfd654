"""The live feed's access: single-use, short-lived tickets instead of tokens in URLs, and each
summary's audience (whose it is) deciding who receives it."""
from __future__ import annotations

import asyncio

import pytest

from baolei_requests.adapters.live_audience import Audience, NeedAudience
from baolei_requests.adapters.live_events import public, visible
from baolei_requests.domain.live_tickets import BadTicket, Tickets

TOKENS = {"demo-site": {"user": "u", "role": "site", "organisation": "莲花街道"}}


def test_a_ticket_names_no_token_expires_and_cannot_be_forged():
    t = Tickets(TOKENS, ttl_s=30)
    ticket = t.issue("demo-site", now=1000.0)
    assert "demo-site" not in ticket
    token, nonce = t.check(ticket, now=1029.0)
    assert token == "demo-site" and nonce
    with pytest.raises(BadTicket, match="expired"):
        t.check(ticket, now=1031.0)
    body, _, sig = ticket.partition(".")
    with pytest.raises(BadTicket, match="invalid"):
        t.check(body + "." + sig[::-1], now=1001.0)
    with pytest.raises(BadTicket, match="invalid"):
        Tickets(TOKENS, ttl_s=30, secret="another key").check(ticket, now=1001.0)
    keyed = Tickets(TOKENS, ttl_s=30, secret="k").issue("demo-site", now=1000.0)
    with pytest.raises(BadTicket, match="no longer valid"):  # the token was revoked meanwhile
        Tickets({"other": TOKENS["demo-site"]}, ttl_s=30, secret="k").check(keyed, now=1001.0)
    with pytest.raises(BadTicket, match="invalid"):  # a changed token map changes the derived key too
        Tickets({**TOKENS, "x": TOKENS["demo-site"]}, ttl_s=30).check(ticket, now=1001.0)
    assert t.issue("demo-site", now=1000.0) != ticket  # a nonce each


def annotate(aud: Audience, summary: dict) -> dict:
    return asyncio.run(aud.annotate(summary))


def test_sites_get_their_needs_dispatchers_their_resources_and_assignments():
    lookups: list[str] = []

    def lookup(need_id: str) -> NeedAudience | None:
        lookups.append(need_id)
        return NeedAudience("东门街道", {"投控公司"}) if need_id == "N-old" else None

    aud = Audience(lookup=lookup)
    submitted = annotate(aud, {"type": "need.submitted", "need_id": "N1", "organisation": "莲花街道"})
    assert visible("site", "莲花街道", submitted) and not visible("site", "东门街道", submitted)
    assert not visible("dispatcher", "巴士集团", submitted, "bus") and visible("viewer", "", submitted)
    proposed = annotate(aud, {"type": "assignment.proposed", "need_id": "N1", "assignment_id": "A1",
                              "organisations": ["巴士集团"]})
    assert visible("dispatcher", "巴士集团", proposed, "bus") and not visible("dispatcher", "东部公交", proposed, "bus")
    released = annotate(aud, {"type": "assignment.released", "need_id": "N1", "assignment_id": "A1"})
    assert visible("site", "莲花街道", released) and visible("dispatcher", "巴士集团", released, "bus")
    old = annotate(aud, {"type": "need.cancelled", "need_id": "N-old"})  # from before this process: the database
    assert visible("site", "东门街道", old) and not visible("site", "莲花街道", old)
    assert visible("dispatcher", "投控公司", old, "hotel")
    assert lookups == ["N-old"]
    unknown = annotate(aud, {"type": "need.cancelled", "need_id": "N-gone"})
    assert not visible("site", "莲花街道", unknown) and visible("operator", "", unknown)
    bus = annotate(aud, {"type": "bus", "bus_id": "B", "operator": "巴士集团"})
    assert visible("dispatcher", "巴士集团", bus, "bus") and not visible("site", "莲花街道", bus)
    expired = annotate(aud, {"type": "changed", "expired": 3})
    assert not visible("site", "莲花街道", expired) and visible("operator", "", expired)
    alert = annotate(aud, {"type": "price_alert", "sku": "pork", "district": "福田"})
    assert visible("dispatcher", "食品物资集团", alert, "supply")
    assert not visible("dispatcher", "巴士集团", alert, "bus")
    assert "audience" in proposed and "audience" not in public(proposed)
