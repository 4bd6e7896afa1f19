"""JSON text written by orjson, byte for byte what `json.dumps` wrote before.

Every JSON output of the package (the determination's `to_json()`, batch
lines, the service's bodies, `policy assess --format json`) was written by
`json.dumps`, compact with `ensure_ascii=False` (or indented by two spaces for
the CLI). orjson writes the same text ten times faster, except in these cases,
where the standard writer is used instead, so the output never changes:

- a lone surrogate (a `\\ud800` escape in a request): orjson refuses it; the
  compact form is then written with ASCII escapes throughout, as before;
- a key that is not a string, an int beyond 64 bits, a type orjson does not
  know: orjson refuses them;
- a float below 1e-4 (json.dumps writes 1e-05, orjson 0.00001), NaN and the
  infinities (json.dumps writes NaN, orjson null): found by a walk over the
  value before orjson writes it;
- a container or scalar of any type other than the exact JSON ones (a
  subclass can change how json.dumps writes it).

`fast_compact` raises `NotPlain` in those cases, so a caller that splices
fragments together can fall back as a whole; `compact` and `indented` fall
back themselves.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

# Below this a non-zero float is written by json.dumps with an exponent and by orjson without one.
_SMALLEST_PLAIN_FLOAT = 1e-4
_finite = math.isfinite


class NotPlain(Exception):
    """orjson would not write exactly what json.dumps writes for this value."""


def plain(value: Any) -> bool:
    """Whether orjson writes `value` as json.dumps does (orjson itself refuses what else differs)."""
    if not _plain_scalar(value):
        kind = type(value)
        if kind is not dict and kind is not list and kind is not tuple:
            return False
        containers = [value]
        while containers:
            container = containers.pop()
            # Exact type tests, commonest first, items looked at in place: this walks every value
            # a determination computes for its request.
            for item in container.values() if type(container) is dict else container:
                kind = type(item)
                if kind is str or kind is int or kind is bool or item is None:
                    continue
                if kind is float:
                    if not _finite(item) or (item and -_SMALLEST_PLAIN_FLOAT < item < _SMALLEST_PLAIN_FLOAT):
                        return False
                elif kind is dict or kind is list or kind is tuple:
                    containers.append(item)
                else:
                    return False
    return True


def _plain_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    return kind is float and _finite(value) and not (value and -_SMALLEST_PLAIN_FLOAT < value < _SMALLEST_PLAIN_FLOAT)


def fast_compact(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON, written by orjson; NotPlain when json.dumps would write otherwise."""
    if not plain(value):
        raise NotPlain
    return encoded(value)


def encoded(value: Any) -> bytes:
    """orjson's text for a value known to be plain (strings and lists of them need no walk)."""
    try:
        return orjson.dumps(value)
    except TypeError as error:  # a lone surrogate, a key that is no string, an int beyond 64 bits
        raise NotPlain from error


def standard_compact(value: Any) -> bytes:
    """What the package wrote before orjson: compact, UTF-8, ASCII escapes throughout if it holds a lone surrogate."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\ud800 escape: ASCII escapes always encode
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def compact(value: Any) -> bytes:
    """Compact UTF-8 JSON, byte for byte `standard_compact(value)`."""
    try:
        return fast_compact(value)
    except NotPlain:
        return standard_compact(value)


def indented(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, written by orjson where that gives the same text."""
    if plain(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(value, indent=2, ensure_ascii=False)
