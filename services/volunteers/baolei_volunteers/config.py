"""The volunteers service's one typed config, read from `BAOLEI_VOLUNTEERS_*` environment variables.

Every field has a documented default so `create_app(VolunteersConfig())` runs on a laptop: SQLite in
var/, Kafka on 127.0.0.1:19092 (`BAOLEI_KAFKA_*`, see baolei_common.config), demo tokens (the other
services' plus a community worker and a few volunteers of the demo city).
"""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from baolei_common.auth import DEFAULT_TOKENS as COMMON_TOKENS
from baolei_common.service_config import ServiceConfig, TokenUser, token_users

VOLUNTEER_TOKENS: dict[str, dict[str, str]] = {
    "demo-community": {"user": "莲花北社区工作人员", "role": "site", "organisation": "莲花北社区"},
    "demo-community-2": {"user": "景田社区工作人员", "role": "site", "organisation": "景田社区"},
    "demo-vol-inside": {"user": "V-LH-01", "role": "volunteer", "organisation": "莲花北社区"},
    "demo-vol-outside": {"user": "V-LH-02", "role": "volunteer", "organisation": "莲花北社区"},
    "demo-vol-sealed": {"user": "V-LH-03", "role": "volunteer", "organisation": "莲花北社区"},
    "demo-vol-jingtian": {"user": "V-JT-01", "role": "volunteer", "organisation": "景田社区"},
}
DEFAULT_TOKENS: dict[str, TokenUser] = token_users({**COMMON_TOKENS, **VOLUNTEER_TOKENS})


class VolunteersConfig(ServiceConfig):
    """Settings of the volunteers service. Env prefix `BAOLEI_VOLUNTEERS_`."""

    model_config = SettingsConfigDict(env_prefix="BAOLEI_VOLUNTEERS_", extra="ignore")

    database_url: str = Field("sqlite:///var/volunteers.db", description="SQLAlchemy URL (PostgreSQL in production)")
    db_pool_size: int = Field(8, ge=1, le=200, description="API requests served at once, and the API's connections")
    background_pool_size: int = Field(4, ge=2, description="connections of the relay, consumer and hold expiry")
    http_host: str = Field("127.0.0.1", description="bind address of the HTTP API and pages")
    http_port: int = Field(8004, description="port of the HTTP API and pages")
    consumer_group: str = Field("volunteers", description="Kafka consumer group for baolei.doorstep-requests.v1")
    start_consumer: bool = Field(True, description="consume tasks raised by other systems (the hotline)")
    live_feed: bool = Field(True, description="follow task changes on Kafka for the pages' live feed (/api/live)")
    hold_ttl_s: float = Field(1800.0, gt=0, description="how long a proposal waits for the volunteer's answer")
    expiry_interval_s: float = Field(15.0, gt=0, description="how often expired holds are released")
    solve_time_limit_s: float = Field(5.0, gt=0, le=300, description="time limit of one matching round's solve")
    match_debounce_s: float = Field(1.0, gt=0, le=30, description="the matching loop's batch window: writes "
                                    "within it are planned together (a task waits at most this plus one round)")
    match_process: bool = Field(True, description="run the matching loop in its own process (PostgreSQL; "
                                "on SQLite it stays in the service's process)")
    match_batch_areas: int = Field(64, ge=1, description="dirty areas (compound, district, community) a round takes")
    match_batch_tasks: int = Field(6000, ge=100, description="open tasks one round plans; the newest beyond wait")
    max_pending_tasks: int = Field(50_000, ge=1, description="tasks waiting for matching (匹配中) at once; beyond, "
                                   "a raise is refused with 503 until the loop catches up")
    visit_gap_days: int = Field(3, ge=1, description="coverage: a vulnerable household without a visit this long")
    upload_max_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="largest task sheet (CSV/XLSX)")
    upload_max_rows: int = Field(5_000, ge=1, description="most data rows of one task sheet")
    upload_max_errors: int = Field(50, ge=1, le=10_000, description="row errors listed in a sheet's 422")
    tokens: dict[str, TokenUser] = Field(
        default_factory=lambda: dict(DEFAULT_TOKENS),
        description='bearer token → {"user","role","organisation","kind"} (JSON); demo tokens by default')
