"""Learning m and u from a tenant's own records (routing/dedupe_learn.py): unlabelled records in,
weights out that say what the records show: agreement on a field is evidence, disagreement is
weaker evidence against than the defaults assume when duplicates often differ there."""

from __future__ import annotations

import random
from typing import Any

from routing.dedupe import PersonRecord
from routing.dedupe_learn import MIN_RECORDS, learn_weights

FIRST = [
    "anna",
    "ben",
    "carla",
    "dirk",
    "eva",
    "felix",
    "greta",
    "hans",
    "ida",
    "jonas",
    "karl",
    "lena",
    "moritz",
    "nina",
    "otto",
    "paula",
    "quirin",
    "rosa",
    "stefan",
    "tanja",
    "ulrich",
    "vera",
    "walter",
    "xaver",
    "yvonne",
    "zora",
    "anton",
    "berta",
    "clemens",
    "dora",
    "emil",
    "frieda",
    "georg",
    "hedwig",
    "igor",
    "johanna",
    "kurt",
    "luise",
    "max",
    "martha",
    "nils",
    "olga",
    "peter",
    "renate",
]
LAST = [
    "meier",
    "huber",
    "novak",
    "svensson",
    "rossi",
    "dubois",
    "kowalski",
    "jansen",
    "bauer",
    "wagner",
    "becker",
    "schulz",
    "hoffmann",
    "koch",
    "richter",
    "klein",
    "wolf",
    "neumann",
    "schwarz",
    "zimmermann",
    "braun",
    "hartmann",
    "lange",
    "schmitt",
    "werner",
    "krause",
    "lehmann",
    "koehler",
    "maier",
    "lorenz",
    "pichler",
    "gruber",
    "moser",
    "steiner",
    "hofer",
    "leitner",
    "berger",
    "fuchs",
    "eder",
    "fischer",
]
STREETS = [
    "linden",
    "berg",
    "haupt",
    "kirch",
    "wald",
    "see",
    "feld",
    "garten",
    "bahnhof",
    "muehlen",
    "schul",
    "rosen",
]


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1 :]


def _people(n: int, duplicates: int, seed: int = 3) -> list[PersonRecord]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for _ in range(n):
        town = rng.randrange(60)
        rows.append(
            {
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "street": f"{rng.choice(STREETS)}strasse {rng.randint(1, 200)}",
                "city": f"ort {town}",
                "postal_code": str(1000 + 20 * town + rng.randint(0, 9)),
                "country": "AT",
            }
        )
    records = [PersonRecord.from_raw(i, **row) for i, row in enumerate(rows)]
    for j in range(duplicates):
        row = dict(rows[j])
        # A duplicate: the first name retyped or replaced, the street kept or mistyped.
        row["first_name"] = _typo(row["first_name"], rng) if j % 3 else rng.choice(FIRST)
        if j % 4 == 0:
            row["street"] = _typo(row["street"], rng)
        records.append(PersonRecord.from_raw(f"d{j}", **row))
    return records


def test_too_few_records_keep_the_defaults():
    assert learn_weights(_people(MIN_RECORDS - 1, 0)) is None


def test_weights_are_learned_from_unlabelled_records():
    learned = learn_weights(_people(1500, 300))
    assert learned is not None and learned.converged
    assert learned.records == 1800 and learned.candidate_pairs > 0
    weights = learned.weights()
    assert weights["last_name"][0] > 3 and weights["street"][0] > 3  # agreeing is evidence
    # Every duplicate here mistyped (CLOSE) or replaced its first name: a typo is evidence for,
    # and another first name counts for less against them than the defaults (about -7.9).
    assert weights["first_name"][2] > 3
    assert -7.9 < weights["first_name"][5] < 0 and learned.changes["first_name"][5] > 0
    # The share of true pairs among the candidates (300 of about 4,300) is found again.
    assert 0.03 < learned.match_share < 0.12
