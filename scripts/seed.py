"""Fill a running stack with a few events and listings, through the public API only.

    make seed                 # against http://127.0.0.1:$HTTP_PORT (8080)
    make run SEED=1           # start the stack and seed it once it is ready

Safe to re-run: the demo seller signs in when it exists, an event already listed
(same name and venue, upcoming) is reused, and an event that already has the demo
seller's seats gets no more. The demo password comes from `SEED_PASSWORD`, or is made
up once and kept in `var/seed-login.json` (never committed).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: `python scripts/seed.py`

from contracts import topology  # noqa: E402

DEMO_EMAIL = "demo-seller@example.com"
LOGIN_FILE = Path(os.environ.get("VAR_DIR", REPO / "var")) / "seed-login.json"
# Tickets learns new events from `event.created`; give it this long to hear of one.
EVENT_PROPAGATION_SECONDS = 10.0


@dataclass(frozen=True)
class Show:
    name: str
    venue: str
    city: str
    days_ahead: int
    hour: int  # UTC
    price: int  # cents, what the seller receives
    face_value: int
    seats: tuple[tuple[str, str, str], ...]


SHOWS = (
    Show("The Lumineers", "O2 Academy Brixton", "London", 9, 19, 6500, 6000,
         (("Balcony A", "C", "14"), ("Balcony A", "C", "15"), ("Balcony A", "C", "16"))),
    Show("Nils Frahm", "Barbican Hall", "London", 23, 19, 4800, 4500,
         (("Stalls", "J", "14"), ("Stalls", "J", "15"))),
    Show("Manchester Derby", "Etihad Stadium", "Manchester", 16, 15, 9500, 8000,
         (("112", "F", "1"), ("112", "F", "2"), ("112", "F", "3"), ("112", "F", "4"))),
    Show("Hamilton", "Richard Rodgers Theatre", "New York", 12, 23, 18900, 17900,
         (("Orchestra", "K", "101"), ("Orchestra", "K", "102"))),
    Show("Knicks vs Celtics", "Madison Square Garden", "New York", 30, 0, 12000, 11000,
         (("204", "8", "5"), ("204", "8", "6"), ("204", "8", "7"))),
    Show("Berliner Philharmoniker", "Philharmonie", "Berlin", 40, 18, 7200, 7000,
         (("Block B", "4", "21"), ("Block B", "4", "22"))),
)  # fmt: skip


def base_url() -> str:
    default = f"http://127.0.0.1:{os.environ.get('HTTP_PORT', topology.HTTP_PORT)}"
    return os.environ.get("SEED_BASE_URL", default).rstrip("/")


def demo_password() -> str:
    if os.environ.get("SEED_PASSWORD"):
        return os.environ["SEED_PASSWORD"]
    if LOGIN_FILE.exists():
        return str(json.loads(LOGIN_FILE.read_text())["password"])
    password = "demo-" + secrets.token_urlsafe(9)
    LOGIN_FILE.parent.mkdir(parents=True, exist_ok=True)
    LOGIN_FILE.write_text(json.dumps({"email": DEMO_EMAIL, "password": password}))
    LOGIN_FILE.chmod(0o600)
    return password


def errors_of(response: httpx.Response) -> str:
    try:
        body = response.json()
        return "; ".join(f"{e.get('field') or '-'}: {e['message']}" for e in body["errors"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def sign_in(client: httpx.Client, password: str) -> str:
    creds = {"email": DEMO_EMAIL, "password": password}
    response = client.post("/api/users/signup", json=creds)
    if response.status_code == 201:
        return "created"
    response = client.post("/api/users/signin", json=creds)
    if response.status_code != 200:
        raise SystemExit(
            f"cannot sign in as {DEMO_EMAIL} ({response.status_code}: {errors_of(response)}); "
            f"set SEED_PASSWORD to its password"
        )
    return "signed in"


def starts_at(show: Show, today: datetime) -> str:
    day = (today + timedelta(days=show.days_ahead)).replace(
        hour=show.hour, minute=30, second=0, microsecond=0
    )
    return day.isoformat().replace("+00:00", "Z")


def find_event(client: httpx.Client, show: Show) -> dict[str, Any] | None:
    response = client.get("/api/events", params={"q": show.name, "city": show.city})
    response.raise_for_status()
    for event in response.json():
        if event["name"] == show.name and event["venue"] == show.venue:
            return dict(event)
    return None


def ensure_event(client: httpx.Client, show: Show, today: datetime) -> tuple[dict[str, Any], str]:
    found = find_event(client, show)
    if found is not None:
        return found, "exists"
    body = {"name": show.name, "venue": show.venue, "city": show.city}
    response = client.post("/api/events", json={**body, "startsAt": starts_at(show, today)})
    if response.status_code == 409:  # listed meanwhile (or by an earlier run today)
        found = find_event(client, show)
        if found is not None:
            return found, "exists"
    if response.status_code != 201:
        raise SystemExit(
            f"POST /api/events {show.name}: {response.status_code} {errors_of(response)}"
        )
    return dict(response.json()), "created"


def has_my_seats(client: httpx.Client, event_id: str, seller_id: str) -> bool:
    response = client.get("/api/tickets", params={"eventId": event_id, "limit": 100})
    if response.status_code != 200:
        return False
    return any(
        t.get("eventId") == event_id and t.get("userId") == seller_id for t in response.json()
    )


def list_seats(client: httpx.Client, show: Show, event_id: str) -> str:
    body = {
        "eventId": event_id,
        "price": show.price,
        "faceValue": show.face_value,
        "seats": [{"section": s, "row": r, "seat": n} for s, r, n in show.seats],
    }
    deadline = time.monotonic() + EVENT_PROPAGATION_SECONDS
    while True:
        response = client.post("/api/listings", json=body)
        if response.status_code == 201:
            listing = response.json()
            each = f"${listing['allInPrice'] / 100:.2f}"
            return f"listed {len(listing['tickets'])} seats at {each} each, all-in"
        if response.status_code in (404, 405):
            return "not listed: this stack has no POST /api/listings yet"
        event_unknown = response.status_code == 400 and "eventId" in errors_of(response)
        if not event_unknown or time.monotonic() > deadline:
            raise SystemExit(
                f"POST /api/listings {show.name}: {response.status_code} {errors_of(response)}"
            )
        time.sleep(0.25)  # tickets has not heard of the new event yet


def main() -> int:
    url = base_url()
    password = demo_password()
    today = datetime.now(UTC)
    with httpx.Client(base_url=url, timeout=10) as client:
        print(f"Seeding {url}")
        print(f"  demo seller {DEMO_EMAIL}: {sign_in(client, password)}")
        me = client.get("/api/users/currentuser").json()["currentUser"]
        for show in SHOWS:
            event, how = ensure_event(client, show, today)
            line = f"  {how:<7} {show.name} — {show.venue}, {show.city}, {event['startsAt']}"
            if has_my_seats(client, event["id"], me["id"]):
                print(f"{line}: seats already listed")
                continue
            print(f"{line}: {list_seats(client, show, event['id'])}")
    print(f"\nSign in as {DEMO_EMAIL} with password {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
