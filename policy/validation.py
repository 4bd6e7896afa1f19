"""Turn a request document into a policy's request model, or list every problem with its path.

Nothing here knows a policy's fields: the model's attrs field specs say what
each field accepts, and two class attributes state the rules that span
fields (the JSON Schema reads the same declarations):

- `__exclusive__`: pairs of fields never given together (one unit of each pair);
- `__at_least_one__`: groups of fields of which at least one is given.

A field with `pair=True` (a number n or a range [min, max]) must have min at
most max; a string field with a registered normalizer (ICD-10-CM codes) is
kept in its normal form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import attrs

from policy import icd10  # noqa: F401  (registers the ICD-10-CM code format request models name)
from policy.errors import InvalidRequest, Problem
from policy.spec import Spec, acceptor, already_checked, check_value, normalizer, spec_of
from policy.spec import shown as _shown

# The top-level field naming the policy a document is for; no model declares it.
POLICY_KEY = "policy"


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


Convert = Callable[[Any], Any]


@cache
def _fields(model: type) -> dict[str, tuple[Spec, Callable[[Any], bool], Convert]]:
    """A model's fields, their specs, quick acceptors and converters, in declaration order (built once per model)."""
    return {
        field.name: (spec_of(field), acceptor(spec_of(field)), _converter(spec_of(field)))
        for field in attrs.fields(model)
    }


def _converter(spec: Spec) -> Convert:
    """How a valid value is kept, chosen once per field.

    A quantity is a float whichever way JSON wrote it (110 and 110.0 alike), so
    determinations report the same figure for the same request; a range is a
    pair whichever way it was written (3 means [3, 3]); a list is a tuple; a
    string of a format with a normal form (ICD-10-CM codes) is kept in it.
    """
    if spec.types == ("number",):
        return float
    if spec.pair:
        return lambda value: (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))
    item_normal = normalizer(spec.items.format) if spec.items is not None and spec.items.format else None
    normal = normalizer(spec.format) if spec.format else None

    def convert(value: Any) -> Any:
        if isinstance(value, list):
            return tuple(item_normal(v) for v in value) if item_normal else tuple(value)
        return normal(value) if normal else value

    return convert


@cache
def exclusive_pairs(model: type) -> tuple[tuple[str, str], ...]:
    return tuple(getattr(model, "__exclusive__", ()))


@cache
def at_least_one(model: type) -> tuple[tuple[str, ...], ...]:
    return tuple(getattr(model, "__at_least_one__", ()))


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
    model: type, document: Mapping[str, Any], prefix: str, problems: list[Problem], spanning: list[Problem]
) -> dict[str, Any]:
    """Check one object against its model; return the values that passed.

    Problems of single fields go to `problems`, in document order; those that
    span fields to `spanning`, reported after them.
    """
    fields = _fields(model)
    for key in document:
        if key not in fields:
            known = ", ".join(fields)
            problems.append(Problem(_path(prefix, str(key)), f"unknown field; expected one of: {known}"))
    values: dict[str, Any] = {}
    pairs: list[tuple[Any, str]] = []  # (value, field name) of each range
    for name, (spec, plainly_fits, convert) in fields.items():
        value = document.get(name)
        if value is None:
            if spec.required:
                problems.append(Problem(_path(prefix, name), "is required"))
            continue
        if spec.model is not None:
            path = _path(prefix, name)
            if not isinstance(value, Mapping):
                problems.append(Problem(path, f"expected an object, got {_shown(value)}"))
                continue
            before = len(problems)
            nested = _walk(spec.model, value, path, problems, spanning)
            if len(problems) == before:
                with already_checked():
                    values[name] = spec.model(**nested)
            continue
        if spec.pair:
            pairs.append((value, name))
        if not plainly_fits(value):
            found = check_value(spec, value, _path(prefix, name))
            if found:
                problems.extend(found)
                continue
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


def parse_request(document: Any, model: type, policy_id: str, known: Sequence[str] = ()) -> Any:
    """Validate a request document (or re-validate a model instance) for the policy `policy_id`.

    The document's `policy` field, when present, must name `policy_id`.
    Raises `InvalidRequest` listing every problem found, each with its path.
    """
    if attrs.has(type(document)):
        if not isinstance(document, model):
            raise InvalidRequest([Problem("", f"expected a request of {policy_id}, got a {type(document).__name__}")])
        document = to_document(document)
    if not isinstance(document, Mapping):
        raise InvalidRequest([Problem("", f"expected a JSON object, got {_shown(document)}")])
    problems: list[Problem] = []
    named = document.get(POLICY_KEY)
    if POLICY_KEY in document:
        if named != policy_id:
            held = f" (this package holds {', '.join(known)})" if known else ""
            problems.append(Problem(POLICY_KEY, f"expected {policy_id}, the policy assessing it{held}, "
                                                f"got {_shown(named)}"))
        document = {key: value for key, value in document.items() if key != POLICY_KEY}
    spanning: list[Problem] = []
    values = _walk(model, document, "", problems, spanning)
    if problems or spanning:
        raise InvalidRequest(problems + spanning)
    with already_checked():
        return model(**values)
