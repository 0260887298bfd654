"""The demo city of `make run` as plain data: its communities, isolation hotels and bus depots.

Why here: the requests service loads this city over its HTTP API (`baolei_dev/demo_requests.py`), and
the solver's scenario generator builds issue 17's `night_wave` family on it; the solver must not
import the requests service, so the data lives in the common package both already use (moved
from `baolei_dev/demo_requests.py`, unchanged).
"""
from __future__ import annotations

# (id, name, district, street, zone, lat, lon)
COMMUNITIES = [
    ("c-lianhua-bei", "莲花北社区", "福田", "莲花街道", "sealed", 22.5585, 114.0578),
    ("c-huaqiang-nan", "华强南社区", "福田", "华强北街道", "controlled", 22.5375, 114.0870),
    ("c-dongmen", "东门社区", "罗湖", "东门街道", "controlled", 22.5470, 114.1200),
    ("c-yuehai", "粤海社区", "南山", "粤海街道", "precaution", 22.5230, 113.9440),
    ("c-xixiang", "西乡社区", "宝安", "西乡街道", "sealed", 22.5770, 113.8700),
    ("c-buji", "布吉社区", "龙岗", "布吉街道", "controlled", 22.6050, 114.1200),
    ("c-minzhi", "民治社区", "龙华", "民治街道", "precaution", 22.6190, 114.0400),
    ("c-yantian", "沙头角社区", "盐田", "沙头角街道", "sealed", 22.5530, 114.2360),
    ("c-pingshan", "坪山社区", "坪山", "坪山街道", "precaution", 22.6900, 114.3500),
    ("c-guangming", "光明社区", "光明", "光明街道", "controlled", 22.7480, 113.9350),
]
# (hotel id, site id, name, operator, district, lat, lon, accepts, rooms)
HOTELS = [
    ("H-huizhanbei", "h-huizhanbei", "会展北", "投控公司", "福田", 22.5367, 114.0545,
     ["close_contact", "secondary_contact"], {"standard": 300, "family": 40, "accessible": 10}),
    ("H-baguang", "h-baguang", "坝光国际酒店", "投控公司", "大鹏", 22.6510, 114.5420,
     ["close_contact", "inbound"], {"standard": 800, "family": 120, "accessible": 30}),
    ("H-luohu-1", "h-luohu-1", "罗湖区集中隔离点一号", "酒店业商会", "罗湖", 22.5480, 114.1310,
     ["secondary_contact"], {"standard": 120, "family": 20, "accessible": 4}),
    ("H-nanshan-1", "h-nanshan-1", "南山区集中隔离酒店", "深业集团", "南山", 22.5330, 113.9300,
     ["close_contact", "secondary_contact", "inbound"], {"standard": 200, "family": 30, "accessible": 6}),
    ("H-baoan-1", "h-baoan-1", "宝安区集中隔离酒店", "投控公司", "宝安", 22.5600, 113.8830,
     ["close_contact", "secondary_contact"], {"standard": 180, "family": 25, "accessible": 5}),
]
# (depot id, name, district, lat, lon, operator, count, plate prefix)
DEPOTS = [
    ("d-bus-futian", "巴士集团福田车场", "福田", 22.5401, 114.0300, "巴士集团", 6, "粤B·D1"),
    ("d-east-longgang", "东部公交龙岗车场", "龙岗", 22.7200, 114.2470, "东部公交", 4, "粤B·E2"),
    ("d-west-baoan", "西部公交宝安车场", "宝安", 22.5830, 113.8650, "西部公交", 4, "粤B·W3"),
]
# the demo's buses: 45 seats at half load, a 30-minute turnaround, on shift from an hour before
# the demo starts to eleven hours after
BUS_SEATS, BUS_LOAD_LIMIT, BUS_TURNAROUND_MIN, SHIFT_BEFORE_H, SHIFT_AFTER_H = 45, 0.5, 30, 1, 11
