"""Tables of the orders service: its orders and its replica of tickets."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from backend_services.common.clock import utcnow
from backend_services.common.db import Keyed, Replica, UTCDateTime, indexes, unique_where

from .domain import OrderStatus

# Literal, so a query with it can use the partial index below (a bound value cannot).
HOLDING_ITEM_SQL = sa.text("holding")


class OrderTicket(Replica, table=True):
    """The replica of a ticket, as of the latest `ticket.*` event applied."""

    __tablename__ = "order_tickets"

    title: str
    price: int  # US cents
    user_id: str  # the seller
    status: str = "available"
    order_id: str | None = None


class Order(Keyed, table=True):
    __tablename__ = "orders"
    __table_args__ = indexes("orders", ("user_id", "created_at"), ("status", "expires_at"))

    user_id: str
    status: str = OrderStatus.CREATED.value
    expires_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    payment_id: str | None = None  # the authorization the order was completed with
    # The buyer fee as of the order (the sum of each ticket's fee): the subtotal is the
    # items' prices, and the total, what payments charges, is the two together.
    fee: int = 0
    # Loaded with the order, in the buyer's order: the first is the order's `ticket`.
    items: list["OrderItem"] = Relationship(
        sa_relationship_kwargs={"lazy": "selectin", "order_by": "OrderItem.position"}
    )

    @property
    def subtotal(self) -> int:
        return sum(item.price for item in self.items)

    @property
    def total(self) -> int:
        return self.subtotal + self.fee

    @property
    def ticket_ids(self) -> list[str]:
        return [item.ticket_id for item in self.items]


class OrderItem(SQLModel, table=True):
    """One ticket of an order, as offered when it was placed (what payments charges)."""

    __tablename__ = "order_items"
    __table_args__ = (
        # No double-selling: one holding order per ticket, enforced by the database;
        # an order's items hold while it is `created` or `complete`.
        unique_where("ux_order_items_holding_ticket", "ticket_id", HOLDING_ITEM_SQL),
    )

    order_id: str = Field(foreign_key="orders.id", primary_key=True)
    ticket_id: str = Field(primary_key=True)
    position: int  # 0 for the first ticket the buyer asked for
    title: str
    price: int  # US cents
    # Whether the order holds this ticket (its status is `created` or `complete`):
    # on the item, so the unique index above can see it.
    holding: bool = True
