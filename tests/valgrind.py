"""Running a Python script under valgrind: what the engine's C code reads must be memory it wrote."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Every bundled example of every policy assessed one after another in one process; prints the number of
# examples, then of engine sessions the policies opened. Given "keep", each network keeps its session
# whatever the engine build (the fix policy/engine/build.py applies assumed, present or not).
EXAMPLES_SCRIPT = """
import json, sys
from pathlib import Path
from policy.engine import Network
if sys.argv[2:] == ["keep"]:
    Network.__init__.__defaults__ = (True,)
import policy
networks = [policy.assessor(p).network for p in policy.policy_ids()]
examples = sorted(Path(sys.argv[1]).glob("*/*.json"))
for path in examples:
    policy.assess(json.loads(path.read_text()))
print(len(examples), sum(n.sessions_started for n in networks))
"""


def under_valgrind(script: str, *args: str, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    """`python -c script args...` under valgrind, which exits 99 when it saw any memory error."""
    return subprocess.run(
        ["valgrind", "--error-exitcode=99", "--quiet", python, "-c", script, *args],
        capture_output=True, text=True, timeout=600,
    )


def clean_run(script: str, *args: str, python: str = sys.executable) -> str:
    """The script's stdout, once valgrind saw it run with no invalid or uninitialised read and exit 0."""
    result = under_valgrind(script, *args, python=python)
    assert "Invalid read" not in result.stderr, result.stderr[-4000:]
    assert "uninitialised" not in result.stderr, result.stderr[-4000:]
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout
