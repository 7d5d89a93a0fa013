"""docs/benchmarks.md is made of sections, one per benchmark script; each run replaces its own."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nWritten by `make bench` (scripts in `bench/`). Each section is replaced when its "
    "script runs again. Compare figures from the same machine only; no test asserts a time.\n"
)


def write_section(key: str, markdown: str) -> None:
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = OUTPUT.read_text() if OUTPUT.exists() else HEADER
    if not text.startswith("# Benchmarks") or "<!-- bench:" not in text:
        text = HEADER  # an older, unsectioned file
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{block}\n"
    )
    OUTPUT.write_text(text)


def timed_ms(fn: Callable[[], Any]) -> float:
    """Milliseconds `fn()` took, by the wall clock."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def percentile(samples: list[float], pct: int) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


def latency_row(name: str, samples: list[float]) -> str:
    """A table row: what, samples, p50, p95, max (milliseconds)."""
    return (
        f"| {name} | {len(samples)} | {statistics.median(samples):.1f} ms | "
        f"{percentile(samples, 95):.1f} ms | {max(samples):.1f} ms |"
    )


def setup_sqlite_django(var_dir: str) -> None:
    """Django on a fresh SQLite database and the local-memory cache under `var_dir`, migrated:
    for benchmarks that measure drawing (PDFs), not the database."""
    import os

    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=var_dir, DEBUG="0", SECURE_HTTPS="0"
    )
    for name in ("DATABASE_URL", "REDIS_URL", "REDIS_URL_FILE"):
        os.environ.pop(name, None)
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
