"""Stripe's webhooks (`POST /api/payments/webhooks/stripe`), verified and applied once.

An event is only a hint: it may come late, twice or out of order (and the local Stripe
server sends `payment_intent.succeeded` both on authorization and on capture), so the
PaymentIntent it names is retrieved and followed from its *current* status, exactly
as the request path does. The event id is recorded in the transaction that applies it:
a replay is a no-op, and an event whose intent could not be retrieved is not recorded
(answered 503, so Stripe delivers it again).
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend_services.common.db import transaction
from backend_services.common.errors import BadRequest, UpstreamUnavailable

from . import ledger, replica
from .domain import PaymentStatus
from .gateway import StripeGateway, StripeUnavailable
from .models import StripeEvent

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
BAD_SIGNATURE = "Invalid or missing Stripe signature"
UNAVAILABLE = "The payment provider is unavailable; deliver the event again"


def verify(payload: bytes, signature: str | None, secret: str | None) -> Any:
    if not secret or not signature:
        raise BadRequest(BAD_SIGNATURE, field="Stripe-Signature")
    try:
        return stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError):
        raise BadRequest(BAD_SIGNATURE, field="Stripe-Signature") from None


def seen(engine: Engine, event_id: str) -> bool:
    with Session(engine) as session:
        return session.get(StripeEvent, event_id) is not None


def apply(engine: Engine, gateway: StripeGateway, event: Any) -> bool:
    """Apply a verified event once; True if it changed a payment."""
    if seen(engine, event.id):
        return False
    try:
        intent_id, refunded = _intent_of(gateway, event)
        payment = ledger.by_intent(engine, intent_id) if intent_id else None
        intent = gateway.retrieve(intent_id) if payment is not None and intent_id else None
    except StripeUnavailable:
        raise UpstreamUnavailable(UNAVAILABLE) from None
    try:
        with transaction(engine) as session:
            session.add(StripeEvent(id=event.id, type=event.type))
            session.flush()  # a concurrent delivery of the same event stops here
            if payment is None or intent is None:
                return False  # not one of ours (or not about a PaymentIntent)
            replica.lock(session, payment.order_id)
            locked = ledger.lock(session, payment.id)
            assert locked is not None
            moved = ledger.follow(session, locked, intent)
            if refunded and locked.status == PaymentStatus.CAPTURED:
                ledger.mark(locked, PaymentStatus.REFUNDED)
                moved = True
            return moved
    except IntegrityError:
        return False  # applied by a concurrent delivery


def _intent_of(gateway: StripeGateway, event: Any) -> tuple[str | None, bool]:
    """The PaymentIntent an event is about, and whether its charge is refunded."""
    obj = event.data.object
    if event.type.startswith("payment_intent."):
        return str(obj.id), False
    if event.type == "charge.refunded":
        intent_id, refunded = gateway.refunded(str(obj.id))
        return intent_id, refunded
    return None, False
