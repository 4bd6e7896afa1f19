"""The `policy` command: reports on stdout, problems on stderr, exit codes 0, 2 and 1."""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import policy
from policy.cli import app
from policy.schema import request_schema

POLICY = "ivig-myositis"

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / POLICY
SOURCE_CASE = EXAMPLES / "source-case.json"
SECTIONS = ("Medical necessity", "Standard of care", "Dosing", "Safety", "Monitoring", "Pitfalls", "Evidence")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, stdin: str | bytes | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False)


def write(tmp_path: Path, name: str, content: str | dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def source_case() -> dict[str, Any]:
    return dict(json.loads(SOURCE_CASE.read_text()))


def invalid_request() -> dict[str, Any]:
    document = source_case()
    document["patient"] = {"height_cm": 10, "shoe_size": 42}
    document["diagnoses"] = ["M60.8"]
    return document


# -- exit 0: the three formats ------------------------------------------------------------------


def test_text_puts_the_decision_first(runner: CliRunner) -> None:
    """The text report opens with the decision, then the findings."""
    result = run(runner, "assess", str(SOURCE_CASE))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "Decision: APPROVE"
    for statement in ("SAFE-IGA-SCREEN", "SAFE-CARDIAC", "SAFE-HYDRATION", "DOSE-HIGH", "SAFE-AE", "MON-PLAN"):
        assert statement in result.stdout
    assert result.stderr == ""


def test_text_is_the_default_and_format_text_is_the_same(runner: CliRunner) -> None:
    """--format text prints what no --format prints."""
    assert run(runner, "assess", str(SOURCE_CASE)).stdout == run(runner, "assess", "--format", "text", str(SOURCE_CASE)).stdout


def test_json_is_the_determination_to_dict(runner: CliRunner) -> None:
    """--format json prints exactly policy.assess(..., policy_id=POLICY).to_dict()."""
    result = run(runner, "assess", "--format", "json", str(SOURCE_CASE))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == policy.assess(source_case(), policy_id=POLICY).to_dict()


def test_json_of_several_files_is_a_list_in_order(runner: CliRunner) -> None:
    """Several files give a JSON list of their determinations, in the order given."""
    names = [EXAMPLES / "deny-inclusion-body-myositis.json", SOURCE_CASE]
    result = run(runner, "assess", "-f", "json", *map(str, names))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [policy.assess(json.loads(p.read_text()), policy_id=POLICY).to_dict() for p in names]


def test_markdown_has_the_source_sections_decision_first_and_numbered_citations(runner: CliRunner) -> None:
    """The markdown report covers what the source covers, after the request and the determination; decision
    up front, citations numbered."""
    result = run(runner, "assess", "--format", "markdown", str(SOURCE_CASE))
    assert result.exit_code == 0
    text = result.stdout
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["Request", "Determination", *SECTIONS]
    assert text.index("Decision: APPROVE") < text.index("## Request") < text.index("## Medical necessity")
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", text.split("## Evidence")[0])]
    assert markers and max(markers) == len(set(markers))
    evidence = text.split("## Evidence")[1]
    for number in sorted(set(markers)):
        assert re.search(rf"^{number}\. ", evidence, re.M), number


def test_markdown_lists_every_statement(runner: CliRunner) -> None:
    """Each of the policy's statements appears in the markdown report."""
    text = run(runner, "assess", "-f", "markdown", str(SOURCE_CASE)).stdout
    for statement in policy.assessor(POLICY).bound.source.statements:
        assert f"**{statement.id}**" in text


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_dash_reads_the_request_from_stdin(runner: CliRunner, output: str) -> None:
    """`-` reads standard input and reports as a file would."""
    from_stdin = run(runner, "assess", "-f", output, "-", stdin=SOURCE_CASE.read_text())
    from_file = run(runner, "assess", "-f", output, str(SOURCE_CASE))
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout == from_file.stdout


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_example_is_assessed_with_exit_0(runner: CliRunner, path: Path) -> None:
    """Each shipped example is a valid request the command assesses."""
    result = run(runner, "assess", "-f", "json", str(path))
    assert result.exit_code == 0, result.stderr
    # Example files are named after their decision; the source case and the contract example approve.
    named = path.name.split("-")[0]
    assert json.loads(result.stdout)["decision"] == (named if named in ("modify", "pend", "deny") else "approve")


# -- exit 2: invalid input ----------------------------------------------------------------------------


def test_an_invalid_request_exits_2_with_every_problem_on_stderr(runner: CliRunner, tmp_path: Path) -> None:
    """Every problem is printed with its file and path; stdout stays empty."""
    name = write(tmp_path, "bad.json", invalid_request())
    result = run(runner, "assess", name)
    assert result.exit_code == 2
    assert result.stdout == ""
    with pytest.raises(policy.InvalidRequest) as caught:
        policy.assess(invalid_request(), policy_id=POLICY)
    assert len(caught.value.errors) == 3
    lines = result.stderr.splitlines()
    for error in caught.value.errors:
        assert any(line.startswith(f"{name}: {error['path']}: ") and error["message"] in line for line in lines)


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_an_invalid_request_prints_nothing_on_stdout_in_any_format(runner: CliRunner, tmp_path: Path, output: str) -> None:
    """No format writes a partial report for an invalid request."""
    result = run(runner, "assess", "-f", output, write(tmp_path, "bad.json", invalid_request()))
    assert (result.exit_code, result.stdout) == (2, "")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("{not json", "JSON"), ("", "JSON"), ("[1, 2]", "object"), ('"text"', "object"), ("null", "object"),
     ('{"id": "a", "id": "b"}', "duplicate"), ("NaN", "NaN")],
)
def test_a_file_that_is_not_a_json_object_exits_2(runner: CliRunner, tmp_path: Path, content: str, fragment: str) -> None:
    """Not JSON, or JSON that is not an object, is invalid input: exit 2, the reason on stderr."""
    name = write(tmp_path, "odd.json", content)
    result = run(runner, "assess", name)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert name in result.stderr and fragment in result.stderr


def test_not_json_on_stdin_exits_2(runner: CliRunner) -> None:
    """stdin that is not JSON is reported as `-`."""
    result = run(runner, "assess", "-", stdin="hello")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("-: ")


def test_an_unreadable_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    """A missing file (or a folder) cannot be read: exit 2, nothing on stdout."""
    for name in (str(tmp_path / "absent.json"), str(tmp_path)):
        result = run(runner, "assess", name)
        assert (result.exit_code, result.stdout) == (2, "")
        assert name in result.stderr


def test_one_invalid_file_among_several_exits_2_and_prints_no_report(runner: CliRunner, tmp_path: Path) -> None:
    """Valid files before and after an invalid one are not reported: stdout stays empty."""
    bad = write(tmp_path, "bad.json", invalid_request())
    result = run(runner, "assess", "-f", "json", str(SOURCE_CASE), bad, str(EXAMPLES / "modify-8-courses.json"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert bad in result.stderr and str(SOURCE_CASE) not in result.stderr


def test_problems_of_several_invalid_files_are_all_reported(runner: CliRunner, tmp_path: Path) -> None:
    """Each invalid file's problems are listed, each with its own file name."""
    first = write(tmp_path, "one.json", invalid_request())
    second = write(tmp_path, "two.json", "[]")
    result = run(runner, "assess", first, second)
    assert result.exit_code == 2
    assert result.stderr.count(first) == 3 and result.stderr.count(second) == 1


def test_no_file_is_a_usage_error(runner: CliRunner) -> None:
    """`policy assess` without FILE is a usage error (exit 2), not a report."""
    result = run(runner, "assess")
    assert result.exit_code == 2
    assert result.stdout == ""


# -- exit 1: internal errors -------------------------------------------------------------------------------


def test_an_internal_error_exits_1_with_nothing_on_stdout(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure that is not the input's fault exits 1 and says so on stderr."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the engine is on fire")

    monkeypatch.setattr(policy, "assess", broken)
    result = run(runner, "assess", str(SOURCE_CASE))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "internal error" in result.stderr and "RuntimeError" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback_of_an_internal_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """--debug adds the traceback to stderr."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the engine is on fire")

    monkeypatch.setattr(policy, "assess", broken)
    result = run(runner, "assess", "--debug", str(SOURCE_CASE))
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and result.stdout == ""


def test_an_internal_error_wins_over_invalid_input(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When one file fails internally and another is invalid, the exit code says internal (1)."""
    real = policy.assess

    def sometimes(document: Any, *args: Any, **kwargs: Any) -> Any:
        if document.get("id") == "PA-SOURCE-CASE":
            raise RuntimeError("boom")
        return real(document, *args, **kwargs)

    monkeypatch.setattr(policy, "assess", sometimes)
    result = run(runner, "assess", str(SOURCE_CASE), write(tmp_path, "bad.json", invalid_request()))
    assert result.exit_code == 1
    assert result.stdout == ""


# -- check and schema -------------------------------------------------------------------------------------


def test_check_passes_on_the_shipped_source(runner: CliRunner) -> None:
    """`policy check` exits 0 when source, rules and tests agree."""
    result = run(runner, "check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()


def test_schema_prints_the_request_schema(runner: CliRunner) -> None:
    """`policy schema` prints the JSON Schema of a request document."""
    result = run(runner, "schema", "--policy", POLICY)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == request_schema(POLICY)


def test_schema_needs_a_policy_and_guesses_none(runner: CliRunner) -> None:
    """Without --policy, or with a policy the package does not hold, nothing is printed and the exit is 2."""
    for args in (("schema",), ("schema", "--policy", "ivig-nothing")):
        result = runner.invoke(app, list(args))
        assert result.exit_code == 2
        assert result.stdout == ""


# -- choosing the policy ----------------------------------------------------------------------------


def test_a_request_naming_no_policy_is_invalid_and_the_message_lists_the_policies(runner: CliRunner, tmp_path: Path) -> None:
    """No default policy is guessed: path `policy`, every policy held named, exit 2."""
    document = source_case()
    del document["policy"]
    result = run(runner, "assess", write(tmp_path, "r.json", document))
    assert result.exit_code == 2 and result.stdout == ""
    assert re.search(r": policy: is required", result.stderr)
    for policy_id in policy.policy_ids():
        assert policy_id in result.stderr


def test_the_policy_option_chooses_the_policy_for_a_request_naming_none(runner: CliRunner, tmp_path: Path) -> None:
    """--policy ID assesses a document without its own `policy` field against ID."""
    document = source_case()
    del document["policy"]
    result = run(runner, "assess", "--policy", POLICY, "--format", "json", write(tmp_path, "r.json", document))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["policy"]["id"] == POLICY


def test_a_request_naming_another_policy_than_the_option_is_invalid(runner: CliRunner, tmp_path: Path) -> None:
    """A document for one policy sent to another is rejected at path `policy`."""
    other = next(p for p in policy.policy_ids() if p != POLICY)
    result = run(runner, "assess", "--policy", other, str(SOURCE_CASE))
    assert result.exit_code == 2 and result.stdout == ""
    assert f": policy: expected {other}" in result.stderr


def test_an_unknown_policy_named_by_the_request_is_invalid(runner: CliRunner, tmp_path: Path) -> None:
    document = {**source_case(), "policy": "ivig-unheard-of"}
    result = run(runner, "assess", write(tmp_path, "r.json", document))
    assert result.exit_code == 2
    assert ": policy: expected one of the policies this package holds" in result.stderr


def test_version_names_the_package_and_each_policy_with_version_and_digest(runner: CliRunner) -> None:
    """`policy --version` prints the package version, the engine build, then each policy's id, version and digest."""
    result = run(runner, "--version")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"policy {policy.__version__}"
    assert lines[1] == f"engine durable-rules {version('durable-rules')} (one session per policy, emptied after each assessment)"
    for policy_id in policy.policy_ids():
        found = policy.assessor(policy_id)
        assert f"{policy_id} {found.bound.source.version} {found.bound.digest}" in lines


def test_python_dash_m_policy_works_like_the_command() -> None:
    """`python -m policy` runs the same command line."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "policy", "assess", "--format", "json", str(SOURCE_CASE)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == policy.assess(source_case()).to_dict()


@pytest.mark.parametrize("decision", ["approve", "modify", "pend", "deny"])
def test_every_decision_is_up_front_in_text_and_markdown(runner: CliRunner, decision: str) -> None:
    """Whatever the decision, both human reports state it before anything else."""
    path = next(p for p in sorted(EXAMPLES.glob(f"{decision}-*.json")))
    text = run(runner, "assess", str(path)).stdout
    assert text.splitlines()[0] == f"Decision: {decision.upper()}"
    markdown = run(runner, "assess", "-f", "markdown", str(path)).stdout
    assert markdown.index(f"**Decision: {decision.upper()}**") < markdown.index("\n## ")


@pytest.mark.parametrize("name", ["\n", "a\rb", "\x00", "\u2028"])
def test_a_problem_with_a_control_character_is_one_printable_line(runner: CliRunner, tmp_path: Path, name: str) -> None:
    """An unknown field named with a line break is reported on one line, the character escaped."""
    document = source_case()
    document[name] = 1
    result = run(runner, "assess", write(tmp_path, "odd.json", document))
    assert (result.exit_code, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].isprintable()
    assert name.encode("unicode_escape").decode("ascii") in lines[0]
