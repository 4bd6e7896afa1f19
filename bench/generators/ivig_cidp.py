"""A fixed, seeded mix of synthetic IVIG-for-CIDP requests.

Every field of the request contract is varied around the policy's limits
(loading course, maintenance dose, days and interval, courses, INCAT
response); diagnosis codes are drawn from the billable codes under the
policy's own code groups, plus codes outside every group, so every decision
occurs. Most values are drawn near what the policy allows, so that
approvals are common enough to be timed too.
"""

from __future__ import annotations

import random
from typing import Any

from bench.generators import code_pools, maybe, patient, without_none
from policy.library import id_of

POLICY = id_of(__name__.rpartition(".")[2])

# Out of scope on purpose: codes no group of the policy lists.
OUTSIDE = ("E11", "I10", "M60.8", "G70")
# Most requests are for CIDP itself.
WEIGHTS = {"cidp": 14}


def _patient(rng: random.Random) -> dict[str, Any]:
    return patient(rng, ages=(12, 90), heights=(140, 200), weights=(35, 150), height_stated=0.9, weight_stated=0.93)


def _days(rng: random.Random, low: int, high: int) -> Any:
    """A number of days or a [min, max] range, mostly within [low, high], sometimes outside."""
    first = rng.randint(max(1, low - 1), high + 1)
    if rng.random() < 0.3:
        return first
    return [first, min(14, rng.randint(first, first + 2))]


def _dosing(rng: random.Random, per_kg: tuple[float, ...], grams: tuple[int, int]) -> dict[str, Any]:
    """Dose per kg, course total in grams, or both."""
    form = rng.random()
    dosing: dict[str, Any] = {}
    if form < 0.75:
        dosing["dose_g_per_kg"] = rng.choice(per_kg)
    if form > 0.6:
        dosing["course_total_g"] = float(rng.randint(*grams))
    return dosing


def _regimen(rng: random.Random, continuation: bool) -> dict[str, Any]:
    regimen: dict[str, Any] = {}
    if rng.random() < (0.1 if continuation else 0.85):
        regimen["loading"] = {
            **_dosing(rng, (1.5, 2.0, 2.0, 2.0, 2.0, 2.5), (60, 260)),
            "days": _days(rng, 2, 5),
        }
    regimen.update(_dosing(rng, (0.4, 0.5, 1.0, 1.0, 1.0, 1.0, 1.2, 2.0), (20, 140)))
    regimen.update(without_none({
        "days": _days(rng, 1, 2),
        "interval_days": rng.choice((14, 14, 21, 21, 21, 28, 28, 35, 42)),
        "courses": maybe(rng, rng.randint(1, 12), 0.8),
        "product": maybe(rng, rng.choice(("Privigen", "Gamunex-C", "Panzyga")), 0.6),
        "reduced_iga": maybe(rng, rng.random() < 0.3, 0.6),
    }))
    return regimen


def _response(rng: random.Random) -> dict[str, Any]:
    return without_none({
        "weeks_on_therapy": maybe(rng, rng.randint(3, 120), 0.9),
        "courses_received": maybe(rng, rng.randint(1, 30), 0.85),
        "incat_change": maybe(rng, rng.randint(-4, 2), 0.85),
        "dose_reduction_attempted": maybe(rng, rng.random() < 0.5, 0.7),
    })


def synthetic_requests(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """`count` request documents for this policy, the same ones for the same seed."""
    rng = random.Random(seed)
    pools, weights = code_pools(POLICY, OUTSIDE, WEIGHTS)
    documents = []
    for number in range(count):
        continuation = rng.random() < 0.4
        codes = [rng.choice(pool) for pool in rng.choices(pools, weights, k=rng.choice((1, 1, 1, 2)))]
        document: dict[str, Any] = {
            "policy": POLICY,
            "id": f"SYN-{seed}-{number:06d}",
            "type": "continuation" if continuation else "initial",
            "date_of_service": maybe(rng, f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", 0.7),
            "patient": _patient(rng),
            "diagnoses": list(dict.fromkeys(c if rng.random() < 0.7 else c.replace(".", "").lower() for c in codes)),
            "electrodiagnostic": maybe(rng, rng.choice(("supportive",) * 6 + ("not_supportive", "not_done")), 0.9),
            "prescriber_specialty": maybe(rng, rng.choice(("neurology",) * 6 + ("other", "unknown")), 0.9),
            "iga": maybe(rng, rng.choice(("normal", "normal", "normal", "deficient", "unknown")), 0.85),
            "end_of_dose_deterioration": maybe(rng, rng.random() < 0.2, 0.6),
            "regimen": _regimen(rng, continuation),
        }
        if continuation and rng.random() < 0.9:
            document["response"] = _response(rng)
        documents.append(without_none(document))
    return documents
