"""The controlled tag vocabulary: under --strict-markers, any other tag fails.

Allowed tags are the statement IDs and citation keys of the policy source,
plus the scenario tags of the drift check's vocabulary (policy.check.SCENARIO_TAGS).
"""

from __future__ import annotations

import pytest

from policy.check import SCENARIO_TAGS
from policy.source import load_source, source_root


def allowed_tags() -> dict[str, str]:
    tags = dict(SCENARIO_TAGS)
    for folder in sorted(p for p in source_root().iterdir() if p.is_dir()):
        source = load_source(folder.name)
        for statement in source.statements:
            tags[statement.id] = f"statement {statement.id}: {statement.title}"
        for key in source.bibliography:
            tags[f"cite.{key}"] = f"cites {key}"
    return tags


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in allowed_tags().items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
