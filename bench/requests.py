"""The requests each policy is benchmarked on.

A policy with a generator (`bench/generators/<folder>.py`) is measured on a
fixed seeded mix drawn by it; a policy without one, or whose generator fails
(a policy still being written can change its contract under it), on its
bundled examples (`examples/<policy-id>/*.json`), and the page says so.
Every document is validated here, so a broken generator fails before any
timing, never inside one.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

from attrs import frozen

from policy.assessment import assessor
from policy.errors import InvalidRequest
from policy.library import folder_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@frozen
class Mix:
    """The documents a policy is measured on, and where they come from."""

    policy_id: str
    documents: list[dict[str, Any]]
    source: str  # "generator" or "examples"
    described: str  # for the page
    problem: str | None = None  # why the generator was not used, when it exists


def _generator(policy_id: str) -> Any | None:
    name = f"bench.generators.{folder_of(policy_id)}"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def _valid(policy_id: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents, each checked to name this policy and to be a valid request of it."""
    engine = assessor(policy_id)
    for document in documents:
        if document.get("policy") != policy_id:
            raise ValueError(f"request {document.get('id')!r} names policy {document.get('policy')!r}, not {policy_id!r}")
        engine.parse(document)
    return documents


def examples(policy_id: str) -> tuple[list[dict[str, Any]], int]:
    """The policy's bundled examples that are valid requests naming it, and how many were left out."""
    folder = EXAMPLES / policy_id
    documents, left_out = [], 0
    engine = assessor(policy_id)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict):
            left_out += 1
            continue
        document.setdefault("policy", policy_id)
        try:
            if document["policy"] != policy_id:
                raise InvalidRequest([])
            engine.parse(document)
        except InvalidRequest:
            left_out += 1
            continue
        documents.append(document)
    return documents, left_out


def requests_for(policy_id: str, count: int, seed: int) -> Mix:
    """The benchmark's documents for one policy (see the module's docstring)."""
    problem = None
    module = None
    try:
        module = _generator(policy_id)
        if module is not None:
            documents = _valid(policy_id, module.synthetic_requests(count, seed))
            where = f"bench/generators/{folder_of(policy_id)}.py"
            return Mix(policy_id, documents, "generator",
                       f"a fixed mix of {len(documents)} synthetic requests (seed {seed}, `{where}`)")
    except Exception as error:  # noqa: BLE001 - reported on the page; the examples are used instead
        problem = f"{type(error).__name__}: {error}"
    documents, left_out = examples(policy_id)
    if not documents:
        raise RuntimeError(f"{policy_id}: no generator{' that works' if module else ''} and no valid bundled example"
                           + (f" ({problem})" if problem else ""))
    described = f"its {len(documents)} bundled examples (`examples/{policy_id}/`)"
    if left_out:
        described += f", {left_out} file(s) that are not valid requests of it left out"
    return Mix(policy_id, documents, "examples", described, problem)
