"""`policy mutate` (issue 11) on a small policy in a copy of the repository.

The copy holds the package, the library, the step library and the examples,
plus the policy `policy new demo-policy` writes, changed so that each kind of
mutation point occurs: its units rule reads `all_of(units > max_units,
units >= 1)` (a combinator, and a comparison no valid request can tell from
`units > 1`: every request has at least one unit), its derivation counts
covered codes with `len(codes) >= 1` (a comparison and a number). The
boundary row "6 units" is taken out of its examples, so that `units >=
max_units` for `units > max_units` is a wrong rule nothing notices. The
policy declares the `>= 1` mutant equivalent, and one mutant it does not
have. Each test runs a few mutants at most.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest

from library_copy import replace_once
from policy.binding import bind
from policy.docs.mutation import (
    load_mutation,
    policy_mutation_text,
    statement_mutation_text,
    survivor_badge,
    survivors_markdown,
)
from policy.docs.results import NO_RESULTS
from policy.docs.rules import policy_rules
from policy.docs.statements import statement_page
from policy.mutate import Kind, MutantResult, Options, PolicyReport, Status, find_mutants, mutate_policy
from policy.mutate.workspace import COPIED, IGNORED, OWNER_FILE, PREFIX, sweep_abandoned
from policy.scaffold import create

ROOT = Path(__file__).resolve().parent.parent
POLICY = "demo-policy"
RULES = "features/demo_policy/rules.py"
UNITS = "UNITS-DEMO-POLICY"
UNPINNED = f"{UNITS} case 1 compare: request.units > P.max_units -> request.units >= P.max_units"
EQUIVALENT = f"{UNITS} case 1 compare: request.units >= 1 -> request.units > 1"
KNOWN_BAD = f"{UNITS} case 1 outcome: NOT_MET -> MET"
STALE = f"{UNITS} case 7 deleted"
WAIT_SECONDS = 240


def _demo_repository(target: Path) -> Path:
    for entry in COPIED:
        origin = ROOT / entry
        if origin.is_dir():
            shutil.copytree(origin, target / entry, ignore=IGNORED)
        else:
            shutil.copy2(origin, target / entry)
    create(POLICY, target / "features")
    rules = target / RULES
    replace_once(rules, "cases=(case(request.units > P.max_units, NOT_MET, Pend()),),",
                 "cases=(case(all_of(request.units > P.max_units, request.units >= 1), NOT_MET, Pend()),),")
    replace_once(rules, 'return {"covered": bool(codes), "codes": codes}',
                 'return {"covered": len(codes) >= 1, "codes": codes}')
    replace_once(rules, "from .request import Request\n",
                 "from policy.rules.conditions import all_of\n\nfrom .request import Request\n")
    with rules.open("a", encoding="utf-8") as out:
        out.write("\nEQUIVALENT_MUTANTS: dict[str, str] = {\n"
                  f"    {EQUIVALENT!r}: 'every request has at least one unit, and the case needs more than "
                  "max_units anyway',\n"
                  f"    {STALE!r}: 'names a case the rule does not have',\n}}\n")
    replace_once(target / "features/demo_policy/01_coverage.feature", "        | 1     |\n        | 6     |\n",
                 "        | 1     |\n")
    return target


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _demo_repository(tmp_path_factory.mktemp("mutate") / "repo")


@pytest.fixture(scope="module")
def run(repository: Path) -> Iterator[tuple[PolicyReport, str, str]]:
    """One run of three mutants, with the repository's digest before and after it."""
    before = _tree_digest(repository)
    report = mutate_policy(POLICY, Options(workers=1, root=repository, only={UNPINNED, EQUIVALENT, KNOWN_BAD}))
    yield report, before, _tree_digest(repository)


def _result(report: PolicyReport, mutant_id: str) -> MutantResult:
    return next(r for r in report.results if r.mutant.id == mutant_id)


def test_the_mutator_finds_each_kind_of_mutation_point_with_its_place(repository: Path) -> None:
    found = {m.id: m for m in find_mutants(POLICY, repository).mutants}
    assert {m.kind for m in found.values()} == set(Kind)
    rules = repository / RULES
    assert found[UNPINNED].place == f"{RULES}:{_line_of(rules, 'request.units > P.max_units')}"
    assert found[f"{UNITS} case 1 combinator: all_of -> any_of"].kind is Kind.COMBINATOR
    assert {f"{UNITS} case 1 outcome: NOT_MET -> {o}" for o in ("MET", "NOT_APPLICABLE", "UNKNOWN")} <= set(found)
    assert f"{UNITS} otherwise outcome: MET -> UNKNOWN" in found
    assert found[f"{UNITS} case 1 deleted"].kind is Kind.DELETE
    assert found["covered_diagnoses derivation-compare: len(codes) >= 1 -> len(codes) > 1"].statement == "DX-DEMO-POLICY"
    assert {found[f"covered_diagnoses derivation-constant: 1 -> {n}"].mutated for n in (0, 2)} == {"0", "2"}
    toml = repository / "features/demo_policy/policy.toml"
    for moved in ("5", "7"):
        parameter = found[f"max_units parameter: 6 -> {moved}"]
        assert parameter.place == f"features/demo_policy/policy.toml:{_line_of(toml, 'value = 6')}"
        assert parameter.statement == UNITS


def test_a_mutant_the_examples_catch_is_killed_by_one_of_them(run: tuple[PolicyReport, str, str]) -> None:
    report, _, _ = run
    killed = _result(report, KNOWN_BAD)
    assert killed.status is Status.KILLED
    assert f"[{POLICY}" in (killed.killed_by or "")


def test_a_boundary_no_example_pins_survives_with_its_place_and_the_example_that_would_kill_it(
    run: tuple[PolicyReport, str, str], repository: Path,
) -> None:
    report, _, _ = run
    survivor = _result(report, UNPINNED)
    assert survivor.status is Status.SURVIVED
    assert survivor.mutant.place == f"{RULES}:{_line_of(repository / RULES, 'request.units > P.max_units')}"
    witness = survivor.witness
    assert witness is not None and witness.changes == (("units", 6),)
    assert [d.to_dict() for d in witness.differences if d.what == f"statements.{UNITS}"] == [
        {"what": f"statements.{UNITS}", "original": "met", "mutant": "not_met"}]
    assert witness.gherkin()[:2] == ["Given a request like the source case", "And units is 6"]
    assert not report.ok


def test_a_declared_equivalent_is_listed_as_such_and_a_declaration_naming_no_mutant_is_reported(
    run: tuple[PolicyReport, str, str],
) -> None:
    report, _, _ = run
    equivalent = _result(report, EQUIVALENT)
    assert equivalent.status is Status.EQUIVALENT
    assert (equivalent.reason or "").startswith("every request has at least one unit")
    assert [d.id for d in report.unmatched] == [STALE]
    assert any(STALE in problem and "no such mutant" in problem for problem in report.problems)


def test_the_json_report_counts_per_statement_and_lists_survivors_and_equivalents(
    run: tuple[PolicyReport, str, str],
) -> None:
    report, _, _ = run
    document = json.loads(json.dumps(report.to_dict()))
    assert {"format", "policy", "version", "digest", "finished", "ok", "totals", "statements", "mutants",
            "problems"} <= set(document)
    assert document["totals"] == {"mutants": 3, "killed": 1, "survived": 1, "equivalent": 1}
    (units,) = document["statements"]
    assert (units["id"], units["mutants"], units["killed"], units["survived"], units["equivalent"]) == (
        UNITS, 3, 1, 1, 1)
    (survivor,) = units["survivors"]
    assert survivor["id"] == UNPINNED and survivor["file"] == RULES and survivor["witness"]["changes"] == [
        {"path": "units", "value": 6}]
    assert [e["id"] for e in units["equivalents"]] == [EQUIVALENT]


def test_the_source_tree_is_unchanged_after_a_run(run: tuple[PolicyReport, str, str]) -> None:
    _, before, after = run
    assert before == after


def _scratch_of(pid: int) -> Path | None:
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if int((folder / OWNER_FILE).read_text(encoding="ascii")) == pid and (folder / "worker-0").is_dir():
                return folder
        except (OSError, ValueError):
            continue
    return None


def _start_and_wait_for_a_worker(repository: Path) -> tuple[subprocess.Popen[bytes], Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "POLICY_"))}
    env["PYTHONPATH"] = str(repository)
    process = subprocess.Popen([sys.executable, "-m", "policy", "mutate", "--policy", POLICY, "-w", "1"],
                               cwd=repository, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT_SECONDS
    while (scratch := _scratch_of(process.pid)) is None:
        assert process.poll() is None, "the run ended before its workers started"
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.2)
    return process, scratch


def _stop_children_in(scratch: Path) -> None:
    """Processes the killed run left running in its copies (they would finish on their own)."""
    for child in psutil.process_iter(["cwd"]):
        cwd = child.info.get("cwd") or ""
        if cwd.startswith(str(scratch)):
            child.kill()


def test_a_terminated_run_stops_removes_its_copies_and_leaves_the_source_tree_unchanged(repository: Path) -> None:
    before = _tree_digest(repository)
    process, scratch = _start_and_wait_for_a_worker(repository)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT_SECONDS) == 130
    assert not scratch.exists()
    assert _tree_digest(repository) == before


def test_a_killed_run_leaves_the_source_tree_unchanged_and_the_next_run_removes_its_copies(
    repository: Path,
) -> None:
    before = _tree_digest(repository)
    process, scratch = _start_and_wait_for_a_worker(repository)
    process.kill()
    process.wait(timeout=WAIT_SECONDS)
    _stop_children_in(scratch)
    assert _tree_digest(repository) == before
    assert scratch in sweep_abandoned()
    assert not scratch.exists()


def test_the_handbook_says_not_run_for_a_policy_without_a_mutation_report(tmp_path: Path) -> None:
    results = load_mutation(POLICY, tmp_path)
    assert statement_mutation_text(results, UNITS, "sha256:any") == "not run"
    assert policy_mutation_text(results, "sha256:any") == "not run"
    assert survivor_badge(results, UNITS) == "" and survivors_markdown(results, UNITS) == ""


def test_a_statement_page_shows_its_mutants_killed_and_marks_a_survivor_with_the_example_that_would_kill_it(
    run: tuple[PolicyReport, str, str], repository: Path, tmp_path: Path,
) -> None:
    report, _, _ = run
    (tmp_path / f"{POLICY}.json").write_text(json.dumps(report.to_dict()), encoding="utf-8")
    results = load_mutation(POLICY, tmp_path)
    bound = bind(POLICY, repository / "features")
    statement = next(s for s in bound.source.statements if s.id == UNITS)
    page = statement_page(bound, statement, NO_RESULTS, policy_rules(bound), mutation=results)
    date = report.finished[:10]
    assert f"| Mutation testing | 1 / 3 killed, 1 equivalent, **1 surviving** (last run {date}) |" in page
    assert "surviving mutant</span>" in page
    assert f"`{UNPINNED}`" in page and "`And units is 6`" in page
    other = next(s for s in bound.source.statements if s.id != UNITS)
    assert "| Mutation testing | not run |" in statement_page(bound, other, NO_RESULTS, policy_rules(bound),
                                                               mutation=results)
    assert statement_mutation_text(results, UNITS, "sha256:another").endswith(
        "on another version of the policy source)")
