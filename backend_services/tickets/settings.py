from pydantic import Field

from backend_services.common.settings import ServiceSettings
from contracts.rules import DEFAULT_BUYER_FEE_BPS, DEFAULT_BUYER_FEE_FIXED

from .domain import Fees


class TicketsSettings(ServiceSettings):
    service_name: str = "tickets"
    database_url: str = "sqlite:///var/data/tickets.db"
    # The buyer fee (orders reads the same names): all-in = price + fee.
    buyer_fee_bps: int = Field(default=DEFAULT_BUYER_FEE_BPS, ge=0, le=10_000)
    buyer_fee_fixed: int = Field(default=DEFAULT_BUYER_FEE_FIXED, ge=0)
    # Unset: no cap. Else a listing's price may be at most this share of its face value.
    resale_cap_percent: int | None = Field(default=None, ge=1)

    @property
    def fees(self) -> Fees:
        return Fees(self.buyer_fee_bps, self.buyer_fee_fixed)
