"""The matcher's one typed config, read from `BAOLEI_MATCHER_*` environment variables.

Names follow the scheme shared by the three services (`http_host`, `http_port`). The matcher has no
consumer group of its own to name: its feed reads every partition by hand, and its leader group is
`<app_id>-leader`.
"""
from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from baolei_common.config import KafkaSettings


class MatcherConfig(BaseSettings):
    """Matcher settings. Env prefix `BAOLEI_MATCHER_`."""

    model_config = SettingsConfigDict(env_prefix="BAOLEI_MATCHER_", extra="ignore")

    app_id: str = Field("baolei-matcher", description="Matcher app id: leader group <app_id>-leader, snapshot key")
    http_host: str = Field("127.0.0.1", description="Bind address of /healthz, /readyz and /state/*")
    http_port: int = Field(8002, description="Port of /healthz, /readyz and /state/*")
    batch_window_s: float = Field(
        0.5, gt=0, le=1.0, description="Micro-batch window: changes within it are matched together (at most 1 s)")
    solve_time_limit_s: float = Field(
        2.0, gt=0, description="Time limit of one re-match (the bus stage polishes for a share of it)")
    max_solve_needs: int = Field(
        250, ge=10,
        description="Most needs one solve takes: a burst is matched in solves of at most this many, first answers "
                    "and oldest first (also capped so the solve's budget stays within the time limit)")
    hold_ttl_s: int = Field(
        900, gt=0,
        description="The one hold deadline of the system: seconds a proposal holds its resources before it expires "
                    "(written into each proposal as hold_expires_at; the requests service and the inventory read it "
                    "from the event, they keep no TTL of their own)")
    leader_session_timeout_ms: int = Field(
        6000, ge=1000,
        description="Session timeout of the leader group: a dead active one is replaced after this (the broker's "
                    "minimum is 6000 by default)")
    leader_heartbeat_ms: int = Field(1000, ge=100, description="Heartbeat interval in the leader group")
    publish_timeout_ms: int = Field(
        3000, ge=500,
        description="A proposal not acknowledged by the broker within this is given up (keep it below the session "
                    "timeout)")
    kafka_retry_max_s: float = Field(5.0, gt=0, description="Longest wait between two tries to reach Kafka")
    snapshot_load: bool = Field(
        True, description="Start from the latest snapshot (false: replay the logs from the beginning)")
    snapshot_write: bool = Field(True, description="The active matcher writes snapshots of its state")
    snapshot_interval_s: float = Field(
        30.0, gt=0, description="Write a snapshot at least this often while events arrive")
    snapshot_every_events: int = Field(
        50000, gt=0, description="... and after this many events, whichever comes first")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)

    @model_validator(mode="after")
    def _publish_within_the_lease(self) -> MatcherConfig:
        """A proposal still in flight when a successor takes over could be published twice."""
        if self.publish_timeout_ms >= self.leader_session_timeout_ms:
            raise ValueError("publish_timeout_ms must be below leader_session_timeout_ms")
        return self
