"""Migration 0004 on existing data (SQLite and PostgreSQL): each one-ticket order becomes
a one-item order at the price it was placed for, holding exactly as before, fee 0."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from backend_services.common.db import make_engine
from backend_services.common.migrations import alembic_config, upgrade_to_head
from backend_services.orders import models

MIGRATIONS = Path(models.__file__).parent / "migrations"
LEGACY = [
    ("o-paid", "t-1", "Gig", 2000, "complete"),
    ("o-open", "t-2", "Ballet", 4500, "created"),
    ("o-gone", "t-2", "Ballet", 4000, "cancelled"),
]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def upgrade_to(engine: Engine, revision: str) -> None:
    cfg = alembic_config(MIGRATIONS, engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def test_one_ticket_orders_become_one_item_orders(engine: Engine) -> None:
    upgrade_to(engine, "0003")  # the last one-ticket shape
    expires = datetime.now(UTC) + timedelta(minutes=15)
    with engine.begin() as conn:
        for order_id, ticket_id, title, price, status in LEGACY:
            conn.execute(
                sa.text(
                    "INSERT INTO orders (id, user_id, ticket_id, ticket_title, ticket_price,"
                    " status, expires_at, version, created_at) VALUES (:id, 'buyer', :t,"
                    " :title, :price, :status, :exp, 0, :exp)"
                ),
                {"id": order_id, "t": ticket_id, "title": title, "price": price, "status": status}
                | {"exp": expires},
            )
    upgrade_to_head(engine, MIGRATIONS)
    with engine.connect() as conn:
        items = conn.execute(
            sa.text(
                "SELECT order_id, ticket_id, position, title, price, holding"
                " FROM order_items ORDER BY order_id"
            )
        ).all()
        fees: dict[str, int] = dict(conn.execute(sa.text("SELECT id, fee FROM orders")).all())
    assert [tuple(i) for i in items] == [
        ("o-gone", "t-2", 0, "Ballet", 4000, False),
        ("o-open", "t-2", 0, "Ballet", 4500, True),
        ("o-paid", "t-1", 0, "Gig", 2000, True),
    ]
    assert fees == {"o-paid": 0, "o-open": 0, "o-gone": 0}
    # The held ticket stays held: the database refuses a second holding item for it.
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO order_items (order_id, ticket_id, position, title, price, holding)"
                " VALUES ('o-gone', 't-1', 1, 'Gig', 2000, TRUE)"
            )
        )
