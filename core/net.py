"""Outbound HTTP under an SSRF guard, for any request a tenant's data can point somewhere
(webhook deliveries, enrichment lookups).

URLs must be http(s) and resolve to public addresses only (unless
`settings.WEBHOOK_ALLOW_PRIVATE_URLS`); the connection goes to the address that was checked, so a
second DNS answer cannot send it elsewhere, and redirects and environment proxies are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

__all__ = ["USER_AGENT", "UnsafeURL", "check_url", "guarded_open", "safe_get"]

USER_AGENT = "ChannelBalance-Webhooks/1"
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """A URL we refuse to send to."""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, also once unwrapped from IPv6 forms that carry an IPv4 address
    (mapped, 6to4, NAT64), which a gateway would deliver to that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address in NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.is_global and not address.is_multicast


def check_url(url: str) -> list[str]:
    """Refuse anything but http(s) to public addresses; return the addresses that were checked
    (empty when `WEBHOOK_ALLOW_PRIVATE_URLS` is on, which skips the address check)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Use an http:// or https:// URL.")
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_URLS", False):
        return []
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(f"The host {host} could not be resolved.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        if not _is_public(ipaddress.ip_address(address.split("%", 1)[0])):
            raise UnsafeURL(
                f"The host {host} resolves to a private, loopback or link-local address "
                f"({address}); webhooks go to public addresses only."
            )
    return addresses


def _pinned(
    connection_class: type, address: str | None
) -> Callable[..., http.client.HTTPConnection]:
    """A connection class that connects to `address` (the one checked) while keeping the URL's
    host for the Host header, TLS SNI and certificate checks: no second DNS answer is used."""

    class Pinned(connection_class):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if address is not None:
                self._create_connection = lambda addr, *a, **kw: socket.create_connection(
                    (address, addr[1]), *a, **kw
                )

    return Pinned


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str | None) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str | None) -> None:
        self.ssl_context = ssl.create_default_context()
        super().__init__(context=self.ssl_context)
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            _pinned(http.client.HTTPSConnection, self.address), req, context=self.ssl_context
        )


def _opener(address: str | None) -> urllib.request.OpenerDirector:
    # No proxy handler (environment proxies), no redirect handler (a redirect could lead to an
    # internal address), no error processor: every answer comes back as a response.
    opener = urllib.request.OpenerDirector()
    opener.add_handler(_HTTPHandler(address))
    opener.add_handler(_HTTPSHandler(address))
    return opener


def guarded_open(request: urllib.request.Request, *, timeout: float) -> Any:
    """Send `request` after `check_url`, to the address it checked. Every status comes back as a
    response (use it as a context manager); raises UnsafeURL, OSError or http.client.HTTPException."""
    addresses = check_url(request.full_url)
    return _opener(addresses[0] if addresses else None).open(request, timeout=timeout)


def safe_get(
    url: str, *, headers: dict[str, str], timeout: float, limit: int = 65536
) -> tuple[int, bytes]:
    """GET a URL under the guard. Returns (status, body up to `limit` bytes); raises UnsafeURL,
    OSError or http.client.HTTPException."""
    request = urllib.request.Request(
        url, method="GET", headers={"User-Agent": USER_AGENT, **headers}
    )
    with guarded_open(request, timeout=timeout) as response:
        return response.status, response.read(limit)
