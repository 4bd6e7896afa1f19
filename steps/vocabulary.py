"""The controlled tag vocabulary: under --strict-markers, any other tag fails.

Allowed tags are the statement IDs and citation keys of the policy library
(every policy and the shared source), the tag placing a shared statement in
a policy, and the scenario tags of the drift check's vocabulary
(policy.check.SCENARIO_TAGS).
"""

from __future__ import annotations

import pytest

from policy.check import SCENARIO_TAGS
from policy.errors import PolicyDefinitionError
from policy.library import folder_of, policy_ids
from policy.source import load_shared, load_source
from policy.source.catalog import INCLUDE_TAG


def allowed_tags() -> dict[str, str]:
    tags = dict(SCENARIO_TAGS)
    tags[INCLUDE_TAG] = "a Rule standing for the shared statement of its ID"
    sources = []
    for policy_id in policy_ids():
        try:
            sources.append(load_source(folder_of(policy_id)))
        except PolicyDefinitionError:
            continue  # an incomplete policy folder: `policy check` and its own tests report it
    shared = load_shared()
    for source in [*sources, *([shared] if shared is not None else [])]:
        for statement in source.statements:
            tags[statement.id] = f"statement {statement.id}: {statement.title}"
        for key in source.bibliography:
            tags[f"cite.{key}"] = f"cites {key}"
    return tags


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in allowed_tags().items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
