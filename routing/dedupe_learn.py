"""Learning the matcher's m and u probabilities from a tenant's own records, the way the
Fellegi-Sunter tools do (fastLink, Splink, recordlinkage's ECM): no labelled pairs needed.

- u, the chance of each agreement level among *different* people, from random pairs of
  records: almost every random pair is two different people.
- m, the chance of each level among *true duplicates*, by expectation maximisation on the
  candidate pairs blocking finds: each pair's probability of being a match is computed from the
  current m, u and the share of matches λ (E step), then m and λ are re-estimated from those
  probabilities (M step), until they settle. u stays fixed from the random pairs.

Pairs are reduced to their comparison pattern (the level of each field both records have) and
counted, so each EM iteration costs the number of distinct patterns, not of pairs.

Pure Python, no Django: the service feeds it a tenant's records and stores the result.
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
    candidate_pairs,
)

__all__ = ["MIN_RECORDS", "Learned", "learn_weights"]

# Below this many records the defaults stay: too few pairs to estimate anything.
MIN_RECORDS = 500
RANDOM_PAIRS = 20_000
MAX_ITERATIONS = 50
TOLERANCE = 1e-4
# Probabilities are kept inside [FLOOR, 1 - FLOOR] so no weight is infinite.
FLOOR = 1e-5

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
        return {
            f: {lvl: math.log2(m / u) for lvl, (m, u) in t.items()} for f, t in self.m_u.items()
        }

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

    m_u: dict[str, dict[int, tuple[float, float]]] = {f: dict(t) for f, t in _M_U.items()}
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
    m = {f: {lvl: mu[0] for lvl, mu in levels.items()} for f, levels in _M_U.items()}
    # Among candidate pairs, the different people agree far more than random pairs do (that is
    # why blocking put them together): the mixture is fitted with its own u for them, and the
    # weights then use m against the random pairs' u.
    u_candidates = {f: dict(levels) for f, levels in u.items()}
    share = 0.1
    converged, iterations = False, 0
    total = sum(patterns.values())
    for step in range(1, max_iterations + 1):
        iterations = step
        # E step: each pattern's probability of being a match.
        posterior = {}
        for pattern in patterns:
            log_ratio = sum(
                math.log(m[f][lvl] / u_candidates[f][lvl]) for f, lvl in pattern if f in m
            )
            odds = share / (1 - share) * math.exp(max(min(log_ratio, 700), -700))
            posterior[pattern] = odds / (1 + odds)
        # M step: m from the expected matches, the share of matches.
        expected = sum(posterior[p] * n for p, n in patterns.items())
        new_share = _clip(expected / total) if total else share
        sums: dict[str, defaultdict[int, float]] = {}
        others: dict[str, defaultdict[int, float]] = {}
        for pattern, n in patterns.items():
            weight = posterior[pattern] * n
            for f, lvl in pattern:
                sums.setdefault(f, defaultdict(float))[lvl] += weight
                others.setdefault(f, defaultdict(float))[lvl] += n - weight
        for f, levels in u_candidates.items():
            seen = others.get(f)
            if seen:
                present = sum(seen.values())
                for lvl in levels:
                    levels[lvl] = _clip((seen[lvl] + 1e-3) / (present + 1e-3 * len(levels)))
        change = abs(new_share - share)
        for f, levels in m.items():
            seen = sums.get(f)
            if not seen:
                continue
            present = sum(seen.values())
            for lvl in levels:
                updated = _clip((seen[lvl] + 1e-3) / (present + 1e-3 * len(levels)))
                change = max(change, abs(updated - levels[lvl]))
                levels[lvl] = updated
        share = new_share
        if change < TOLERANCE:
            converged = True
            break

    learned: dict[str, dict[int, tuple[float, float]]] = {
        f: {lvl: (m[f][lvl], u[f][lvl]) for lvl in table} for f, table in m_u.items()
    }
    # Fields the records never show keep their defaults (no evidence either way).
    for f, table in m_u.items():
        if f not in u_counts and not any(f == pf for p in patterns for pf, _ in p):
            learned[f] = dict(table)
    default = {f: {lvl: math.log2(mu[0] / mu[1]) for lvl, mu in t.items()} for f, t in _M_U.items()}
    result = Learned(
        m_u=learned,
        match_share=share,
        records=len(records),
        candidate_pairs=total,
        random_pairs=drawn,
        iterations=iterations,
        converged=converged,
    )
    changes = {
        f: {lvl: round(w - default[f][lvl], 2) for lvl, w in t.items()}
        for f, t in result.weights().items()
    }
    return Learned(**{**result.__dict__, "changes": changes})
