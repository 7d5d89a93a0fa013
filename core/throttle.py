"""Counting failures in a sliding-ish window, in the cache (Redis in production).

Used for sign-in throttling; keyed on whatever the caller gives (an email, an address), so the
same lockout applies whether or not the email exists and nothing is revealed by it.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

__all__ = ["FailureCounter"]


class FailureCounter:
    def __init__(self, namespace: str, *, limit: int, window_seconds: int) -> None:
        self.namespace = namespace
        self.limit = limit
        self.window_seconds = window_seconds

    def _key(self, subject: str) -> str:
        digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
        return f"fail:{self.namespace}:{digest}"

    def count(self, subject: str) -> int:
        return int(cache.get(self._key(subject), 0))

    def is_blocked(self, subject: str) -> bool:
        return self.count(subject) >= self.limit

    def add_failure(self, subject: str) -> int:
        key = self._key(subject)
        if cache.add(key, 1, timeout=self.window_seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=self.window_seconds)
            return 1

    def reset(self, subject: str) -> None:
        cache.delete(self._key(subject))
