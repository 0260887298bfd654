"""May this volunteer take this task? The static hard rules in one place (zone, reach, skill, decline).

Time (hours, windows, deadlines) depends on the volunteer's whole day and lives in the solver's
itinerary; everything here depends only on the pair, so the service can use it for the claim board.
"""

from __future__ import annotations

from baolei_volunteers.domain.skills import Credentials, skill_refusal
from baolei_volunteers.domain.tasks import TaskKind
from baolei_volunteers.domain.zones import Place, zone_refusal

REFUSAL_TEXT: dict[str, tuple[str, str]] = {
    "home_sealed": ("志愿者居住在封控区，只能承接远程任务",
                    "the volunteer lives in a sealed zone: remote tasks only"),
    "target_sealed": ("住户在封控区，志愿者不得上门",
                      "the household is in a sealed zone: no volunteer may go to the door"),
    "outside_own_compound": (
        "志愿者居住在管控区，只能在本小区内服务", "the volunteer lives in a controlled zone: own compound only",
    ),
    "target_controlled": (
        "住户在管控区，只有住在该小区的志愿者可以上门",
        "the household is in a controlled zone: only its own residents may go",
    ),
    "outside_precaution": ("防范区志愿者只能在防范区内服务",
                           "a precaution-zone volunteer stays within the precaution zone"),
    "other_district": ("防范区志愿者不跨区服务", "a precaution-zone volunteer stays within their district"),
    "out_of_reach": ("超出志愿者的服务距离", "beyond the volunteer's reach from home"),
    "no_skill": ("志愿者未报名此类服务", "the volunteer does not offer this kind of help"),
    "no_certificate": ("志愿者缺少所需的健康监测、培训或证书",
                       "the volunteer lacks the health check, training or certificate"),
    "excluded": ("志愿者已婉拒此任务", "the volunteer declined this task"),
}


def refusal(
    *,
    home: Place,
    target: Place,
    remote: bool,
    distance_km: float,
    reach_km: float,
    kind: TaskKind,
    credentials: Credentials,
    excluded: bool,
) -> str | None:
    """The first static rule the pair breaks (a key of REFUSAL_TEXT), or None when the volunteer may take it."""
    why = zone_refusal(home, target, remote=remote)
    if why is not None:
        return why
    if not remote and distance_km > reach_km:
        return "out_of_reach"
    why = skill_refusal(kind, credentials)
    if why is not None:
        return why
    return "excluded" if excluded else None
