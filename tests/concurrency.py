"""Real concurrent transactions for the concurrency tests (PostgreSQL): `race` runs the same
work in several threads at once, each with its own connection and transaction."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from core.tenancy import tenant_scope

__all__ = ["race", "require_postgres"]


def require_postgres() -> None:
    """Skip on SQLite, which serialises writers; CI runs every such test on PostgreSQL."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs this on PostgreSQL")
        pytest.skip("Concurrent transactions need PostgreSQL")


def race(tenant: Any, work: Callable[[int], Any], n: int = 2, *, timeout: float = 30) -> list[Any]:
    """Run `work(i)` for i in 0..n-1 in n threads released together by a barrier, each in the
    tenant's scope and its own connection; a thread's exception is its result."""
    barrier, results = threading.Barrier(n), list[Any]([None] * n)

    def run(i: int) -> None:
        try:
            with tenant_scope(tenant):
                barrier.wait(timeout)
                results[i] = work(i)
        except Exception as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout * 4)
    return results
