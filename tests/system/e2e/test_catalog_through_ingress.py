"""The catalog through the ingress of a `make run`-style stack: routed, signed, searchable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from contracts import topology
from tests.system.conftest import Stack


def test_every_api_prefix_answers_unknown_routes_with_a_json_404(stack: Stack) -> None:
    with stack.client() as client:
        for service in topology.apis():
            response = client.get(f"{service.prefix}/no/such/route")
            assert response.status_code == 404, service.name
            assert response.json()["errors"][0]["message"]
            assert client.get(f"{service.prefix}/readyz").json()["status"] == "ready"


def test_create_find_and_show_an_event_through_the_ingress(stack: Stack) -> None:
    organiser = stack.user("organiser")
    name = f"Ingress Night {uuid.uuid4().hex[:6]}"
    starts_at = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
    body = {"name": name, "venue": "Brudenell", "city": "Leeds", "startsAt": starts_at}
    with stack.client() as anonymous:
        assert anonymous.post("/api/events", json=body).status_code == 401
        created = organiser.post("/api/events", json=body)
        assert created.status_code == 201, created.text
        event = created.json()
        assert (event["available"], event["minPrice"], event["version"]) == (0, None, 0)
        again = organiser.post("/api/events", json={**body, "name": name.upper()})
        assert again.status_code == 409
        found = anonymous.get("/api/events", params={"q": name.lower(), "city": "LEEDS"})
        assert [e["id"] for e in found.json()] == [event["id"]]
        assert anonymous.get(f"/api/events/{event['id']}").json() == event
        bad = anonymous.get("/api/events", params={"limit": "0", "from": "soon"})
        assert bad.status_code == 400
        assert sorted(e["field"] for e in bad.json()["errors"]) == ["from", "limit"]
