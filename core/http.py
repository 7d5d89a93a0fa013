"""Small request helpers shared by pages, the API and sign-in."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

__all__ = ["client_ip"]


def client_ip(request: Any) -> str | None:
    """The client's address. Behind N trusted proxies (TRUSTED_PROXY_COUNT), the N-th address from
    the right of X-Forwarded-For, since the proxies append to it and anything left of theirs is
    whatever the client claimed."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies and _is_ip(hops[-proxies]):
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
