"""The outside of the system as importable facts: pydantic only, no I/O.

Services, the UI, the harness, bench and tests all import these, so a subject,
a field, a limit, a cookie name or a service's port is written once:

* `wire`: `CamelModel`, the camelCase base of every event and HTTP schema;
* `events`: every NATS subject and its payload;
* `rules`: limits of the HTTP contract (prices, titles, ids, the cookie);
* `topology`: the table of services (name, prefix, port, database, subjects).
"""
