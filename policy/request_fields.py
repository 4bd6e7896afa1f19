"""What each field of a request model accepts and how a valid value is kept, worked out once per model.

Shared by the full validator (policy/validation.py, which also writes the
messages) and its fast path for valid documents (policy/fast_validation.py),
so that both keep a valid value the same way and read the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import attrs

from policy.spec import Spec, acceptor, normalizer, spec_of

# The top-level field naming the policy a document is for; no model declares it.
POLICY_KEY = "policy"
# A lone surrogate: text no UTF-8 can carry (JSON sends one as a `\ud800` escape).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

Convert = Callable[[Any], Any]


@cache
def model_fields(model: type) -> dict[str, tuple[Spec, Callable[[Any], bool], Convert]]:
    """A model's fields, their specs, quick acceptors and converters, in declaration order (built once per model)."""
    return {
        field.name: (spec_of(field), acceptor(spec_of(field)), converter(spec_of(field)))
        for field in attrs.fields(model)
    }


def converter(spec: Spec) -> Convert:
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
    """Pairs of fields never given together (one unit of each pair)."""
    return tuple(getattr(model, "__exclusive__", ()))


@cache
def at_least_one(model: type) -> tuple[tuple[str, ...], ...]:
    """Groups of fields of which at least one is given."""
    return tuple(getattr(model, "__at_least_one__", ()))
