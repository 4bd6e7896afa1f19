"""A pytest plugin for mutation runs: only one policy's scenarios, a statement's own scenarios first.

Loaded with `-p policy.mutate.selection` by the suite runs of `policy mutate`
(in a workspace copy). `POLICY_MUTATE_POLICY` names the policy: every
scenario runs once per policy it belongs to (the `policy_id`
parametrization), and only that policy's runs are kept, shared statements'
scenarios included. `POLICY_MUTATE_FIRST` names statements (comma
separated) whose scenarios run first, so that with `-x` a mutant of a
statement is usually killed by its own examples without running the rest.
This module imports nothing of the package: it runs before the suite does.
"""

from __future__ import annotations

import os

import pytest

POLICY_ENV = "POLICY_MUTATE_POLICY"
FIRST_ENV = "POLICY_MUTATE_FIRST"
PARAMETER = "policy_id"


def _policy_of(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(PARAMETER) if callspec is not None else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    policy_id = os.environ.get(POLICY_ENV)
    if not policy_id:
        return
    kept = [item for item in items if _policy_of(item) == policy_id]
    dropped = [item for item in items if _policy_of(item) != policy_id]
    first = [name for name in os.environ.get(FIRST_ENV, "").split(",") if name]
    # Stable: the scenarios of the statements named keep their order, then the others keep theirs.
    kept.sort(key=lambda item: not any(item.get_closest_marker(name) for name in first))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
