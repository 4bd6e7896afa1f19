"""The wheel installs into a clean virtual environment and runs from outside the repository.

Built from this checkout, installed on the running interpreter with the
install lines the README gives (on Python 3.13 durable-rules is built first
with the define it needs), then `policy --version`, `policy assess` and
`policy check` are run from a folder that is not the repository. It installs
its dependencies from the package registry, so it takes a minute or two.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from valgrind import EXAMPLES, EXAMPLES_SCRIPT, clean_run, needs_valgrind, under_valgrind

import policy
from policy.binding import bound

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ivig-cidp" / "source-case.json"
# What the README tells a Python 3.13 user to run before installing the wheel (policy/engine says why).
ENGINE_BUILD = ["--no-cache-dir", "durable-rules==2.0.28"]
ENGINE_FLAGS = {"CPPFLAGS": "-DPyEval_CallObject=PyObject_CallObject"}


def _run(command: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _succeeded(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"{done.args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(the venv's bin folder, a working folder outside the repository, the environment to run in)."""
    base = tmp_path_factory.mktemp("wheel")
    assert not base.is_relative_to(ROOT)
    # Nothing of the repository's environment may leak in: no PYTHONPATH, no active venv.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    dist = base / "dist"
    _succeeded(_run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT], base, env))
    wheel, = dist.glob("*.whl")
    venv = base / "venv"
    _succeeded(_run([sys.executable, "-m", "venv", venv], base, env))
    python = venv / "bin" / "python"
    if sys.version_info >= (3, 13):
        _succeeded(_run([python, "-m", "pip", "install", "-q", *ENGINE_BUILD], base, env | ENGINE_FLAGS))
    _succeeded(_run([python, "-m", "pip", "install", "-q", wheel], base, env))
    outside = base / "work"
    outside.mkdir()
    return venv / "bin", outside, env


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: tuple[Path, Path, dict[str, str]]) -> None:
    """`import policy` in the new environment finds the installed copy, outside the repository."""
    bin_folder, outside, env = installed
    done = _run([bin_folder / "python", "-c", "import policy; print(policy.__file__)"], outside, env)
    _succeeded(done)
    location = Path(done.stdout.strip())
    assert location.is_relative_to(bin_folder.parent) and not location.is_relative_to(ROOT)


def test_version_lists_every_policy_with_the_checkout_digest(installed: tuple[Path, Path, dict[str, str]]) -> None:
    """`policy --version` names the package version, the released engine, and each policy with its version and digest."""
    bin_folder, outside, env = installed
    done = _run([bin_folder / "policy", "--version"], outside, env)
    _succeeded(done)
    expected = [f"policy {policy.__version__}",
                "engine durable-rules 2.0.28 (a fresh session per assessment: this build cannot empty a session "
                "safely; `python -m policy.engine.build` installs one that can)"]
    expected += [f"{i} {bound(i).source.version} {bound(i).digest}" for i in policy.policy_ids()]
    assert done.stdout.splitlines() == expected


def test_assess_gives_the_determination_of_the_checkout(installed: tuple[Path, Path, dict[str, str]]) -> None:
    """`policy assess` on an example copied outside the repository prints the same determination as the checkout."""
    bin_folder, outside, env = installed
    request = shutil.copy(EXAMPLE, outside / "request.json")
    text = _run([bin_folder / "policy", "assess", "request.json"], outside, env)
    _succeeded(text)
    assert text.stdout.startswith("Decision: APPROVE") and text.stderr == ""
    data = _run([bin_folder / "policy", "assess", "--format", "json", request], outside, env)
    _succeeded(data)
    assert json.loads(data.stdout) == policy.assess(json.loads(EXAMPLE.read_text())).to_dict()


def test_check_checks_what_it_can_and_names_the_skip_in_one_line(installed: tuple[Path, Path, dict[str, str]]) -> None:
    """`policy check` from the wheel exits 0; what it cannot check there is named in one line; no traceback."""
    bin_folder, outside, env = installed
    done = _run([bin_folder / "policy", "check"], outside, env)
    _succeeded(done)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.startswith("policy source, rules and tests agree")
    skipped = [line for line in done.stderr.splitlines() if line.startswith("skipped: ")]
    assert done.stderr.splitlines() == skipped and len(skipped) <= 1


@needs_valgrind
def test_the_released_engine_reads_memory_it_never_wrote_only_if_a_policy_session_is_kept(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    """Why policy/engine/build.py patches durable-rules: on the released build, emptying a policy's session for reuse
    reads uninitialised memory; the package's choice there, a fresh session per assessment, reads none."""
    bin_folder, _, _ = installed
    python = str(bin_folder / "python")
    examples, sessions = clean_run(EXAMPLES_SCRIPT, str(EXAMPLES), python=python).split()
    assert examples == sessions  # a fresh session for each assessment
    kept = under_valgrind(EXAMPLES_SCRIPT, str(EXAMPLES), "keep", python=python)
    assert kept.returncode == 99 and "uninitialised" in kept.stderr, kept.stderr[-3000:]


def test_the_builder_installs_the_fixed_engine_and_each_policy_then_keeps_its_session(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    """Run by path from the installed package, as a broken engine's import error says, the builder replaces the
    released engine with the fixed one: `--version` says so, each policy keeps one session, answers are unchanged.

    Last in this module: it changes the environment the tests above need released.
    """
    bin_folder, outside, env = installed
    python = bin_folder / "python"
    builder, = bin_folder.parent.glob("lib/python*/site-packages/policy/engine/build.py")
    _succeeded(_run([python, builder], outside, env))
    done = _run([bin_folder / "policy", "--version"], outside, env)
    _succeeded(done)
    assert done.stdout.splitlines()[1] == ("engine durable-rules 2.0.28+policy.1 (one session per policy, emptied "
                                           "after each assessment)")
    done = _run([python, "-c", EXAMPLES_SCRIPT, EXAMPLES], outside, env)
    _succeeded(done)
    assert done.stdout.split() == [str(len(list(EXAMPLES.glob("*/*.json")))), str(len(policy.policy_ids()))]
    data = _run([bin_folder / "policy", "assess", "--format", "json", EXAMPLE], outside, env)
    _succeeded(data)
    assert json.loads(data.stdout) == policy.assess(json.loads(EXAMPLE.read_text())).to_dict()
