"""Valid requests broken at random are rejected, never assessed (issue 4, brief section 4).

Each mutation breaks a valid document in one way the contract forbids (a wrong
type, an impossible value, an unknown field, a bad code or vocabulary word,
both units of a pair, a required field taken away) and knows where in the
document the problem is. The package must raise `InvalidRequest` listing a
problem at that path, and nothing else: no other exception, no determination.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from attrs import frozen
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import policy
from documents import errors_of
from policy.cli import app
from strategies import (
    AGE_YEARS,
    CM_PER_INCH,
    COURSES,
    DAYS,
    GROUPS,
    HEIGHT_CM,
    INTERVAL_DAYS,
    KG_PER_LB,
    WEIGHT_KG,
    examples,
    icd_table,
    fresh,
    valid_requests,
)

Document = dict[str, Any]
EXIT_INVALID = 2

# The contract's fields (brief, section 4) and the JSON kind of value each takes.
FIELDS: dict[str, str] = {
    "id": "string", "type": "word", "date_of_service": "date", "patient": "object", "diagnoses": "codes",
    "severe_acute": "boolean", "concurrent_therapies": "words", "iga": "word", "cardiac_dysfunction": "boolean",
    "plasmapheresis_days_after_course": "integer", "regimen": "object", "response": "object",
    "patient.sex": "word", "patient.age_years": "number", "patient.height_cm": "number",
    "patient.height_in": "number", "patient.weight_kg": "number", "patient.weight_lb": "number",
    "regimen.dose_g_per_kg": "number", "regimen.course_total_g": "number", "regimen.days": "days",
    "regimen.interval_days": "integer", "regimen.courses": "integer", "regimen.product": "string",
    "regimen.reduced_iga": "boolean",
    "response.weeks_on_therapy": "number", "response.strength": "word", "response.function": "word",
    "response.rash": "word", "response.ck": "word", "response.complete_response": "boolean",
}
OBJECTS = ("", "patient", "regimen", "response")
REQUIRED = ("id", "type", "diagnoses", "regimen", "regimen.days", "regimen.interval_days")

# Values no field of that kind accepts.
_text = st.text(max_size=8)
WRONG: dict[str, st.SearchStrategy[Any]] = {
    "string": st.one_of(st.integers(), st.booleans(), st.lists(_text, max_size=2), st.just({})),
    "word": st.one_of(st.integers(), st.booleans(), st.lists(_text, max_size=2), st.just({"a": 1})),
    "date": st.one_of(st.integers(), st.booleans(), st.just(["2026-12-01"])),
    "object": st.one_of(st.integers(), st.booleans(), _text, st.lists(st.integers(), max_size=2)),
    "codes": st.one_of(st.just("M60.80"), st.integers(), st.booleans(), st.just({"code": "M60.80"})),
    "words": st.one_of(st.just("corticosteroid"), st.integers(), st.booleans(), st.just({})),
    "boolean": st.one_of(st.integers(0, 1), st.sampled_from(["true", "false", "yes", ""]), st.just([True])),
    "number": st.one_of(st.sampled_from(["70", "2.0", "", "NaN"]), st.booleans(), st.just([1]), st.just({})),
    "integer": st.one_of(st.sampled_from([2.5, 28.1, "28", ""]), st.booleans(), st.just([28]), st.just({})),
    "days": st.one_of(st.sampled_from([2.5, "2", "2-3", True, {}]), st.just([2, "3"]), st.just([2.0, 3.5])),
}
# Numbers the contract calls impossible (section 4), or that are not numbers at all.
_NOT_FINITE = [math.nan, math.inf, -math.inf]


def _outside(low: float, high: float, *, integer: bool = False) -> st.SearchStrategy[float | int]:
    if integer:
        return st.one_of(st.integers(max_value=int(low) - 1), st.integers(min_value=int(high) + 1))
    # The nearest floats beyond each limit (never -0.0 for a lower limit of 0).
    below = st.floats(max_value=math.nextafter(low, -math.inf), allow_nan=False, allow_infinity=False)
    above = st.floats(min_value=math.nextafter(high, math.inf), allow_nan=False, allow_infinity=False)
    return st.one_of(below, above, st.sampled_from(_NOT_FINITE))


def _not_positive() -> st.SearchStrategy[float | int]:
    return st.one_of(st.sampled_from([0, 0.0, -0.0, -1, *_NOT_FINITE]), st.floats(max_value=0, allow_nan=False))


def _inch(cm: float) -> float:
    return float(cm / float(CM_PER_INCH))


def _pound(kg: float) -> float:
    return float(kg / float(KG_PER_LB))


IMPOSSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "patient.age_years": _outside(*AGE_YEARS),
    "patient.height_cm": _outside(*HEIGHT_CM),
    # Just past the centimetre limits, converted, so that no rounding brings them back inside.
    "patient.height_in": _outside(_inch(HEIGHT_CM[0]) * 0.999, _inch(HEIGHT_CM[1]) * 1.001),
    "patient.weight_kg": _outside(*WEIGHT_KG),
    "patient.weight_lb": _outside(_pound(WEIGHT_KG[0]) * 0.999, _pound(WEIGHT_KG[1]) * 1.001),
    "regimen.dose_g_per_kg": _not_positive(),
    "regimen.course_total_g": _not_positive(),
    "regimen.days": st.one_of(
        _outside(*DAYS, integer=True),
        st.tuples(st.integers(DAYS[0] + 1, DAYS[1]), st.integers(DAYS[0], DAYS[1])).filter(lambda p: p[0] > p[1]).map(list),
        st.lists(st.integers(DAYS[0], DAYS[1]), max_size=4).filter(lambda days: len(days) != 2),
        st.tuples(_outside(*DAYS, integer=True), st.integers(DAYS[1], DAYS[1])).map(list),
    ),
    "regimen.interval_days": _outside(*INTERVAL_DAYS, integer=True),
    "regimen.courses": _outside(*COURSES, integer=True),
    "plasmapheresis_days_after_course": st.integers(max_value=-1),
    "response.weeks_on_therapy": st.one_of(
        st.floats(max_value=math.nextafter(0, -math.inf), allow_nan=False, allow_infinity=False),
        st.sampled_from(_NOT_FINITE),
    ),
}
# Words outside each vocabulary of the contract.
VOCABULARIES = {
    "type": ("initial", "continuation"),
    "patient.sex": ("male", "female", "unknown"),
    "iga": ("normal", "deficient", "unknown"),
    "response.strength": ("improved", "unchanged", "worsened"),
    "response.function": ("improved", "unchanged", "worsened"),
    "response.rash": ("improved", "unchanged", "worsened", "absent"),
    "response.ck": ("decreased", "unchanged", "increased"),
}
OTHER_WORDS = st.one_of(
    st.sampled_from(["", "Male", "F", "low", "renewal", "better", "down", "INITIAL", "n/a", "prednisone"]),
    st.text(max_size=10),
)
# Not billable: the policy's own categories (from policy.toml), a misplaced dot,
# codes of the right shape that do not exist, and text that is no code at all.
CATEGORIES = sorted({p for g in GROUPS.values() for p in g.prefixes if not icd_table.is_leaf(p.replace(".", ""))} | {"M60", "G72", "G72.4"})
NOT_CODES = st.one_of(
    st.sampled_from(CATEGORIES),
    st.sampled_from(["M6.080", "M60.80.", ".M6080", "M60,80", "", "myositis", "123"]),
    st.from_regex(r"[A-Z][0-9][0-9A-Z]\.?[0-9A-Z]{1,4}", fullmatch=True).filter(
        lambda code: not icd_table.is_valid_item(code.replace(".", ""))
    ),
    st.text(max_size=8).filter(lambda text: not icd_table.is_valid_item(text.upper().replace(".", ""))),
)
BAD_DATES = st.sampled_from(["2026-13-01", "2026-02-30", "01/12/2026", "2026-1-1", "", "tomorrow", "20261201"])


@frozen
class Mutation:
    """One way a document was broken, and where the problem is."""

    kind: str
    at: tuple[str, ...]  # acceptable problem paths (a problem inside one counts too)
    touches: tuple[str, ...]  # paths this mutation changes, so others keep clear of them
    apply: Callable[[Document], None]


def _parent(document: Document, path: str) -> tuple[dict[str, Any], str]:
    *parents, leaf = path.split(".")
    node = document
    for name in parents:
        if not isinstance(node.get(name), dict):
            node[name] = {}
        node = node[name]
    return node, leaf


def _setter(path: str, value: Any) -> Callable[[Document], None]:
    def apply(document: Document) -> None:
        node, leaf = _parent(document, path)
        node[leaf] = value

    return apply


def _within(problem: str, path: str) -> bool:
    return problem == path or problem.startswith(path + ".") or problem.startswith(path + "[")


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    kind = draw(st.sampled_from(
        ("wrong_type", "impossible", "unknown_field", "bad_code", "bad_word", "bad_date", "blank_id",
         "both_units", "required", "no_dose", "no_diagnoses", "bad_list_item")
    ))
    if kind == "wrong_type":
        path = draw(st.sampled_from(sorted(FIELDS)))
        return Mutation(kind, (path,), (path,), _setter(path, draw(WRONG[FIELDS[path]])))
    if kind == "impossible":
        path = draw(st.sampled_from(sorted(IMPOSSIBLE)))
        return Mutation(kind, (path,), (path,), _setter(path, draw(IMPOSSIBLE[path])))
    if kind == "unknown_field":
        where = draw(st.sampled_from(OBJECTS))
        known = {p.rpartition(".")[2] for p in FIELDS if p.rpartition(".")[0] == where}
        name = draw(st.text(min_size=1, max_size=12).filter(lambda n: n not in known))
        path = f"{where}.{name}" if where else name
        value = draw(st.one_of(st.none(), st.integers(), _text, st.booleans()))

        def add(document: Document) -> None:
            node = _parent(document, f"{where}.x")[0] if where else document
            node[name] = value

        return Mutation(kind, (path,), (path,), add)
    if kind == "bad_code":
        code = draw(NOT_CODES)
        index = draw(st.integers(0, 3))

        def replace_code(document: Document) -> None:
            codes = document["diagnoses"]
            position = min(index, len(codes))
            codes[position:position + 1] = [code]

        return Mutation(kind, ("diagnoses",), ("diagnoses",), replace_code)
    if kind == "bad_word":
        path = draw(st.sampled_from(sorted(VOCABULARIES)))
        word = draw(OTHER_WORDS.filter(lambda w: w not in VOCABULARIES[path]))
        return Mutation(kind, (path,), (path,), _setter(path, word))
    if kind == "bad_date":
        return Mutation(kind, ("date_of_service",), ("date_of_service",), _setter("date_of_service", draw(BAD_DATES)))
    if kind == "blank_id":
        return Mutation(kind, ("id",), ("id",), _setter("id", draw(st.sampled_from(["", " ", "\t\n"]))))
    if kind == "both_units":
        metric, imperial = draw(st.sampled_from((("height_cm", "height_in"), ("weight_kg", "weight_lb"))))
        values = {"height_cm": 170, "height_in": 67, "weight_kg": 70, "weight_lb": 154}

        def both(document: Document) -> None:
            patient = _parent(document, "patient.x")[0]
            patient[metric], patient[imperial] = values[metric], values[imperial]

        paths = (f"patient.{metric}", f"patient.{imperial}")
        return Mutation(kind, paths, paths, both)
    if kind == "required":
        path = draw(st.sampled_from(REQUIRED))
        null = draw(st.booleans())

        def remove(document: Document) -> None:
            node, leaf = _parent(document, path)
            if null:
                node[leaf] = None
            else:
                node.pop(leaf, None)

        return Mutation(kind, (path,), (path,), remove)
    if kind == "no_dose":
        figures = ("regimen.dose_g_per_kg", "regimen.course_total_g")

        def no_dose(document: Document) -> None:
            for path in figures:
                node, leaf = _parent(document, path)
                node.pop(leaf, None)

        return Mutation(kind, ("regimen", *figures), figures, no_dose)
    if kind == "no_diagnoses":
        return Mutation(kind, ("diagnoses",), ("diagnoses",), _setter("diagnoses", []))
    # A list of the right kind holding one item of the wrong kind.
    path, item = draw(st.sampled_from((
        ("diagnoses", 80), ("diagnoses", None), ("concurrent_therapies", "prednisone"),
        ("concurrent_therapies", True), ("concurrent_therapies", None),
    )))

    def bad_item(document: Document) -> None:
        node, leaf = _parent(document, path)
        items = node.get(leaf) if isinstance(node.get(leaf), list) else ["corticosteroid"]
        node[leaf] = [*items, item]

    return Mutation(kind, (path,), (path,), bad_item)


def _clear(chosen: list[Mutation], candidate: Mutation) -> bool:
    return not any(
        _within(mine, theirs) or _within(theirs, mine)
        for other in chosen for mine in candidate.touches for theirs in other.touches
    )


@st.composite
def broken(draw: st.DrawFn, most: int = 1) -> tuple[Document, list[Mutation]]:
    """A valid request broken by one to `most` mutations at unrelated places."""
    document = fresh(draw(valid_requests(), label="valid request"))
    chosen: list[Mutation] = []
    for _ in range(draw(st.integers(1, most))):
        candidate = draw(mutations())
        if _clear(chosen, candidate):
            chosen.append(candidate)
    for mutation in chosen:
        mutation.apply(document)
    return document, chosen


def _assert_rejected_at(document: Document, chosen: list[Mutation]) -> None:
    errors = errors_of(document)
    paths = [error["path"] for error in errors]
    assert all(paths), errors
    for mutation in chosen:
        assert any(_within(path, at) for path in paths for at in mutation.at), (mutation.kind, mutation.at, errors)


@settings(max_examples=examples(200))
@given(broken())
def test_a_broken_request_is_rejected_with_the_path_of_its_problem(case: tuple[Document, list[Mutation]]) -> None:
    """One mutation: InvalidRequest, a problem at the mutated path, every problem with a path."""
    _assert_rejected_at(*case)


@settings(max_examples=examples(100))
@given(broken(most=4))
def test_every_problem_of_a_request_is_listed_with_its_path(case: tuple[Document, list[Mutation]]) -> None:
    """Several mutations at unrelated places: each one is reported, none hides another."""
    _assert_rejected_at(*case)


NOT_OBJECTS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10),
    st.lists(st.integers(), max_size=3), valid_requests().map(lambda document: [document]),
)


@settings(max_examples=examples(50))
@given(NOT_OBJECTS)
def test_a_document_that_is_not_an_object_is_rejected_at_the_document(document: Any) -> None:
    """A list, string, number, truth value or null is no request: one problem, at the document itself."""
    errors = errors_of(document)
    assert [error["path"] for error in errors] == [""]


# --- through the command line ---------------------------------------------------


def _is_json(data: bytes) -> bool:
    def refuse(name: str) -> Any:
        raise ValueError(name)

    try:
        json.loads(data, parse_constant=refuse)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return False
    return True


@st.composite
def not_json(draw: st.DrawFn) -> bytes:
    """Bytes that are not JSON: noise, a cut or corrupted document, bad UTF-8, NaN."""
    text = json.dumps(draw(valid_requests())).encode()
    how = draw(st.sampled_from(("noise", "cut", "corrupt", "encoding", "constant")))
    if how == "noise":
        data = draw(st.binary(max_size=64))
    elif how == "cut":
        data = text[: draw(st.integers(0, len(text) - 1))]
    elif how == "corrupt":
        position = draw(st.integers(0, len(text)))
        data = text[:position] + draw(st.sampled_from([b"\xff", b",", b"}", b"{", b'"', b":", b"\x00"])) + text[position:]
    elif how == "encoding":
        data = draw(st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\x80"])) + text
    else:
        data = text[:-1] + b', "x": ' + draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity"])) + b"}"
    assume(not _is_json(data))
    return data


def _assert_refused_readably(exit_code: int, stdout: str, stderr: str) -> None:
    assert exit_code == EXIT_INVALID, (exit_code, stdout, stderr)
    assert stdout == ""
    lines = stderr.splitlines()
    assert lines, "no message"
    for line in lines:
        # `FILE: PATH: MESSAGE`, about standard input, in words rather than a traceback.
        assert line.startswith("-: "), line
        assert line.count(": ") >= 2 and line.rsplit(": ", 1)[-1].strip(), line
        assert "Traceback" not in line and "internal error" not in line, line
        assert line.isprintable(), line


def _cli(data: bytes) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["assess", "-"], input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


@settings(max_examples=examples(80))
@given(not_json())
def test_the_cli_refuses_bytes_that_are_not_json(data: bytes) -> None:
    """`policy assess -` given non-JSON bytes exits 2, prints nothing, and says why on stderr."""
    _assert_refused_readably(*_cli(data))


@settings(max_examples=examples(40))
@given(broken(most=3))
def test_the_cli_refuses_a_broken_request_naming_each_problem(case: tuple[Document, list[Mutation]]) -> None:
    """A broken request sent as JSON exits 2, prints nothing on stdout, and gives each problem a readable line."""
    document, chosen = case
    try:
        data = json.dumps(document, allow_nan=False).encode()
    except ValueError:
        assume(False)  # NaN and infinities cannot be written as JSON at all
    exit_code, stdout, stderr = _cli(data)
    _assert_refused_readably(exit_code, stdout, stderr)
    # One line per problem the package finds, each naming its path as sent.
    assert len(stderr.splitlines()) == len(errors_of(document)), stderr
    for mutation in chosen:
        if all(at.isprintable() for at in mutation.at):
            assert any(f"-: {at}" in stderr for at in mutation.at), (mutation.kind, mutation.at, stderr)


SMALLEST: Document = {
    "id": "PA-1", "type": "initial", "diagnoses": ["M60.80"],
    "regimen": {"dose_g_per_kg": 2.0, "days": 2, "interval_days": 28},
}


@pytest.mark.parametrize("name", ["\n", "\x1e", "a\rb", "\x00"])
def test_the_cli_reports_a_field_name_with_control_characters_on_one_readable_line(name: str) -> None:
    """An unknown field whose name holds a line break or control character is still one printable line."""
    exit_code, stdout, stderr = _cli(json.dumps({**SMALLEST, name: 1}).encode())
    _assert_refused_readably(exit_code, stdout, stderr)
    assert len(stderr.splitlines()) == 1, stderr


def test_the_command_line_in_its_own_process_refuses_bytes_that_are_not_json() -> None:
    """`python -m policy.cli assess -`, run as a process, answers a few non-JSON inputs with exit 2 and a message."""
    for data in (b"\xff\xfe\x00", b'{"id": "PA-1", "type": ', b"not json at all"):
        done = subprocess.run(
            [sys.executable, "-m", "policy.cli", "assess", "-"], input=data, capture_output=True, timeout=120, check=False
        )
        _assert_refused_readably(done.returncode, done.stdout.decode(), done.stderr.decode())
