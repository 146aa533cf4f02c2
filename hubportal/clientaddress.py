"""The address a request comes from, as the portal's rate limits and lock-outs count it.

Behind HUB_TRUSTED_PROXY_COUNT proxies (a load balancer, a TLS terminator), each of which appends the
address it received the request from to X-Forwarded-For, the client is the Nth entry from the right:
the entries further left were written by whoever sent the request, and an attacker who writes a fresh
one on every attempt would otherwise never be counted. With no trusted proxy (the default) the header
is ignored and the address is the one the connection came from (REMOTE_ADDR).
"""

import ipaddress

from django.conf import settings

# An IPv6 host usually holds a whole /64 and may use any address in it: counted as one.
IPV6_PREFIX = 64


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or the entry of X-Forwarded-For the trusted proxies wrote."""
    proxies = settings.HUB_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        # Fewer entries than proxies: the request passed through fewer of them, and every entry is
        # one a trusted proxy wrote; the leftmost is the client's.
        address = _valid(entries[max(len(entries) - proxies, 0)])
        if address:
            return address
    return _valid(request.META.get("REMOTE_ADDR", "")) or "unknown"


def client_network(request) -> str:
    """What rate limits count by: the client's IPv4 address, or its IPv6 /64 network."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False).network_address)
    return address
