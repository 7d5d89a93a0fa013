"""Duplicate detection for people (leads and contacts): multi-pass blocking plus a
Fellegi-Sunter match score. Pure Python, no Django models; the services feed it records and act
on the decisions.

How it works
------------
1. Each record is turned once into comparison features (name keys with accents and their ASCII
   spellings folded alike, nickname groups, the mailbox behind the email, its employers, …)
   and a couple of dozen blocking keys, one or more per *pass*: exact email; exact phone;
   sound-alike first and last name (order independent) with a company prefix; each name's
   sound-alike with the postal code's digits in order (so swapped first/last names and
   swapped digits meet); company with the name initials; the street address within a
   country; the house number with the postal code, with the city and with the first name's
   sound; the street name in the postal area; the surname's sound on the same street, in the
   same town and with the first initial in the country; exact full name within a country;
   email local part against the local part built from the name. Two records are candidates
   when they share any key, so a typo or a missing field only defeats the passes that use it.
2. A block is never scanned past `MAX_BLOCK` members: a bigger block (a switchboard number, a
   large office) is split by a refinement key of its pass, and a sub-block that is still too
   big is skipped (the other passes still see its pairs). Each record therefore meets a
   bounded number of candidates, and total cost grows linearly with the number of records.
3. Every candidate pair is compared field by field into agreement levels (exact, nickname,
   close, partial, initial, different; a field missing on either side is left out and weighs
   nothing). Each level carries log2(m/u), the Fellegi-Sunter weight of evidence, where m and
   u are the chances of that level among true duplicates and among different people; the
   score is their sum. Company, street, postal code/city/country and a switchboard number
   describe the workplace rather than the person, and colleagues share them, so their summed
   weight is capped at `CONTEXT_CAP`: a shared office cannot outvote two different names.
   Where a person is reached decides what an address means: the cap applies only when the
   pair's employer (the company, or the domain of a company email) employs somebody else in
   the index too, or the two name different employers. A blank or filler company
   ("self-employed", "n/a"), the person's own name, a free-mail address, a firm one person
   alone carries, or a value most of whose people live apart make it the person's own
   address, which counts in full. A phone number carried by at most a couple of records is
   personal and counts like an email.
   Pairs that provably cannot reach the threshold (no shared email or phone, and a name that
   differs in every reading) are dropped before the full comparison.
4. `classify` turns the score into "merge" (at least `AUTO_MERGE`), "review" (at least
   `REVIEW`) or "distinct". `Match.reasons` says in words what agreed and what differed.
5. The m and u are `Weights`: the defaults below, or what a tenant's own records taught
   (routing/dedupe_learn.py, by expectation maximisation, refreshed nightly by
   routing/dedupe_weights.py); learned weights come with thresholds that ask the same
   certainty given the tenant's prior odds of a duplicate. String comparisons are
   rapidfuzz's (C++).

Survivorship rules (applied by the merge service; `survivor_values` computes the fields)
-----------------------------------------------------------------------------------------
- The surviving row is the one others already point to: an existing contact survives a lead;
  among leads the earliest created survives. Its id stays, so links and API references hold.
- Each field takes the most recent non-empty value among the merged records (newest
  `updated_at` first): an empty value never erases a known one, and a newer one replaces an
  older one.
- All touches and timeline entries of the merged records move to the survivor; the merged
  record keeps `duplicate_of` pointing at it, and the merge history stores each merged
  record's previous values so a merge can be undone.
- A pair an admin marked "not a duplicate" is remembered and never proposed again.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, NamedTuple, TypeVar, cast

from rapidfuzz.distance import OSA, DamerauLevenshtein, JaroWinkler

from routing.normalize import (
    first_name_groups,
    fold_digraphs,
    is_free_mail,
    is_placeholder_company,
    is_role_email,
    name_key,
    normalize_address,
    normalize_company,
    normalize_country,
    normalize_email,
    normalize_person_name,
    normalize_phone,
    normalize_postal,
    phonetic_key,
)

T = TypeVar("T")

__all__ = [
    "AUTO_MERGE",
    "CONTEXT_CAP",
    "DEFAULT_WEIGHTS",
    "LEVEL_NAMES",
    "MAX_BLOCK",
    "REVIEW",
    "SCORE_SCALE_TOP",
    "SWITCHBOARD_RECORDS",
    "DedupeIndex",
    "Duplicate",
    "Match",
    "PersonRecord",
    "ScoreScale",
    "Weights",
    "candidate_pairs",
    "classify",
    "find_duplicates",
    "jaro_winkler",
    "score_pair",
    "score_scale",
    "scored_pairs",
    "survivor_values",
]

# Chosen from bench/dedupe_quality.py. AUTO_MERGE sits above the best score two colleagues
# can reach with near-identical names (same last name, first names one typo apart, a full
# shared workplace: 20.7), so merges need more than a shared office; no false merge was
# measured from 20 up. REVIEW maximises F1 of merge + review: just below it lie mostly
# colleagues whose surnames only partly agree (16.7).
AUTO_MERGE = 21.0
REVIEW = 17.0
# The top of the 0-100 scale the pages show scores on (`score_scale`): a pair agreeing on name
# and email scores about 27, on every field about 46; from this score on the bar is full.
SCORE_SCALE_TOP = 40.0
# Most weight the workplace fields together may add (see the module docstring).
CONTEXT_CAP = 9.0
# A block bigger than this is sub-blocked (see the module docstring).
MAX_BLOCK = 20
# A phone number already on this many indexed records is a switchboard: it then counts as
# workplace context, not as a personal identifier. (Three, not two: a person with two
# earlier records would otherwise lose the evidence of their own number.)
SWITCHBOARD_RECORDS = 3
# People and places kept per company to tell a workplace from a filler value (see
# DedupeIndex._workplace): a "company" with at least FILLER_PEOPLE people, at least half as
# many places as people, is no shared office.
COMPANY_SAMPLE = 64
FILLER_PEOPLE = 10
# log2 prior odds that two records are the same person, only used to turn a score into a
# probability for display (REVIEW ≈ 0.89, AUTO_MERGE ≈ 0.99); the decisions use the score.
PRIOR_LOG2_ODDS = -14.0

Decision = Literal["merge", "review", "distinct"]


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person as the matcher sees them, with every field already normalised (see
    `from_raw`): names in display form, email lower-case, phone E.164, company and street as
    match keys (routing.normalize), city as a name key, country ISO alpha-2."""

    key: Hashable
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    updated_at: datetime | None = None

    @classmethod
    def from_raw(
        cls,
        key: Hashable,
        *,
        first_name: str | None = "",
        last_name: str | None = "",
        email: str | None = "",
        phone: str | None = "",
        company: str | None = "",
        street: str | None = "",
        city: str | None = "",
        postal_code: str | None = "",
        country: str | None = "",
        updated_at: datetime | None = None,
    ) -> PersonRecord:
        """Normalise raw input (as typed in a form or a CSV) into a record."""
        iso = normalize_country(country)
        return cls(
            key=key,
            first_name=normalize_person_name(first_name),
            last_name=normalize_person_name(last_name),
            email=normalize_email(email),
            phone=normalize_phone(phone, iso),
            company=normalize_company(company),
            street=normalize_address(street),
            city=name_key(city),
            postal_code=normalize_postal(postal_code, iso),
            country=iso,
            updated_at=updated_at,
        )


class _Features(NamedTuple):
    """What the comparison reads, computed once per record."""

    fn: str  # first-name key ("jean luc")
    ln: str  # last-name key
    fn_core: str  # the key without particles or spaces (see _core)
    ln_core: str
    fn_groups: frozenset[str]  # nickname groups of the first token
    ln_groups: frozenset[str]  # the same for the last name, read as a first name (swaps)
    ph_fn: tuple[str, ...]  # sound-alike codes of those groups
    ph_ln: str
    email: str  # mailbox key (tags dropped)
    local: str  # letters of the local part, for the local-part ~ name pass
    role_email: bool
    phone: str
    company: str
    street: str
    postal: str
    city: str
    country: str
    # Who, roughly (see _people_keys): to tell a company's people apart.
    person: tuple[str, ...]
    # Who employs them, as far as the record says: the company key and the email's domain
    # when that is a company's ("@acme.com"); none when nothing names an employer (no company,
    # a filler, the person's own name, a free-mail address): an address is the person's own.
    employers: tuple[str, ...]


def _groups(name: str) -> frozenset[str]:
    first_token = name.split(" ", 1)[0]
    return first_name_groups(first_token) if first_token else frozenset()


def _letters(text: str) -> str:
    return "".join(ch for ch in text if "a" <= ch <= "z")


def _features(r: PersonRecord) -> _Features:
    fn, ln = fold_digraphs(name_key(r.first_name)), fold_digraphs(name_key(r.last_name))
    groups = _groups(fn)
    email = r.email
    local, _, domain = email.rpartition("@")
    if local:
        local = local.split("+", 1)[0]
        if domain in ("gmail.com", "googlemail.com"):
            local, domain = local.replace(".", ""), "gmail.com"
        email = f"{local}@{domain}"
    return _Features(
        fn=fn,
        ln=ln,
        fn_core=_core(fn),
        ln_core=_core(ln),
        fn_groups=groups,
        ln_groups=_groups(ln),
        ph_fn=tuple(sorted({phonetic_key(g) for g in groups} - {""})),
        ph_ln=phonetic_key(ln.replace(" ", "")),
        email=email,
        local=fold_digraphs(_letters(local)),
        role_email=is_role_email(r.email),
        phone=r.phone,
        company=r.company,
        street=r.street,
        postal=r.postal_code,
        city=r.city,
        country=r.country,
        person=_people_keys(fn, ln, email),
        employers=_employers(r.company, fn, ln, email),
    )


def _people_keys(fn: str, ln: str, email: str) -> tuple[str, ...]:
    """Who, roughly, to tell a company's people apart: the sound of the last name with the
    first initial, and their mailbox at a company's domain (two mailboxes there are two
    colleagues, however alike their names)."""
    keys = [f"{phonetic_key(ln.replace(' ', '')) or ln}|{fn[:1]}"]
    domain = email.rpartition("@")[2]
    if domain and not is_free_mail(domain) and not is_role_email(email):
        keys.append("@" + email)
    return tuple(keys)


def _employers(company: str, fn: str, ln: str, email: str) -> tuple[str, ...]:
    keys = []
    if company and not is_placeholder_company(company) and company not in _own_names(fn, ln):
        keys.append(company)
    domain = email.rpartition("@")[2]
    if domain and not is_free_mail(domain):
        keys.append("@" + domain)
    return tuple(keys)


def _own_names(fn: str, ln: str) -> set[str]:
    """The company keys that are only the person's name ("John Smith", "Smith")."""
    return {n for n in (f"{fn} {ln}".strip(), f"{ln} {fn}".strip(), ln) if n}


# --------------------------------------------------------------------------------------------
# String similarity


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4, the prefix bonus
    from a Jaro similarity of 0.7 on), by rapidfuzz (C++)."""
    return JaroWinkler.similarity(a, b)


def _one_edit(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or adjacent transposition turns a
    into b (the typos people make): optimal string alignment distance 1, by rapidfuzz."""
    return a != b and OSA.distance(a, b, score_cutoff=1) == 1


def _close(a: str, b: str, *, threshold: float = 0.92) -> bool:
    """A typo or two apart: same first letter, and one edit on a word of three letters or
    more, or Jaro-Winkler at least `threshold` at about the same length (two typos in a long
    word). The first-letter condition also spares most Jaro-Winkler computations, the costly
    part of comparing."""
    if a[:1] != b[:1]:  # people rarely mistype the first letter: "Mary" and "Gary" are two
        return False
    if min(len(a), len(b)) >= 3 and _one_edit(a, b):
        return True
    # Same length give or take one: "Brun" and "Brunet" are two names, not a typo.
    return abs(len(a) - len(b)) <= 1 and jaro_winkler(a, b) >= threshold


def _alike(a: str, b: str) -> bool:
    """Partial agreement: one edit on a short word ("Amy"/"Aym", also "Jan"/"Jon"), or
    Jaro-Winkler at least 0.85 for words that start alike."""
    if _one_edit(a, b):
        return True
    return a[:1] == b[:1] and jaro_winkler(a, b) >= 0.85


# --------------------------------------------------------------------------------------------
# Agreement levels and their weights

EXACT, NICK, CLOSE, PARTIAL, INITIAL, DIFF = range(6)

# (m, u) per field and level, given that both records have the field: m = P(level | same
# person), u = P(level | different people). m reflects how often real duplicates keep a field
# intact (typos, nicknames, a private email instead of the work one); u how often two
# different people agree by chance (name frequencies, colleagues sharing a company). The
# weight of a level is log2(m / u).
_M_U: dict[str, dict[int, tuple[float, float]]] = {
    "first_name": {
        EXACT: (0.80, 0.012),
        NICK: (0.07, 0.006),
        CLOSE: (0.08, 0.004),
        PARTIAL: (0.03, 0.01),
        INITIAL: (0.04, 0.004),
        DIFF: (0.004, 0.96),
    },
    "last_name": {
        EXACT: (0.85, 0.005),
        CLOSE: (0.12, 0.004),
        PARTIAL: (0.025, 0.008),
        DIFF: (0.004, 0.97),
    },
    # Same local part at another domain ("j.smith@acme.com", "j.smith@gmail.com") mostly
    # repeats what the names already say, so it counts for little.
    "email": {EXACT: (0.6, 0.00005), PARTIAL: (0.05, 0.02), DIFF: (0.35, 0.9995)},
    # Two personal mailboxes at one company domain: a company gives each employee one, so
    # this is two colleagues far more often than one person with an alias. (Weighed against
    # colleagues, not against all pairs, since the workplace fields already said "colleague".)
    "work_mailbox": {DIFF: (0.03, 1.0)},
    "role_email": {EXACT: (0.02, 0.002)},  # a shared inbox (info@…) agrees for colleagues
    # A number only one or two records carry identifies a person, like an email address; a
    # number many records carry is a switchboard and only says "same workplace".
    "phone": {EXACT: (0.7, 0.0005), DIFF: (0.3, 0.999)},
    "shared_phone": {EXACT: (0.7, 0.01)},
    "company": {
        EXACT: (0.70, 0.01),
        CLOSE: (0.12, 0.002),
        PARTIAL: (0.05, 0.005),
        DIFF: (0.08, 0.98),
    },
    # The house number and the street name are compared apart: CLOSE is the same house with a
    # typo or another spelling of the street, PARTIAL the same street with another or no
    # house number.
    "street": {
        EXACT: (0.70, 0.005),
        CLOSE: (0.12, 0.002),
        PARTIAL: (0.05, 0.01),
        DIFF: (0.05, 0.98),
    },
    # Postal code, city and country say the same thing at three grains: the finest grain both
    # records have is compared ("locality"), and the city beside an agreeing or nearly
    # agreeing postal code ("town") adds a little; a differing country always counts.
    "postal_code": {EXACT: (0.90, 0.005), CLOSE: (0.03, 0.004), DIFF: (0.03, 0.99)},
    "postal_code_same_city": {DIFF: (0.02, 0.03)},  # another postal code in the same city
    "town": {EXACT: (0.85, 0.25), CLOSE: (0.06, 0.02), DIFF: (0.09, 0.73)},
    "city": {EXACT: (0.85, 0.03), CLOSE: (0.08, 0.003), DIFF: (0.04, 0.96)},
    "country": {EXACT: (0.95, 0.2), DIFF: (0.01, 0.8)},
}
LEVEL_NAMES = {
    EXACT: "exact",
    NICK: "nickname",
    CLOSE: "close",
    PARTIAL: "partial",
    INITIAL: "initial",
    DIFF: "different",
}
# A merge needs posterior log2 odds of MERGE_LOG2_ODDS (p ≈ 0.992), review REVIEW_LOG2_ODDS
# (p ≈ 0.89): with the default prior (PRIOR_LOG2_ODDS) these are AUTO_MERGE and REVIEW.
MERGE_LOG2_ODDS = AUTO_MERGE + PRIOR_LOG2_ODDS
REVIEW_LOG2_ODDS = REVIEW + PRIOR_LOG2_ODDS


@dataclass(frozen=True)
class Weights:
    """The m and u of every field and level, and the scores a merge and a review need: the
    defaults (`DEFAULT_WEIGHTS`), or what a tenant's records taught (routing/dedupe_learn.py)."""

    m_u: Mapping[str, Mapping[int, tuple[float, float]]]
    merge_at: float = AUTO_MERGE
    review_at: float = REVIEW
    _table: dict[str, dict[int, float]] = field(init=False, repr=False, compare=False)
    # The most a pair scores when, in every reading of the names, one of them differs and no
    # email or phone is shared (the best single name, the mildest name difference, the best
    # non-identical email level); and the most the context fields add uncapped.
    names_and_email_bound: float = field(init=False, repr=False, compare=False)
    personal_context_max: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = {
            f: {lvl: math.log2(m / u) for lvl, (m, u) in t.items()} for f, t in self.m_u.items()
        }
        bound = (
            max(table["first_name"][EXACT], table["last_name"][EXACT])
            + max(table["first_name"][DIFF], table["last_name"][DIFF])
            + table["email"][PARTIAL]
        )
        context = (
            table["shared_phone"][EXACT]
            + table["company"][EXACT]
            + table["street"][EXACT]
            + max(table["postal_code"][EXACT] + table["town"][EXACT], table["city"][EXACT])
        )
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "names_and_email_bound", bound)
        object.__setattr__(self, "personal_context_max", max(context, 0.0))

    @classmethod
    def with_prior(
        cls, m_u: Mapping[str, Mapping[int, tuple[float, float]]], prior_log2_odds: float
    ) -> Weights:
        """Weights whose thresholds ask the same certainty as the defaults, given the prior odds
        that two records of this tenant are one person."""
        return cls(
            m_u,
            merge_at=MERGE_LOG2_ODDS - prior_log2_odds,
            review_at=REVIEW_LOG2_ODDS - prior_log2_odds,
        )

    @property
    def prior_log2_odds(self) -> float:
        return MERGE_LOG2_ODDS - self.merge_at

    def table(self) -> dict[str, dict[int, float]]:
        """log2(m / u) per field and level."""
        return self._table

    def of(self, field_name: str, level: int | None) -> float:
        return 0.0 if level is None else self._table[field_name][level]

    def context_max(self, workplace: bool) -> float:
        return CONTEXT_CAP if workplace else self.personal_context_max

    def classify(self, score: float) -> Decision:
        if score >= self.merge_at:
            return "merge"
        return "review" if score >= self.review_at else "distinct"


DEFAULT_WEIGHTS = Weights(_M_U)


_CONTEXT = frozenset(
    [
        "shared_phone",
        "company",
        "street",
        "postal_code",
        "postal_code_same_city",
        "city",
        "town",
        "country",
    ]
)
# Names read in the other order are a common data-entry slip but a little less telling.
SWAP_PENALTY = 1.0


@lru_cache(maxsize=1 << 16)
def _first_level(x: str, y: str) -> int:
    """Cached per name pair: names repeat a lot, and Jaro-Winkler is the costly part."""
    if x == y:
        return EXACT
    if len(x) == 1 or len(y) == 1:  # an initial ("J.")
        return INITIAL if x[0] == y[0] else DIFF
    x_first, y_first = x.split(" ", 1)[0], y.split(" ", 1)[0]
    if x_first == y_first and (x == x_first or y == y_first):  # "anna" ~ "anna maria"
        return PARTIAL
    if x_first != y_first and first_name_groups(x_first) & first_name_groups(y_first):
        return NICK
    if _close(x, y):
        return CLOSE
    return PARTIAL if _alike(x, y) else DIFF


@lru_cache(maxsize=1 << 16)
def _last_level(x: str, y: str) -> int:
    if x == y:
        return EXACT
    # Fuzzy comparison on the name without its particles: "van der Brink" and "van der
    # Burg" share a long prefix that says nothing.
    cx, cy = _core(x), _core(y)
    if cx == cy or _close(cx, cy) or _one_edit(x.replace(" ", ""), y.replace(" ", "")):
        return CLOSE  # a typo, also in a particle ("Vn der Veen")
    if _alike(cx, cy) or _shares_word(x, y):  # "van der berg" ~ "berg"
        return PARTIAL
    return DIFF


_SURNAME_PARTICLES = frozenset(
    ["van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "ter", "ten"]
)


def _core(last_name: str) -> str:
    words = [w for w in last_name.split() if w not in _SURNAME_PARTICLES]
    return "".join(words) if words else last_name.replace(" ", "")


def _first(x: str, y: str) -> int:
    return _first_level(x, y) if x <= y else _first_level(y, x)  # one cache entry per pair


def _last(x: str, y: str) -> int:
    return _last_level(x, y) if x <= y else _last_level(y, x)


def _shares_word(x: str, y: str) -> bool:
    if " " not in x and " " not in y:
        return False
    return any(len(w) >= 3 for w in set(x.split()) & set(y.split()))


def _name_weight(fl: int | None, ll: int | None, w: Weights) -> float:
    return w.of("first_name", fl) + w.of("last_name", ll)


def _name_levels(a: _Features, b: _Features, w: Weights) -> tuple[int | None, int | None, bool]:
    """Levels of first and last name; when they disagree, the names are also read crosswise
    (a's first name against b's last name), taking either record as the one swapped."""
    fl = _first(a.fn, b.fn) if a.fn and b.fn else None
    ll = _last(a.ln, b.ln) if a.ln and b.ln else None
    straight = _name_weight(fl, ll, w)
    if straight >= 10 or not (a.fn and a.ln and b.fn and b.ln):
        return fl, ll, False
    if a.fn[0] != b.ln[0] and a.ln[0] != b.fn[0]:
        return fl, ll, False  # crosswise, at least one pair would have to start alike
    best, levels = straight, (fl, ll, False)
    # b swapped: a's first name is in b's last-name field; or a swapped, the other way.
    for fl2, ll2 in (
        (_first(a.fn, b.ln), _last(a.ln, b.fn)),
        (_first(a.ln, b.fn), _last(a.fn, b.ln)),
    ):
        weight = _name_weight(fl2, ll2, w) - SWAP_PENALTY
        if weight > best:
            best, levels = weight, (fl2, ll2, True)
    return levels


def _exact_level(x: str, y: str) -> int | None:
    if not x or not y:
        return None
    return EXACT if x == y else DIFF


def _fuzzy_level(x: str, y: str, *, partial: bool = False) -> int | None:
    if not x or not y:
        return None
    if x == y:
        return EXACT
    return _fuzzy_cached(x, y, partial) if x < y else _fuzzy_cached(y, x, partial)


@lru_cache(maxsize=1 << 16)
def _fuzzy_cached(x: str, y: str, partial: bool) -> int:
    if _close(x, y):
        return CLOSE
    if partial and _contains_words(x, y):
        return PARTIAL
    return DIFF


def _street_level(x: str, y: str) -> int | None:
    if not x or not y:
        return None
    if x == y:
        return EXACT
    return _street_cached(x, y) if x < y else _street_cached(y, x)


@lru_cache(maxsize=1 << 16)
def _street_cached(x: str, y: str) -> int:
    # The house number and the street name apart: another house number is another address
    # ("vester vej 61", "vester vej 35"), but on the same street; a typo or a run-together
    # spelling of the street ("pinkertoncircuit") is the same address.
    numbers_x = [w for w in x.split() if any(ch.isdigit() for ch in w)]
    numbers_y = [w for w in y.split() if any(ch.isdigit() for ch in w)]
    name_x, name_y = _letters(_street_name(x)), _letters(_street_name(y))
    same_street = bool(name_x and name_y) and _street_names_alike(name_x, name_y)
    if numbers_x and numbers_y and numbers_x != numbers_y:
        return PARTIAL if same_street else DIFF
    if same_street:
        return CLOSE if numbers_x == numbers_y else PARTIAL
    if numbers_x and numbers_x == numbers_y and not (name_x and name_y):
        return PARTIAL  # the house number alone on one side
    return CLOSE if _close(x, y) else DIFF


def _street_names_alike(x: str, y: str) -> bool:
    """Street names, letters only: equal, one edit or two apart, or one the other's start
    ("mulga" and "mulgast": the street word typed into the name)."""
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    if len(short) >= 5 and long.startswith(short):
        return True
    return x[:1] == y[:1] and DamerauLevenshtein.distance(x, y, score_cutoff=2) <= 2


def _contains_words(x: str, y: str) -> bool:
    """One company key is the other plus words ("siemens" ~ "siemens healthineers")."""
    wx, wy = set(x.split()), set(y.split())
    return wx <= wy or wy <= wx


def _email_level(a: _Features, b: _Features) -> tuple[str, int | None]:
    if not a.email or not b.email:
        return "email", None
    if a.email == b.email:
        return ("role_email" if a.role_email else "email"), EXACT
    if a.role_email or b.role_email:
        return "email", DIFF
    local_a, _, domain_a = a.email.partition("@")
    local_b, _, domain_b = b.email.partition("@")
    if local_a == local_b and len(a.local) >= 5:
        return "email", PARTIAL
    if domain_a == domain_b and not is_free_mail(domain_a):
        return "work_mailbox", DIFF
    return "email", DIFF


def _locality(a: _Features, b: _Features) -> list[tuple[str, int]]:
    """The finest of postal code, city and country that both records have."""
    if a.country and b.country and a.country != b.country:
        return [("country", DIFF)]
    if a.postal and b.postal:
        town = [("town", t)] if (t := _fuzzy_level(a.city, b.city)) is not None else []
        if a.postal == b.postal:
            return [("postal_code", EXACT), *town]
        if len(a.postal) == len(b.postal) and _one_edit(a.postal, b.postal):
            return [("postal_code", CLOSE), *town]  # a typo or two digits swapped
        if a.city and a.city == b.city:
            return [("postal_code_same_city", DIFF)]
        return [("postal_code", DIFF)]
    city = _fuzzy_level(a.city, b.city)
    if city is not None:
        return [("city", city)]
    return [("country", EXACT)] if a.country and b.country else []


def _may_agree_first(x: str, y: str, gx: frozenset[str], gy: frozenset[str]) -> bool:
    """False only if _first_level(x, y) is DIFF: every other level needs the same first
    letter, a nickname in common or a single edit."""
    return x[0] == y[0] or bool(gx & gy) or _one_edit(x, y)


def _may_agree_last(x: str, y: str, cx: str, cy: str) -> bool:
    """False only if _last_level(x, y) is DIFF (cx, cy: the cores of x and y)."""
    if cx[:1] == cy[:1] or _one_edit(cx, cy) or _shares_word(x, y):
        return True
    return _one_edit(x.replace(" ", ""), y.replace(" ", ""))


def _may_reach(a: _Features, b: _Features) -> bool:
    """False only if the pair cannot score above `Weights.names_and_email_bound` plus its
    context: no email or phone in
    common, and in every reading of the names (straight or crosswise) one of the two names
    is DIFF. Most candidate pairs (colleagues, namesakes elsewhere) end here, before the
    costly comparison."""
    if (a.email and a.email == b.email) or (a.phone and a.phone == b.phone):
        return True
    if not (a.fn and a.ln and b.fn and b.ln):
        return True
    if _may_agree_first(a.fn, b.fn, a.fn_groups, b.fn_groups) and _may_agree_last(
        a.ln, b.ln, a.ln_core, b.ln_core
    ):
        return True
    if _may_agree_first(a.fn, b.ln, a.fn_groups, b.ln_groups) and _may_agree_last(
        a.ln, b.fn, a.ln_core, b.fn_core
    ):
        return True
    return _may_agree_first(a.ln, b.fn, a.ln_groups, b.fn_groups) and _may_agree_last(
        a.fn, b.ln, a.fn_core, b.ln_core
    )


def _levels(
    a: _Features, b: _Features, w: Weights, *, shared_phone: bool = False
) -> tuple[list[tuple[str, int]], bool]:
    """The agreement level of every field both records have, and whether names were
    swapped. `shared_phone`: their common number is on many records (a switchboard)."""
    fl, ll, swapped = _name_levels(a, b, w)
    return _with_other_levels(a, b, fl, ll, shared_phone), swapped


def _with_other_levels(
    a: _Features, b: _Features, fl: int | None, ll: int | None, shared_phone: bool
) -> list[tuple[str, int]]:
    email_field, el = _email_level(a, b)
    phone = _exact_level(a.phone, b.phone)
    pairs = [
        ("first_name", fl),
        ("last_name", ll),
        (email_field, el),
        ("shared_phone" if shared_phone and phone == EXACT else "phone", phone),
        ("company", _fuzzy_level(a.company, b.company, partial=True)),
        ("street", _street_level(a.street, b.street)),
    ]
    return [(f, lvl) for f, lvl in pairs if lvl is not None] + _locality(a, b)


def _quick_score(
    a: _Features,
    b: _Features,
    floor: float,
    w: Weights,
    *,
    shared_phone: bool,
    workplace: bool = True,
) -> float:
    """The score, or -inf when it is proven below `floor`: by `_may_reach` before comparing
    anything, or once the names are compared, when even the best email level short of
    identical and every context field agreeing could not lift it to `floor`."""
    context_max = w.context_max(workplace)
    if floor > w.names_and_email_bound + context_max and not _may_reach(a, b):
        return -math.inf
    fl, ll, swapped = _name_levels(a, b, w)
    shares_key = (a.email and a.email == b.email) or (a.phone and a.phone == b.phone)
    if not shares_key:
        names = _name_weight(fl, ll, w) - (SWAP_PENALTY if swapped else 0)
        if names + w.of("email", PARTIAL) + context_max < floor:
            return -math.inf
    return _score(_with_other_levels(a, b, fl, ll, shared_phone), swapped, w, workplace)


def _score(
    levels: list[tuple[str, int]], swapped: bool, w: Weights, workplace: bool = True
) -> float:
    """The summed weights; the context fields' sum is capped when they describe a workplace
    (colleagues share it), not when they are the person's own address."""
    person = -SWAP_PENALTY if swapped else 0.0
    context = 0.0
    for field_name, level in levels:
        if field_name in _CONTEXT:
            context += w.of(field_name, level)
        else:
            person += w.of(field_name, level)
    return person + (min(context, CONTEXT_CAP) if workplace else context)


# --------------------------------------------------------------------------------------------
# Matches and reasons


@dataclass(frozen=True, slots=True)
class Match:
    """The verdict on one pair: `score` is the summed log2 weight of evidence (higher = more
    alike), `probability` the same on a 0-1 scale, `reasons` what agreed or differed."""

    score: float
    probability: float
    reasons: list[str] = field(default_factory=list)


def _probability(score: float, w: Weights) -> float:
    odds = score + w.prior_log2_odds
    return 1.0 / (1.0 + 2.0 ** (-odds)) if odds > -60 else 0.0


def _full_name(r: PersonRecord, swapped: bool = False) -> str:
    names = (r.last_name, r.first_name) if swapped else (r.first_name, r.last_name)
    return " ".join(n for n in names if n)


def _name_reasons(a: PersonRecord, b: PersonRecord, fl: int | None, ll: int | None) -> list[str]:
    if fl is None and ll is None:
        return []
    if fl in (EXACT, None) and ll in (EXACT, None):
        return [f"same name ({_full_name(a)})"]
    if fl in (NICK, INITIAL) and ll in (EXACT, CLOSE, None):
        what = "nickname" if fl == NICK else "initial"
        return [f"first name is a {what} ({a.first_name}/{b.first_name} {a.last_name})"]
    if (fl is None or fl < DIFF) and (ll is None or ll < DIFF):
        return [
            f"name similar ({_pair(a.first_name, b.first_name)} {_pair(a.last_name, b.last_name)})"
        ]
    parts = []
    if fl == DIFF:
        parts.append(f"first name differs ({a.first_name}/{b.first_name})")
    if ll == DIFF:
        parts.append(f"last name differs ({a.last_name}/{b.last_name})")
    return parts


def _pair(x: str, y: str) -> str:
    return x if x == y else f"{x}/{y}"


_FIELD_LABELS = {
    "email": "email",
    "work_mailbox": "work email",
    "role_email": "shared inbox",
    "phone": "phone",
    "shared_phone": "switchboard number",
    "company": "company",
    "street": "street address",
    "postal_code": "postal code",
    "city": "city",
    "town": "city",
    "country": "country",
}


def _reasons(
    a: PersonRecord, b: PersonRecord, levels: list[tuple[str, int]], swapped: bool
) -> list[str]:
    by_field = dict(levels)
    if swapped:
        b = _swap_names(b)
    reasons = _name_reasons(a, b, by_field.get("first_name"), by_field.get("last_name"))
    if swapped:
        reasons.append("first and last name swapped")
    for field_name, level in levels:
        label = _FIELD_LABELS.get(field_name)
        if label is None:
            continue
        if field_name == "postal_code_same_city":
            reasons.append("same city, other postal code")
        elif level == EXACT:
            reasons.append(f"same {label}")
        elif level == DIFF:
            reasons.append(f"{label} differs")
        elif field_name == "email":
            reasons.append("same email name at another domain")
        else:
            reasons.append(f"{label} similar")
    return reasons


def _swap_names(r: PersonRecord) -> PersonRecord:
    return PersonRecord(key=r.key, first_name=r.last_name, last_name=r.first_name, email=r.email)


def _match(
    a: PersonRecord,
    b: PersonRecord,
    fa: _Features,
    fb: _Features,
    w: Weights,
    *,
    shared_phone: bool = False,
    workplace: bool = True,
) -> Match:
    levels, swapped = _levels(fa, fb, w, shared_phone=shared_phone)
    score = round(_score(levels, swapped, w, workplace), 3)
    return Match(score, _probability(score, w), _reasons(a, b, levels, swapped))


def score_pair(a: PersonRecord, b: PersonRecord, weights: Weights | None = None) -> Match:
    """Compare two records: their score, its probability and the reasons. Without a tenant's
    records to tell a workplace from a filler, a company that names an employer is taken for a
    workplace (`DedupeIndex` knows better)."""
    fa, fb = _features(a), _features(b)
    w = weights or DEFAULT_WEIGHTS
    return _match(a, b, fa, fb, w, workplace=bool(fa.employers or fb.employers))


def classify(match: Match | float, weights: Weights | None = None) -> Decision:
    """ "merge" at or above the weights' merge score (AUTO_MERGE by default), "review" at or
    above their review score (REVIEW), else "distinct"."""
    score = match.score if isinstance(match, Match) else match
    return (weights or DEFAULT_WEIGHTS).classify(score)


@dataclass(frozen=True, slots=True)
class ScoreScale:
    """A score as the pages show it: points on a 0-100 bar with the thresholds marked on the same
    bar (from REVIEW and AUTO_MERGE, the numbers `classify` decides with), and in words."""

    score: float
    points: int
    review_at: int
    merge_at: int
    verdict: Decision
    words: str
    probability: float


def _points(score: float) -> int:
    return round(100 * min(max(score, 0.0), SCORE_SCALE_TOP) / SCORE_SCALE_TOP)


def score_scale(score: float, weights: Weights | None = None) -> ScoreScale:
    """`score` on the pages' 0-100 scale, with the thresholds and a verdict in words. Learned
    weights move the thresholds; the bar is shifted with them, so they keep their places."""
    w = weights or DEFAULT_WEIGHTS
    verdict = w.classify(score)
    if verdict == "merge":
        words = "The same person: pairs this alike are merged automatically"
    elif verdict == "review":
        likely = score >= (w.review_at + w.merge_at) / 2
        words = f"{'Likely' if likely else 'Possibly'} the same person: needs review"
    else:
        words = "Probably different people: not proposed"
    shift = w.merge_at - AUTO_MERGE
    return ScoreScale(
        score=score,
        points=_points(score - shift),
        review_at=_points(w.review_at - shift),
        merge_at=_points(AUTO_MERGE),
        verdict=verdict,
        words=words,
        probability=_probability(score, w),
    )


# --------------------------------------------------------------------------------------------
# Blocking


def _block_keys(f: _Features) -> list[tuple[str, str]]:
    """(blocking key, refinement) pairs; the refinement splits a block grown past MAX_BLOCK."""
    names = _name_codes(f)
    initials = "".join(sorted((f.fn[:1], f.ln[:1])))
    keys: list[tuple[str, str]] = []
    if f.email:
        keys.append(("e" + f.email, names[0] if names else ""))
    if f.phone:
        keys.append(("p" + f.phone, names[0] if names else ""))
    for code in names:
        if f.company:
            keys.append((f"n{code}|{f.company[:4]}", f.postal))
    # The postal code's digits in order, so that a transposition typo ("6390", "6309") meets.
    postal = "".join(sorted(f.postal))
    if postal:
        for sound in {*f.ph_fn, f.ph_ln} - {""}:
            keys.append((f"o{sound}|{postal}", initials))
    if f.company and (f.fn or f.ln):
        keys.append((f"c{f.company}|{initials}", f.postal + f.ph_ln))
    if f.street and (f.fn or f.ln):
        # At a workplace the address holds colleagues: with the initials. At home, without
        # (a retyped or replaced name still meets), split by them only when crowded.
        keys.append((f"s{f.street}|{f.country}|{initials}", f.ph_ln))
        if not f.employers:
            keys.append((f"t{f.street}|{f.country}", initials))
    if not f.employers:
        keys.extend(_home_keys(f, postal, initials))
    keys.extend((f"x{full}|{f.country}", f.city) for full in _full_name_keys(f))
    keys.extend((f"l{local}|{f.country}", f.postal) for local in _local_part_keys(f))
    return keys


def _home_keys(f: _Features, postal: str, initials: str) -> list[tuple[str, str]]:
    """Passes for people reached at home (no employer on the record): their address is their
    own, so it meets their earlier records even when the name was retyped or replaced. (At a
    workplace the company passes do that work, and these would put colleagues together.)"""
    keys: list[tuple[str, str]] = []
    # The house: the number with the postal code or with the city, so that a person whose
    # name was retyped or replaced still meets their earlier record at home.
    number = _house_number(f.street)
    if number:
        name_start = _street_name(f.street)[:3]
        if postal:
            keys.append((f"a{number}|{postal}", name_start))
        if f.city:
            keys.append((f"b{number}|{f.city}", name_start))
        for sound in f.ph_fn:
            keys.append((f"g{sound}|{number}|{f.country}", f.ph_ln))
    # The street (its name, letters only: "follettkstreet" and "follett st" differ anyway) in
    # the same postal area.
    street_name = _letters(_street_name(f.street))[:6]
    if street_name and postal:
        keys.append((f"h{street_name}|{postal}", initials))
    # Either name's sound on the same street, and in the same town: one name mistyped past its
    # sound, or the two swapped, still meets by the other.
    sounds = {*f.ph_fn, f.ph_ln} - {""}
    for sound in sounds:
        if street_name:
            keys.append((f"k{sound}|{street_name}", postal))
        if f.city:
            keys.append((f"d{sound}|{f.city}", initials))
    # The surname's sound with the first initial in the same country.
    if f.ph_ln and f.fn:
        keys.append((f"f{f.ph_ln}|{f.fn[:1]}|{f.country}", f.postal[:2] or f.city[:3]))
    return keys


def _house_number(street: str) -> str:
    """The first word with a digit in a street key ("12a" in "12a main st")."""
    return next((w for w in street.split() if any(ch.isdigit() for ch in w)), "")


def _street_name(street: str) -> str:
    """The street key without its numbers."""
    return " ".join(w for w in street.split() if not any(ch.isdigit() for ch in w))


def _name_codes(f: _Features) -> list[str]:
    """Order-independent sound-alike codes of first and last name, one per nickname group."""
    if not f.ph_ln or not f.ph_fn:
        return []
    return ["|".join(sorted((pf, f.ph_ln))) for pf in f.ph_fn]


def _full_name_keys(f: _Features) -> list[str]:
    if not f.fn or not f.ln or len(f.fn) == 1:
        return []
    last = f.ln.replace(" ", "")
    return ["|".join(sorted((group, last))) for group in f.fn_groups]


def _local_part_keys(f: _Features) -> set[str]:
    """The email's local part, and the one people build from their full name: a record with
    no email meets one whose address is john.smith@ or johnsmith@. (Initial-and-surname
    forms such as jsmith@ are left out: they make big blocks and add almost no pairs that
    the name passes miss.)"""
    keys: set[str] = set()
    if f.local and not f.role_email and len(f.local) >= 4:
        keys.add(f.local)
    first, last = _letters(f.fn.split(" ", 1)[0]), _letters(f.ln)
    if len(first) > 1 and last:
        keys.add(first + last)
    return keys


class _Block(NamedTuple):
    key: int
    refinement: int


def _hashed(f: _Features) -> list[_Block]:
    # Hashes rather than strings keep the index small; a collision only merges two blocks.
    return [_Block(hash(k), hash(r)) for k, r in _block_keys(f)]


class _Staff(NamedTuple):
    """What the index saw of one employer, up to COMPANY_SAMPLE of each: its people's name
    sounds, their mailboxes at its domain, and the places they are at."""

    names: set[str]
    mailboxes: set[str]
    places: set[str]


class DedupeIndex:
    """Records indexed by their blocking keys, built once (say, from a tenant's contacts) and
    then queried with new records in bulk; `add` makes a new record findable too.

    Blocks hold record positions; a block past `max_block` members is split by its
    refinement key, and a sub-block past `max_block` is not scanned at all. Adding a record
    whose key is already indexed replaces it (the earlier entry is no longer found)."""

    def __init__(
        self,
        records: Iterable[PersonRecord] = (),
        *,
        max_block: int = MAX_BLOCK,
        weights: Weights | None = None,
    ):
        self.max_block = max_block
        # Scoring reads them, blocking does not: a live index may be given new ones.
        self.weights = weights or DEFAULT_WEIGHTS
        self._records: list[PersonRecord | None] = []
        self._features: list[_Features | None] = []
        self._latest: dict[Hashable, int] = {}  # each key's current position
        self._blocks: dict[int, int | list[int]] = {}
        self._split: dict[int, dict[int, list[int]]] = {}
        # Per employer key (`_Features.employers`): the people (`_Features.person`) and places
        # seen, up to a sample.
        self._companies: dict[str, _Staff] = {}
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._latest)

    def add(self, record: PersonRecord) -> None:
        """Make `record` findable by later queries."""
        f = _features(record)
        self._add(record, f, _hashed(f))

    def candidates(self, record: PersonRecord) -> list[PersonRecord]:
        """Indexed records that share a block with `record` (itself excluded)."""
        found = self._positions(_hashed(_features(record)))
        records = self._live(self._records)
        return [records[p] for p in sorted(found) if records[p].key != record.key]

    @staticmethod
    def _live(entries: list[T | None]) -> list[T]:
        """`entries` as read at the positions `_positions` returns, or of an entry about to be
        replaced: those are never None (a replaced entry is None, and left out). Typing only, no
        copy: the hot loops index the list itself."""
        return cast(list[T], entries)

    def _positions(self, blocks: list[_Block]) -> set[int]:
        """Current positions sharing a block (entries replaced since are left out)."""
        found = self._block_positions(blocks)
        if len(self._latest) < len(self._records):
            records = self._records
            found = {p for p in found if records[p] is not None}
        return found

    def matches(
        self, record: PersonRecord, *, min_score: float | None = None
    ) -> list[tuple[PersonRecord, Match]]:
        """Indexed records that score at least `min_score` (the review score) against
        `record`, best first."""
        f = _features(record)
        floor = self.weights.review_at if min_score is None else min_score
        return self._matches(record, f, self._positions(_hashed(f)), floor)

    def _matches(
        self, record: PersonRecord, f: _Features, positions: set[int], min_score: float
    ) -> list[tuple[PersonRecord, Match]]:
        found = []
        shared = self._phone_is_shared(f)
        records, features = self._live(self._records), self._live(self._features)
        for pos in sorted(positions):
            other, fo = records[pos], features[pos]
            if other.key == record.key:
                continue
            w = self.weights
            workplace = self._workplace(f, fo)
            quick = _quick_score(f, fo, min_score, w, shared_phone=shared, workplace=workplace)
            if quick >= min_score:
                match = _match(record, other, f, fo, w, shared_phone=shared, workplace=workplace)
                found.append((other, match))
        found.sort(key=lambda pair: -pair[1].score)
        return found

    def _add(self, record: PersonRecord, f: _Features, blocks: list[_Block]) -> None:
        pos = len(self._records)
        replaced = self._latest.get(record.key)
        if replaced is not None:
            self._remove(replaced)
        self._latest[record.key] = pos
        self._records.append(record)
        self._features.append(f)
        for block in blocks:
            self._insert(block, pos)
        name, *mailbox = f.person
        for employer in f.employers:
            staff = self._companies.setdefault(employer, _Staff(set(), set(), set()))
            if len(staff.names) < COMPANY_SAMPLE:
                staff.names.add(name)
            if mailbox and len(staff.mailboxes) < COMPANY_SAMPLE:
                staff.mailboxes.add(mailbox[0])
            if len(staff.places) < COMPANY_SAMPLE:
                staff.places.add(f.postal or f.city or f.street)

    def _remove(self, pos: int) -> None:
        """Take a replaced entry out of its blocks (left in, it would count towards their size
        and push them over `max_block`) and free it."""
        for block in _hashed(self._live(self._features)[pos]):
            split = self._split.get(block.key)
            members = (
                split.get(block.refinement) if split is not None else self._blocks.get(block.key)
            )
            if members == pos:
                del self._blocks[block.key]
            elif isinstance(members, list) and pos in members:
                members.remove(pos)
        self._records[pos] = self._features[pos] = None

    def _insert(self, block: _Block, pos: int) -> None:
        split = self._split.get(block.key)
        if split is not None:
            split.setdefault(block.refinement, []).append(pos)
            return
        members = self._blocks.get(block.key)
        if members is None:
            self._blocks[block.key] = pos  # most blocks hold one record: no list for those
        elif isinstance(members, int):
            self._blocks[block.key] = [members, pos]
        else:
            members.append(pos)
            if len(members) > self.max_block:
                self._split_block(block.key, members)

    def _split_block(self, key: int, members: list[int]) -> None:
        split: dict[int, list[int]] = {}
        for pos in members:
            f = self._features[pos]
            if f is None:  # replaced since
                continue
            refinement = next(b.refinement for b in _hashed(f) if b.key == key)
            split.setdefault(refinement, []).append(pos)
        del self._blocks[key]
        self._split[key] = split

    def _workplace(self, f: _Features, fo: _Features) -> bool:
        """Whether the pair's address is a workplace's (its context weight capped): the two
        name different employers, or their employer employs somebody else too. Nobody's
        employer, a firm one person alone carries (their own), or a value most of whose people
        live apart (a filler put in every record of a list) make the address the person's."""
        if f.employers and fo.employers and not set(f.employers) & set(fo.employers):
            return True  # two employers at one address: an office building
        for employer in {*f.employers, *fo.employers}:
            staff = self._companies.get(employer)
            if staff is not None and len(staff.names) >= FILLER_PEOPLE:
                if 2 * len(staff.places) < len(staff.names):
                    return True  # many people at few places: a workplace
                continue  # a filler value
            names = set(staff.names) if staff else set()
            mailboxes = set(staff.mailboxes) if staff else set()
            for x in (f, fo):
                if employer in x.employers:
                    names.add(x.person[0])
                    mailboxes.update(x.person[1:])
            if len(names) >= 2 or len(mailboxes) >= 2:
                return True
        return False

    def _phone_is_shared(self, f: _Features) -> bool:
        """Whether SWITCHBOARD_RECORDS or more indexed records carry f's phone number."""
        if not f.phone:
            return False
        key = hash("p" + f.phone)
        if key in self._split:
            return True
        members = self._blocks.get(key)
        return isinstance(members, list) and len(members) >= SWITCHBOARD_RECORDS

    def _block_positions(self, blocks: list[_Block]) -> set[int]:
        found: set[int] = set()
        for block in blocks:
            split = self._split.get(block.key)
            if split is not None:
                refined = split.get(block.refinement)
                if refined and len(refined) <= self.max_block:
                    found.update(refined)
                continue
            members = self._blocks.get(block.key)
            if isinstance(members, int):
                found.add(members)
            elif members is not None:
                found.update(members)
        return found


def candidate_pairs(
    records: Iterable[PersonRecord], *, max_block: int = MAX_BLOCK
) -> Iterator[tuple[Hashable, Hashable]]:
    """Every pair of records that shares a blocking key, as (earlier key, later key)."""
    for a, b, _ in _pairs(records, max_block, None):
        yield a, b


def scored_pairs(
    records: Iterable[PersonRecord],
    *,
    floor: float = -math.inf,
    max_block: int = MAX_BLOCK,
    weights: Weights | None = None,
) -> Iterator[tuple[Hashable, Hashable, float]]:
    """`candidate_pairs` with the score of each pair (for measuring and tuning). A pair that
    provably scores below `floor` is reported with -inf, which saves most of the work."""
    return _pairs(records, max_block, floor, weights)


def _pairs(
    records: Iterable[PersonRecord],
    max_block: int,
    floor: float | None,
    weights: Weights | None = None,
) -> Iterator[tuple[Hashable, Hashable, float]]:
    index = DedupeIndex(max_block=max_block, weights=weights)
    indexed, features = DedupeIndex._live(index._records), DedupeIndex._live(index._features)
    for record in records:
        f = _features(record)
        blocks = _hashed(f)
        shared = index._phone_is_shared(f)
        for pos in sorted(index._positions(blocks)):
            score = 0.0
            if floor is not None:
                workplace = index._workplace(features[pos], f)
                score = _quick_score(
                    features[pos], f, floor, index.weights, shared_phone=shared, workplace=workplace
                )
            yield indexed[pos].key, record.key, score
        index._add(record, f, blocks)


class Duplicate(NamedTuple):
    """`key` (a new record) looks like `duplicate_of` (an indexed or earlier new record)."""

    key: Hashable
    duplicate_of: Hashable
    match: Match
    decision: Decision


def find_duplicates(
    new_records: Iterable[PersonRecord], index: DedupeIndex, *, add: bool = True
) -> list[Duplicate]:
    """Match new records (an import of leads) against the index (the tenant's contacts and
    leads). With `add`, each new record joins the index after its query, so duplicates within
    the batch are found as well. Returns every pair scoring at least the index's review score
    (REVIEW with the default weights), decided by the index's weights."""
    found: list[Duplicate] = []
    for record in new_records:
        f = _features(record)
        blocks = _hashed(f)
        w = index.weights
        for other, match in index._matches(record, f, index._positions(blocks), w.review_at):
            found.append(Duplicate(record.key, other.key, match, w.classify(match.score)))
        if add:
            index._add(record, f, blocks)
    return found


# --------------------------------------------------------------------------------------------
# Survivorship

_SURVIVOR_SKIP = frozenset(["key", "updated_at"])


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | set | dict) and not value


def _as_mapping(record: Mapping[str, Any] | object) -> Mapping[str, Any]:
    if isinstance(record, Mapping):
        return record
    return {f.name: getattr(record, f.name) for f in fields(record)}  # type: ignore[arg-type]


def survivor_values(
    records_newest_first: Sequence[Mapping[str, Any] | PersonRecord],
    fields_to_merge: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The merged field values: for each field the first non-empty value in
    `records_newest_first` (so the most recent one), else the newest record's empty value.
    Records may be mappings or dataclasses such as PersonRecord; `key` and `updated_at` are
    left out unless named in `fields_to_merge`."""
    rows = [_as_mapping(r) for r in records_newest_first]
    if fields_to_merge is None:
        names = dict.fromkeys(k for row in rows for k in row if k not in _SURVIVOR_SKIP)
        fields_to_merge = list(names)
    merged: dict[str, Any] = {}
    for name in fields_to_merge:
        values = [row.get(name) for row in rows]
        merged[name] = next((v for v in values if not _is_empty(v)), values[0] if values else None)
    return merged
