"""The chaos run's purchase load: sellers list and re-price tickets, buyers reserve, pay,
cancel or let holds expire, through the ingress, noting every answer (with its time) so
the report can show what users saw while a process was down."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .client import Api, Result, User


@dataclass
class Event:
    at: float  # time.monotonic()
    op: str
    status: int
    detail: str = ""


@dataclass
class Load:
    api: Api
    sellers: list[User]
    buyers: list[User]
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    tickets: dict[str, User] = field(default_factory=dict)  # ticket id -> seller
    charges: dict[str, str] = field(default_factory=dict)  # PaymentIntent id -> order id
    events: list[Event] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    repriced: set[str] = field(default_factory=set)
    stopping: bool = False

    def note(self, op: str, result: Result) -> None:
        self.outcomes[f"{op} {result.status or result.error}"] += 1
        if result.status == 0 or result.status >= 500:
            self.events.append(Event(time.monotonic(), op, result.status, describe(result)))

    async def run(self, workers: int) -> None:
        await asyncio.gather(*(self.worker() for _ in range(workers)))

    async def worker(self) -> None:
        while not self.stopping:
            roll = self.rng.random()
            if roll < 0.25 or len(self.tickets) < 5:
                await self.list_ticket()
            elif roll < 0.32:
                await self.reprice()
            else:
                await self.buy()

    async def list_ticket(self) -> None:
        seller = self.rng.choice(self.sellers)
        result = await self.api.create_ticket(
            seller, f"Chaos {self.rng.randrange(10**6)}", self.rng.randrange(500, 50_000)
        )
        self.note("list", result)
        if result.status == 201:
            self.tickets[result.body["id"]] = seller
        elif result.status in (0, 502, 503, 504):
            await asyncio.sleep(0.2)  # back off while a dependency is down

    async def reprice(self) -> None:
        ticket_id, seller = self.rng.choice(list(self.tickets.items()))
        current = await self.api.ticket(ticket_id)
        if current.status != 200 or current.body["status"] != "available":
            return
        body = current.body
        result = await self.api.call(
            "PUT",
            f"/api/tickets/{ticket_id}",
            seller,
            {
                "title": f"{body['title'].split(' (')[0]} (v{body['version'] + 1})",
                "price": self.rng.randrange(500, 50_000),
                "version": body["version"],
            },
        )
        self.note("reprice", result)
        if result.status == 200:
            self.repriced.add(ticket_id)

    async def buy(self) -> None:
        buyer = self.rng.choice(self.buyers)
        ticket_id = self.rng.choice(list(self.tickets))
        result = await self.api.order(buyer, ticket_id)
        self.note("reserve", result)
        if result.status != 201:
            if result.status in (0, 502, 503, 504):
                await asyncio.sleep(0.2)
            return
        order = result.body
        fate = self.rng.random()
        if fate < 0.45:
            await self.pay(buyer, order)
        elif fate < 0.65:
            await self.retrying("cancel", lambda: self.api.cancel(buyer, order["id"]))
        # else: left to expire

    async def pay(self, buyer: User, order: dict[str, Any]) -> None:
        # payments learns about the order from events: a 404 right after the order is normal
        result = await self.retrying(
            "pay", lambda: self.api.pay(buyer, order["id"]), also_retry=(404,)
        )
        if result.status == 201:
            self.charges[result.body["stripeId"]] = order["id"]

    async def retrying(
        self, op: str, call: Any, also_retry: tuple[int, ...] = (), attempts: int = 8
    ) -> Result:
        """What a real client does: retry transport errors and 5xx with back-off."""
        result: Result = await call()
        self.note(op, result)
        for n in range(attempts):
            if result.status not in (0, 500, 502, 503, 504, *also_retry):
                break
            await asyncio.sleep(min(0.1 * 2**n, 2.0))
            result = await call()
            self.note(op, result)
        return result


def describe(result: Result) -> str:
    """A one-line description of a failed response (nginx's HTML pages by their title)."""
    if result.error:
        return result.error
    body = result.body if isinstance(result.body, str) else str(result.body)
    title = re.search(r"<title>(.*?)</title>", body or "", re.S)
    return title.group(1).strip() if title else " ".join((body or "").split())[:200]
