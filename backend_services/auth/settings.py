from pydantic import Field

from backend_services.common.settings import ServiceSettings

WINDOW_15_MINUTES = 15 * 60


class AuthSettings(ServiceSettings):
    service_name: str = "auth"
    database_url: str = "sqlite:///var/data/auth.db"
    # Limits of CONTRACT §8; a test stack may raise them.
    signin_failures_per_email: int = Field(default=5, gt=0)
    signin_failures_per_address: int = Field(default=50, gt=0)
    signin_window_seconds: int = Field(default=WINDOW_15_MINUTES, gt=0)
    signups_per_address: int = Field(default=20, gt=0)
    signup_window_seconds: int = Field(default=3600, gt=0)
    # Memory argon2 may use at once (19 MiB per hash): with the k8s limit of 384 Mi
    # and ~150 MiB for the process itself, 96 MiB lets 5 hashes run together.
    password_hash_memory_mib: int = Field(default=96, ge=19)
