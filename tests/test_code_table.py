"""The shipped ICD-10-CM code table agrees with simple-icd-10-cm, code by code, and is all a process loads."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import warnings
import zlib
from pathlib import Path
from typing import Any

import pytest

from policy import codes, icd10

with warnings.catch_warnings():
    # The library reads its data through importlib.resources calls some Python versions deprecate.
    warnings.simplefilter("ignore", DeprecationWarning)
    from simple_icd_10_cm import simple_icd_10_cm as library

ROOT = Path(__file__).resolve().parent.parent
BUILDER = ROOT / "tools" / "build-code-table"
REBUILD = "the shipped code table differs from simple-icd-10-cm: run `.venv/bin/python tools/build-code-table`"


@pytest.fixture(scope="module")
def table() -> codes.CodeTable:
    return codes.table()


@pytest.fixture(scope="module")
def shaped() -> dict[str, str]:
    """Every code of the library that has the code shape: its form without the dot -> as the library names it."""
    return {name.replace(".", ""): name for name in library.get_all_codes(with_dots=True)
            if icd10.CODE_SHAPE.fullmatch(name)}


def test_the_table_holds_exactly_the_library_codes_of_the_code_shape(table: codes.CodeTable,
                                                                      shaped: dict[str, str]) -> None:
    """No code of the code shape is missing from the table, and the table holds no other code."""
    assert set(table.codes) == set(shaped), REBUILD
    assert list(table.codes) == sorted(table.codes)


def test_every_code_has_the_library_billable_status_and_title(table: codes.CodeTable,
                                                              shaped: dict[str, str]) -> None:
    """For each of the ~98,000 codes, billable (a leaf) and title are the library's own."""
    differing = [code for code, name in shaped.items()
                 if table.is_billable(code) != library.is_leaf(name) or table.title(code) != library.get_description(name)]
    assert not differing, f"{len(differing)} codes differ, e.g. {differing[:5]}; {REBUILD}"


def test_the_billable_codes_under_every_category_are_its_billable_descendants(table: codes.CodeTable,
                                                                             shaped: dict[str, str]) -> None:
    """A category's range of the sorted table is exactly the library's descendants of it that are leaves."""
    differing = []
    for code, name in shaped.items():
        if library.is_leaf(name):
            continue
        descendants = sorted(d.replace(".", "") for d in library.get_descendants(name) if library.is_leaf(d))
        if table.billable_under(code) != descendants or table.billable_count(code) != len(descendants):
            differing.append(code)
    assert not differing, f"{len(differing)} categories differ, e.g. {differing[:5]}"


@pytest.mark.parametrize("code", ["M60.8", "m6080", "M60.80", "G61.81", "S72.001A", "Z99.999", "A00.00", "M61",
                                  "B99", "C7A", "M608A", "U07.1", "QA0.0", "M60.8X"])
def test_a_check_gives_the_library_verdict(code: str) -> None:
    """Valid, billable or not, for codes of every kind, with or without the dot and in any case."""
    bare = code.upper().replace(".", "")
    shaped_code = icd10.CODE_SHAPE.fullmatch(code.upper()) is not None
    valid = shaped_code and library.is_valid_item(bare)
    problems = icd10.problems(code, "diagnoses[0]")
    if valid and library.is_leaf(bare):
        assert problems == []
    elif valid:
        assert "is a category" in problems[0].message
    else:
        assert problems and "category" not in problems[0].message


def test_the_builder_writes_what_is_shipped(tmp_path: Path, table: codes.CodeTable) -> None:
    """tools/build-code-table, run again, writes the same table (so the shipped one is its output, not a copy)."""
    builder: dict[str, Any] = runpy.run_path(str(BUILDER), run_name="build_code_table")
    source, rows = builder["rows"]()
    rebuilt = codes.decode(codes.encode(source, rows))
    assert rebuilt.source == table.source
    assert (rebuilt.codes, rebuilt.flags, rebuilt.titles) == (table.codes, table.flags, table.titles), REBUILD


def _table_file(codes_part: bytes, titles: bytes) -> bytes:
    first = zlib.compress(codes_part)
    return f"{codes.FORMAT} test\n{len(first)}\n".encode() + first + zlib.compress(titles)


def test_a_damaged_table_is_refused_with_how_to_rebuild_it() -> None:
    """Truncated, foreign or inconsistent data raises CodeTableError naming the builder, at load or first title."""
    good = _table_file(b"A00 A000\n01", b"a category\na code")
    assert codes.decode(good).billable_under("A00") == ["A000"]
    assert codes.decode(good).title("A000") == "a code"
    for data in (good[:40], b"not a table", _table_file(b"A00 A000\n0", b"x\ny"),
                 f"{codes.FORMAT} test\n12\nnot zlib at all".encode()):
        with pytest.raises(codes.CodeTableError, match="tools/build-code-table"):
            codes.decode(data)
    one_title_short = codes.decode(_table_file(b"A00 A000\n01", b"only one title"))
    with pytest.raises(codes.CodeTableError, match="tools/build-code-table"):
        one_title_short.title("A00")


def test_a_title_or_code_holding_a_separator_cannot_be_written() -> None:
    """A newline in a title, or a code that is not letters and digits, would shift every code after it: refused."""
    for row in (("A00", True, "two\nlines"), ("A0 0", True, "title")):
        with pytest.raises(ValueError):
            codes.encode("test", [row])


def test_a_process_assesses_and_reports_without_importing_simple_icd_10_cm() -> None:
    """A determination and its text and markdown reports use the shipped table only."""
    example = ROOT / "examples" / "ivig-cidp" / "source-case.json"
    script = (
        "import json, sys, policy\n"
        "from policy.report import RENDERERS\n"
        f"document = json.loads(open({str(example)!r}).read())\n"
        "determination = policy.assess(document)\n"
        "for render in RENDERERS.values(): render(determination, request=document)\n"
        "print(json.dumps([determination.decision, 'simple_icd_10_cm' in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["approve", False]
