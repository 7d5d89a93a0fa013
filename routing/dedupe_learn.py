"""Learning the matcher's m and u probabilities from a tenant's own records, the way the
Fellegi-Sunter tools do (fastLink, Splink, recordlinkage's ECM): no labelled pairs needed.

- u, the chance of each agreement level among *different* people, from random pairs of
  records: almost every random pair is two different people.
- m, the chance of each level among *true duplicates*, by expectation maximisation on the
  candidate pairs blocking finds, in training sessions as Splink trains: the pairs at one
  address teach the names and identifiers (duplicates, or housemates and colleagues, whom
  the names tell apart), the pairs with one name teach the places and identifiers
  (duplicates, or namesakes). A session learns only fields it did not choose its pairs by: a
  single mixture over every field lets the fields that go together in a workplace (company,
  street, postal code) pull the "match" class towards "colleagues" instead of "one person".
  Each session fits a two-class mixture with a u of its own for the non-matches among its
  pairs (they agree far more than random pairs); the weights use m against the random u.
- The share of duplicates among the candidate pairs, then, with m and u fixed: it sets the
  prior odds, and with them the thresholds (`Learned.as_weights`).

Pairs are reduced to their comparison pattern (the level of each field both records have) and
counted, so each EM iteration costs the number of distinct patterns, not of pairs.

Pure Python, no Django: routing/dedupe_weights.py feeds it a tenant's records and stores the
result.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from routing.dedupe import (
    _M_U,
    DEFAULT_WEIGHTS,
    PersonRecord,
    Weights,
    _features,
    _levels,
    _score,
    candidate_pairs,
)

__all__ = ["MIN_RECORDS", "Learned", "learn_weights"]

# Below this many records the defaults stay: too few pairs to estimate anything.
MIN_RECORDS = 500
RANDOM_PAIRS = 20_000
MAX_ITERATIONS = 400
TOLERANCE = 1e-4
# Probabilities are kept inside [FLOOR, 1 - FLOOR] so no weight is infinite.
FLOOR = 1e-5
# A session (below) with fewer pairs, or a field fewer pairs compare, keeps the defaults.
MIN_SESSION_PAIRS = 200

Pattern = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Learned:
    """What was learned: (m, u) per field and level, the share of matches among candidate
    pairs, and what it was learned from."""

    m_u: dict[str, dict[int, tuple[float, float]]]
    match_share: float
    records: int
    candidate_pairs: int
    random_pairs: int
    iterations: int
    converged: bool
    sample_note: str = ""
    changes: dict[str, dict[int, float]] = field(default_factory=dict)

    def weights(self) -> dict[str, dict[int, float]]:
        """log2(m / u) per field and level."""
        return Weights(self.m_u).table()

    @property
    def prior_log2_odds(self) -> float:
        """log2 of the odds that two of these records, taken at random, are one person: the
        expected true pairs among the candidates over all pairs."""
        all_pairs = self.records * (self.records - 1) / 2
        share = min(max(self.match_share * self.candidate_pairs / all_pairs, 1e-12), 0.5)
        return math.log2(share / (1 - share))

    def as_weights(self) -> Weights:
        """The matcher's weights: these m and u, thresholds asking the defaults' certainty."""
        return Weights.with_prior(self.m_u, self.prior_log2_odds)


def _pattern(a: PersonRecord, b: PersonRecord, features: dict) -> Pattern:
    # Which reading of the names (straight or swapped) is chosen with the default weights.
    levels, _ = _levels(features[a.key], features[b.key], DEFAULT_WEIGHTS)
    return tuple(sorted(levels))


def _clip(p: float) -> float:
    return min(max(p, FLOOR), 1 - FLOOR)


def _estimate_u(
    records: Sequence[PersonRecord], features: dict, rng: random.Random, n_pairs: int
) -> tuple[dict[str, Counter], int]:
    counts: dict[str, Counter] = {}
    drawn = 0
    for _ in range(n_pairs):
        a, b = rng.sample(range(len(records)), 2)
        for field_name, level in _pattern(records[a], records[b], features):
            counts.setdefault(field_name, Counter())[level] += 1
        drawn += 1
    return counts, drawn


# Training sessions (as Splink trains): each fits the mixture on the candidate pairs that
# agree on some fields, and learns m only for the *other* fields. Among pairs chosen for
# agreeing on a field, that field says nothing about who is a duplicate, and fields that go
# with it (a workplace's company, street and postal code) would otherwise pull the "match"
# class towards "colleagues" instead of "the same person".
NAME_FIELDS = frozenset(["first_name", "last_name"])
PLACE_FIELDS = frozenset(
    ["company", "street", "postal_code", "postal_code_same_city", "town", "city", "country"]
)
IDENTIFIER_FIELDS = frozenset(["email", "work_mailbox", "role_email", "phone", "shared_phone"])
AGREE = frozenset([0, 1, 2])  # exact, nickname, close


def _same_house(pattern: Pattern) -> bool:
    levels = dict(pattern)
    street = levels.get("street") in AGREE
    place = any(levels.get(f) == 0 for f in ("postal_code", "city"))
    return street and place


def _same_name(pattern: Pattern) -> bool:
    levels = dict(pattern)
    return levels.get("first_name") in AGREE and levels.get("last_name") in AGREE


SESSIONS = (
    # Pairs at one address: learn the names and identifiers (duplicates or housemates and
    # colleagues: the names tell them apart).
    (_same_house, NAME_FIELDS | IDENTIFIER_FIELDS),
    # Pairs with one name: learn the places and identifiers (duplicates or namesakes).
    (_same_name, PLACE_FIELDS | IDENTIFIER_FIELDS),
)


@dataclass
class _Fit:
    m: dict[str, dict[int, float]]
    share: float
    iterations: int
    converged: bool


def _fit(
    patterns: Counter[Pattern],
    fields: frozenset[str],
    u: dict[str, dict[int, float]],
    max_iterations: int,
) -> _Fit:
    """A two-class mixture on `patterns` seen through `fields` only: m (the matches' level
    frequencies), a u of its own for the non-matches among these pairs, and the match share."""
    seen_through: Counter[Pattern] = Counter()
    for pattern, n in patterns.items():
        seen_through[tuple((f, lvl) for f, lvl in pattern if f in fields)] += n
    m = {f: {lvl: mu[0] for lvl, mu in t.items()} for f, t in _M_U.items() if f in fields}
    u_here = {f: dict(t) for f, t in u.items() if f in fields}
    share, total = 0.3, sum(seen_through.values())
    converged, iterations = False, 0
    for step in range(1, max_iterations + 1):
        iterations = step
        posterior = {}
        for pattern in seen_through:
            log_ratio = sum(math.log(m[f][lvl] / u_here[f][lvl]) for f, lvl in pattern)
            odds = share / (1 - share) * math.exp(max(min(log_ratio, 700), -700))
            posterior[pattern] = odds / (1 + odds)
        matched: dict[str, defaultdict[int, float]] = {}
        other: dict[str, defaultdict[int, float]] = {}
        for pattern, n in seen_through.items():
            weight = posterior[pattern] * n
            for f, lvl in pattern:
                matched.setdefault(f, defaultdict(float))[lvl] += weight
                other.setdefault(f, defaultdict(float))[lvl] += n - weight
        new_share = _clip(sum(posterior[p] * n for p, n in seen_through.items()) / total)
        change = abs(new_share - share)
        for table, counts in ((m, matched), (u_here, other)):
            for f, levels in table.items():
                got = counts.get(f)
                if not got:
                    continue
                present = sum(got.values())
                for lvl in levels:
                    updated = _clip((got[lvl] + 1e-3) / (present + 1e-3 * len(levels)))
                    if table is m:
                        change = max(change, abs(updated - levels[lvl]))
                    levels[lvl] = updated
        share = new_share
        if change < TOLERANCE:
            converged = True
            break
    return _Fit(m, share, iterations, converged)


def _share_of_matches(patterns: Counter[Pattern], weights: Weights, max_iterations: int) -> float:
    """The share of duplicates among all candidate pairs, m and u now fixed (one number: a
    well-behaved estimate)."""
    total = sum(patterns.values())
    ratios = {p: 2.0 ** max(min(_score_of(p, weights), 1000), -1000) for p in patterns}
    share = 0.1
    for _ in range(max_iterations):
        new_share = _clip(
            sum(
                n * share * r / (share * r + 1 - share)
                for p, n in patterns.items()
                for r in [ratios[p]]
            )
            / total
        )
        if abs(new_share - share) < TOLERANCE / 10:
            return new_share
        share = new_share
    return share


def _score_of(pattern: Pattern, weights: Weights) -> float:
    """A pattern's score as the matcher sums it (`dedupe._score`), taken for a workplace's
    when a company agrees (as far as a pattern can tell)."""
    workplace = dict(pattern).get("company") in AGREE | {3}
    return _score(list(pattern), False, weights, workplace)


def learn_weights(
    records: Sequence[PersonRecord],
    *,
    seed: int = 1,
    random_pairs: int = RANDOM_PAIRS,
    max_iterations: int = MAX_ITERATIONS,
) -> Learned | None:
    """m and u of every field and level the records show, learned from them; None when there
    are fewer than MIN_RECORDS records. Levels never seen keep their default m and u."""
    if len(records) < MIN_RECORDS:
        return None
    rng = random.Random(seed)
    features = {r.key: _features(r) for r in records}
    by_key = {r.key: r for r in records}
    patterns = Counter(
        _pattern(by_key[a], by_key[b], features) for a, b in candidate_pairs(records)
    )
    u_counts, drawn = _estimate_u(records, features, rng, random_pairs)
    u = {
        f: {
            lvl: _clip(
                (u_counts.get(f, Counter())[lvl] + 1)
                / (sum(u_counts.get(f, Counter()).values()) + len(levels))
            )
            for lvl in levels
        }
        for f, levels in _M_U.items()
    }
    m = {f: {lvl: mu[0] for lvl, mu in t.items()} for f, t in _M_U.items()}
    learned_fields: set[str] = set()
    iterations, converged = 0, True
    for chosen, fields in SESSIONS:
        session = Counter({p: n for p, n in patterns.items() if chosen(p)})
        if sum(session.values()) < MIN_SESSION_PAIRS:
            continue
        fit = _fit(session, fields, u, max_iterations)
        iterations += fit.iterations
        converged = converged and fit.converged
        for f, levels in fit.m.items():
            if f in learned_fields:  # an identifier learned in both: the mean
                levels = {lvl: (levels[lvl] + m[f][lvl]) / 2 for lvl in levels}
            if _observed(session, f):
                m[f] = levels
                learned_fields.add(f)

    learned: dict[str, dict[int, tuple[float, float]]] = {}
    for f, table in _M_U.items():
        # A field no session could learn (the records never show it) keeps its defaults.
        learned[f] = (
            {lvl: (m[f][lvl], u[f][lvl]) for lvl in table} if f in learned_fields else dict(table)
        )
    found = Weights(learned)
    share = _share_of_matches(patterns, found, max_iterations)
    default = DEFAULT_WEIGHTS.table()
    changes = {
        f: {lvl: round(w - default[f][lvl], 2) for lvl, w in t.items()}
        for f, t in found.table().items()
    }
    return Learned(
        m_u=learned,
        match_share=share,
        records=len(records),
        candidate_pairs=sum(patterns.values()),
        random_pairs=drawn,
        iterations=iterations,
        converged=converged,
        changes=changes,
    )


def _observed(patterns: Counter[Pattern], field_name: str) -> bool:
    """Whether enough pairs of the session compare the field to learn it."""
    return sum(n for p, n in patterns.items() if any(f == field_name for f, _ in p)) >= (
        MIN_SESSION_PAIRS
    )
