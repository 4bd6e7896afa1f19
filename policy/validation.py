"""Turn a request document into a policy's request model, or list every problem with its path.

Nothing here knows a policy's fields: the model's attrs field specs say what
each field accepts, and two class attributes state the rules that span
fields (the JSON Schema reads the same declarations):

- `__exclusive__`: pairs of fields never given together (one unit of each pair);
- `__at_least_one__`: groups of fields of which at least one is given.

A field with `pair=True` (a number n or a range [min, max]) must have min at
most max; a string field with a registered normalizer (ICD-10-CM codes) is
kept in its normal form.

A document is screened before it is walked (`screen`): its nesting depth,
number of values, string and key lengths (policy/limits.py) and text that is
no valid Unicode (a lone surrogate) are checked by a loop, never by recursion.
Each value the screen refuses is reported once, by its path, with its start
only; the walk then skips it and still reports every other field's problems.

A valid document takes a fast path first (policy/fast_validation.py: msgspec
types generated from the same specs, which hold the screen's bounds by
construction); only a document it does not vouch for is screened and walked
here, and the walk writes the messages.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import attrs

from policy import icd10  # noqa: F401  (registers the ICD-10-CM code format request models name)
from policy.errors import InvalidRequest, Problem
from policy.fast_validation import fast_parser
from policy.limits import LIMITS
from policy.request_fields import LONE_SURROGATE as _SURROGATE
from policy.request_fields import POLICY_KEY, at_least_one, exclusive_pairs
from policy.request_fields import model_fields as _fields
from policy.spec import already_checked, check_value
from policy.spec import shown as _shown

__all__ = ["POLICY_KEY", "acceptable_key", "at_least_one", "exclusive_pairs", "parse_request", "screen", "to_document"]


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# -- the screen: bounds checked before anything recurses, looks up or quotes ---------------------


def _echoed(text: str) -> str:
    """A refused key as its path shows it: its start, lone surrogates written as escapes (no UTF-8 carries them)."""
    start = text[: LIMITS.echoed_chars] + ("..." if len(text) > LIMITS.echoed_chars else "")
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", start)


def _text_problem(text: str, what: str, most: int) -> str | None:
    """Why a string or key is refused (None when it is not): too long, or not valid Unicode."""
    if len(text) > most:
        return (f"expected {what} of at most {most:,} characters, got {len(text):,} characters starting "
                f"{_shown(text[: LIMITS.echoed_chars])}")
    surrogate = _SURROGATE.search(text)
    if surrogate:
        return (f"expected {what} of valid Unicode text, got a lone surrogate (\\u{ord(surrogate.group()):04x}) "
                f"at character {surrogate.start() + 1}")
    return None


def acceptable_key(key: object) -> bool:
    """A field name the screen lets through: a string, short enough, valid Unicode."""
    return isinstance(key, str) and len(key) <= LIMITS.key_chars and not _SURROGATE.search(key)


def _key_problem(prefix: str, key: object) -> Problem | None:
    """The problem with a field name the screen refuses, at a path that quotes only its start."""
    if not isinstance(key, str):
        return Problem(_path(prefix, _shown(key)), f"expected a field name, got {_shown(key)}")
    problem = _text_problem(key, "a field name", LIMITS.key_chars)
    return None if problem is None else Problem(_path(prefix, _echoed(key)), problem)


def _entries(value: Mapping[Any, Any] | Sequence[Any]) -> Iterator[tuple[Any, Any]]:
    return iter(value.items()) if isinstance(value, Mapping) else enumerate(value)


def screen(document: Mapping[Any, Any]) -> tuple[list[Problem], set[str], bool]:
    """Every value of `document` that breaks a bound: (problems, their paths, whether all of it was screened).

    A stack of iterators walks the document in document order, so no depth
    makes it recurse; a refused value is not entered. Past `LIMITS.values`
    values the screen stops, and the rest of the document is not walked.
    """
    problems: list[Problem] = []
    # Each open object or list: its entries still to screen, its path, its depth, whether it has keys.
    stack: list[tuple[Iterator[tuple[Any, Any]], str, int, bool]] = [(_entries(document), "", 1, True)]
    seen = 0
    while stack:
        entries, prefix, depth, keyed = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        seen += 1
        if seen > LIMITS.values:
            problems.append(Problem("", f"expected a request of at most {LIMITS.values:,} values, got more"))
            return problems, {p.path for p in problems}, False
        name, value = entry
        if keyed:
            problem = _key_problem(prefix, name)
            if problem is not None:
                problems.append(problem)
                continue
            path = _path(prefix, name)
        else:
            path = f"{prefix}[{name}]"
        if isinstance(value, str):
            message = _text_problem(value, "a string", LIMITS.string_chars)
            if message is not None:
                problems.append(Problem(path, message))
        elif isinstance(value, Mapping | list | tuple):
            if depth < LIMITS.depth:
                stack.append((_entries(value), path, depth + 1, isinstance(value, Mapping)))
            else:
                problems.append(Problem(path, f"expected at most {LIMITS.depth} levels of nesting, got more"))
    return problems, {p.path for p in problems}, True


def _refused_at(path: str, refused: Collection[str]) -> bool:
    """Whether the screen refused the value at `path` or one inside it (and has reported it)."""
    return bool(refused) and any(r == path or r.startswith((path + ".", path + "[")) for r in refused)


def _cross_field(model: type, document: Mapping[str, Any], prefix: str, problems: list[Problem]) -> None:
    """The rules of `model` that span several of its fields."""
    for one, other in exclusive_pairs(model):
        if document.get(one) is not None and document.get(other) is not None:
            problems.append(Problem(_path(prefix, other), f"give {one} or {other}, not both"))
    for group in at_least_one(model):
        if all(document.get(name) is None for name in group):
            if len(group) == 2:
                message = f"expected {group[0]} or {group[1]} (or both), got neither"
            else:
                message = f"expected at least one of {', '.join(group)}, got none"
            problems.append(Problem(prefix, message))


def _ordered_pair(value: Any, prefix: str, name: str, problems: list[Problem], spanning: list[Problem]) -> None:
    if not (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(d, int) and not isinstance(d, bool) for d in value)
        and value[0] > value[1]
    ):
        return
    path = _path(prefix, name)
    # An impossible day is its own problem; the order of the range is judged on possible values only.
    if not any(p.path.startswith(path) for p in problems):
        spanning.append(Problem(path, f"expected [min, max] with min at most max, got {list(value)}"))


def _walk(
    model: type, document: Mapping[str, Any], prefix: str, problems: list[Problem], spanning: list[Problem],
    refused: Collection[str] = (),
) -> dict[str, Any] | None:
    """Check one object against its model; return the values that passed (None when some were refused).

    Problems of single fields go to `problems`, in document order; those that
    span fields to `spanning`, reported after them. Values at `refused`
    paths have been reported by the screen: they are skipped, not checked.
    """
    fields = _fields(model)
    for key in document:
        if key not in fields and acceptable_key(key):  # a field name the screen refused is reported there
            known = ", ".join(fields)
            problems.append(Problem(_path(prefix, key), f"unknown field; expected one of: {known}"))
    values: dict[str, Any] | None = {}
    pairs: list[tuple[Any, str]] = []  # (value, field name) of each range
    for name, (spec, plainly_fits, convert) in fields.items():
        value = document.get(name)
        path = _path(prefix, name)
        if value is None:
            if spec.required:
                problems.append(Problem(path, "is required"))
            continue
        # An object is walked field by field (each field's refusal is skipped there); anything else is skipped whole.
        nested_object = spec.model is not None and isinstance(value, Mapping)
        if path in refused or not nested_object and _refused_at(path, refused):
            values = None
            continue
        if spec.model is not None:
            if not isinstance(value, Mapping):
                problems.append(Problem(path, f"expected an object, got {_shown(value)}"))
                continue
            before = len(problems)
            nested = _walk(spec.model, value, path, problems, spanning, refused)
            if nested is None:
                values = None
            elif len(problems) == before and values is not None:
                with already_checked():
                    values[name] = spec.model(**nested)
            continue
        if spec.pair:
            pairs.append((value, name))
        if not plainly_fits(value):
            found = check_value(spec, value, path)
            if found:
                problems.extend(found)
                continue
        if values is not None:
            values[name] = convert(value)
    if exclusive_pairs(model) or at_least_one(model):
        _cross_field(model, document, prefix, spanning)
    for value, name in pairs:
        _ordered_pair(value, prefix, name, problems, spanning)
    return values


def to_document(instance: Any) -> dict[str, Any]:
    """A request model as a JSON document, unstated fields left out."""
    document: dict[str, Any] = {}
    for field in attrs.fields(type(instance)):
        value = getattr(instance, field.name)
        if value is None:
            continue
        if attrs.has(type(value)):
            value = to_document(value)
        elif isinstance(value, tuple):
            value = list(value)
        document[field.name] = value
    return document


def parse_request(document: Any, model: type, policy_id: str, known: Sequence[str] = (), *, fast: bool = True) -> Any:
    """Validate a request document (or re-validate a model instance) for the policy `policy_id`.

    The document's `policy` field, when present, must name `policy_id`.
    Raises `InvalidRequest` listing every problem found, each with its path.
    `fast=False` skips the fast path (the tests compare the two paths).
    """
    if attrs.has(type(document)):
        if not isinstance(document, model):
            raise InvalidRequest([Problem("", f"expected a request of {policy_id}, got a {type(document).__name__}")])
        document = to_document(document)
    if not isinstance(document, Mapping):
        raise InvalidRequest([Problem("", f"expected a JSON object, got {_shown(document)}")])
    parser = fast_parser(model, policy_id) if fast else None
    if parser is not None:
        request = parser.parse(document)
        if request is not None:
            return request
    problems, refused, screened = screen(document)
    if not screened:
        raise InvalidRequest(problems)
    named = document.get(POLICY_KEY)
    if POLICY_KEY in document and POLICY_KEY not in refused:
        if named != policy_id:
            held = f" (this package holds {', '.join(known)})" if known else ""
            problems.append(Problem(POLICY_KEY, f"expected {policy_id}, the policy assessing it{held}, "
                                                f"got {_shown(named)}"))
        document = {key: value for key, value in document.items() if key != POLICY_KEY}
    spanning: list[Problem] = []
    values = _walk(model, document, "", problems, spanning, refused)
    if problems or spanning or values is None:
        raise InvalidRequest(problems + spanning)
    with already_checked():
        return model(**values)
