"""Running a Python script under valgrind: what the engine's C code reads must be memory it wrote."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")


def under_valgrind(script: str, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    """The script run by `python` under valgrind, which exits 99 when it saw any memory error."""
    return subprocess.run(
        ["valgrind", "--error-exitcode=99", "--quiet", python, "-c", script],
        capture_output=True, text=True, timeout=600,
    )


def clean_run(script: str, python: str = sys.executable) -> str:
    """The script's stdout, once valgrind saw it run with no invalid or uninitialised read and exit 0."""
    result = under_valgrind(script, python)
    assert "Invalid read" not in result.stderr, result.stderr[-4000:]
    assert "uninitialised" not in result.stderr, result.stderr[-4000:]
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout
