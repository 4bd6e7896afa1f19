"""Seeded synthetic request generators, one module per policy.

A module here named after a policy's folder (`ivig_myositis.py` for the
policy `ivig-myositis`) is that policy's generator: it defines
`synthetic_requests(count, seed)`, returning `count` valid request documents
that name their policy, the same ones for the same seed. A policy with no
module here is benchmarked on its bundled examples (`bench/requests.py`).

Every patient is invented. The helpers below draw diagnosis codes from the
billable codes under a policy's own code groups (read from the policy source).
"""

from __future__ import annotations

import random
from typing import Any

from policy import icd10
from policy.assessment import assessor


def maybe(rng: random.Random, value: Any, chance: float = 0.8) -> Any:
    """`value` with probability `chance`, else None (the field is then left out)."""
    return value if rng.random() < chance else None


def billable(prefix: str) -> list[str]:
    """The billable ICD-10-CM codes under `prefix` (the code itself when it is billable)."""
    if not icd10.problems(prefix, ""):
        return [icd10.normalize(prefix)]
    return icd10.billable_under(prefix.replace(".", ""))


def code_pools(
    policy_id: str, outside: tuple[str, ...], weights: dict[str, int]
) -> tuple[list[list[str]], list[int]]:
    """Billable codes per code group of the policy, then those under `outside`, and their weights.

    A group not named in `weights` weighs 1, and so do the outside codes.
    """
    groups = assessor(policy_id).params["code_groups"]
    pools = [sorted({c for p in g.prefixes for c in billable(p)}) for g in groups.values()]
    pools.append(sorted(c for p in outside for c in billable(p)))
    if not all(pools):
        raise RuntimeError(f"{policy_id}: a code group of the synthetic mix has no billable codes")
    return pools, [weights.get(key, 1) for key in groups] + [1]


def without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


KG_PER_LB = 0.45359237
CM_PER_INCH = 2.54


def patient(rng: random.Random, *, ages: tuple[int, int], heights: tuple[float, float],
            weights: tuple[float, float], height_stated: float, weight_stated: float) -> dict[str, Any]:
    """The shared patient of a request: sex and age mostly stated, height and weight mostly
    stated, each in its metric unit four times in five and in the other unit otherwise."""
    drawn: dict[str, Any] = {
        "sex": maybe(rng, rng.choice(("male", "female", "female", "male", "unknown")), 0.9),
        "age_years": maybe(rng, rng.randint(*ages), 0.9),
    }
    height = round(rng.uniform(*heights), 1)
    weight = round(rng.uniform(*weights), 1)
    if rng.random() < height_stated:
        if rng.random() < 0.8:
            drawn["height_cm"] = height
        else:
            drawn["height_in"] = round(height / CM_PER_INCH, 1)
    if rng.random() < weight_stated:
        if rng.random() < 0.8:
            drawn["weight_kg"] = weight
        else:
            drawn["weight_lb"] = round(weight / KG_PER_LB, 1)
    return without_none(drawn)
