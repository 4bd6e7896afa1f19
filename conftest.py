"""Root conftest: the Gherkin step library lives in `steps/`.

It also records the outcome of every example row of every scenario, so the
docs site can show the last test run beside each example. The record travels
on `report.user_properties`, which pytest-xdist carries from its workers to
the controller; the controller (or the only process, without xdist) writes
`build/test-results/results.json` at the end of the session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from policy.binding import bind
from policy.errors import PolicyDefinitionError
from policy.docs.results import FAILED, NOT_RUN, PASSED, RESULTS_FILE, row_line_of
from policy.library import policy_ids

pytest_plugins = ["steps.given", "steps.when", "steps.then", "steps.vocabulary"]

PROPERTY = "policy-example"
RESULTS_ENV = "POLICY_TEST_RESULTS"
_outcomes: dict[tuple[str, str, int], dict[str, Any]] = {}


@lru_cache(maxsize=None)
def _features_base(config_root: str, base: str) -> Path:
    return (Path(config_root) / base).resolve()


def _example_of(item: pytest.Item) -> dict[str, Any] | None:
    """Feature file, scenario line and example row line of a pytest-bdd item."""
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))  # type: ignore[arg-type]
    if template is None:
        return None
    base = _features_base(str(item.config.rootpath), str(item.config.getini("bdd_features_base_dir") or "."))
    path = Path(template.feature.filename).resolve()
    try:
        file = path.relative_to(base).as_posix()
    except ValueError:
        file = template.feature.rel_filename
    callspec = getattr(item, "callspec", None)
    # The row is found from its values: pytest numbers the calls across both
    # parametrizations (rows, and the policy a shared scenario runs under).
    values = callspec.params.get("_pytest_bdd_example") if callspec is not None else None
    return {
        # A shared statement's example runs once under each policy including it.
        "policy": callspec.params.get("policy_id", "") if callspec is not None else "",
        "file": file,
        "scenario": template.name,
        "scenario_line": template.line_number,
        "example": values,
        "line": row_line_of(path, file, template.line_number, values),
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    example = _example_of(item)
    if example is not None:
        report.user_properties.append((PROPERTY, json.dumps(example)))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name != PROPERTY:
            continue
        example = json.loads(str(value))
        key = (example["policy"], example["file"], example["line"])
        entry = _outcomes.setdefault(key, {**example, "status": NOT_RUN})
        if report.failed:
            entry["status"] = FAILED
        elif report.when == "call" and report.passed and entry["status"] != FAILED:
            entry["status"] = PASSED


def _digests() -> dict[str, str]:
    digests = {}
    for policy_id in policy_ids():
        try:
            digests[policy_id] = bind(policy_id).digest
        except PolicyDefinitionError:
            continue  # an incomplete policy: its tests and `policy check` say why
    return digests


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Workers hand their reports to the controller; only it (or a lone process) writes.
    if hasattr(session.config, "workerinput") or not _outcomes:
        return
    # The docs tests run the suite in a subprocess and point it elsewhere.
    override = os.environ.get(RESULTS_ENV)
    target = Path(override) if override else session.config.rootpath / RESULTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": 1,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        # Lines only mean something for the source they were recorded against.
        "policies": _digests(),
        "results": [_outcomes[key] for key in sorted(_outcomes)],
    }
    target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
