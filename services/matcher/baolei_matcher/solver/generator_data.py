"""Shenzhen-like reference data for the scenario generator: districts, streets, operators, staples.

Why: benchmarks and demos should look like the city the notice was written for (10 districts plus
the Shenzhen-Shanwei zone, 74 streets), so operators recognise what they see. Coordinates are
approximate district centres; the spread is the district's rough radius in degrees.
"""
from __future__ import annotations

# district -> (lat, lon, spread, streets)
DISTRICTS: dict[str, tuple[float, float, float, list[str]]] = {
    "福田区": (22.541, 114.055, 0.020, [
        "园岭", "南园", "福田", "沙头", "香蜜湖", "梅林", "莲花", "华富", "福保", "华强北"]),
    "罗湖区": (22.556, 114.131, 0.020, [
        "桂园", "黄贝", "东门", "翠竹", "东晓", "南湖", "笋岗", "东湖", "莲塘", "清水河"]),
    "南山区": (22.533, 113.930, 0.030, ["南头", "南山", "沙河", "蛇口", "招商", "粤海", "桃源", "西丽"]),
    "盐田区": (22.580, 114.236, 0.020, ["梅沙", "盐田", "沙头角", "海山"]),
    "宝安区": (22.650, 113.850, 0.050, [
        "新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩"]),
    "龙岗区": (22.690, 114.220, 0.050, [
        "平湖", "布吉", "吉华", "坂田", "南湾", "横岗", "园山", "龙城", "龙岗", "宝龙", "坪地"]),
    "龙华区": (22.680, 114.040, 0.030, ["观湖", "民治", "龙华", "大浪", "福城", "观澜"]),
    "坪山区": (22.700, 114.350, 0.030, ["坪山", "马峦", "碧岭", "石井", "坑梓", "龙田"]),
    "光明区": (22.760, 113.920, 0.030, ["光明", "公明", "新湖", "凤凰", "玉塘", "马田"]),
    "大鹏新区": (22.590, 114.470, 0.040, ["大鹏", "南澳", "葵涌"]),
    "深汕特别合作区": (22.830, 115.050, 0.040, ["鹅埠", "小漠", "鲘门", "赤石"]),
}

# Order in which districts join as the scenario grows (central first).
DISTRICT_ORDER = ["福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "龙华区", "盐田区", "坪山区", "光明区",
                  "大鹏新区", "深汕特别合作区"]

BUS_OPERATOR = {
    "福田区": "巴士集团", "罗湖区": "巴士集团", "南山区": "巴士集团", "龙华区": "巴士集团",
    "宝安区": "西部公交", "光明区": "西部公交",
    "龙岗区": "东部公交", "坪山区": "东部公交", "盐田区": "东部公交", "大鹏新区": "东部公交",
    "深汕特别合作区": "东部公交",
}

HOTEL_OPERATORS = ["国资委", "投控公司", "酒店业商会"]

# Landmark isolation sites named in the notice: (id, name, district, lat, lon)
LANDMARK_HOTELS = [
    ("H-HZB", "会展北 集中隔离点", "宝安区", 22.7021, 113.7795),
    ("H-BG", "坝光国际酒店", "大鹏新区", 22.6468, 114.5102),
]

# SKU id -> (name, typical asked quantity per line)
SKUS: dict[str, tuple[str, int]] = {
    "rice-5kg": ("大米", 60), "flour-5kg": ("面粉", 30), "oil-5l": ("食用油", 20), "pork-kg": ("猪肉", 80),
    "eggs-box": ("鸡蛋", 40), "milk-1l": ("牛奶", 120), "vegetables-kg": ("蔬菜", 150), "noodles-box": ("方便面", 30),
}

RISKS = [("close_contact", 0.5), ("secondary_contact", 0.35), ("inbound", 0.15)]
ZONES = [("sealed", 0.15), ("controlled", 0.25), ("precaution", 0.60)]

# size -> communities, hotels, buses, warehouses, needs
SIZES: dict[str, tuple[int, int, int, int, int]] = {
    "tiny": (6, 3, 4, 2, 8),
    "small": (40, 10, 30, 5, 60),
    "medium": (150, 40, 150, 12, 400),
    "large": (400, 120, 700, 30, 1500),
    "city": (670, 300, 2000, 50, 5000),
}
FAMILIES = ("mixed", "rooms_scarce", "stock_scarce", "buses_tight", "buses_saturated", "rooms_small_hotels",
            "city_rooms_short", "buses_ample_rooms_scarce", "stream_one_site", "night_wave")
# transfers per bus in the bus families: `buses_tight` is a fleet a one-need-per-trip dispatcher
# runs out of but a consolidating router can serve; `buses_saturated` is one no router can serve
# in full (every bus busy its whole shift), kept to show how the matcher rations.
TRANSFERS_PER_BUS = {"buses_tight": 10, "buses_saturated": 14}

# `rooms_small_hotels`: rooms scarce in many small hotels (10–60 rooms each, mixed room types, most
# taking only some risk categories), about one bus per transfer need. At size medium: about 300
# transfer needs, 20 hotels, 300 buses.
SMALL_HOTELS_TRANSFER_SHARE = 0.75   # share of needs that are transfers (0.6 in the other families)
SMALL_HOTELS_NEEDS_PER_HOTEL = 15    # hotels = transfer needs / this
SMALL_HOTEL_ROOMS = (10, 60)         # rooms per hotel, drawn uniformly
# room-type profiles of a small hotel: (weight, share family, share accessible)
SMALL_HOTEL_PROFILES = [(0.30, 0.0, 0.0), (0.45, 0.3, 0.0), (0.15, 0.2, 0.06), (0.10, 0.5, 0.1)]
SMALL_HOTEL_ACCEPTS = [(["close_contact"], 0.35), (["secondary_contact"], 0.15), (["inbound"], 0.10),
                       (["secondary_contact", "inbound"], 0.20),
                       (["close_contact", "secondary_contact", "inbound"], 0.20)]
# `city_rooms_short`: the city as in `mixed` (at size city: 3,000 transfer and 2,000 supply needs, 300
# hotels, 2,000 buses, 50 warehouses) with rooms of each type for about nine in ten of those asked.
CITY_ROOMS_SHORT_SHARE = 0.9
# `buses_ample_rooms_scarce` (issue 17): transfer needs only (300 at size medium), a bus for each, and
# rooms of each type for about two in three of those asked: waiting comes from the matcher, not the fleet.
AMPLE_TRANSFER_SHARE = 0.75          # transfers = this × the size's needs (medium: 300)
AMPLE_ROOMS_SHARE = 2 / 3
# rooms per hotel (about 30 hotels at size medium): with a few large ones far apart, distance alone
# decides the wait (greedy within 1.1x the bound); with these, where the rooms go matters (greedy ~1.55x)
AMPLE_ROOMS_PER_HOTEL = 20
# `stream_one_site` (issue 17): needs raised one after another at one community (the bench solves them
# one at a time, as the streaming matcher does), hotels and buses as in `mixed` (buses capped).
STREAM_NEEDS = {"tiny": 3, "small": 6, "medium": 12, "large": 20, "city": 30}
STREAM_GAP_MIN = (1, 6)              # minutes between two needs raised
STREAM_MAX_BUSES = 30
# `night_wave` (issue 17): a bad night on the demo city (`baolei_common/demo_city.py`): this many needs ready within
# `NIGHT_WAVE_READY_MIN` minutes of 21:00, due four hours after they are ready.
NIGHT_WAVE_NEEDS = {"tiny": 20, "small": 100}  # any other size: 500
NIGHT_WAVE_READY_MIN = 10
