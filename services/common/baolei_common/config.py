"""Settings shared by every service: where Kafka is and how topics are named.

Each service has one typed config object (pydantic-settings) read from environment variables with a
documented default per field; it embeds these shared settings.
"""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """Kafka connection shared by all services. Env prefix `BAOLEI_KAFKA_`."""

    model_config = SettingsConfigDict(env_prefix="BAOLEI_KAFKA_", extra="ignore")

    bootstrap_servers: str = Field("127.0.0.1:19092", description="Kafka bootstrap servers")
    topic_prefix: str = Field("", description="Prefix for every topic name (isolates test runs)")
    client_id: str = Field("baolei", description="Kafka client id prefix")

    def topic(self, name: str) -> str:
        """Full topic name for one of the logical names in `baolei_common.topics`."""
        return f"{self.topic_prefix}{name}"
