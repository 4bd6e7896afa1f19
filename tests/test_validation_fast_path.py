"""The fast path of validation accepts exactly what the full validator accepts, and builds the same request.

`parse_request` tries the fast path (policy/fast_validation.py: msgspec types
generated from each policy's request model specs) before the full validator
(the screen, then the walk over the specs, which writes the messages). For
every document drawn here:

- soundness: when the fast path accepts a document, the full validator accepts
  it too and builds an identical request (compared by repr, which tells 2 from
  2.0 and a tuple from a list);
- completeness: a valid JSON document (only dicts, lists, strings, numbers,
  booleans and null, lists within the fast path's length) is accepted by the
  fast path, so valid requests do not pay for the full validator;
- together: `parse_request` gives the same request, or raises the same
  problems, with the fast path as without it.

Documents: the valid and broken myositis requests of strategies.py and
test_mutations.py, documents drawn from each policy's own specs (for every
policy of the library, values at and past every bound, of every wrong type),
and the screen's hostile input (long strings and keys, lone surrogates, deep
nesting, too many values), which the fast path must leave to the screen.
"""

from __future__ import annotations

import collections
import copy
import decimal
import enum
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policy
from policy.assessment import assessor
from policy.errors import InvalidRequest
from policy.fast_validation import LIST_ITEMS, fast_parser
from policy.limits import LIMITS
from policy.request_fields import model_fields
from policy.spec import Spec, spec
from policy.validation import parse_request
from strategies import examples, valid_requests
from test_mutations import broken

POLICIES = policy.policy_ids()
MYOSITIS = "ivig-myositis"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def model_of(policy_id: str) -> type:
    return assessor(policy_id).code.request_model


def outcome(document: Any, policy_id: str, *, fast: bool) -> tuple[str, str]:
    """What parse_request makes of a document: ("request", its repr) or ("invalid", its problems)."""
    try:
        return "request", repr(parse_request(document, model_of(policy_id), policy_id, POLICIES, fast=fast))
    except InvalidRequest as error:
        return "invalid", json.dumps(error.errors, ensure_ascii=True)


def fast_request(document: Any, policy_id: str) -> Any | None:
    parser = fast_parser(model_of(policy_id), policy_id)
    assert parser is not None, f"{policy_id} has no fast path"
    return parser.parse(document)


def is_json(value: Any) -> bool:
    """Whether a value holds only what JSON decodes to, lists within the fast path's length."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and is_json(v) for k, v in value.items())
    if kind is list:
        return len(value) <= LIST_ITEMS and all(is_json(v) for v in value)
    if kind is float:
        return math.isfinite(value)
    return kind in (str, int, bool) or value is None


def assert_both_paths_agree(document: Any, policy_id: str) -> None:
    fast = fast_request(copy.deepcopy(document), policy_id)
    full = outcome(document, policy_id, fast=False)
    if fast is not None:
        assert full == ("request", repr(fast)), (document, full, fast)
    elif is_json(document):
        assert full[0] == "invalid", ("the fast path declined a valid JSON document", document)
    assert outcome(document, policy_id, fast=True) == full


# -- the policies' own request documents ---------------------------------------------------------------


def test_every_policy_of_the_library_has_a_fast_path() -> None:
    """Each policy's request model is turned into msgspec types: no policy is left on the slow path."""
    for policy_id in POLICIES:
        assert fast_parser(model_of(policy_id), policy_id) is not None, policy_id


@settings(max_examples=examples(300))
@given(valid_requests())
def test_a_valid_request_is_accepted_by_the_fast_path_as_the_full_validator_builds_it(document: dict[str, Any]) -> None:
    """Every valid myositis request drawn is accepted by the fast path, built identically."""
    request = fast_request(document, MYOSITIS)
    assert request is not None, document
    assert repr(request) == outcome(document, MYOSITIS, fast=False)[1]


@settings(max_examples=examples(300))
@given(broken(most=3))
def test_a_broken_request_is_declined_by_the_fast_path(case: tuple[dict[str, Any], Any]) -> None:
    """A request broken as test_mutations breaks them is never accepted by the fast path, and reads the same."""
    document, _ = case
    assert fast_request(copy.deepcopy(document), MYOSITIS) is None
    assert_both_paths_agree(document, MYOSITIS)


# -- documents drawn from each policy's specs ----------------------------------------------------------

SURROGATE_TEXT = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3).flatmap(
    lambda lone: st.sampled_from([lone, f"a{lone}", f"{lone}b", f"x{lone}y"])
)
LONG_TEXT = st.builds(lambda char, extra: char * (LIMITS.string_chars + extra), st.sampled_from("aü "),
                      st.integers(-1, 2))
CODES = st.sampled_from([
    "M60.80", "m6080", "M33.12", "G61.81", "g61.81", "E11.9", "I10", "M60", "G61.8", "X99.99", "M60.80.", "M6.080",
    "", " ", "M60.8O", "ＭＭ60.80", "M60.80 ",
])
DATES = st.one_of(st.dates().map(lambda d: d.isoformat()),
                  st.sampled_from(["2026-02-30", "2026-1-1", "20261201", "", "٢٠٢٦-١٢-٠١", "2026-12-01T00:00"]))


class Word(str, enum.Enum):
    """A vocabulary word as a str enum member: msgspec takes it for a string."""

    INITIAL = "initial"
    NORMAL = "normal"


class Count(enum.IntEnum):
    TWO = 2
    TWENTY_EIGHT = 28


class Text(str):
    """A str subclass: the full validator's quick acceptor takes only str itself."""


ODD_VALUES_LISTED = [
    decimal.Decimal("2"), decimal.Decimal("1.5"), frozenset([2, 3]), {2, 3}, (2, 3), Count.TWO, Count.TWENTY_EIGHT,
    Word.INITIAL, Word.NORMAL, Text("PA-1"), Text("M60.80"), b"M60.80", math.nan, math.inf, -math.inf, -0.0,
    2**64, -(2**64), 10**400, 1e300, 1e-300, True, False, None, "", " ", [], {}, [[]], [{}], collections.OrderedDict(),
    [Count.TWO, Count.TWO], (Count.TWO, 3), [decimal.Decimal(1), 2.5], frozenset(["M60.80"]), ("M60.80",), ["m6080"],
    ("m6080", "M60.80"), [Word.NORMAL], {"corticosteroid"}, (2, 3.0), [3, 2], (14, 1), [2, 2], [2, 3],
]
ODD_VALUES = st.sampled_from(ODD_VALUES_LISTED)


def _number(low: float | None, high: float | None, integer: bool) -> st.SearchStrategy[Any]:
    low_value = -1e6 if low is None else low
    high_value = 1e6 if high is None else high
    edges = [low_value, high_value, low_value - 1, high_value + 1, math.nextafter(low_value, -math.inf),
             math.nextafter(high_value, math.inf), 0, -1]
    edge_ints = sorted({math.floor(e) for e in edges} | {math.ceil(e) for e in edges})
    inside_ints = st.integers(math.ceil(low_value), math.floor(high_value))
    if integer:
        return st.one_of(st.sampled_from(edge_ints), inside_ints, st.sampled_from([float(i) for i in edge_ints]))
    return st.one_of(st.sampled_from(edges), st.sampled_from(edge_ints), inside_ints,
                     st.floats(low_value, high_value, allow_nan=False))


def value_for(item: Spec) -> st.SearchStrategy[Any]:
    """A value for a field: mostly what its spec allows, at and past its bounds, else anything at all."""
    if item.model is not None:
        return st.one_of(document_for(item.model), ODD_VALUES)
    kinds: list[st.SearchStrategy[Any]] = []
    for kind in item.types:
        if kind == "boolean":
            kinds.append(st.booleans())
        elif kind == "string":
            if item.enum is not None:
                kinds.append(st.sampled_from(item.enum))
            elif item.format == "date":
                kinds.append(DATES)
            elif item.format is not None:
                kinds.append(CODES)
            else:
                kinds.append(st.one_of(st.text(max_size=12), st.sampled_from(["PA-1", "  ", "\t", "Octagam 10%"])))
        elif kind in ("number", "integer"):
            low = item.minimum if item.exclusive_minimum is None else item.exclusive_minimum
            kinds.append(_number(low, item.maximum, kind == "integer"))
        elif kind == "array":
            assert item.items is not None
            fewest = item.min_items or 0
            most = item.max_items if item.max_items is not None else 4
            kinds.append(st.lists(value_for(item.items), min_size=max(0, fewest - 1), max_size=most + 1))
    return st.one_of(*kinds, *kinds, ODD_VALUES, SURROGATE_TEXT, LONG_TEXT)


@st.composite
def document_for(draw: st.DrawFn, model: type) -> dict[str, Any]:
    """An object for `model`: each field absent, null or drawn by value_for; now and then an unknown field."""
    document: dict[str, Any] = {}
    for name, (item, _accepts, _convert) in model_fields(model).items():
        presence = draw(st.sampled_from(("value", "value", "value", "absent", "null") if not item.required
                                        else ("value",) * 12 + ("absent", "null")))
        if presence == "value":
            document[name] = draw(value_for(item))
        elif presence == "null":
            document[name] = None
    if draw(st.integers(0, 9)) == 0:
        document[draw(st.sampled_from(["extra", "f0", "policy_", "x" * (LIMITS.key_chars + 1), "\ud800"]))] = 1
    return document


@st.composite
def drawn_documents(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A policy of the library, and a document drawn from its request model's specs."""
    policy_id = draw(st.sampled_from(POLICIES))
    document = draw(document_for(model_of(policy_id)))
    named = draw(st.sampled_from(("own", "own", "absent", "other", "null")))
    if named == "own":
        document["policy"] = policy_id
    elif named == "other":
        document["policy"] = draw(st.sampled_from([p for p in POLICIES if p != policy_id] + [policy_id.upper()]))
    elif named == "null":
        document["policy"] = None
    return policy_id, document


def field_paths(model: type, prefix: str = "") -> list[tuple[str, Spec]]:
    """Every field of a model and of the models inside it, by dotted path."""
    found = []
    for name, (item, _accepts, _convert) in model_fields(model).items():
        path = f"{prefix}{name}"
        found.append((path, item))
        if item.model is not None:
            found += field_paths(item.model, f"{path}.")
    return found


def valid_documents(policy_id: str) -> list[dict[str, Any]]:
    """The policy's bundled examples that are valid requests, naming it."""
    documents = []
    for path in sorted((EXAMPLES / policy_id).glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        document["policy"] = policy_id
        if outcome(document, policy_id, fast=False)[0] == "request":
            documents.append(document)
    assert documents, policy_id
    return documents


def set_at(document: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, for ABSENT, remove) the field at a dotted path, making the objects on the way."""
    *parents, leaf = path.split(".")
    node = document
    for name in parents:
        if not isinstance(node.get(name), dict):
            node[name] = {}
        node = node[name]
    if value is ABSENT:
        node.pop(leaf, None)
    else:
        node[leaf] = value


ABSENT = object()


@st.composite
def one_field_changed(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid request of a policy with one to three fields changed to anything their specs suggest."""
    policy_id = draw(st.sampled_from(POLICIES))
    document = copy.deepcopy(draw(st.sampled_from(VALID[policy_id])))
    for _ in range(draw(st.integers(1, 3))):
        path, item = draw(st.sampled_from(PATHS[policy_id]))
        set_at(document, path, draw(st.one_of(value_for(item), st.sampled_from([None, ABSENT]))))
    return policy_id, document


VALID = {policy_id: valid_documents(policy_id) for policy_id in POLICIES}
PATHS = {policy_id: field_paths(model_of(policy_id)) for policy_id in POLICIES}


@settings(max_examples=examples(1500))
@given(one_field_changed())
def test_a_valid_request_with_fields_changed_reads_the_same_with_and_without_the_fast_path(
    case: tuple[str, dict[str, Any]],
) -> None:
    """A valid request with a field or three changed to a boundary, wrong-typed or hostile value: the paths agree."""
    assert_both_paths_agree(case[1], case[0])


@pytest.mark.parametrize("policy_id", POLICIES)
def test_every_field_given_every_odd_value_reads_the_same_with_and_without_the_fast_path(policy_id: str) -> None:
    """Each field of a valid request, one at a time, given each value msgspec or Python takes loosely: the paths agree."""
    for base in VALID[policy_id]:
        for path, _item in PATHS[policy_id]:
            for value in ODD_VALUES_LISTED:
                document = copy.deepcopy(base)
                set_at(document, path, value)
                assert_both_paths_agree(document, policy_id)


@settings(max_examples=examples(1500))
@given(drawn_documents())
def test_a_document_drawn_from_the_specs_reads_the_same_with_and_without_the_fast_path(
    case: tuple[str, dict[str, Any]],
) -> None:
    """Any mix of valid, boundary, wrong-typed and hostile values: the fast path only accepts what the full validator accepts."""
    assert_both_paths_agree(case[1], case[0])


@settings(max_examples=examples(300))
@given(drawn_documents())
def test_a_valid_json_document_drawn_from_the_specs_is_taken_by_the_fast_path(case: tuple[str, dict[str, Any]]) -> None:
    """A document the full validator accepts, as JSON decodes it, is accepted by the fast path too."""
    policy_id, document = case
    try:
        document = json.loads(json.dumps(document, allow_nan=False))
    except (ValueError, TypeError):
        return  # not JSON at all (NaN, a set, a Decimal): covered by the test above
    assert_both_paths_agree(document, policy_id)


# -- the screen's bounds hold on the fast path ---------------------------------------------------------


def _document(policy_id: str) -> dict[str, Any]:
    """A valid request of the policy the fast path takes: a bundled example (with a product and codes)."""
    for path in sorted((EXAMPLES / policy_id).glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        document["policy"] = policy_id
        if "product" in document.get("regimen", {}) and fast_request(copy.deepcopy(document), policy_id) is not None:
            return document
    raise AssertionError(f"{policy_id}: no bundled example with a product that the fast path takes")


HOSTILE: dict[str, Callable[[dict[str, Any]], None]] = {
    "a string one character too long": lambda d: d.update(id="x" * (LIMITS.string_chars + 1)),
    "a multi-byte string one character too long": lambda d: d.update(id="ü" * (LIMITS.string_chars + 1)),
    "a lone surrogate in the id": lambda d: d.update(id="PA-\ud800"),
    "a lone surrogate in a product name": lambda d: d["regimen"].update(product="Octa\udfffgam"),
    "a lone surrogate in a code": lambda d: d.update(diagnoses=["M60.80", "\ud83d"]),
    "a field name one character too long": lambda d: d.update({"k" * (LIMITS.key_chars + 1): 1}),
    "a field name with a lone surrogate": lambda d: d.update({"\udc00": 1}),
    "a key that is no string": lambda d: d.update({1: "one"}),
    "a value nested past the depth limit": lambda d: d["regimen"].update(product=_deep(LIMITS.depth + 2)),
    "a list of more items than the fast path takes": lambda d: d.update(diagnoses=["M60.80"] * (LIST_ITEMS + 1)),
    "more values than the screen allows": lambda d: d.update(diagnoses=["M60.80"] * (LIMITS.values + 1)),
    "a set for a list": lambda d: d.update(diagnoses={"M60.80"}),
    "a Decimal for a number": lambda d: d["regimen"].update(interval_days=decimal.Decimal(28)),
    "an ordered dict for an object": lambda d: d.update(regimen=collections.OrderedDict(d["regimen"])),
    "a str subclass for an id": lambda d: d.update(id=Text("PA-1")),
}


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("policy_id", POLICIES)
@pytest.mark.parametrize("how", sorted(HOSTILE))
def test_hostile_input_is_left_to_the_screen(policy_id: str, how: str) -> None:
    """What the screen bounds (lengths, surrogates, keys, depth, values) or msgspec takes loosely is declined by the fast path."""
    document = _document(policy_id)
    assert fast_request(copy.deepcopy(document), policy_id) is not None  # the document before the change
    HOSTILE[how](document)
    assert fast_request(document, policy_id) is None
    assert outcome(document, policy_id, fast=True) == outcome(document, policy_id, fast=False)


@pytest.mark.parametrize("policy_id", POLICIES)
def test_a_string_of_exactly_the_longest_length_is_taken_by_the_fast_path(policy_id: str) -> None:
    """The bound is the screen's: a string of LIMITS.string_chars characters passes both paths."""
    document = _document(policy_id)
    document["id"] = "ü" * LIMITS.string_chars
    assert fast_request(document, policy_id) is not None
    assert outcome(document, policy_id, fast=False)[0] == "request"


@pytest.mark.parametrize("policy_id", POLICIES)
def test_a_list_of_the_most_items_the_fast_path_takes_is_taken(policy_id: str) -> None:
    """LIST_ITEMS codes pass the fast path; one more goes to the full validator, which accepts it too."""
    document = _document(policy_id)
    document["diagnoses"] = ["M60.80"] * LIST_ITEMS
    assert fast_request(document, policy_id) is not None
    document["diagnoses"].append("M60.80")
    assert fast_request(document, policy_id) is None
    assert outcome(document, policy_id, fast=True)[0] == "request"


# -- what the fast path refuses to be built for --------------------------------------------------------


@attrs.frozen
class TwoKinds:
    value: Any = spec(("string", "number"), "A string or a number.")


LongName = attrs.make_class("LongName", {"n" * (LIMITS.key_chars + 1): spec("string", "A long field name.")},
                            frozen=True)


@attrs.frozen
class LongWord:
    word: Any = spec("string", "A word.", enum=("w" * (LIMITS.string_chars + 1),))


@attrs.frozen
class HugeBound:
    amount: Any = spec("number", "An amount.", maximum=1e300)


@pytest.mark.parametrize("model", [TwoKinds, LongName, LongWord, HugeBound], ids=lambda m: m.__name__)
def test_a_model_whose_specs_the_types_cannot_state_exactly_gets_no_fast_path(model: type) -> None:
    """Mixed kinds, names or words past the screen's bounds, bounds no float states exactly: the full validator only."""
    assert fast_parser(model, "any-policy") is None


def _no_even_numbers(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and value % 2 == 0:
        raise ValueError("even")


@attrs.frozen
class CustomValidator:
    count: Any = spec("integer", "A count.", minimum=0, maximum=10)

    @count.validator
    def _odd(self, attribute: Any, value: Any) -> None:
        _no_even_numbers(self, attribute, value)


def test_a_model_with_a_validator_of_its_own_is_built_through_its_init() -> None:
    """The generated builder sets slots only for models with nothing but spec validators; others run their __init__."""
    parser = fast_parser(CustomValidator, "any-policy")
    assert parser is not None and parser.runs_init
    assert parser.parse({"count": 3}) == CustomValidator(count=3)
    assert parser.parse({"count": 4}) is None  # its own validator refused it: the full validator decides


def test_the_myositis_models_are_built_by_setting_their_slots() -> None:
    """The request models of the library have only spec validators, so no __init__ runs on the fast path."""
    for policy_id in POLICIES:
        parser = fast_parser(model_of(policy_id), policy_id)
        assert parser is not None and not parser.runs_init, policy_id
