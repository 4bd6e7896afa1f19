"""A fixed, seeded mix of synthetic requests shaped by the request contract.

Every patient is invented. Diagnosis codes are drawn from the billable codes
under the policy's own code groups (read from the policy source), plus codes
outside every group, so every decision path is exercised.
"""

from __future__ import annotations

import random
from typing import Any

from policy import icd10
from policy.assessment import assessor
from policy.request import THERAPIES
from policy.validation import parse_request

# Out of scope on purpose: codes no group of the policy lists.
OUTSIDE = ("E11", "I10", "M05", "G70")


# How often each code group is drawn, against 1 for the others and for OUTSIDE:
# most requests are for the conditions the policy covers.
WEIGHTS = {"spectrum": 12}


def _billable(prefix: str) -> list[str]:
    if not icd10.problems(prefix, ""):
        return [icd10.normalize(prefix)]
    return icd10.billable_under(prefix.replace(".", ""))


def _codes() -> tuple[list[list[str]], list[int]]:
    """Billable codes per group (the policy's groups, then OUTSIDE) and their weights."""
    groups = assessor().params["code_groups"]
    pools = [sorted({c for p in g.prefixes for c in _billable(p)}) for g in groups.values()]
    pools.append(sorted(c for p in OUTSIDE for c in _billable(p)))
    if not all(pools):
        raise RuntimeError("a code group of the synthetic mix has no billable codes")
    weights = [WEIGHTS.get(key, 1) for key in groups] + [1]
    return pools, weights


def _maybe(rng: random.Random, value: Any, chance: float = 0.8) -> Any:
    return value if rng.random() < chance else None


def _patient(rng: random.Random) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "sex": _maybe(rng, rng.choice(("male", "female", "female", "male", "unknown")), 0.9),
        "age_years": _maybe(rng, rng.randint(4, 95), 0.9),
    }
    height = round(rng.uniform(120, 200), 1)
    weight = round(rng.uniform(18, 160), 1)
    if rng.random() < 0.85:
        if rng.random() < 0.8:
            patient["height_cm"] = height
        else:
            patient["height_in"] = round(height / 2.54, 1)
    if rng.random() < 0.9:
        if rng.random() < 0.8:
            patient["weight_kg"] = weight
        else:
            patient["weight_lb"] = round(weight / 0.45359237, 1)
    return {k: v for k, v in patient.items() if v is not None}


def _regimen(rng: random.Random) -> dict[str, Any]:
    low = rng.randint(1, 7)
    days: Any = rng.randint(1, 7) if rng.random() < 0.3 else [low, rng.randint(low, low + 3)]
    regimen: dict[str, Any] = {
        "days": days,
        "interval_days": rng.choice((14, 21, 28, 28, 28, 30, 35)),
        "courses": _maybe(rng, rng.randint(1, 10), 0.8),
        "product": _maybe(rng, rng.choice(("Octagam 10%", "Privigen", "Gamunex-C")), 0.6),
        "reduced_iga": _maybe(rng, rng.random() < 0.3, 0.6),
    }
    form = rng.random()
    if form < 0.7:
        regimen["dose_g_per_kg"] = rng.choice((1.0, 1.5, 2.0, 2.0, 2.0, 2.2))
    if form > 0.4:
        regimen["course_total_g"] = float(rng.randint(20, 220))
    return {k: v for k, v in regimen.items() if v is not None}


def _response(rng: random.Random) -> dict[str, Any]:
    signs = ("improved", "unchanged", "worsened")
    response = {
        "weeks_on_therapy": _maybe(rng, rng.randint(2, 40), 0.9),
        "strength": _maybe(rng, rng.choice(signs), 0.85),
        "function": _maybe(rng, rng.choice(signs), 0.85),
        "rash": _maybe(rng, rng.choice((*signs, "absent")), 0.85),
        "ck": _maybe(rng, rng.choice(("decreased", "unchanged", "increased")), 0.7),
        "complete_response": _maybe(rng, rng.random() < 0.2, 0.7),
    }
    return {k: v for k, v in response.items() if v is not None}


def synthetic_requests(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """`count` valid request documents, the same ones for the same seed."""
    rng = random.Random(seed)
    pools, weights = _codes()
    documents = []
    for number in range(count):
        continuation = rng.random() < 0.35
        codes = [rng.choice(pool) for pool in rng.choices(pools, weights, k=rng.choice((1, 1, 1, 2)))]
        document: dict[str, Any] = {
            "id": f"SYN-{seed}-{number:06d}",
            "type": "continuation" if continuation else "initial",
            "date_of_service": _maybe(rng, f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", 0.7),
            "patient": _patient(rng),
            "diagnoses": [c if rng.random() < 0.7 else c.replace(".", "").lower() for c in codes],
            "severe_acute": _maybe(rng, rng.random() < 0.2, 0.8),
            "concurrent_therapies": _maybe(rng, rng.sample(THERAPIES, rng.randint(0, 3)), 0.8),
            "iga": _maybe(rng, rng.choice(("normal", "normal", "deficient", "unknown")), 0.8),
            "cardiac_dysfunction": _maybe(rng, rng.random() < 0.15, 0.7),
            "plasmapheresis_days_after_course": _maybe(rng, rng.randint(0, 30), 0.1),
            "regimen": _regimen(rng),
        }
        if not continuation or rng.random() < 0.9:
            if continuation:
                document["response"] = _response(rng)
        documents.append({k: v for k, v in document.items() if v is not None})
    for document in documents:
        parse_request(document)  # a broken generator fails here, not in the timings
    return documents
