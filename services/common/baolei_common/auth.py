"""The demo sign-in tokens every service accepts by default (replace them in any real deployment).

One map for all services, so one token works across the console, the requests and inventory APIs.
Roles: operator (指挥部, sees and acts on everything), dispatcher (one organisation's resources; `kind`
says whether it dispatches buses, hotels or supplies), site (a community: its own needs), viewer
(reads only). What each may do is in baolei_common.policy.
"""
from __future__ import annotations

from baolei_common.policy import ROLES

__all__ = ["DEFAULT_TOKENS", "ROLES"]

DEFAULT_TOKENS: dict[str, dict[str, str]] = {
    "demo-operator": {"user": "指挥部值班员", "role": "operator", "organisation": "指挥部"},
    "demo-viewer": {"user": "观察员", "role": "viewer", "organisation": "指挥部"},
    "demo-bus": {"user": "巴士集团调度", "role": "dispatcher", "organisation": "巴士集团",
                  "kind": "bus"},
    "demo-east": {"user": "东部公交调度", "role": "dispatcher", "organisation": "东部公交",
                  "kind": "bus"},
    "demo-west": {"user": "西部公交调度", "role": "dispatcher", "organisation": "西部公交",
                  "kind": "bus"},
    "demo-hotel": {"user": "投控公司调度", "role": "dispatcher", "organisation": "投控公司",
                  "kind": "hotel"},
    "demo-fmg": {"user": "食品物资集团调度", "role": "dispatcher", "organisation": "食品物资集团",
                  "kind": "supply"},
    "demo-site": {"user": "莲花街道社区", "role": "site", "organisation": "莲花街道"},
}
