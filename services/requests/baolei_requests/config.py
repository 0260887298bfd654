"""The requests service's one typed config, read from `BAOLEI_REQUESTS_*` environment variables."""
from __future__ import annotations

import json

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from baolei_common.auth import DEFAULT_TOKENS
from baolei_common.config import KafkaSettings
from baolei_common.policy import check_tokens
from baolei_requests.domain.stays import DEFAULT_CLEANING_HOURS, DEFAULT_STAY_DAYS, StayRules


class RequestsConfig(BaseSettings):
    """Requests service settings. Env prefix `BAOLEI_REQUESTS_`."""

    model_config = SettingsConfigDict(env_prefix="BAOLEI_REQUESTS_", extra="ignore")

    database_url: str = Field("sqlite:///var/requests.db", description="SQLAlchemy URL of the service's database")
    http_host: str = Field("127.0.0.1", description="HTTP bind address")
    http_port: int = Field(8001, description="HTTP port")
    consumer_group: str = Field("baolei-requests", description="Kafka consumer group of the assignments topic")
    tokens: dict[str, dict[str, str]] = Field(
        default_factory=lambda: dict(DEFAULT_TOKENS),
        description="JSON map of bearer token -> {user, role, organisation, kind}; roles operator, dispatcher, "
                    "site, viewer; a dispatcher's kind is bus, hotel or supply (see baolei_common.policy)",
    )
    inventory_url: str = Field("http://127.0.0.1:8003", description="Base URL of the inventory service's API")
    volunteers_url: str = Field("http://127.0.0.1:8004",
                                description="Base URL of the volunteers service's API (先锋行动 coverage)")
    live_feed: bool = Field(True, description="Fan Kafka events out to consoles over SSE (/api/live)")
    live_ticket_ttl_s: float = Field(
        30.0, gt=0, le=60, description="Seconds a single-use ticket for opening the live feed stays valid")
    live_ticket_secret: str = Field(
        "", description="Key signing live-feed tickets; empty: derived from the token map (the same in every worker)")
    max_inflight: int = Field(
        16, ge=1, le=200, description="API requests served at once; the request pool has this many connections")
    max_queued: int = Field(64, ge=0, description="API requests that may wait for a slot; beyond this, 503 at once")
    read_inflight: int = Field(
        8, ge=1, le=200, description="Reads (GET) served at once, through a gate of their own: a status read never "
                                     "waits behind intake; the request pool has this many more connections")
    read_queued: int = Field(256, ge=0, description="Reads that may wait for a slot; beyond this, 503 at once")
    admission_wait_s: float = Field(1.0, gt=0, le=10, description="Longest wait for a slot before 503 with Retry-After")
    intake_wait_s: float = Field(
        0.2, gt=0, le=10, description="Longest a new need (POST /api/needs, imports) waits for a slot; beyond it, "
                                      "503 at once with a Retry-After sized to the needs refused before it")
    pool_timeout_s: float = Field(5.0, gt=0, le=30, description="Longest wait for a database connection before 503")
    background_pool_size: int = Field(
        4, ge=2,
        description="Connections of the outbox relay, consumer, expiry and reconciliation (never shared with requests)")
    outbox_lease_s: float = Field(
        5.0, ge=0.5, le=300,
        description="PostgreSQL: longest time one replica may hold the outbox relay's lock while idle (e.g. frozen); "
                    "its session is then ended and another replica publishes (at-least-once)")
    reconcile_interval_s: float = Field(
        60.0, gt=0, description="How often the assignments log is checked against the database")
    intake_pause_s: float = Field(
        10.0, gt=0, le=300,
        description="New needs get 503 while the oldest need accepted in the last 2 min has waited this long for "
                    "an outcome (matching is behind); intake opens again at half of it")
    intake_clock_skew_s: float = Field(
        600.0, ge=0, le=86400, description="A need's due_at may lie at most this far in the past (clock skew)")
    intake_max_ahead_days: float = Field(
        30.0, gt=0, le=3650, description="A need's due_at may lie at most this many days ahead")
    import_max_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="Largest spreadsheet accepted by the import")
    import_max_rows: int = Field(20_000, ge=1, description="Most data rows of one spreadsheet import")
    import_max_errors: int = Field(
        50, ge=1, le=10_000, description="Row errors listed in an import's 422 (plus a count)")
    import_chunk_rows: int = Field(
        500, ge=1, le=20_000, description="Needs of an import written per transaction (others write in between)")
    stay_days: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_STAY_DAYS),
        description="JSON map of risk category -> days of isolation at the hotel after arrival (expected end of a "
                    "stay; the hotel records who actually left), e.g. {\"close_contact\": 7}")
    cleaning_hours: float = Field(
        DEFAULT_CLEANING_HOURS, ge=0, le=72,
        description="Hours a room given back is cleaned (终末消毒) before it is free again")
    workers: int = Field(1, ge=1, le=16, description="Processes serving the port, each a replica (PostgreSQL only)")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)

    @model_validator(mode="after")
    def _replicas_need_postgres(self) -> RequestsConfig:
        if self.workers > 1 and self.database_url.startswith("sqlite"):
            raise ValueError("workers > 1 needs PostgreSQL: SQLite has one writer and no advisory lock for the relay")
        return self

    @field_validator("tokens", mode="before")
    @classmethod
    def _parse_tokens(cls, value):
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("stay_days", mode="before")
    @classmethod
    def _parse_days(cls, value):
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("stay_days")
    @classmethod
    def _known_risks(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(DEFAULT_STAY_DAYS))
        if unknown:
            raise ValueError(f"stay_days: unknown risk categories {unknown}; known: {sorted(DEFAULT_STAY_DAYS)}")
        if any(not 0 < d <= 60 for d in value.values()):
            raise ValueError("stay_days: each must be more than 0 and at most 60 days")
        return {**DEFAULT_STAY_DAYS, **value}

    def stay_rules(self) -> StayRules:
        return StayRules(self.stay_days, self.cleaning_hours)

    @field_validator("tokens")
    @classmethod
    def _known_roles(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        check_tokens(value)
        return value
