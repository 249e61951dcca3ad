"""UI settings, read from the environment (and an optional `.env`).

Secrets (`NATS_PASSWORD`, `REDIS_PASSWORD`) are read from files in `SECRETS_DIR`
when it is set, one file per setting, as the services do
(backend_services/common/settings.py): never from a command line.
"""

from __future__ import annotations

import os
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from contracts.rules import DEFAULT_BUYER_FEE_BPS, DEFAULT_BUYER_FEE_FIXED
from contracts.topology import UI_NAME, bus_inbox_prefix


class UiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Where the Reflex backend reaches the services: the ingress. Locally nginx on
    # :8080; on Kubernetes the ingress controller's in-cluster Service address.
    ui_api_base_url: str = "http://127.0.0.1:8080"
    # Host header to send with those calls (on Kubernetes the site host,
    # `ticketing.dev`, so the ingress rules match). Empty: httpx's default.
    ui_api_host_header: str = ""
    ui_api_connect_timeout: float = Field(default=2.0, gt=0)
    ui_api_timeout: float = Field(default=5.0, gt=0)

    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream: str = "EVENTS"
    # The UI's bus identity: it may only subscribe (infra/access.py).
    nats_user: str = UI_NAME
    nats_password: str = Field(default="", repr=False)
    # Reflex's shared state (several UI workers): URL without credentials, the
    # password of the `ui` Redis user from SECRETS_DIR (see `reflex_redis_url`).
    ui_redis_url: str = ""
    redis_user: str = UI_NAME
    redis_password: str = Field(default="", repr=False)
    # Set to false to run the UI without live updates (no NATS).
    ui_live_updates: bool = True
    # How long the live-update pump waits to coalesce a burst of events.
    ui_live_coalesce_seconds: float = Field(default=0.02, ge=0)

    # Stripe.js card entry when set; the offline test-mode form otherwise.
    stripe_publishable_key: str = ""

    # Page size of the ticket list on `/`.
    ui_page_size: int = Field(default=12, ge=1, le=100)
    # Upcoming events leading the home page.
    ui_home_events: int = Field(default=4, ge=0, le=24)
    # The catalog counts availability from ticket events within a second (CONTRACT §7):
    # pages listing events look again after this long.
    ui_catalog_lag_seconds: float = Field(default=1.0, ge=0)

    # The buyer fee, as the tickets service charges it: the sell page's preview.
    buyer_fee_bps: int = Field(default=DEFAULT_BUYER_FEE_BPS, ge=0, le=10_000)
    buyer_fee_fixed: int = Field(default=DEFAULT_BUYER_FEE_FIXED, ge=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = SecretsSettingsSource(settings_cls, secrets_dir=os.environ.get("SECRETS_DIR"))
        return init_settings, env_settings, dotenv_settings, files

    def nats_credentials(self) -> dict[str, str]:
        if not self.nats_password:
            return {}
        return {
            "user": self.nats_user,
            "password": self.nats_password,
            "inbox_prefix": bus_inbox_prefix(self.nats_user),
        }

    def reflex_redis_url(self) -> str | None:
        """`ui_redis_url` with the UI's Redis user and password in it (for Reflex)."""
        if not self.ui_redis_url:
            return None
        parts = urlsplit(self.ui_redis_url)
        if not self.redis_password or parts.password:
            return self.ui_redis_url
        netloc = f"{self.redis_user}:{self.redis_password}@{parts.hostname}:{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc))


@lru_cache
def get_settings() -> UiSettings:
    return UiSettings()
