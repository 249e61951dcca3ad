from pydantic import Field

from backend_services.common.settings import BuyerFeeSettings


class OrdersSettings(BuyerFeeSettings):
    service_name: str = "orders"
    database_url: str = "sqlite:///var/data/orders.db"
    # How long an order holds its tickets awaiting payment.
    expiration_window_seconds: int = Field(default=900, gt=0)
    # Fallback for a lost expiration timer: cancel holds this long past expiresAt.
    sweep_interval_seconds: float = Field(default=5.0, gt=0)
    sweep_grace_seconds: float = Field(default=10.0, ge=0)
    # Fair use (CONTRACT §8): orders one buyer may have awaiting payment at once, and
    # how long a buyer waits to hold again a ticket whose hold they let run out (or gave up).
    max_active_holds: int = Field(default=4, gt=0)
    rehold_cooldown_seconds: int = Field(default=120, ge=0)
