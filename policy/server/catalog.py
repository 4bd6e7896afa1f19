"""What the discovery endpoints say about each policy, read from the bound policy itself.

Nothing here names a policy or a field of one: ids come from
`policy.policy_ids()`, everything else from the policy's assessor (the same
bound source and digest its determinations carry). The answers are built
once per policy and process (bounded: one entry per policy the package
holds, and only for ids checked against that list).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import policy
from policy.schema import request_schema
from policy.server.errors import ApiError, json_bytes


def known_policy(policy_id: str) -> str:
    """`policy_id` when the package holds it, else 404 (the id itself is not echoed)."""
    if policy_id not in policy.policy_ids():
        raise ApiError(404, f"no such policy; this service holds: {', '.join(policy.policy_ids())}",
                       path="policy")
    return policy_id


def summary(policy_id: str) -> dict[str, Any]:
    """Id, title, version, effective date, digest and statement count of a policy."""
    engine = policy.assessor(policy_id)
    reference = engine.policy_ref
    return {
        "id": reference.id,
        "title": engine.bound.source.title,
        "version": reference.version,
        "effective": reference.effective,
        "digest": reference.digest,
        "statement_count": len(engine.bound.source.statements),
    }


def _detail(policy_id: str) -> dict[str, Any]:
    engine = policy.assessor(policy_id)
    source = engine.bound.source
    return {
        **summary(policy_id),
        "question": source.question,
        "statements": [
            {"id": s.id, "title": s.title, "text": s.text, "section": s.section,
             "citations": list(s.citations), "shared": s.shared}
            for s in source.statements
        ],
        "parameters": [
            {"key": p.key, "value": p.value, "unit": p.unit, "label": p.label,
             "sources": list(p.sources), "policy_choice": p.policy_choice}
            for p in source.parameters.values()
        ],
        "code_groups": [
            {"key": g.key, "label": g.label, "prefixes": list(g.prefixes)} for g in source.code_groups.values()
        ],
    }


@cache
def catalog_json() -> bytes:
    return json_bytes({"policies": [summary(policy_id) for policy_id in policy.policy_ids()]})


@cache
def detail_json(policy_id: str) -> bytes:
    return json_bytes(_detail(known_policy(policy_id)))


@cache
def schema_json(policy_id: str) -> bytes:
    return json_bytes(request_schema(known_policy(policy_id)))


__all__ = ["catalog_json", "detail_json", "known_policy", "schema_json", "summary"]
