"""Deduplication quality and speed on generated people (bench/dedupe_data.py).

Two measurements, both pure Python in one process (no database):

1. Quality: about 20,000 records with about 4,000 true duplicate pairs. Blocking
   (routing.dedupe.scored_pairs) gives the candidate pairs; the report has the pair
   completeness of blocking (the share of true pairs that became candidates), the reduction
   ratio (the share of all pairs never compared), precision, recall and F1 of "merge" plus
   "review" against the truth, the same on the pairs that share no email and no phone, the
   precision of automatic merges alone, and a sweep of the thresholds around the chosen ones.
2. Incremental import: an index built once from 200,000 contacts, then queried with 100,000
   leads in bulk (routing.dedupe.find_duplicates), timed apart from normalisation.

`python bench/dedupe_quality.py` prints the figures as markdown; `--write` also puts them in
docs/benchmarks.md (section "Deduplication quality"); `--quick` runs smaller sets. `run()`
returns the same figures as a dict.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from collections.abc import Hashable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dedupe_data import generate, generate_import  # noqa: E402
from routing.dedupe import (  # noqa: E402
    AUTO_MERGE,
    REVIEW,
    DedupeIndex,
    PersonRecord,
    find_duplicates,
    scored_pairs,
)
from routing.normalize import email_match_key  # noqa: E402

__all__ = ["incremental", "quality", "render", "run"]

SECTION = "dedupe"
# Thresholds shown in the sweep, around the chosen ones.
REVIEW_SWEEP = (15.0, 16.0, 17.0, 18.0, 19.0)
MERGE_SWEEP = (19.0, 20.0, 21.0, 22.0)

Pair = tuple[Hashable, Hashable]


def to_records(rows: Iterable[dict]) -> list[PersonRecord]:
    return [PersonRecord.from_raw(**row) for row in rows]


def _pair(a: Hashable, b: Hashable) -> Pair:
    return (a, b) if str(a) < str(b) else (b, a)


def _prf(predicted: AbstractSet[Pair], truth: AbstractSet[Pair]) -> dict[str, float]:
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted": len(predicted)}


def _shares_key(a: PersonRecord, b: PersonRecord) -> bool:
    """Same mailbox or same phone number: the pairs exact-key matching alone would find."""
    email = email_match_key(a.email)
    return bool((email and email == email_match_key(b.email)) or (a.phone and a.phone == b.phone))


def quality(n_records: int = 20_000, *, seed: int = 7) -> dict:
    """Blocking and scoring figures on one generated set."""
    data = generate(n_records, seed=seed)
    start = time.perf_counter()
    records = to_records(data.records)
    normalise_s = time.perf_counter() - start
    by_key = {r.key: r for r in records}

    start = time.perf_counter()
    floor = min(REVIEW_SWEEP)  # pairs that provably score below the sweep are not scored
    scores = {_pair(a, b): s for a, b, s in scored_pairs(records, floor=floor)}
    match_s = time.perf_counter() - start

    truth = data.true_pairs
    no_key_truth = {p for p in truth if not _shares_key(by_key[p[0]], by_key[p[1]])}
    n = len(records)

    def predicted(threshold: float) -> set[Pair]:
        return {p for p, s in scores.items() if s >= threshold}

    def no_key(pairs: set[Pair]) -> set[Pair]:
        return {p for p in pairs if not _shares_key(by_key[p[0]], by_key[p[1]])}

    found = predicted(REVIEW)
    merged = predicted(AUTO_MERGE)
    return {
        "records": n,
        "true_pairs": len(truth),
        "true_pairs_no_shared_key": len(no_key_truth),
        "candidate_pairs": len(scores),
        "pair_completeness": len(truth & scores.keys()) / len(truth),
        "pair_completeness_no_shared_key": len(no_key_truth & scores.keys()) / len(no_key_truth),
        "reduction_ratio": 1 - len(scores) / (n * (n - 1) / 2),
        "overall": _prf(found, truth),
        "no_shared_key": _prf(no_key(found), no_key_truth),
        "auto_merge": _prf(merged, truth),
        "review_sweep": {t: _prf(predicted(t), truth)["f1"] for t in REVIEW_SWEEP},
        "review_sweep_no_shared_key": {
            t: _prf(no_key(predicted(t)), no_key_truth)["f1"] for t in REVIEW_SWEEP
        },
        "merge_sweep": {t: _prf(predicted(t), truth) for t in MERGE_SWEEP},
        "normalise_records_per_s": n / normalise_s,
        "match_records_per_s": n / match_s,
        "match_seconds": match_s,
    }


class _Elapsed:
    wall = 0.0
    cpu = 0.0


@contextmanager
def _timer() -> Iterator[_Elapsed]:
    """Wall-clock and CPU seconds: on a shared machine the CPU time is the steadier figure."""
    elapsed = _Elapsed()
    wall, cpu = time.perf_counter(), time.process_time()
    yield elapsed
    elapsed.wall, elapsed.cpu = time.perf_counter() - wall, time.process_time() - cpu


def incremental(n_contacts: int = 200_000, n_leads: int = 100_000, *, seed: int = 11) -> dict:
    """An index of contacts built once, then a bulk import of leads matched against it."""
    data = generate_import(n_contacts, n_leads, seed=seed)
    contacts = to_records(data.contacts)
    with _timer() as build:
        index = DedupeIndex(contacts)
    with _timer() as normalise:
        leads = to_records(data.leads)
    with _timer() as query:
        duplicates = find_duplicates(leads, index)
    found = {_pair(d.key, d.duplicate_of) for d in duplicates}
    merged = {_pair(d.key, d.duplicate_of) for d in duplicates if d.decision == "merge"}
    return {
        "contacts": n_contacts,
        "leads": n_leads,
        "true_pairs": len(data.true_pairs),
        "build_seconds": build.wall,
        "build_cpu_seconds": build.cpu,
        "normalise_seconds": normalise.wall,
        "normalise_cpu_seconds": normalise.cpu,
        "query_seconds": query.wall,
        "query_cpu_seconds": query.cpu,
        "leads_per_s": n_leads / query.wall,
        "overall": _prf(found, data.true_pairs),
        "auto_merge": _prf(merged, data.true_pairs),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(*, quick: bool = False) -> dict:
    """Both measurements; `quick` uses a tenth of the sizes."""
    scale = 10 if quick else 1
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "quality": quality(20_000 // scale),
        "incremental": incremental(200_000 // scale, 100_000 // scale),
        "thresholds": {"auto_merge": AUTO_MERGE, "review": REVIEW},
    }


def _f(x: float) -> str:
    return f"{x:.4f}"


def render(result: dict) -> str:
    q, inc = result["quality"], result["incremental"]
    lines = [
        "## Deduplication quality (bench/dedupe_quality.py)",
        "",
        f"Generated people (bench/dedupe_data.py, fixed seeds): {q['records']:,} records with "
        f"{q['true_pairs']:,} true duplicate pairs, {q['true_pairs_no_shared_key']:,} of which share "
        "neither an email nor a phone. Duplicates carry typos, missing fields, swapped names, "
        "nicknames and initials, reformatted addresses and phones, other or no email and phone. "
        f"Thresholds: merge at {result['thresholds']['auto_merge']:g}, review at "
        f"{result['thresholds']['review']:g} (log2 weight of evidence). Pure Python, one "
        f"process, Python {result['python']}, {result['date']}.",
        "",
        "| Measure | Value |",
        "| --- | ---: |",
        f"| Pair completeness of blocking | {_f(q['pair_completeness'])} |",
        f"| Pair completeness, no shared email or phone | {_f(q['pair_completeness_no_shared_key'])} |",
        f"| Reduction ratio | {q['reduction_ratio']:.6f} ({q['candidate_pairs']:,} candidate pairs) |",
        f"| Merge + review: precision / recall / F1 | {_f(q['overall']['precision'])} / "
        f"{_f(q['overall']['recall'])} / **{_f(q['overall']['f1'])}** |",
        f"| Same, pairs sharing no email or phone | {_f(q['no_shared_key']['precision'])} / "
        f"{_f(q['no_shared_key']['recall'])} / **{_f(q['no_shared_key']['f1'])}** |",
        f"| Automatic merges: precision (share of true pairs merged) | "
        f"**{_f(q['auto_merge']['precision'])}** ({q['auto_merge']['recall']:.1%}) |",
        f"| Blocking + scoring throughput | {q['match_records_per_s']:,.0f} records/s |",
        f"| Normalisation throughput | {q['normalise_records_per_s']:,.0f} records/s |",
        "",
        "Threshold sweep (F1 of merge + review; precision of merges):",
        "",
        "| Review at | " + " | ".join(f"{t:g}" for t in REVIEW_SWEEP) + " |",
        "| --- |" + " ---: |" * len(REVIEW_SWEEP),
        "| F1 | " + " | ".join(_f(v) for v in q["review_sweep"].values()) + " |",
        "| F1, no shared email or phone | "
        + " | ".join(_f(v) for v in q["review_sweep_no_shared_key"].values())
        + " |",
        "",
        "| Merge at | " + " | ".join(f"{t:g}" for t in MERGE_SWEEP) + " |",
        "| --- |" + " ---: |" * len(MERGE_SWEEP),
        "| Precision | " + " | ".join(_f(v["precision"]) for v in q["merge_sweep"].values()) + " |",
        "| Share of true pairs | "
        + " | ".join(f"{v['recall']:.1%}" for v in q["merge_sweep"].values())
        + " |",
        "",
        f"Incremental import: an index of {inc['contacts']:,} contacts, then {inc['leads']:,} leads "
        "matched against it and against each other (each lead joins the index after its query).",
        "",
        "| Step | Seconds | CPU seconds |",
        "| --- | ---: | ---: |",
        f"| Build the index of contacts (once) | {inc['build_seconds']:.1f} | "
        f"{inc['build_cpu_seconds']:.1f} |",
        f"| Normalise the leads | {inc['normalise_seconds']:.1f} | {inc['normalise_cpu_seconds']:.1f} |",
        f"| Match the leads ({inc['leads_per_s']:,.0f} leads/s) | **{inc['query_seconds']:.1f}** | "
        f"{inc['query_cpu_seconds']:.1f} |",
        "",
        f"On that import: merge + review precision {_f(inc['overall']['precision'])}, recall "
        f"{_f(inc['overall']['recall'])}, F1 {_f(inc['overall']['f1'])}; automatic merges precision "
        f"{_f(inc['auto_merge']['precision'])}. Wall-clock time depends on what else the "
        "machine runs; CPU seconds less so. More "
        "colleagues with near-identical names land in review (bigger sets have bigger companies). Peak memory of the whole "
        f"process (generated data included): {inc['peak_rss_mib']:,.0f} MiB.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args()
    markdown = render(run(quick=args.quick))
    print(markdown)
    if args.write:
        from bench.report import OUTPUT, write_section

        write_section(SECTION, markdown)
        print(f"Written to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
