"""Acceptance suite: every scenario of every policy of the library, and of the shared statements
under each policy that includes them."""

from __future__ import annotations

import pytest
from pytest_bdd import scenarios
from pytest_bdd.scenario import scenario_wrapper_template_registry

from policy.source.catalog import STATEMENT_TAG
from steps.library import policies_running

scenarios(".")

# Each scenario learns its policy from the `policy_id` fixture, parametrized below.
for _name, _function in list(globals().items()):
    if _name.startswith("test_") and _function in scenario_wrapper_template_registry:
        globals()[_name] = pytest.mark.usefixtures("policy_id")(_function)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    template = scenario_wrapper_template_registry.get(metafunc.function)  # type: ignore[arg-type]
    if template is None:
        return
    tags = template.rule.tags if template.rule is not None else set()
    statement = next((tag for tag in sorted(tags) if STATEMENT_TAG.match(tag)), None)
    running = policies_running(template.feature.filename, statement)
    metafunc.parametrize("policy_id", running, ids=running)
