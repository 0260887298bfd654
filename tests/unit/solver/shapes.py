"""Scenario shapes with rooms short that the generator's own families do not make (issue 11).

Built from generated scenarios so sites, needs and buses look like the rest; only the hotels (or
their rooms) are changed. The generator may grow families of the same shape (`rooms_small_hotels`,
`city_rooms_short`); these helpers keep the rooms tests independent of that.
"""
from __future__ import annotations

import random
from typing import Any

from baolei_matcher.solver.generator import generate

ROOM_TYPES = ("standard", "family", "accessible")
ACCEPTS = (["close_contact"], ["secondary_contact", "inbound"], ["close_contact", "secondary_contact"],
           ["inbound"], ["close_contact", "secondary_contact", "inbound"])


def small_hotels(seed: int = 1, needs: int = 300, hotels: int = 20, buses: int = 300,
                 few_family: bool = False) -> dict[str, Any]:
    """`needs` transfer needs, `hotels` hotels of 10–60 rooms of mixed types, each accepting one to
    three risk categories, `buses` buses: rooms for well under the people asking. `few_family`:
    at most three family and one accessible room per hotel, so a household group asking more
    fits nowhere (the shape where a bound that forgets "one hotel per need" is weakest)."""
    doc = generate("large", "mixed", seed)
    rng = random.Random(f"small_hotels/{seed}")
    transfers = [n for n in doc["needs"] if n["kind"] == "transfer"][:needs]
    sites = [s for s in doc["sites"] if not s["id"].startswith("S-")]
    out_hotels = []
    for i in range(hotels):
        h = doc["hotels"][i]
        total = rng.randint(10, 60)
        fam = int(total * rng.uniform(0.0, 0.5))
        acc = int(total * rng.uniform(0.0, 0.12))
        if few_family:
            fam, acc = min(fam, 3), min(acc, 1)
        rooms = {"standard": total - fam - acc, "family": fam, "accessible": acc}
        hotel = {k: v for k, v in h.items() if k != "open_at"}
        hotel.update(rooms=rooms, accepts=list(ACCEPTS[i % 2] if i < 2 else rng.choice(ACCEPTS)))
        out_hotels.append(hotel)
    hotel_sites = {h["site"] for h in out_hotels}
    sites += [s for s in doc["sites"] if s["id"] in hotel_sites]
    return dict(doc, sites=sites, hotels=out_hotels, buses=doc["buses"][:buses], needs=transfers, stock=[],
                generator={"shape": "small_hotels", "seed": seed})


def city_rooms_short(seed: int = 1, ratio: float = 0.9) -> dict[str, Any]:
    """City scale (3,000 transfer and 2,000 supply needs, 300 hotels, 2,000 buses) with each room
    type scaled so the hotels hold `ratio` of the rooms asked."""
    doc = generate("city", "mixed", seed)
    transfers = [n for n in doc["needs"] if n["kind"] == "transfer"]
    asked = {t: sum(n["rooms"][t] for n in transfers) for t in ROOM_TYPES}
    have = {t: sum(h["rooms"][t] for h in doc["hotels"]) for t in ROOM_TYPES}
    for h in doc["hotels"]:
        h["rooms"] = {t: int(h["rooms"][t] * ratio * asked[t] / max(1, have[t])) for t in ROOM_TYPES}
    return doc
