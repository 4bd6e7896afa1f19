"""Test results of the acceptance suite, as the docs site shows them.

The root conftest records one entry per example row and policy (the policy
it ran under, file relative to `features/`, line of the row, or of the
scenario when it has no Examples table) in `build/test-results/results.json`.
A shared statement's rows run once under each policy that includes it. A row
without an entry was not run.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from attrs import field, frozen

from policy.source.catalog import Example, ScenarioSource, parse_feature

PASSED = "passed"
FAILED = "failed"
NOT_RUN = "not run"
STATUSES = (PASSED, FAILED, NOT_RUN)
RESULTS_FILE = Path("build") / "test-results" / "results.json"
# The environment variable naming another results file (the root conftest writes there too).
RESULTS_ENV = "POLICY_TEST_RESULTS"
STALE_TITLE = "Test results from another version of the policy source"


@frozen
class TestResults:
    """Status of each example row, keyed by (feature file, line): the runs under one policy.

    `by_policy` holds every policy's statuses; `for_policy` gives one policy's view.
    """

    __test__ = False  # not a pytest test class despite its name

    statuses: Mapping[tuple[str, int], str]
    finished: str | None = None
    digests: Mapping[str, str] = field(factory=dict)
    by_policy: Mapping[str, Mapping[tuple[str, int], str]] = field(factory=dict)

    def for_policy(self, policy_id: str) -> TestResults:
        """The statuses of the rows as they ran under `policy_id`."""
        return TestResults(statuses=self.by_policy.get(policy_id, {}), finished=self.finished,
                           digests=self.digests, by_policy=self.by_policy)

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_policy))

    def stale(self, policy_id: str, digest: str) -> bool:
        """Whether the results were recorded against another version of the policy source."""
        return bool(self.statuses) and self.digests.get(policy_id) != digest

    def status(self, file: str, line: int) -> str:
        """'passed', 'failed' or 'not run' for the example row at `file:line`."""
        return self.statuses.get((file, line), NOT_RUN)

    def of_example(self, scenario: ScenarioSource, example: Example) -> str:
        return self.status(scenario.file, example.line)

    def of_scenarios(self, scenarios: Iterable[ScenarioSource]) -> dict[str, int]:
        """How many example rows of the scenarios are in each status."""
        counts = dict.fromkeys(STATUSES, 0)
        for scenario in scenarios:
            for example in scenario.examples:
                counts[self.of_example(scenario, example)] += 1
        return counts


NO_RESULTS = TestResults(statuses={})


def _worst(first: str | None, second: str) -> str:
    if first is None:
        return second
    for status in (FAILED, PASSED):
        if status in (first, second):
            return status
    return NOT_RUN


def results_from(document: Mapping[str, Any]) -> TestResults:
    """Read a results document (the JSON the conftest writes).

    `statuses` (without a policy) combines the runs of a row under every
    policy: failed if any failed.
    """
    statuses: dict[tuple[str, int], str] = {}
    by_policy: dict[str, dict[tuple[str, int], str]] = {}
    for entry in document.get("results", []):
        status = entry.get("status")
        status = status if status in STATUSES else NOT_RUN
        key = (str(entry["file"]), int(entry["line"]))
        by_policy.setdefault(str(entry.get("policy", "")), {})[key] = status
        statuses[key] = _worst(statuses.get(key), status)
    finished = document.get("finished")
    digests = document.get("policies", {})
    return TestResults(
        by_policy=by_policy,
        statuses=statuses,
        finished=finished if isinstance(finished, str) else None,
        digests={str(k): str(v) for k, v in digests.items()} if isinstance(digests, Mapping) else {},
    )


def load_results(path: Path) -> TestResults:
    """The results in `path`; none (every row not run) when the file is absent."""
    if not path.is_file():
        return NO_RESULTS
    return results_from(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=None)
def _scenarios(path: Path, file: str) -> dict[int, ScenarioSource]:
    statements, loose = parse_feature(path, file)
    every = [*loose, *(s for statement in statements for s in statement.scenarios)]
    return {scenario.line: scenario for scenario in every}


def row_line_of(path: Path, file: str, scenario_line: int, values: Mapping[str, str] | None) -> int:
    """Line of the example row of the scenario at `scenario_line` whose values are `values`.

    `values` is pytest-bdd's `_pytest_bdd_example` parameter (header -> cell).
    Unlike `callspec.indices`, it still names the row once a second
    parametrization (the policy a shared scenario runs under) multiplies the
    calls: pytest then numbers the calls across both. Identical rows map to
    the first; a scenario without examples (or values matching no row) is its
    own line.
    """
    scenario = _scenarios(path, file).get(scenario_line)
    if values is None or scenario is None:
        return scenario_line
    wanted = {str(k): str(v) for k, v in values.items()}
    return next((e.line for e in scenario.examples if dict(e.values) == wanted), scenario_line)


def stale_note(policy_ids: Sequence[str]) -> str:
    """An admonition naming the policies whose results were recorded against another source, or ''."""
    if not policy_ids:
        return ""
    named = ", ".join(f"`{policy_id}`" for policy_id in policy_ids)
    return (
        f'!!! warning "{STALE_TITLE}"\n'
        f"    The last test run under {named} was recorded against a different policy source than the one "
        "these pages show; example rows may be matched to the wrong result. "
        "Run the test suite again and rebuild the site.\n"
    )


def stale_html(policy_ids: Sequence[str]) -> str:
    """The same warning as HTML, for the site's template to show at the top of every page; '' when none."""
    if not policy_ids:
        return ""
    named = ", ".join(f"<code>{html.escape(policy_id)}</code>" for policy_id in policy_ids)
    return (
        f'<div class="admonition warning stale-results"><p class="admonition-title">{STALE_TITLE}</p>'
        f"<p>The test results shown on this site for {named} were recorded against a different policy "
        "source than the one these pages show: a status may belong to another version of a rule or an "
        "example. Run the test suite again and rebuild the site (<code>make test</code>).</p></div>"
    )


def stale_warning(results: TestResults, policy_id: str, digest: str) -> str:
    """The admonition when the results under `policy_id` do not belong to this source of it, else ''."""
    return stale_note([policy_id]) if results.stale(policy_id, digest) else ""


def overall(counts: Mapping[str, int]) -> str:
    """One word for a set of rows: failed if any row failed, not run if any did not run (or none exist)."""
    if counts.get(FAILED, 0):
        return FAILED
    if counts.get(NOT_RUN, 0) or not counts.get(PASSED, 0):
        return NOT_RUN
    return PASSED


def summary(counts: Mapping[str, int]) -> str:
    """'3 passed, 1 failed, 0 not run'."""
    return ", ".join(f"{counts.get(status, 0)} {status}" for status in STATUSES)
