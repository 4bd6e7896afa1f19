"""JSON written by orjson is byte for byte the JSON json.dumps wrote; batch lines echo only screened ids.

The package wrote every JSON output with `json.dumps` (compact with
`ensure_ascii=False` for determinations, batch lines and the service; indented
by two spaces for `policy assess --format json`). It now writes them with
orjson and from pieces each determination keeps (policy/json_text.py,
policy/determination.py). The oracles here are the old writers, restated:
`json.dumps` of a dict made by the generic walk over the attrs fields that
`to_dict()` was before. The documents are the golden record (tests/golden/,
2,022 myositis requests) and every bundled example of every policy, so the
output of every branch of every rule is compared.
"""

from __future__ import annotations

import copy
import enum
import gzip
import json
import math
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policy
from golden_requests import RECORD
from policy import json_text
from policy.batch.lines import assess_line
from policy.determination import Determination, Reason, StatementResult
from policy.limits import LIMITS
from strategies import examples

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _golden_documents() -> list[dict[str, Any]]:
    with gzip.open(RECORD, "rt", encoding="utf-8") as stream:
        cases = json.load(stream)["cases"]
    documents = [{**case["request"], "policy": "ivig-myositis"} for case in cases]
    for policy_id in policy.policy_ids():
        for path in sorted((EXAMPLES / policy_id).glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(document, dict):
                documents.append({**document, "policy": policy_id})
    return documents


DOCUMENTS = _golden_documents()


def _determinations() -> list[tuple[dict[str, Any], Determination]]:
    found = []
    for document in DOCUMENTS:
        try:
            found.append((document, policy.assess(document)))
        except policy.InvalidRequest:
            pass
    return found


DETERMINATIONS = _determinations()


# -- the old writers, restated as the oracles ------------------------------------------------------------


def reference_dict(value: Any) -> Any:
    """What `to_dict()` gave before: every attrs field in order, records and tuples walked (Reason and
    TraceStep leave out their absent `missing`, `outcome` and `derived`)."""
    if attrs.has(type(value)):
        entry = {field.name: reference_dict(getattr(value, field.name)) for field in attrs.fields(type(value))}
        if type(value).__name__ == "Reason" and entry["missing"] is None:
            del entry["missing"]
        if type(value).__name__ == "TraceStep":
            for optional in ("outcome", "derived"):
                if entry[optional] is None:
                    del entry[optional]
        return entry
    if isinstance(value, Mapping):
        return {key: reference_dict(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [reference_dict(item) for item in value]
    return value


def old_compact(value: Any) -> bytes:
    """The compact JSON of a determination, a batch line or a service body before orjson."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def old_indented(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


# -- determinations -----------------------------------------------------------------------------------------


def test_the_documents_compared_cover_every_decision_of_every_policy() -> None:
    """The golden record and the examples give determinations of each policy with each of the four decisions."""
    seen = {(d.policy.id, d.decision) for _, d in DETERMINATIONS}
    assert seen == {(p, decision) for p in policy.policy_ids() for decision in ("approve", "modify", "pend", "deny")}


def test_to_dict_is_the_generic_walk_over_the_fields() -> None:
    """Each determination's dict equals the old generic one, keys in the same order."""
    for _, determination in DETERMINATIONS:
        assert json.dumps(determination.to_dict()) == json.dumps(reference_dict(determination))


def test_to_json_is_byte_for_byte_json_dumps_of_the_dict() -> None:
    """`to_json()` of every golden and example determination is what json.dumps wrote (twice: kept pieces reused)."""
    for _ in range(2):
        for _, determination in DETERMINATIONS:
            assert determination.to_json() == old_compact(reference_dict(determination))


def test_a_batch_line_is_byte_for_byte_the_line_json_dumps_wrote() -> None:
    """The output line of every golden and example request is the old line, determination spliced in by its text."""
    for number, (document, determination) in enumerate(DETERMINATIONS, start=1):
        line = assess_line(number, json.dumps(document).encode())
        expected = {"line": number, "request_id": determination.request_id,
                    "determination": reference_dict(determination)}
        assert line.data == old_compact(expected) + b"\n"


def test_the_indented_json_of_the_cli_is_what_json_dumps_wrote() -> None:
    """`indented` (what `policy assess --format json` needs) writes one determination and a list of them as before."""
    dicts = [d.to_dict() for _, d in DETERMINATIONS[:300]]
    for value in [*dicts, dicts[:3], dicts[:1]]:
        assert json_text.indented(value) == old_indented(value)


def _evolved(**changes: Any) -> Determination:
    return attrs.evolve(DETERMINATIONS[0][1], **changes)


@pytest.mark.parametrize("changes", [
    {"request_id": "PA-\ud800"},
    {"request_id": "PA-é-\u2028-\x00-\U0001f600"},
    {"dosing": {"x": 1e-05, "y": -2.5e-07}},
    {"dosing": {"x": math.nan, "y": math.inf, "z": -math.inf}},
    {"dosing": {"x": 2**70}},
    {"dosing": {1: "int key", None: "null key", 2.5: "float key", False: "bool key"}},
    {"authorized": {"days": (2, 3), "nested": {"deep": [1e-05, {"a": "\udfff"}]}}},
], ids=["surrogate-id", "unicode-id", "small-floats", "not-finite", "big-int", "keys-not-strings", "nested"])
def test_what_orjson_would_write_otherwise_is_written_by_json_dumps(changes: dict[str, Any]) -> None:
    """Lone surrogates, floats below 1e-4, NaN and the infinities, big ints, keys that are no strings: as before."""
    determination = _evolved(**changes)
    assert determination.to_json() == old_compact(reference_dict(determination))
    line = assess_line(7, json.dumps(DETERMINATIONS[0][0]).encode(), lambda document: determination)
    expected = {"line": 7, "request_id": determination.request_id, "determination": reference_dict(determination)}
    assert line.data == old_compact(expected) + b"\n"


def test_a_kept_text_never_outlives_a_change_of_what_it_shows() -> None:
    """Texts are kept only for records of strings; a derived fact or a figure changed after writing shows up."""
    determination = copy.deepcopy(DETERMINATIONS[0][1])
    before = determination.to_json()
    step = next(step for step in determination.trace if step.derived is not None)
    step.derived["added"] = [1, 2]
    determination.dosing["added"] = 3  # type: ignore[index]
    after = determination.to_json()
    assert after != before
    assert after == old_compact(reference_dict(determination))


def test_a_record_given_a_list_where_a_tuple_is_declared_is_never_kept() -> None:
    """Only records of strings (and tuples of them) keep their text: a list in one can change, and shows up."""
    citations = ["a-reference"]
    result = StatementResult("X-1", "met", citations)  # type: ignore[arg-type]
    reason = Reason("X-1", "Text.", ["request.x"])  # type: ignore[arg-type]
    determination = _evolved(statements=(result,), reasons=(reason,))
    determination.to_json()
    citations.append("another")
    reason.missing.append("request.y")  # type: ignore[union-attr]
    assert determination.to_json() == old_compact(reference_dict(determination))
    assert b"another" in determination.to_json() and b"request.y" in determination.to_json()


def test_a_determination_read_back_from_a_pickle_writes_the_same_text() -> None:
    """A pickle does not carry the kept texts; they are written again, the same."""
    for _, determination in DETERMINATIONS[:50]:
        assert pickle.loads(pickle.dumps(determination)).to_json() == determination.to_json()


# -- any JSON value -------------------------------------------------------------------------------------


class Number(enum.IntEnum):
    ONE = 1


class Word(str, enum.Enum):
    WORD = "word"


class Sorted(dict):  # type: ignore[type-arg]
    """A dict subclass that lists its items otherwise: json.dumps asks it, orjson does not."""

    def items(self) -> Any:
        return sorted(super().items())


# Letters, digits, spaces, control characters, symbols and lone surrogates.
UNICODE = st.characters(categories=["Lu", "Ll", "Lo", "Nd", "Zs", "Zl", "Cc", "Cf", "So", "Cs"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70), st.floats(),
    st.floats(-1e-3, 1e-3), st.floats(min_value=1e15), st.text(), st.text(UNICODE),
    st.sampled_from([Number.ONE, Word.WORD, -0.0, 1e16, 1e-4, 9.999e-05, 5e-324]),
)
KEYS = st.one_of(st.text(max_size=5), st.text(UNICODE, max_size=3), st.integers(-3, 3),
                 st.booleans(), st.none(), st.floats(allow_nan=False))
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.lists(children, max_size=3).map(tuple),
        st.dictionaries(KEYS, children, max_size=4), st.dictionaries(st.text(max_size=3), children, max_size=3).map(Sorted),
    ),
    max_leaves=12,
)


def _either(write: Any, value: Any) -> tuple[str, Any]:
    try:
        return "text", write(value)
    except (TypeError, ValueError) as error:
        return "error", type(error).__name__


@settings(max_examples=examples(1000))
@given(VALUES)
def test_any_value_is_written_as_json_dumps_writes_it(value: Any) -> None:
    """Compact and indented, orjson or not: the same text as json.dumps, or the same refusal."""
    assert _either(json_text.compact, value) == _either(old_compact, value)
    assert _either(json_text.indented, value) == _either(old_indented, value)


# -- the id a batch line echoes ---------------------------------------------------------------------------


def _invalid_line_id(request_id: Any) -> Any:
    document = {"policy": "ivig-myositis", "id": request_id, "type": "neither"}
    line = assess_line(1, json.dumps(document).encode())
    assert line.kind == "invalid"
    return json.loads(line.data)["request_id"]


def test_an_id_of_the_longest_length_is_echoed_on_an_invalid_line() -> None:
    """An id the screen passes is echoed beside the problems of its request."""
    assert _invalid_line_id("x" * LIMITS.string_chars) == "x" * LIMITS.string_chars
    assert _invalid_line_id("PA-é-1") == "PA-é-1"


@pytest.mark.parametrize("request_id", [
    "x" * (LIMITS.string_chars + 1), "ü" * (LIMITS.string_chars + 1), "x" * (1 << 20), "PA-\ud800", "\udfff",
], ids=["one-too-long", "multi-byte-too-long", "a-megabyte", "lone-surrogate", "only-a-surrogate"])
def test_an_id_the_screen_refuses_is_not_echoed(request_id: str) -> None:
    """An id longer than LIMITS.string_chars or holding a lone surrogate is null on its line, not copied out."""
    assert _invalid_line_id(request_id) is None


def test_an_id_that_is_no_string_is_not_echoed() -> None:
    """A number, list or object as the id: null, as before."""
    for request_id in (12, ["PA-1"], {"id": "PA-1"}, None):
        assert _invalid_line_id(request_id) is None
