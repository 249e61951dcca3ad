"""The client's address as the ingress saw it.

`X-Forwarded-For` is believed only as far as it was written by our own proxies
(`TRUSTED_PROXIES`, CIDRs): from the connecting peer, walk the header right to
left past trusted hops; the first address that is not ours is the client. A
client can prepend anything it likes, but it cannot get past that point, so a
forged header never buys a fresh rate-limit budget.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(spec: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(part.strip()) for part in spec.split(",") if part.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    address = peer
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    while _trusted(address, trusted) and hops:
        address = hops.pop()
    return address


def request_address(request: Request, trusted_proxies: str) -> str:
    peer = request.client.host if request.client else ""
    return client_address(
        peer, ",".join(request.headers.getlist("x-forwarded-for")), parse_networks(trusted_proxies)
    )
