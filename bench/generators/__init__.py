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
