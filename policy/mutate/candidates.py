"""Candidate requests for telling a mutant from the original: the policy's examples, each moved one field at a time.

The bases are the policy's example requests (`examples/<policy-id>/*.json`,
the source case first). From each base, one field of the request model at a
time (found in its JSON Schema, so no field is named here) is:

- for a number: set to each boundary the policy has, one step below it, on
  it and one step above it; the boundaries are every parameter's value and
  every figure of the base's own determination (a course maximum), the step
  the smallest one of the value as written;
- for a yes/no or a word from a fixed list: set to each other value;
- for a list of words (diagnosis codes): set to each list another example
  holds, and to each two of those joined;
- left out, when the base states it.

A range written as two numbers (`[2, 3]`) has each end moved. Requests the
contract rejects are kept: the original and a mutant must reject them alike.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from attrs import frozen

NOT_STATED = {"not stated": True}  # how a change that leaves a field out is written
FIRST_BASES = ("source-case.json", "source-case-continued.json")


@frozen
class Field:
    """A field of the request document the schema describes, and what values it takes."""

    path: tuple[str, ...]
    numeric: bool = False
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    listed: bool = False  # a list of words: its values come from the examples


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema node with `$ref` and `anyOf [X, null]` followed to the object or leaf it describes."""
    while True:
        if "$ref" in node:
            node = schema["$defs"][str(node["$ref"]).rsplit("/", 1)[-1]]
        elif "anyOf" in node and "properties" not in node and "type" not in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            if len(options) != 1:
                return node
            node = options[0]
        else:
            return node


def _types(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def schema_fields(schema: Mapping[str, Any], node: Mapping[str, Any] | None = None,
                  prefix: tuple[str, ...] = ()) -> list[Field]:
    """Every leaf field of the request schema that takes a number, a yes/no or a word from a list."""
    node = _resolve(schema, schema if node is None else node)
    fields: list[Field] = []
    for name, child in node.get("properties", {}).items():
        resolved = _resolve(schema, child)
        path = (*prefix, name)
        types = _types(resolved)
        if "properties" in resolved:
            fields += schema_fields(schema, resolved, path)
        elif types & {"number", "integer"}:
            items = resolved.get("items", {})
            fields.append(Field(path, numeric=True, integer="number" not in types and "number" not in _types(items),
                                minimum=resolved.get("minimum", items.get("minimum")),
                                maximum=resolved.get("maximum", items.get("maximum"))))
        elif "enum" in resolved:
            fields.append(Field(path, choices=tuple(resolved["enum"])))
        elif "boolean" in types:
            fields.append(Field(path, choices=(True, False, None) if "null" in types else (True, False)))
        elif "array" in types and "string" in _types(_resolve(schema, resolved.get("items", {}))):
            fields.append(Field(path, listed=True))
    return fields


def listed_values(fields: Sequence[Field], bases: Sequence[tuple[str, dict[str, Any]]]) -> dict[
    tuple[str, ...], tuple[Any, ...]
]:
    """For each list-of-words field: the lists the bases hold, then each two of them joined (no repeats)."""
    found: dict[tuple[str, ...], tuple[Any, ...]] = {}
    for field in (f for f in fields if f.listed):
        seen = [value for _name, base in bases if isinstance(value := _get(base, field.path), list)]
        distinct = list({json.dumps(v): v for v in seen}.values())
        joined = [first + [item for item in second if item not in first]
                  for index, first in enumerate(distinct) for second in distinct[index + 1:]]
        found[field.path] = tuple({json.dumps(v): v for v in [*distinct, *joined]}.values())
    return found


def _get(document: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = document
    for name in path:
        if not isinstance(node, Mapping) or name not in node:
            return None
        node = node[name]
    return node


def _set(document: dict[str, Any], path: Sequence[str], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node = changed
    for name in path[:-1]:
        child = node.get(name)
        if not isinstance(child, dict):
            child = node[name] = {}
        node = child
    if value is NOT_STATED:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return changed


def _step(value: float | int) -> Decimal:
    exponent = Decimal(str(value)).as_tuple().exponent
    return Decimal(1).scaleb(min(int(exponent), 0))


def boundaries(values: Sequence[Any]) -> list[Decimal]:
    """Each number one step below, on and one step above itself, without repeats, in order."""
    found: dict[Decimal, None] = {}
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        step = _step(value)
        for moved in (Decimal(str(value)) - step, Decimal(str(value)), Decimal(str(value)) + step):
            found.setdefault(moved.normalize() if moved != 0 else Decimal(0))
    return list(found)


def _numbers(field: Field, near: Sequence[Decimal]) -> Iterator[int | float]:
    for value in near:
        if field.integer and value != value.to_integral_value():
            continue
        if field.minimum is not None and value < Decimal(str(field.minimum)):
            continue
        if field.maximum is not None and value > Decimal(str(field.maximum)):
            continue
        yield int(value) if field.integer else float(value)


def variations(base: dict[str, Any], fields: Sequence[Field], near: Sequence[Decimal],
               lists: Mapping[tuple[str, ...], Sequence[Any]] | None = None) -> Iterator[
    tuple[list[tuple[str, Any]], dict[str, Any]]
]:
    """(changes, request) for each single-field change of `base`."""
    for field in fields:
        dotted = ".".join(field.path)
        current = _get(base, field.path)
        if current is not None:
            yield [(dotted, NOT_STATED)], _set(base, field.path, NOT_STATED)
        if field.numeric and isinstance(current, list):
            for index, end in enumerate(current):
                for value in _numbers(field, near):
                    if value != end:
                        moved = [*current[:index], value, *current[index + 1:]]
                        yield [(dotted, moved)], _set(base, field.path, moved)
        elif field.numeric:
            for value in _numbers(field, near):
                if value != current:
                    yield [(dotted, value)], _set(base, field.path, value)
        elif field.listed:
            for value in (lists or {}).get(field.path, ()):
                if value != current:
                    yield [(dotted, value)], _set(base, field.path, value)
        else:
            for choice in field.choices:
                if choice != current and choice is not None:
                    yield [(dotted, choice)], _set(base, field.path, choice)


def example_files(folder: Path) -> list[Path]:
    """The policy's example requests, the source cases first."""
    files = sorted(folder.glob("*.json"))
    return sorted(files, key=lambda p: (FIRST_BASES.index(p.name) if p.name in FIRST_BASES else len(FIRST_BASES)))


def _numbers_in(value: Any) -> Iterator[float | int]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _numbers_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers_in(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


def candidates(bases: Sequence[tuple[str, dict[str, Any]]], schema: Mapping[str, Any],
               parameters: Sequence[float | int], figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every candidate: {"base", "changes", "request"}; the bases themselves first, no request twice.

    `figures` maps a base's name to its determination's figures (any JSON; its numbers are boundaries).
    """
    fields = schema_fields(schema)
    seen: set[str] = set()
    out: list[dict[str, Any]] = []

    def add(base: str, changes: list[tuple[str, Any]], request: dict[str, Any]) -> None:
        key = json.dumps(request, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append({"base": base, "changes": [[path, value] for path, value in changes], "request": request})

    for name, document in bases:
        add(name, [], document)
    lists = listed_values(fields, bases)
    for name, document in bases:
        near = boundaries([*parameters, *_numbers_in(figures.get(name))])
        for changes, request in variations(document, fields, near, lists):
            add(name, changes, request)
    return out
