from pydantic import Field

from backend_services.common.settings import BuyerFeeSettings


class TicketsSettings(BuyerFeeSettings):
    service_name: str = "tickets"
    database_url: str = "sqlite:///var/data/tickets.db"
    # Unset: no cap. Else a listing's price may be at most this share of its face value.
    resale_cap_percent: int | None = Field(default=None, ge=1)
