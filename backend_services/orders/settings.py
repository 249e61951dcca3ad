from pydantic import Field

from backend_services.common.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    service_name: str = "orders"
    database_url: str = "sqlite:///var/data/orders.db"
    # How long an order holds its ticket awaiting payment.
    expiration_window_seconds: int = Field(default=900, gt=0)
    # Fallback for a lost expiration timer: cancel holds this long past expiresAt.
    sweep_interval_seconds: float = Field(default=5.0, gt=0)
    sweep_grace_seconds: float = Field(default=10.0, ge=0)
