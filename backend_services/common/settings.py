"""Settings read from the environment (and an optional `.env`), one class per service.

Secrets (`JWT_KEY`, `NATS_PASSWORD`, `REDIS_PASSWORD`, `STRIPE_SECRET_KEY`, ...) are
read from files when `SECRETS_DIR` names a directory: one file per setting, named
after it in lower case (`<dir>/nats_password`). That is how `make run` and the
Kubernetes Secret volumes hand them over, so no secret is ever on a command line
or in a Procfile. An environment variable of the same name still wins.
"""

from __future__ import annotations

import os
import secrets
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from contracts.rules import DEFAULT_BUYER_FEE_BPS, DEFAULT_BUYER_FEE_FIXED, Fees
from contracts.topology import bus_inbox_prefix

from .client_address import parse_networks

# Only ever accepted when ENVIRONMENT=local: a per-process random key, so a
# forgotten JWT_KEY can never be a guessable constant in production.
_LOCAL_FALLBACK_KEY = secrets.token_urlsafe(48)
MIN_JWT_KEY_BYTES = 32
SECRETS_DIR_ENV = "SECRETS_DIR"


class CommonSettings(BaseSettings):
    """Settings of every process (APIs and workers); secrets also from `SECRETS_DIR`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    service_name: str = "service"
    database_url: str = "sqlite:///var/data/service.db"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream: str = "EVENTS"
    # Session deny-list (every API service), sign-in limits (auth), timers (expiration).
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", repr=False)
    # JetStream copies of each stream (the prod overlay's three-node cluster: 3),
    # and the streams' size bounds: the oldest events go first, never the store.
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    nats_stream_max_bytes: int = Field(default=1024**3, gt=0)
    nats_deadletter_max_bytes: int = Field(default=256 * 1024**2, gt=0)
    # The bus identity: the NATS user is the service's name unless set.
    nats_user: str = ""
    nats_password: str = Field(default="", repr=False)
    # Redis ACL user (the service's name unless set) and its password; no password
    # means an unauthenticated connection (refused by every stack we start).
    redis_user: str = ""
    redis_password: str = Field(default="", repr=False)
    log_level: str = "INFO"
    log_json: bool = False
    # OTLP/HTTP base URL of a collector (http://otel-collector:4318): traces on; empty: off.
    otel_exporter_otlp_endpoint: str = ""
    # How long a relay sleeps when it was not woken by a commit.
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # Inbox ids are kept longer than the stream keeps messages (7 days), so no
    # delivery can ever find its id forgotten; pruned every hour.
    inbox_retention_seconds: float = Field(default=8 * 24 * 3600, gt=0)
    inbox_prune_interval_seconds: float = Field(default=3600, gt=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secrets_dir = os.environ.get(SECRETS_DIR_ENV) or None
        files = SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir)
        return init_settings, env_settings, dotenv_settings, files

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, value: str) -> str:
        # Platforms hand out postgres:// URLs; SQLAlchemy needs an explicit driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def nats_credentials(self) -> dict[str, str]:
        """`nats.connect` keywords: the service's bus identity (user, password, and the
        inbox its permissions allow), or nothing (credentials in the URL, as in tests)."""
        if not self.nats_password:
            return {}
        user = self.nats_user or self.service_name
        return {
            "user": user,
            "password": self.nats_password,
            "inbox_prefix": bus_inbox_prefix(user),
        }

    def redis_credentials(self) -> dict[str, Any]:
        """`Redis.from_url` keywords: ACL user and password, or nothing."""
        if not self.redis_password:
            return {}
        return {"username": self.redis_user or self.service_name, "password": self.redis_password}


class ServiceSettings(CommonSettings):
    """Settings of the HTTP APIs: they verify (auth also issues) session tokens."""

    jwt_key: str = Field(default="", repr=False)
    jwt_issuer: str = "ticketing-auth"
    jwt_audience: str = "ticketing"
    session_ttl_seconds: int = Field(default=86400, gt=0)
    cookie_secure: bool = False
    # Proxies whose X-Forwarded-For we believe (CIDRs, comma-separated): the local
    # nginx by default; in Kubernetes, the ingress controller's pod network.
    trusted_proxies: str = "127.0.0.1/32,::1/128"
    # How long a service trusts its last answer about a token's revocation.
    session_revocation_cache_seconds: float = Field(default=2.0, ge=0, le=60)

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        parse_networks(value)  # a typo fails at start-up, not on the first sign-in
        return value

    @model_validator(mode="after")
    def _check_jwt_key(self) -> ServiceSettings:
        if not self.jwt_key and self.environment == "local":
            self.jwt_key = _LOCAL_FALLBACK_KEY
        if len(self.jwt_key.encode()) < MIN_JWT_KEY_BYTES:
            raise ValueError(
                f"JWT_KEY must be at least {MIN_JWT_KEY_BYTES} bytes outside local development "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self


class BuyerFeeSettings(ServiceSettings):
    """The buyer fee (CONTRACT §7), read under the same names by tickets and orders."""

    buyer_fee_bps: int = Field(default=DEFAULT_BUYER_FEE_BPS, ge=0, le=10_000)
    buyer_fee_fixed: int = Field(default=DEFAULT_BUYER_FEE_FIXED, ge=0)

    @property
    def fees(self) -> Fees:
        return Fees(self.buyer_fee_bps, self.buyer_fee_fixed)
