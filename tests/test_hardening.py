"""Hostile input is normal input: bounded caches, depth, sizes and error output; no traceback for any of it.

Every test sends what an attacker would (issue 9): megabyte codes and keys,
values nested a hundred thousand deep, lone surrogates, lookalike letters,
endless input. Each checks the outcome is an invalid request (or a refusal)
that names where the problem is, and that what is kept or printed stays small.
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import psutil
import pytest
from typer.testing import CliRunner

import policy
from documents import errors_of, valid, with_value
from policy import icd10
from policy.check import steps_unavailable
from policy.cli import app
from policy.codes import table
from policy.limits import LIMITS
from policy.spec import shown

ROOT = Path(__file__).resolve().parent.parent
SOURCE_CASE = ROOT / "examples" / "ivig-myositis" / "source-case.json"
MEGABYTE = 1 << 20


def run(*args: str, stdin: str | bytes | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)


def run_process(*args: str, stdin: Any = None, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """`python -m policy ARGS` in a process of its own, with the real standard streams."""
    return subprocess.run([sys.executable, "-m", "policy", *args], stdin=stdin, input=data, capture_output=True,
                          timeout=120, check=False)


def assert_nothing_leaked(text: str) -> None:
    assert "Traceback" not in text and str(ROOT) not in text and str(Path(policy.__file__).parent) not in text


def nested(kind: str, depth: int) -> Any:
    """A list or object nested `depth` levels deep, built by a loop (a literal would need recursion to build)."""
    value: Any = []
    for _ in range(depth - 1):
        value = [value] if kind == "list" else {"a": value}
    return value


# -- ICD-10-CM look-ups: only codes of the code shape are looked up or cached ---------------------------


def test_distinct_long_invalid_codes_leave_the_code_cache_as_it_was() -> None:
    """A thousand distinct long codes, lookalikes and malformed strings add no entry to the verdict cache."""
    icd10.problems("M60.80", "")  # the cache holds something to begin with
    before = icd10._verdict.cache_info()
    base = "M" * 10_000
    for number in range(1000):
        assert icd10.problems(f"{number:04d}{base}", "d")
        assert icd10.problems(f"ſ{number % 100:02d}.001A", "d")
    after = icd10._verdict.cache_info()
    assert (after.currsize, after.misses) == (before.currsize, before.misses)


def test_a_thousand_distinct_megabyte_codes_leave_memory_flat() -> None:
    """Checking 1,000 distinct 1 MB codes (directly and through assess) keeps the process within 50 MB of where it was."""
    process = psutil.Process()
    base = "A" * MEGABYTE
    document = valid()
    gc.collect()
    before = process.memory_info().rss
    for number in range(1000):
        code = f"{number:04d}{base}"
        assert icd10.problems(code, "d")
        if number % 10 == 0:
            document["diagnoses"] = [code]
            assert errors_of(document)
        del code
    gc.collect()
    grown = process.memory_info().rss - before
    assert grown < 50 * MEGABYTE, f"grew {grown / MEGABYTE:.0f} MB"


def test_a_long_string_has_no_title_and_no_billable_codes() -> None:
    """The table is asked nothing about a string longer than any code."""
    assert icd10.title("M60.80" + " " * MEGABYTE) is None
    assert icd10.billable_under("M60" + "8" * MEGABYTE) == []
    assert icd10.title("M60.80") == "Other myositis, unspecified site"


LOOKALIKES = [
    "ſ72.001A",  # LATIN SMALL LETTER LONG S upper-cases to S
    "ı10",  # LATIN SMALL LETTER DOTLESS I upper-cases to I
    "\u212a50.00",  # KELVIN SIGN, NFKC-equal to K
    "Ｍ60.80",  # FULLWIDTH LATIN CAPITAL LETTER M
    "M６０.８０",  # FULLWIDTH DIGITS
    "M60\uff0e80",  # FULLWIDTH FULL STOP
]


@pytest.mark.parametrize("code", LOOKALIKES)
def test_a_code_written_with_a_non_ascii_lookalike_is_rejected(code: str) -> None:
    """A lookalike of a billable code is refused at its index, as not ASCII, before any case folding."""
    folded = unicodedata.normalize("NFKC", code).upper()
    assert not icd10.problems(folded, ""), f"{folded} should be billable for this test to mean anything"
    errors = errors_of(with_value("diagnoses", ["M60.80", code]))
    assert [e["path"] for e in errors] == ["diagnoses[1]"]
    assert "ASCII" in errors[0]["message"]


# -- nesting: capped before anything recurses ------------------------------------------------------------


@pytest.mark.parametrize("depth", [2000, 100_000])
@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("path", ["id", "diagnoses", "regimen", "regimen.days", "patient.age_years", "response",
                                  "concurrent_therapies", "extra"])
def test_a_value_nested_thousands_deep_is_an_invalid_request_at_its_path(path: str, kind: str, depth: int) -> None:
    """No RecursionError: the value is refused as nested too deep, at a path inside the field it was put in."""
    errors = errors_of(with_value(path, nested(kind, depth)))
    assert any("levels of nesting" in e["message"] for e in errors), errors
    assert all(e["path"] == path or e["path"].startswith((f"{path}[", f"{path}.")) for e in errors), errors


@pytest.mark.parametrize("kind", ["list", "dict", "tuple", "set"])
def test_a_value_of_any_depth_is_quoted_in_sixty_characters(kind: str) -> None:
    """`shown` writes the start of a 100,000-deep value without recursing, cut at 60 characters."""
    value: Any = ()
    for _ in range(100_000):
        value = {"list": lambda v: [v], "dict": lambda v: {"a": v}, "tuple": lambda v: (v,),
                 "set": lambda v: (v,)}[kind](value)
    text = shown({value} if kind == "set" else value)
    assert len(text) == 60 and text.endswith("...") and text[0] in "[{("


@pytest.mark.parametrize("value", [None, True, 1.5, -7, "it's", "a\nb\ud800", [1, "x", None], {"k": [1, 2]}, (1,), (),
                                   {1, 2}, frozenset({3}), b"bytes", "x" * 100, list(range(100)), {"k" * 70: 1}])
def test_a_value_is_quoted_as_its_repr_cut_to_sixty_characters(value: Any) -> None:
    """For every kind of value a request holds, `shown` is what repr gives, cut to 57 characters and '...'."""
    text = repr(value)
    assert shown(value) == (text if len(text) <= 60 else text[:57] + "...")


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_a_deep_policy_name_is_an_invalid_request_at_policy(kind: str) -> None:
    """The policy a request names is read before the request is validated: a deep value there is refused too."""
    document = valid()
    document["policy"] = nested(kind, 100_000)
    with pytest.raises(policy.InvalidRequest) as caught:
        policy.assess(document)
    assert [e["path"] for e in caught.value.errors] == ["policy"]


def test_nesting_is_refused_one_level_past_the_limit_and_not_before() -> None:
    """The document counts as one level: a field holding LIMITS.depth - 1 levels passes the screen, one more does not."""
    at_limit = errors_of(with_value("extra", nested("list", LIMITS.depth - 1)))
    assert [e["message"] for e in at_limit if "nesting" in e["message"]] == []
    past = errors_of(with_value("extra", nested("list", LIMITS.depth)))
    assert [e["message"] for e in past if "nesting" in e["message"]] == [
        f"expected at most {LIMITS.depth} levels of nesting, got more"]


def test_other_problems_are_still_listed_beside_a_refused_value() -> None:
    """A refused value is skipped, not a reason to stop: the other fields' problems are reported with it."""
    document = with_value("regimen.days", nested("list", 5000))
    document["patient"]["sex"] = "x"
    document["id"] = "k" * MEGABYTE
    paths = [e["path"] for e in errors_of(document)]
    assert paths[0] == "id" and "patient.sex" in paths and any(p.startswith("regimen.days[") for p in paths)


# 513 and 900 levels json.loads reads on every Python (3.13 reads deeper than 3.11): refused the same way.
@pytest.mark.parametrize("depth", [513, 900, 2000, 100_000])
def test_the_command_refuses_json_nested_thousands_deep_in_one_line(depth: int, tmp_path: Path) -> None:
    """JSON nested past the reading bound is an invalid request (exit 2), one line, no traceback, before the policy is looked up."""
    path = tmp_path / "deep.json"
    path.write_text('{"id": ' + "[" * depth + "]" * depth + "}")
    result = run("assess", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "nested too deeply" in result.stderr
    assert_nothing_leaked(result.stderr)


# -- lone surrogates and bytes that are not UTF-8 ----------------------------------------------------------


@pytest.mark.parametrize(("path", "value", "at"), [
    ("id", "PA-10\ud800", "id"),
    ("regimen.product", "Octagam\udfff 10%", "regimen.product"),
    ("diagnoses", ["M60.80", "M60.8\udc00"], "diagnoses[1]"),
])
def test_a_lone_surrogate_in_a_string_is_an_invalid_request_at_its_path(path: str, value: Any, at: str) -> None:
    """Text no UTF-8 can carry is refused where it is, the surrogate named as an escape."""
    errors = errors_of(with_value(path, value))
    assert [e["path"] for e in errors] == [at]
    assert "lone surrogate" in errors[0]["message"] and "\\u" in errors[0]["message"]
    json.dumps(errors, ensure_ascii=False).encode("utf-8")  # the report itself is valid UTF-8


def test_a_lone_surrogate_in_a_field_name_is_escaped_in_its_path() -> None:
    """The path of a field name with a lone surrogate writes the surrogate as an escape, so it can be printed."""
    document = valid()
    document["regimen"]["a\ud800b"] = 1
    errors = errors_of(document)
    assert [e["path"] for e in errors] == ["regimen.a\\ud800b"]


@pytest.mark.parametrize("output", ["text", "markdown", "json"])
def test_a_lone_surrogate_from_json_is_an_invalid_request_in_every_format(output: str) -> None:
    """`policy assess -f FORMAT -` given `"id": "\\ud800"` exits 2 with one line naming id and nothing on stdout."""
    document = valid() | {"policy": "ivig-myositis", "id": "\ud800"}
    result = run("assess", "-f", output, "-", stdin=json.dumps(document))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("-: id: ") and "lone surrogate (\\ud800)" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("output", ["text", "markdown", "json"])
def test_a_lone_surrogate_never_gives_a_traceback_in_a_process_of_its_own(output: str) -> None:
    """With the real standard streams, the refusal is one line of UTF-8 on stderr and exit 2, in every format."""
    document = valid() | {"policy": "ivig-myositis", "id": "PA\ud800"}
    done = run_process("assess", "-f", output, "-", data=json.dumps(document).encode("ascii"))
    err = done.stderr.decode("utf-8")
    assert (done.returncode, done.stdout) == (2, b"")
    assert err.count("\n") == 1 and "-: id: " in err
    assert_nothing_leaked(err)


def test_bytes_that_are_not_utf8_are_an_invalid_request(tmp_path: Path) -> None:
    """A file with a byte that is not UTF-8 exits 2 naming the byte and where it is, no traceback."""
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(valid() | {"policy": "ivig-myositis", "id": "PA-é"}, ensure_ascii=False).encode("latin-1"))
    done = run_process("assess", str(path))
    err = done.stderr.decode("utf-8")
    assert (done.returncode, done.stdout) == (2, b"")
    assert "not UTF-8" in err and "0xe9" in err and err.count("\n") == 1
    assert_nothing_leaked(err)


# -- error output: bounded whatever the input --------------------------------------------------------------


def category_codes_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(valid() | {"policy": "ivig-myositis", "diagnoses": ["M60.8"] * count}))
    return path


def test_a_9_mb_file_of_category_codes_gets_one_line_of_errors(tmp_path: Path) -> None:
    """Over the input limit, the file is refused unread: one line, not one problem per code."""
    path = category_codes_file(tmp_path, 1_100_000)
    assert path.stat().st_size > 9 * MEGABYTE
    result = run("assess", str(path))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 300 and "larger than" in result.stderr


def test_a_9_mb_file_let_in_by_max_bytes_still_gets_a_bounded_error_report(tmp_path: Path) -> None:
    """Past LIMITS.values values the document is refused in one problem, however many codes it holds."""
    path = category_codes_file(tmp_path, 1_100_000)
    result = run("assess", "--max-bytes", str(20 * MEGABYTE), str(path))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 300 and "values" in result.stderr


def test_thousands_of_category_codes_get_a_report_of_a_few_kilobytes(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 category codes give LIMITS.problems problems and one saying how many more: a few KB in all."""
    monkeypatch.chdir(tmp_path)  # each line starts with the file name: a short one
    result = run("assess", category_codes_file(tmp_path, 5000).name)
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == LIMITS.problems + 1
    assert lines[-1].endswith(f": (document): {5000 - LIMITS.problems} more problems not listed "
                              f"(at most {LIMITS.problems} are)")
    assert len(result.stderr) < 20_000


def test_a_category_error_names_a_few_billable_codes_and_their_count() -> None:
    """S72 has thousands of billable codes: its error names LIMITS.listed_codes of them and the count."""
    count = table().billable_count("S72")
    assert count > 1000
    message = errors_of(with_value("diagnoses", ["S72"]))[0]["message"]
    named = re.findall(r"\bS72\.[0-9A-Z]+", message)
    assert len(named) == LIMITS.listed_codes
    assert f"{count} billable codes" in message and f"{count - LIMITS.listed_codes} more" in message
    assert len(message) < 300


def test_the_problems_listed_are_capped_with_one_saying_how_many_more() -> None:
    """250 unknown fields give LIMITS.problems problems, then one counting the other 150."""
    document = valid() | {f"unknown_{number}": number for number in range(250)}
    errors = errors_of(document)
    assert len(errors) == LIMITS.problems + 1
    assert errors[-1] == {"path": "", "message": f"150 more problems not listed (at most {LIMITS.problems} are)"}


def test_a_megabyte_field_name_is_refused_and_only_its_start_is_echoed(tmp_path: Path) -> None:
    """The path quotes the name's first LIMITS.echoed_chars characters; stderr stays under a kilobyte."""
    name = "k" * 1_000_000
    path = tmp_path / "key.json"
    path.write_text(json.dumps(valid() | {"policy": "ivig-myositis", name: 1}))
    result = run("assess", str(path))
    assert result.exit_code == 2 and len(result.stderr) < 1000
    assert f": {'k' * LIMITS.echoed_chars}...: expected a field name of at most {LIMITS.key_chars} characters, " \
           "got 1,000,000 characters" in result.stderr


@pytest.mark.parametrize("path", ["id", "regimen.product", "extra", "response.strength"])
def test_a_megabyte_string_is_refused_and_only_its_start_is_echoed(path: str) -> None:
    """A string over LIMITS.string_chars is refused at its path, its length given and only its start quoted."""
    errors = errors_of(with_value(path, "s" * MEGABYTE))
    assert errors[0]["path"] == path
    assert errors[0]["message"] == (f"expected a string of at most {LIMITS.string_chars:,} characters, got "
                                    f"{MEGABYTE:,} characters starting '{'s' * LIMITS.echoed_chars}'")
    assert len(json.dumps(errors)) < 1000


def test_a_document_of_more_values_than_the_limit_is_refused_in_one_problem() -> None:
    """A document built in memory with a million values costs one problem, not a million."""
    errors = errors_of(with_value("concurrent_therapies", [0] * 1_000_000))
    assert errors == [{"path": "", "message": f"expected a request of at most {LIMITS.values:,} values, got more"}]


def test_a_duplicate_megabyte_key_is_quoted_by_its_start(tmp_path: Path) -> None:
    """The JSON reader's own refusals quote no more than the start of what they refuse."""
    key = "d" * 500_000
    path = tmp_path / "duplicate.json"
    path.write_text(f'{{"{key}": 1, "{key}": 2}}')
    result = run("assess", str(path))
    assert result.exit_code == 2 and "duplicate key" in result.stderr and len(result.stderr) < 300


# -- input size: capped, and read no further than the cap ------------------------------------------------


def test_assess_refuses_dev_zero_without_reading_it_all() -> None:
    """/dev/zero as a file and as stdin: exit 2, one line naming the limit (it would never end if read whole)."""
    for args, stdin in ((["/dev/zero"], None), (["-"], "/dev/zero")):
        with open(stdin or os.devnull, "rb") as source:
            done = run_process("assess", *args, stdin=source)
        err = done.stderr.decode("utf-8")
        assert done.returncode == 2 and err.count("\n") == 1
        assert f"larger than {LIMITS.request_bytes:,} bytes" in err


def test_assess_refuses_a_file_of_gigabytes(tmp_path: Path) -> None:
    """A 4 GB (sparse) file is refused unread, with the limit in the message."""
    path = tmp_path / "big.json"
    with path.open("wb") as file:
        file.truncate(4 << 30)
    done = run_process("assess", str(path))
    assert done.returncode == 2 and b"larger than" in done.stderr


def test_max_bytes_is_the_largest_size_accepted(tmp_path: Path) -> None:
    """A file of exactly --max-bytes bytes is assessed; one byte more is refused."""
    text = SOURCE_CASE.read_text().rstrip() + "\n"
    path = tmp_path / "request.json"
    path.write_text(text)
    size = len(text.encode("utf-8"))
    assert run("assess", "--max-bytes", str(size), str(path)).exit_code == 0
    refused = run("assess", "--max-bytes", str(size - 1), str(path))
    assert refused.exit_code == 2 and f"larger than {size - 1:,} bytes" in refused.stderr


def test_the_default_limit_is_the_shared_request_limit() -> None:
    """Without --max-bytes, stdin over LIMITS.request_bytes is refused and stdin of that size is read."""
    padded = (json.dumps(valid() | {"policy": "ivig-myositis"})).ljust(LIMITS.request_bytes)
    assert run("assess", "-", stdin=padded).exit_code == 0
    refused = run("assess", "-", stdin=padded + " ")
    assert refused.exit_code == 2 and "larger than" in refused.stderr


# -- policy check where the step library is not installed --------------------------------------------------


def test_check_without_its_step_library_checks_the_rest_and_names_the_skip_in_one_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`policy check --steps PKG` with PKG not importable exits 0, saying on one line what was skipped."""
    import policy.check

    monkeypatch.setattr(policy.check, "check", lambda steps, **_: [] if steps is None else ["steps were used"])
    result = run("check", "--steps", "no_such_step_library")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("skipped: the step definitions")
    assert "no_such_step_library" in result.stderr


def test_a_missing_pytest_bdd_skips_the_step_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pytest-bdd (an installed wheel's case) the step check is skipped, naming the module."""
    assert steps_unavailable("steps") is None
    monkeypatch.setitem(sys.modules, "pytest_bdd", None)
    monkeypatch.setitem(sys.modules, "pytest_bdd.steps", None)
    assert "pytest_bdd" in (steps_unavailable("steps") or "")


def test_a_step_library_that_fails_to_import_is_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step library that is there but imports a missing module is a real failure, not a skip."""
    (tmp_path / "broken_steps").mkdir()
    (tmp_path / "broken_steps" / "__init__.py").write_text("import no_such_module_of_the_steps\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        steps_unavailable("broken_steps")


# -- the engine: a broken build says what to run ---------------------------------------------------------


@pytest.mark.parametrize(("raised", "why"), [
    ("ImportError('/x/durable_rules_engine.so: undefined symbol: PyEval_CallObject')", "PyEval_CallObject"),
    ("ModuleNotFoundError(\"No module named 'durable_rules_engine'\")", "cannot be imported"),
])
def test_a_broken_engine_build_fails_at_import_saying_exactly_what_to_run(raised: str, why: str,
                                                                          tmp_path: Path) -> None:
    """Importing the package with a broken durable-rules ends in an ImportError naming the builder to run by path."""
    (tmp_path / "durable_rules_engine.py").write_text(f"raise {raised}\n")
    environment = os.environ | {"PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", "import policy"], capture_output=True, text=True, timeout=120,
                          env=environment, check=False)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()
    assert last[-2].startswith("ImportError: ") and why in last[-2]
    assert last[-1].strip() == f"{sys.executable} {Path(policy.__file__).resolve().parent / 'engine' / 'build.py'}"

