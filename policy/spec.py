"""Field specifications: one declaration per request field drives the attrs
validators, the mapping validator and the JSON Schema."""

from __future__ import annotations

import math
import threading
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import attrs
from attrs import frozen

from policy.errors import Problem

JSON_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@frozen
class Spec:
    """What a request field accepts, in JSON terms."""

    types: tuple[str, ...]
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    items: Spec | None = None
    min_items: int | None = None
    max_items: int | None = None
    model: type | None = None
    format: str | None = None
    unit: str | None = None
    # A number n or a range [min, max], kept as the pair (min, max): 3 means (3, 3).
    pair: bool = False
    # (top-level field, value): the field matters only when the request's field has that value,
    # e.g. ("type", "continuation"). Questionnaires ask for it only then.
    relevant_when: tuple[str, str] | None = None


def spec_of(field: attrs.Attribute[Any]) -> Spec:
    spec = field.metadata.get("spec")
    if not isinstance(spec, Spec):
        raise TypeError(f"field {field.name} has no Spec")
    return spec


def field_spec(model: type, path: str) -> Spec | None:
    """The spec of the field at a dotted path through nested models (None when there is none)."""
    current: type | None = model
    found: Spec | None = None
    for name in path.split("."):
        if current is None or not attrs.has(current):
            return None
        field = next((f for f in attrs.fields(current) if f.name == name), None)
        if field is None:
            return None
        found = spec_of(field)
        current = found.model
    return found


SHOWN_CHARS = 60
_END = object()


class _Mark(str):
    """Punctuation of a quoted container, told apart from the values inside it."""


def shown(value: Any) -> str:
    """A value as a message quotes it: its repr, cut to 60 characters.

    The repr is written piece by piece and stopped at the cut, so a value of
    any size or nesting costs a few dozen pieces: `repr` itself would recurse
    through every level (RecursionError at a few thousand) and copy all of it.
    """
    if isinstance(value, int) and not isinstance(value, bool) and _too_long(value):
        return f"an {type(value).__name__} too large to show"
    pieces: list[str] = []
    length = 0
    for piece in _pieces(value):
        pieces.append(piece)
        length += len(piece)
        if length > SHOWN_CHARS:
            break
    text = "".join(pieces)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _too_long(number: int) -> bool:
    try:
        repr(number)
    except ValueError:  # Python refuses to write an int of more than 4300 digits.
        return True
    return False


def _pieces(value: Any) -> Iterator[str]:
    """The repr of `value` in pieces, its containers opened with a stack of iterators instead of recursion."""
    stack: list[Iterator[Any]] = [iter((value,))]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
        elif isinstance(item, _Mark):
            yield str(item)
        elif isinstance(item, dict):
            yield "{"
            stack.append(_entries(item))
        elif isinstance(item, list | tuple):
            yield "[" if isinstance(item, list) else "("
            stack.append(_items(item))
        elif isinstance(item, set | frozenset) and item:
            yield f"{type(item).__name__}({{" if isinstance(item, frozenset) else "{"
            stack.append(_members(item))
        elif isinstance(item, str | bytes | bytearray):
            yield repr(item[: SHOWN_CHARS + 1])  # a prefix: the rest of a long string is cut anyway
        elif isinstance(item, int) and not isinstance(item, bool) and _too_long(item):
            yield "<an int too large to show>"
        else:
            yield repr(item)


def _items(items: list[Any] | tuple[Any, ...]) -> Iterator[Any]:
    for index, item in enumerate(items):
        if index:
            yield _Mark(", ")
        yield item
    yield _Mark("]" if isinstance(items, list) else ",)" if len(items) == 1 else ")")


def _members(members: set[Any] | frozenset[Any]) -> Iterator[Any]:
    for index, item in enumerate(members):
        if index:
            yield _Mark(", ")
        yield item
    yield _Mark("})" if isinstance(members, frozenset) else "}")


def _entries(mapping: dict[Any, Any]) -> Iterator[Any]:
    for index, (key, item) in enumerate(mapping.items()):
        if index:
            yield _Mark(", ")
        yield key
        yield _Mark(": ")
        yield item
    yield _Mark("}")


def _is_type(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list | tuple)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError(kind)


def _bounds(spec: Spec, received: float) -> str | None:
    problem = _out_of_bounds(spec, received)
    # Compared as a float, quoted as sent: a sender who wrote 121 reads "got 121".
    return None if problem is None else f"{problem}, got {shown(received)}"


def _out_of_bounds(spec: Spec, received: float) -> str | None:
    if isinstance(received, float) and not math.isfinite(received):
        return "expected a finite number"
    try:
        value = float(received)
    except OverflowError:
        # An int beyond any float is beyond every bound: compare it as infinity.
        value = math.inf if received > 0 else -math.inf
    low = spec.minimum
    high = spec.maximum
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.exclusive_minimum is not None and value <= spec.exclusive_minimum:
        return f"expected more than {spec.exclusive_minimum:g}{unit}"
    if low is not None and high is not None and not low <= value <= high:
        return f"expected {low:g} to {high:g}{unit}"
    if low is not None and value < low:
        return f"expected at least {low:g}{unit}"
    if high is not None and value > high:
        return f"expected at most {high:g}{unit}"
    if not math.isfinite(value):
        return "expected a finite number"
    return None


FormatCheck = Callable[[str, str], list[Problem]]
_formats: dict[str, FormatCheck] = {}
_normalizers: dict[str, Callable[[str], str]] = {}


def register_format(name: str, check: FormatCheck, normalize: Callable[[str], str] | None = None) -> None:
    """A string format: `check(value, path)` lists its problems; `normalize` gives its normal form."""
    _formats[name] = check
    if normalize is not None:
        _normalizers[name] = normalize


def normalizer(name: str) -> Callable[[str], str] | None:
    """How a valid value of the format is kept (None: as sent)."""
    return _normalizers.get(name)


def _date(value: str, path: str) -> list[Problem]:
    try:
        if ISO_DATE.match(value):
            date.fromisoformat(value)
            return []
    except ValueError:
        pass
    return [Problem(path, f"expected a date as YYYY-MM-DD, got {shown(value)}")]


register_format("date", _date)


def check_value(spec: Spec, value: Any, path: str) -> list[Problem]:
    """Every problem with one value against its spec (nested objects excluded)."""
    kind = next((k for k in spec.types if _is_type(value, k)), None)
    if kind is None:
        expected = " or ".join(JSON_NAMES[k] for k in spec.types)
        if spec.enum is not None:
            # The allowed values say more than their type does.
            expected = f"one of {', '.join(spec.enum)}"
        return [Problem(path, f"expected {expected}, got {shown(value)}")]
    if kind in ("number", "integer"):
        problem = _bounds(spec, value)
        return [Problem(path, problem)] if problem else []
    if kind == "string":
        if spec.enum is not None and value not in spec.enum:
            return [Problem(path, f"expected one of {', '.join(spec.enum)}, got {shown(value)}")]
        if spec.format:
            return _formats[spec.format](value, path)
        if not value.strip():
            return [Problem(path, "expected a non-empty string, got ''")]
        return []
    if kind == "array":
        problems = []
        if spec.min_items is not None and len(value) < spec.min_items:
            problems.append(Problem(path, f"expected at least {spec.min_items} item(s), got {len(value)}"))
        if spec.max_items is not None and len(value) > spec.max_items:
            problems.append(Problem(path, f"expected at most {spec.max_items} item(s), got {len(value)}"))
        if spec.items is not None:
            for index, item in enumerate(value):
                problems.extend(check_value(spec.items, item, f"{path}[{index}]"))
        return problems
    return []


def acceptor(spec: Spec) -> Callable[[Any], bool]:
    """A quick test that a value plainly fits `spec` (nested objects excluded).

    True means `check_value` would find no problem; False means "look closer":
    the caller then runs `check_value` for the messages. Built once per field,
    it spares every valid request the generic walk through the spec.
    """
    tests = [_accepts_kind(spec, kind) for kind in spec.types]
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _accepts_kind(spec: Spec, kind: str) -> Callable[[Any], bool]:
    if kind in ("number", "integer"):
        exact = (int,) if kind == "integer" else (int, float)
        low = -math.inf if spec.minimum is None else spec.minimum
        high = math.inf if spec.maximum is None else spec.maximum
        above = -math.inf if spec.exclusive_minimum is None else spec.exclusive_minimum
        return lambda value: (
            type(value) in exact and low <= value <= high and value > above and math.isfinite(value)
        )
    if kind == "boolean":
        return lambda value: type(value) is bool
    if kind == "string":
        if spec.enum is not None:
            allowed = frozenset(spec.enum)
            return lambda value: type(value) is str and value in allowed
        if spec.format is not None:
            check = _formats[spec.format]
            return lambda value: type(value) is str and not check(value, "")
        return lambda value: type(value) is str and bool(value.strip())
    if kind == "array":
        fewest = 0 if spec.min_items is None else spec.min_items
        most = math.inf if spec.max_items is None else spec.max_items
        item = acceptor(spec.items) if spec.items is not None else (lambda value: True)
        return lambda value: (
            type(value) in (list, tuple) and fewest <= len(value) <= most and all(item(v) for v in value)
        )
    return lambda value: False


_already_checked = threading.local()


@contextmanager
def already_checked() -> Iterator[None]:
    """Build models from values the mapping validator has just checked, without checking them twice.

    Per thread: other threads building models meanwhile still run the validators.
    """
    before = getattr(_already_checked, "active", False)
    _already_checked.active = True
    try:
        yield
    finally:
        _already_checked.active = before


def field_validator(instance: Any, field: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: the value fits the field's Spec, or ValueError naming the field."""
    if getattr(_already_checked, "active", False):
        return
    if value is None:
        if spec_of(field).required:
            raise ValueError(f"{field.name}: expected a value, got None")
        return
    spec = spec_of(field)
    if spec.model is not None or isinstance(value, tuple) and spec.items is None:
        return
    problems = check_value(spec, list(value) if isinstance(value, tuple) else value, field.name)
    if problems:
        raise ValueError(f"{problems[0].path}: {problems[0].message}")


def spec(types: str | tuple[str, ...], description: str, **options: Any) -> Any:
    """An attrs field carrying its Spec, validated by it."""
    kinds = (types,) if isinstance(types, str) else types
    declared = Spec(types=kinds, description=description, **options)
    default = attrs.NOTHING if declared.required else None
    return attrs.field(
        default=default, metadata={"spec": declared}, validator=field_validator, kw_only=True
    )
