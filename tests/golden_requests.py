"""Seeded random myositis requests and the recorded determinations they got.

The golden record was written by the code before the policy library existed
(commit c9b7226, ivig-myositis 1.0.0): every bundled example and 2,000
requests drawn here from a fixed seed. `tests/test_golden.py` assesses the
same documents today and compares the JSON field by field, so a refactor of
the core cannot change a myositis determination unnoticed.

The generator uses only `random.Random(SEED)` and fixed vocabularies written
here, never the policy source, so the documents stay the same whatever the
policy code becomes. Record anew (only for an intended change of the
contract) with `python tests/golden_requests.py --record`.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECORD = Path(__file__).resolve().parent / "golden" / "ivig-myositis.json.gz"
SEED = 20261130
COUNT = 2000

# Billable codes of every diagnosis group of the myositis brief (section 1), and outside them.
SPECTRUM = ("M60.80", "M60.811", "M60.869", "M60.89", "M33.02", "M33.12", "M33.92", "M36.0", "G72.49")
INCLUSION_BODY = ("G72.41",)
OTHER_CAUSE = ("M60.000", "M60.009", "M60.20", "G72.0")
NEEDS_REVIEW = ("M60.9", "M60.10", "M60.19")
OUTSIDE = ("E11.9", "I10", "G61.81", "G70.00")
THERAPIES = ("corticosteroid", "methotrexate", "azathioprine", "mycophenolate", "tacrolimus",
             "cyclosporine", "cyclophosphamide", "rituximab", "jak_inhibitor", "plasma_exchange")
SIGNS = ("improved", "unchanged", "worsened")


def _maybe(rng: random.Random, value: Any, chance: float = 0.7) -> Any:
    return value if rng.random() < chance else None


def _diagnoses(rng: random.Random) -> list[str]:
    if rng.random() < 0.6:
        return [rng.choice(SPECTRUM)]
    pools = (SPECTRUM, SPECTRUM, SPECTRUM, INCLUSION_BODY, OTHER_CAUSE, NEEDS_REVIEW, OUTSIDE)
    codes = [rng.choice(rng.choice(pools)) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    codes = list(dict.fromkeys(codes))
    # Codes are accepted with or without the dot, in any case.
    return [code.replace(".", "") if rng.random() < 0.1 else code.lower() if rng.random() < 0.05 else code
            for code in codes]


def _patient(rng: random.Random) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "sex": _maybe(rng, rng.choice(("male", "female", "female", "male", "unknown")), 0.9),
        "age_years": _maybe(rng, rng.choice((rng.randint(1, 90), 17, 18, 52)), 0.85),
    }
    height = rng.choice((rng.uniform(120, 200), 152.3, 152.4, 162.6, 180.0))
    if rng.random() < 0.85:
        if rng.random() < 0.2:
            patient["height_in"] = round(height / 2.54, 1)
        else:
            patient["height_cm"] = round(height, 1)
    weight = rng.choice((rng.uniform(15, 160), 50.0, 70.0, 90.0))
    if rng.random() < 0.85:
        if rng.random() < 0.2:
            patient["weight_lb"] = round(weight / 0.45359237, 1)
        else:
            patient["weight_kg"] = round(weight, 1)
    return {k: v for k, v in patient.items() if v is not None}


def _regimen(rng: random.Random) -> dict[str, Any]:
    low = rng.choice((1, 2, 2, 3, 5, 6))
    high = rng.choice((low, low, low + 1, min(14, low + 3)))
    days: Any = low if low == high and rng.random() < 0.3 else [low, high]
    regimen: dict[str, Any] = {"days": days, "interval_days": rng.choice((14, 21, 27, 28, 28, 30, 35))}
    form = rng.random()
    if form < 0.5:
        regimen["dose_g_per_kg"] = rng.choice((1.0, 2.0, 2.0, 2.1, 2.5, 0.4 * 5))
    elif form < 0.8:
        regimen["course_total_g"] = rng.choice((60, 80, 81, 110, 120, 150, 200))
    else:
        regimen["dose_g_per_kg"] = rng.choice((1.0, 2.0, 2.5))
        regimen["course_total_g"] = rng.choice((80, 110, 140, 180))
    for key, value in (("courses", rng.choice((1, 3, 6, 7, 8, 12))),
                       ("product", "Octagam 10%"),
                       ("reduced_iga", rng.choice((True, False)))):
        if rng.random() < 0.5:
            regimen[key] = value
    return regimen


def _response(rng: random.Random) -> dict[str, Any]:
    response = {
        "weeks_on_therapy": rng.choice((4, 8, 11, 12, 16, 24)),
        "strength": rng.choice(SIGNS),
        "function": rng.choice(SIGNS),
        "rash": rng.choice((*SIGNS, "absent")),
        "ck": rng.choice(("decreased", "unchanged", "increased")),
        "complete_response": rng.choice((True, False)),
    }
    return {k: v for k, v in response.items() if rng.random() < 0.85}


def request(rng: random.Random, number: int) -> dict[str, Any]:
    """One valid myositis request document (ivig-myositis 1.0.0 contract)."""
    document: dict[str, Any] = {
        "id": f"PA-GOLDEN-{number:05d}",
        "type": rng.choice(("initial", "initial", "continuation")),
        "diagnoses": _diagnoses(rng),
        "regimen": _regimen(rng),
    }
    if rng.random() < 0.8:
        document["patient"] = _patient(rng)
    optional = {
        "severe_acute": rng.choice((True, False)),
        "concurrent_therapies": rng.sample(THERAPIES, rng.randint(0, 2)),
        "iga": rng.choice(("normal", "deficient", "unknown")),
        "cardiac_dysfunction": rng.choice((True, False)),
        "plasmapheresis_days_after_course": rng.choice((0, 7, 14, 15, 30)),
    }
    for key, value in optional.items():
        if rng.random() < 0.3:
            document[key] = value
    if document["type"] == "continuation" and rng.random() < 0.85 or rng.random() < 0.05:
        document["response"] = _response(rng)
    return document


def requests() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    return [request(rng, number) for number in range(1, COUNT + 1)]


def example_documents() -> dict[str, dict[str, Any]]:
    """The bundled myositis examples, by file name."""
    folder = ROOT / "examples" / "ivig-myositis"
    if not folder.is_dir():  # before the library: examples/ held only myositis requests
        folder = ROOT / "examples"
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}


def _record() -> None:
    import policy

    cases = [{"name": name, "request": document} for name, document in example_documents().items()]
    cases += [{"name": document["id"], "request": document} for document in requests()]
    for case in cases:
        case["determination"] = policy.assess(case["request"]).to_dict()
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(RECORD, "wt", encoding="utf-8") as stream:
        json.dump({"recorded_with": "ivig-myositis 1.0.0 at c9b7226", "cases": cases}, stream, sort_keys=True)
    print(f"recorded {len(cases)} determinations in {RECORD.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/golden_requests.py --record")
    _record()
