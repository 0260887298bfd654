"""What the services' typed configs share: who a bearer token stands for, the `tokens` field checked
by the one policy (`baolei_common.policy.check_tokens`), admission's queue and wait, and Kafka. Each
service's config subclasses `ServiceConfig`, sets its env prefix and adds its own fields."""
from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings

from baolei_common.auth import DEFAULT_TOKENS as COMMON_TOKENS
from baolei_common.config import KafkaSettings
from baolei_common.policy import check_tokens


class TokenUser(BaseModel):
    """Who a bearer token stands for. A volunteer's `user` is their volunteer id and their
    `organisation` their community."""

    user: str
    role: str
    organisation: str = ""
    kind: str = Field("", description="a dispatcher's kind of organisation: bus, hotel or supply")


def token_users(raw: Mapping[str, Mapping[str, str]]) -> dict[str, TokenUser]:
    return {k: TokenUser(**v) for k, v in raw.items()}


class ServiceConfig(BaseSettings):
    max_queued: int = Field(64, ge=0, description="API requests that may wait for a slot; beyond this, 503 at once")
    admission_wait_s: float = Field(1.0, gt=0, le=10, description="longest wait for a slot before 503 with Retry-After")
    tokens: dict[str, TokenUser] = Field(
        default_factory=lambda: token_users(COMMON_TOKENS),
        description='bearer token → {"user","role","organisation","kind"} (JSON); demo tokens by default')
    kafka: KafkaSettings = Field(default_factory=KafkaSettings, description="shared Kafka settings")

    @field_validator("tokens", mode="before")
    @classmethod
    def _tokens(cls, v: object) -> object:
        v = json.loads(v) if isinstance(v, str) else v
        if isinstance(v, dict):  # roles and kinds checked by the one policy (baolei_common.policy)
            check_tokens({k: dict(e) if isinstance(e, dict) else e.model_dump() for k, e in v.items()})
        return v
