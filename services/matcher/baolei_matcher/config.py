"""The matcher's one typed config, read from `BAOLEI_MATCHER_*` environment variables."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from baolei_common.config import KafkaSettings


class MatcherConfig(BaseSettings):
    """Matcher settings. Env prefix `BAOLEI_MATCHER_`."""

    model_config = SettingsConfigDict(env_prefix="BAOLEI_MATCHER_", extra="ignore")

    app_id: str = Field("baolei-matcher", description="Faust app id; each run consumes as group <app_id>-<run id>")
    web_host: str = Field("127.0.0.1", description="Bind address of /healthz and /readyz")
    web_port: int = Field(8002, description="Port of /healthz and /readyz")
    batch_window_s: float = Field(0.5, gt=0, le=1.0, description="Micro-batch window: changes within it are matched together (at most 1 s)")
    solve_time_limit_s: float = Field(2.0, gt=0, description="Time limit of one re-match (the bus stage polishes for a share of it)")
    hold_ttl_s: int = Field(900, description="Seconds a proposal holds its resources before it expires")
    planning_tz: str = Field("Asia/Shanghai", description="Time zone of plans shown to people")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
