"""One run of a policy's acceptance scenarios in a workspace: a pytest process that stops at the first failure."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from attrs import frozen

from policy.mutate.selection import FIRST_ENV, POLICY_ENV
from policy.mutate.workspace import Processes, Workspace

STEPS = "steps"
# Plugins the acceptance scenarios do not use: leaving them out halves the start-up of each run.
UNUSED_PLUGINS = ("cacheprovider", "xdist", "xdist.looponfail", "hypothesispytest", "anyio")
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.M)
# pytest's exit codes: 1 tests failed, 2 interrupted (a collection error), 3 internal error.
PASSED, TESTS_FAILED, INTERRUPTED, INTERNAL, USAGE, NO_TESTS = 0, 1, 2, 3, 4, 5


@frozen
class SuiteRun:
    """How a run ended: `failed` with the first failing test (or why the suite could not run)."""

    failed: bool
    failure: str | None = None
    output: str = ""


def suite_command(extra: Sequence[str] = ()) -> list[str]:
    disabled = [arg for plugin in UNUSED_PLUGINS for arg in ("-p", f"no:{plugin}")]
    return [sys.executable, "-m", "pytest", STEPS, "-x", "-q", "--no-header", *disabled,
            "-p", "policy.mutate.selection", *extra]


def run_suite(processes: Processes, workspace: Workspace, policy_id: str, first: Sequence[str],
              timeout: float) -> SuiteRun:
    """Run the policy's scenarios (the statements `first` first) in the workspace as it is now."""
    env = workspace.environment({POLICY_ENV: policy_id, FIRST_ENV: ",".join(first)})
    code, output = processes.run(suite_command(), workspace.root, env, timeout)
    if code is None:
        return SuiteRun(True, f"ran longer than {timeout:.0f} s", output)
    if code == PASSED:
        return SuiteRun(False, None, output)
    if code in (USAGE, NO_TESTS):
        # Not a verdict on the mutant: the run itself is broken (no scenario of the policy selected).
        raise RuntimeError(f"the acceptance suite could not be run for {policy_id} (pytest exit {code}):\n"
                           + output[-2000:])
    found = _FAILED.search(output)
    if found is not None:
        return SuiteRun(True, found.group(1), output)
    what = "the suite could not be collected" if code in (INTERRUPTED, INTERNAL) else f"pytest exit {code}"
    return SuiteRun(True, what, output)
