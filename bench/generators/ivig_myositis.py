"""A fixed, seeded mix of synthetic IVIG-for-myositis requests.

Every field of the request contract is varied; diagnosis codes are drawn from
the billable codes under the policy's own code groups, plus codes outside
every group, so every decision occurs. For a given seed the documents are
the ones the benchmark used before the policy library (bench/requests.py at
c9b7226), with the `policy` field added.
"""

from __future__ import annotations

import random
from typing import Any

from bench.generators import code_pools, maybe, patient, without_none
from policy.library import id_of, policy_package

POLICY = id_of(__name__.rpartition(".")[2])

# Out of scope on purpose: codes no group of the policy lists.
OUTSIDE = ("E11", "I10", "M05", "G70")
# How often each code group is drawn, against 1 for the others and for OUTSIDE:
# most requests are for the conditions the policy covers.
WEIGHTS = {"spectrum": 12}


def _patient(rng: random.Random) -> dict[str, Any]:
    return patient(rng, ages=(4, 95), heights=(120, 200), weights=(18, 160), height_stated=0.85, weight_stated=0.9)


def _regimen(rng: random.Random) -> dict[str, Any]:
    low = rng.randint(1, 7)
    days: Any = rng.randint(1, 7) if rng.random() < 0.3 else [low, rng.randint(low, low + 3)]
    regimen: dict[str, Any] = {
        "days": days,
        "interval_days": rng.choice((14, 21, 28, 28, 28, 30, 35)),
        "courses": maybe(rng, rng.randint(1, 10), 0.8),
        "product": maybe(rng, rng.choice(("Octagam 10%", "Privigen", "Gamunex-C")), 0.6),
        "reduced_iga": maybe(rng, rng.random() < 0.3, 0.6),
    }
    form = rng.random()
    if form < 0.7:
        regimen["dose_g_per_kg"] = rng.choice((1.0, 1.5, 2.0, 2.0, 2.0, 2.2))
    if form > 0.4:
        regimen["course_total_g"] = float(rng.randint(20, 220))
    return without_none(regimen)


def _response(rng: random.Random) -> dict[str, Any]:
    signs = ("improved", "unchanged", "worsened")
    return without_none({
        "weeks_on_therapy": maybe(rng, rng.randint(2, 40), 0.9),
        "strength": maybe(rng, rng.choice(signs), 0.85),
        "function": maybe(rng, rng.choice(signs), 0.85),
        "rash": maybe(rng, rng.choice((*signs, "absent")), 0.85),
        "ck": maybe(rng, rng.choice(("decreased", "unchanged", "increased")), 0.7),
        "complete_response": maybe(rng, rng.random() < 0.2, 0.7),
    })


def synthetic_requests(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """`count` request documents for this policy, the same ones for the same seed."""
    rng = random.Random(seed)
    pools, weights = code_pools(POLICY, OUTSIDE, WEIGHTS)
    therapies = list(policy_package(POLICY).request.THERAPIES)
    documents = []
    for number in range(count):
        continuation = rng.random() < 0.35
        codes = [rng.choice(pool) for pool in rng.choices(pools, weights, k=rng.choice((1, 1, 1, 2)))]
        document: dict[str, Any] = {
            "policy": POLICY,
            "id": f"SYN-{seed}-{number:06d}",
            "type": "continuation" if continuation else "initial",
            "date_of_service": maybe(rng, f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", 0.7),
            "patient": _patient(rng),
            "diagnoses": [c if rng.random() < 0.7 else c.replace(".", "").lower() for c in codes],
            "severe_acute": maybe(rng, rng.random() < 0.2, 0.8),
            "concurrent_therapies": maybe(rng, rng.sample(therapies, rng.randint(0, 3)), 0.8),
            "iga": maybe(rng, rng.choice(("normal", "normal", "deficient", "unknown")), 0.8),
            "cardiac_dysfunction": maybe(rng, rng.random() < 0.15, 0.7),
            "plasmapheresis_days_after_course": maybe(rng, rng.randint(0, 30), 0.1),
            "regimen": _regimen(rng),
        }
        if not continuation or rng.random() < 0.9:
            if continuation:
                document["response"] = _response(rng)
        documents.append(without_none(document))
    return documents
