"""Scratch PostgreSQL databases for the benchmarks, next to BENCH_DATABASE_URL / DATABASE_URL
(default: the local PostgreSQL), dropped and recreated each run."""

from __future__ import annotations

import os

__all__ = ["BASE_URL", "drop_database", "scratch_database"]

# Read at import, before a script's setup points DATABASE_URL at its scratch database.
BASE_URL = (
    os.environ.get("BENCH_DATABASE_URL")
    or os.environ.get("DATABASE_URL")
    or "postgres://postgres@127.0.0.1:5432/postgres"
)


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(BASE_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def scratch_database(name: str) -> str | None:
    """A fresh, empty database `name` and its URL; None without PostgreSQL."""
    if not BASE_URL.startswith("postgres"):
        return None
    drop_database(name)
    _admin(f"CREATE DATABASE {name}")
    return BASE_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
