"""`policy new`: the authors' guide "Add a policy" run in a copy of the repository, and its refusals.

The walk-through copies the working tree (tracked files and untracked ones
git does not ignore), commits it in a fresh git repository, runs
`python -m policy new demo-policy` there with the copy first on PYTHONPATH
(ahead of the editable install), then, with no other edit: the drift check,
the new policy's scenarios in the acceptance suite, `policy assess` of its
source case, and `git status` showing only the new files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policy import scaffold
from policy.cli import app
from policy.scaffold import ScaffoldError, create, planned, title_of
from policy.source.catalog import parse_feature

ROOT = Path(__file__).resolve().parent.parent
POLICY_ID = "demo-policy"
FOLDER = "features/demo_policy"
EXAMPLES = "examples/demo-policy"
# What a copy never needs when git cannot list the files (not a checkout).
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv*", "build", "site", "dist", "__pycache__", "*.pyc", "*.egg-info",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis",
)
TIMEOUT = 300


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=scaffold test", "-c", "user.email=scaffold-test@example.invalid",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=True, timeout=TIMEOUT,
    )
    return done.stdout


def _copy_repository(target: Path) -> None:
    """The working tree as git sees it (ignored files left out), committed in a repository of its own."""
    try:
        listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT, target, ignore=NOT_COPIED, dirs_exist_ok=True)
    else:
        for name in filter(None, listed.split("\0")):
            source = ROOT / name
            if source.is_file():  # a tracked file someone deleted is not there to copy
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "--no-verify", "-m", "the repository before policy new")


def _environment(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    env.pop("POLICY_TEST_RESULTS", None)  # the copy's test run records its results in the copy
    env["PYTHONPATH"] = str(copy)
    return env


def _python(copy: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=copy, env=_environment(copy),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def _scenario_rows(folder: Path) -> int:
    """How many test items the folder's feature files make: one per example row."""
    count = 0
    for path in sorted(folder.glob("*.feature")):
        statements, loose = parse_feature(path, path.name)
        scenarios = [*loose, *(s for statement in statements for s in statement.scenarios)]
        count += sum(len(scenario.examples) for scenario in scenarios)
    return count


def test_add_a_policy_walk_through(tmp_path: Path) -> None:
    """`policy new demo-policy` in a checkout: check passes, its scenarios run and pass, its source
    case is assessed, and git sees only the new files."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    _copy_repository(copy)

    code, out, err = _finished(_python(copy, "-m", "policy", "new", POLICY_ID))
    assert code == 0, err
    written = {line.removeprefix("wrote ") for line in out.splitlines()}
    assert f"{EXAMPLES}/source-case.json" in written
    assert {f"{FOLDER}/{name}" for name in ("__init__.py", "policy.toml", "bibliography.toml")} <= written

    # The three runs are independent: the suite runs while the others do.
    suite = _python(copy, "-m", "pytest", "-q", "steps", "-k", POLICY_ID)
    checked = _python(copy, "-m", "policy", "check")
    assessed = _python(copy, "-m", "policy", "assess", "--policy", POLICY_ID, f"{EXAMPLES}/source-case.json")

    code, out, err = _finished(checked)
    assert code == 0, err
    assert "agree" in out
    code, out, err = _finished(assessed)
    assert code == 0, err
    assert out.startswith("Decision: APPROVE"), out
    code, out, err = _finished(suite)
    rows = _scenario_rows(copy / FOLDER)
    assert rows > 0
    assert code == 0, out + err
    assert re.search(rf"\b{rows} passed\b", out), out
    assert not re.search(r"\b(failed|error|skipped)\b", out), out

    status = _git(copy, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert {line[3:] for line in status} == written
    assert all(line.startswith("?? ") for line in status), status


# --- refusals: nothing is written --------------------------------------------------


def _tree(base: Path) -> list[str]:
    return sorted(path.relative_to(base).as_posix() for path in base.rglob("*"))


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A checkout's layout: features/ with the shared folder, examples/ and docs/ beside it."""
    (tmp_path / "features" / "shared").mkdir(parents=True)
    (tmp_path / "examples").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "authors.md").write_text("# Guide for policy authors\n", encoding="utf-8")
    return tmp_path / "features"


@pytest.mark.parametrize("policy_id", [
    "", "Demo", "demo_policy", "1demo", "-demo", "demo-", "demo--policy", "demo policy", "démo",
    "demo.policy", "demo/policy", "a" * 41, "shared", "class", "stylesheets", "authors",
])
def test_an_invalid_id_is_refused_and_nothing_is_written(library: Path, policy_id: str) -> None:
    before = _tree(library.parent)
    with pytest.raises(ScaffoldError, match="invalid policy id"):
        create(policy_id, library)
    assert _tree(library.parent) == before


@pytest.mark.parametrize("taken", ["features/demo_policy", "examples/demo-policy"])
def test_an_existing_policy_or_example_folder_is_refused_and_nothing_is_written(library: Path, taken: str) -> None:
    (library.parent / taken).mkdir()
    before = _tree(library.parent)
    with pytest.raises(ScaffoldError, match="already exists"):
        create(POLICY_ID, library)
    assert _tree(library.parent) == before


def test_a_statement_id_already_in_the_library_is_refused(library: Path) -> None:
    (library / "other").mkdir()
    (library / "other" / "01_scope.feature").write_text(
        "Feature: Scope\n\n  @DX-DEMO-POLICY\n  Rule: Taken\n", encoding="utf-8"
    )
    before = _tree(library.parent)
    with pytest.raises(ScaffoldError, match="DX-DEMO-POLICY"):
        create(POLICY_ID, library)
    assert _tree(library.parent) == before


def test_an_installed_package_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Installed from a wheel, the library is policy/_source: `policy new` says it needs a checkout."""
    installed = tmp_path / "policy" / "_source"
    installed.mkdir(parents=True)
    monkeypatch.setattr(scaffold, "source_root", lambda: installed)
    with pytest.raises(ScaffoldError, match="works in a checkout"):
        create(POLICY_ID)
    assert _tree(tmp_path) == ["policy", "policy/_source"]


def test_the_cli_reports_a_refusal_on_stderr_with_exit_code_2() -> None:
    """The id of a policy the repository holds is taken; `policy new` says so and writes nothing."""
    result = CliRunner().invoke(app, ["new", "ivig-myositis"])
    assert result.exit_code == 2
    assert "policy new:" in result.stderr and "already exists" in result.stderr


# --- what is written ------------------------------------------------------------------


def test_the_files_go_only_to_the_policy_folder_and_its_examples_folder(library: Path) -> None:
    written = create(POLICY_ID, library)
    assert {path.parts[:2] for path in written} == {("features", "demo_policy"), ("examples", "demo-policy")}
    assert sorted(p.as_posix() for p in written) == sorted(
        path.relative_to(library.parent).as_posix() for path in library.parent.rglob("*")
        if path.is_file() and path.parent.name in ("demo_policy", "demo-policy")
    )
    assert '"policy": "demo-policy"' in (library.parent / EXAMPLES / "source-case.json").read_text(encoding="utf-8")


def test_the_title_and_statement_ids_come_from_the_id(library: Path) -> None:
    assert title_of("demo-policy") == "Demo policy"
    assert title_of("ivig-itp") == "Ivig itp"
    files = planned("ivig-itp", library)
    feature = next(text for path, text in files.items() if path.suffix == ".feature")
    assert "@DX-IVIG-ITP @cite.ivig-itp-guideline" in feature
    assert "@UNITS-IVIG-ITP @cite.ivig-itp-guideline" in feature
    assert "$" not in "".join(files.values())
