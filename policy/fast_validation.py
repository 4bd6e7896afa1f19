"""The fast path of validation: a msgspec type generated from a request model's field specs.

Most documents are valid, and for them the full validator (policy/validation.py:
the screen, then a walk over every field's spec in Python) is most of the cost
of an assessment outside the engine. Here each request model's specs are turned,
once per model and policy, into msgspec Struct types, so `msgspec.convert` checks
in C what the specs state: types, vocabularies, bounds, required fields, list
lengths and that no unknown field is present. What msgspec cannot state is
checked after it, in Python, by the full validator's own quick acceptors: string
formats (dates, ICD-10-CM codes), non-blank text, the order of a range, the rules
that span fields. The request is then built from the document's own values by the
full validator's converters, so both paths keep a value the same way.

The fast path only ever accepts. Any document it does not vouch for, for any
reason, goes to the full validator, which decides and writes the messages; so the
fast path must accept nothing the full validator refuses, and build the same
request (tests/test_validation_fast_path.py checks both, and that it accepts the
valid documents). Where msgspec is more lenient than the specs (it takes a set
for a list, a Decimal for a float, an enum member for a string), the document's
value is held to the exact Python types the full validator accepts.

The screen (`validation.screen`) is not run on this path: its bounds hold by
construction, and `fast_parser` builds no fast path for a model where they would
not:

- depth: the types nest objects and lists no deeper than LIMITS.depth levels;
- number of values: every list takes at most `LIST_ITEMS` items, so a document
  the types accept holds at most LIMITS.values values;
- string and key length: every free string takes at most LIMITS.string_chars
  characters; only the models' own field names are accepted as keys, and none is
  longer than LIMITS.key_chars; a vocabulary word is one of the model's own;
- lone surrogates: every string that is not a vocabulary word is searched for one.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from functools import cache
from typing import Annotated, Any, Literal

import attrs
import msgspec
from attrs import frozen

from policy.limits import LIMITS
from policy.request_fields import (
    LONE_SURROGATE,
    POLICY_KEY,
    Convert,
    at_least_one,
    exclusive_pairs,
    model_fields,
)
from policy.spec import Spec, already_checked, field_validator

# Items a list may hold on the fast path; a longer list goes to the full validator,
# which screens it. Far above any real request, and small enough that the types
# bound the number of values in a document below LIMITS.values.
LIST_ITEMS = 256
_FLOAT_MAX = sys.float_info.max
# An int and a float bound compare exactly below this; a bound beyond it gets no fast path.
_EXACT = 2.0**53
# The Python types the full validator's quick acceptors take for each JSON kind; msgspec
# also takes a Decimal for a number and a set for a list, which the full validator refuses.
_EXACT_TYPES: dict[str, tuple[type, ...]] = {"number": (int, float), "integer": (int,), "array": (list, tuple)}
# Spec attributes that state no constraint on a value (documentation and forms read them).
_NOT_CONSTRAINTS = frozenset({"types", "description", "unit", "relevant_when"})
# Spec attributes this module turns into types or checks; a spec using any other gets no fast path.
_UNDERSTOOD = frozenset({
    "required", "enum", "minimum", "maximum", "exclusive_minimum", "items", "min_items", "max_items",
    "model", "format", "pair",
})


class Unsupported(Exception):
    """A spec states something this module cannot check exactly: its model gets no fast path."""


class _Declined(Exception):
    """The fast path does not vouch for a document: the full validator decides."""


@frozen
class _Field:
    """One field of a model on the fast path: what is left to check after msgspec, and how its value is kept."""

    name: str
    exact_types: tuple[type, ...] | None  # the value's Python type must be one of these
    exact_item_types: tuple[type, ...] | None  # likewise each item of a list
    accepts: Callable[[Any], bool] | None  # the full validator's acceptor, for what msgspec cannot state
    free_text: bool  # a string, or list of strings, that is not a vocabulary word: searched for lone surrogates
    ordered: bool  # a range [min, max] whose min must not exceed its max
    convert: Convert | None  # None: kept as sent
    nested: _Model | None


@frozen
class _Model:
    """One model on the fast path: its fields, and the function generated to build it from a document."""

    model: type
    fields: tuple[_Field, ...]
    build: Callable[[Mapping[str, Any]], Any]  # raises _Declined
    runs_init: bool  # built through its __init__ (its field validators run unless already_checked)


@frozen
class FastParser:
    """Parses a valid document of one policy's request model, or declines (None)."""

    struct: type
    root: _Model
    runs_init: bool  # some model in the tree is built through its __init__

    def parse(self, document: Any) -> Any | None:
        """The request model built from `document`, or None when the full validator must decide."""
        if type(document) is not dict:
            return None
        try:
            msgspec.convert(document, self.struct)
            if self.runs_init:
                with already_checked():
                    return self.root.build(document)
            return self.root.build(document)
        except Exception:  # noqa: BLE001 - whatever fails here, the full validator decides and explains
            return None


def _has_lone_surrogate(value: Any) -> bool:
    texts = value if isinstance(value, list | tuple) else (value,)
    return any(not text.isascii() and LONE_SURROGATE.search(text) for text in texts)


# -- the function that builds a model, generated as code ----------------------------------------------
#
# A loop over a model's fields, reading each field's plan, cost about as much as the
# whole of msgspec's checking; the generated code states each field's few checks
# inline (as attrs and dataclasses generate __init__).


def _builder(model: type, fields: tuple[_Field, ...]) -> tuple[Callable[[Mapping[str, Any]], Any], bool]:
    """The generated build function of `model`, and whether it calls the model's __init__."""
    names: dict[str, Any] = {"Declined": _Declined, "has_lone_surrogate": _has_lone_surrogate}
    lines = ["def build(document):", "    get = document.get"]
    for index, field in enumerate(fields):
        lines += [f"    value = get({field.name!r})", "    if value is not None:"]
        body = _checks(index, field, names)
        lines += [f"        {line}" for line in body] or ["        pass"]
        lines.append(f"    v{index} = value")
    for one, other in exclusive_pairs(model):
        lines.append(f"    if v{_position(fields, one)} is not None and v{_position(fields, other)} is not None: "
                     "raise Declined")
    for group in at_least_one(model):
        given = " and ".join(f"v{_position(fields, name)} is None" for name in group)
        lines.append(f"    if {given}: raise Declined")
    names["Model"] = model
    direct = _settable(model)
    if direct:
        # Every value is checked and no field has a converter or validator of its own:
        # set the slots as __init__ would, without its per-field validator calls.
        names["new"], names["set"] = object.__new__, object.__setattr__
        lines.append("    instance = new(Model)")
        lines += [f"    set(instance, {field.name!r}, v{index})" for index, field in enumerate(fields)]
        lines.append("    return instance")
    else:
        arguments = ", ".join(f"{field.name}=v{index}" for index, field in enumerate(fields))
        lines.append(f"    return Model({arguments})")
    exec(compile("\n".join(lines), f"<fast validation of {model.__qualname__}>", "exec"), names)  # noqa: S102
    return names["build"], not direct


def _position(fields: tuple[_Field, ...], name: str) -> int:
    for index, field in enumerate(fields):
        if field.name == name:
            return index
    raise Unsupported(f"a rule spanning fields names {name!r}, which the model lacks")


def _checks(index: int, field: _Field, names: dict[str, Any]) -> list[str]:
    """The lines that check and keep one present value (`value`), each name bound in `names`."""
    if field.nested is not None:
        names[f"build{index}"] = field.nested.build
        return ["if type(value) is not dict: raise Declined", f"value = build{index}(value)"]
    lines = []
    if field.exact_types is not None:
        names[f"exact{index}"] = field.exact_types
        lines.append(f"if type(value) not in exact{index}: raise Declined")
    if field.exact_item_types is not None:
        names[f"exact_items{index}"] = field.exact_item_types
        lines.append(f"if type(value) is not int and not all(type(item) in exact_items{index} for item in value): "
                     "raise Declined")
    if field.accepts is not None:
        names[f"accepts{index}"] = field.accepts
        lines.append(f"if not accepts{index}(value): raise Declined")
    if field.free_text:
        lines.append("if has_lone_surrogate(value): raise Declined")
    if field.ordered:
        lines.append("if type(value) is not int and len(value) == 2 and value[0] > value[1]: raise Declined")
    if field.convert is not None:
        names[f"convert{index}"] = field.convert
        lines.append(f"value = convert{index}(value)")
    return lines


def _settable(model: type) -> bool:
    """Whether `model` can be built by setting its slots: nothing in its __init__ but assignments and field_validator."""
    if hasattr(model, "__attrs_pre_init__") or hasattr(model, "__attrs_post_init__"):
        return False
    if "_attrs_cached_hash" in getattr(model, "__slots__", ()):
        return False
    return all(
        field.init and field.alias == field.name and field.converter is None
        and field.validator is field_validator and field.default in (None, attrs.NOTHING)
        for field in attrs.fields(model)
    )


# -- the types, generated from the specs --------------------------------------------------------------


@cache
def fast_parser(model: type, policy_id: str) -> FastParser | None:
    """The fast path for `model` as the request model of `policy_id` (None when a spec rules it out)."""
    try:
        root, struct = _model(model, top=policy_id)
        if _deepest(root) > LIMITS.depth or _most_values(root) + 1 > LIMITS.values:
            raise Unsupported("the types would let through a document the screen refuses")
    except Exception:  # noqa: BLE001 - Unsupported, or a model the full validator will explain: no fast path
        return None
    return FastParser(struct, root, _any_runs_init(root))


def _any_runs_init(plan: _Model) -> bool:
    return plan.runs_init or any(_any_runs_init(f.nested) for f in plan.fields if f.nested is not None)


def _model(model: type, top: str | None = None) -> tuple[_Model, type]:
    """A model's plan and its Struct type; `top` names the policy when it is the request itself."""
    struct_fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    plans: list[_Field] = []
    for index, (name, (spec, accepts, convert)) in enumerate(model_fields(model).items()):
        if len(name) > LIMITS.key_chars or LONE_SURROGATE.search(name) or name == POLICY_KEY:
            raise Unsupported(f"field name {name!r}")
        kind_type, plan = _field(name, spec, accepts, convert)
        attribute = f"f{index}"  # Struct attributes need identifiers; the JSON name is the rename
        rename[attribute] = name
        if spec.required:
            struct_fields.append((attribute, kind_type))
        else:
            struct_fields.append((attribute, kind_type | None, None))
        plans.append(plan)
    if top is not None:
        if len(top) > LIMITS.string_chars or LONE_SURROGATE.search(top):
            raise Unsupported(f"policy id {top!r}")
        rename["policy"] = POLICY_KEY
        struct_fields.append(("policy", Literal[top] | msgspec.UnsetType, msgspec.UNSET))
    try:
        struct = msgspec.defstruct(
            f"Fast{model.__name__}", struct_fields, rename=rename, kw_only=True, forbid_unknown_fields=True,
            gc=False,  # no reference cycles: the collector need not track these
        )
        msgspec.inspect.type_info(struct)  # msgspec refuses some unions only when it first uses a type
    except (TypeError, ValueError) as error:
        raise Unsupported(str(error)) from error
    build, runs_init = _builder(model, tuple(plans))
    return _Model(model, tuple(plans), build, runs_init), struct


def _field(name: str, spec: Spec, accepts: Callable[[Any], bool], convert: Convert) -> tuple[Any, _Field]:
    """A field's msgspec type, and what its value still needs after msgspec."""
    _refuse_unknown_constraints(spec)
    if spec.model is not None:
        if spec.types != ("object",):
            raise Unsupported(f"{name}: an object that may also be {spec.types}")
        plan, struct = _model(spec.model)
        return struct, _Field(name, None, None, None, False, False, None, plan)
    kinds = [_kind(spec, kind) for kind in spec.types]
    kind_type = kinds[0] if len(kinds) == 1 else _union(kinds)
    exact: tuple[type, ...] = ()
    for kind in spec.types:
        exact += _EXACT_TYPES.get(kind, ())
    # Only kinds msgspec takes exactly (booleans, vocabulary words, strings checked by their acceptor) need no gate.
    gate = exact if all(kind in _EXACT_TYPES for kind in spec.types) else None
    if gate is None and any(kind in _EXACT_TYPES for kind in spec.types):
        raise Unsupported(f"{name}: {spec.types} mixes kinds msgspec takes loosely with others")
    items = spec.items
    # Free text (formats, non-blank strings), alone or in a list, is checked by the full
    # validator's acceptor after msgspec, and searched for lone surrogates.
    free_text = _free_text(spec) or (items is not None and _free_text(items))
    # The full validator's converter is the identity for these: the value is kept as sent.
    keeps_as_sent = spec.types in (("boolean",), ("integer",)) or (spec.types == ("string",) and not spec.format)
    return kind_type, _Field(
        name=name,
        exact_types=gate,
        exact_item_types=_EXACT_TYPES["number"] if items is not None and "number" in items.types else None,
        accepts=accepts if free_text else None,
        free_text=free_text,
        ordered=spec.pair,
        convert=None if keeps_as_sent else convert,
        nested=None,
    )


def _refuse_unknown_constraints(spec: Spec) -> None:
    for attribute, value in _spec_values(spec).items():
        if attribute in _NOT_CONSTRAINTS or attribute in _UNDERSTOOD:
            continue
        if value not in (None, False):
            raise Unsupported(f"the spec states {attribute}, which the fast path does not check")


def _spec_values(spec: Spec) -> dict[str, Any]:
    return {field.name: getattr(spec, field.name) for field in attrs.fields(type(spec))}


def _free_text(spec: Spec) -> bool:
    return "string" in spec.types and spec.enum is None


def _union(kinds: list[Any]) -> Any:
    union = kinds[0]
    for kind in kinds[1:]:
        union = union | kind
    return union


def _kind(spec: Spec, kind: str) -> Any:
    """The msgspec type of one JSON kind a spec allows."""
    if kind == "boolean":
        return bool
    if kind == "string":
        if spec.enum is not None:
            words = tuple(spec.enum)
            if not words or any(type(w) is not str or len(w) > LIMITS.string_chars or LONE_SURROGATE.search(w)
                                for w in words):
                raise Unsupported(f"vocabulary {words!r}")
            return Literal[words]
        return Annotated[str, msgspec.Meta(max_length=LIMITS.string_chars)]
    if kind == "number":
        return Annotated[float, msgspec.Meta(**_float_bounds(spec))]
    if kind == "integer":
        return Annotated[int, msgspec.Meta(**_int_bounds(spec))]
    if kind == "array":
        if spec.items is None or spec.items.model is not None or "array" in spec.items.types:
            raise Unsupported("a list of objects, of lists or of anything")
        _refuse_unknown_constraints(spec.items)
        item_kinds = [_kind(spec.items, item_kind) for item_kind in spec.items.types]
        most = LIST_ITEMS if spec.max_items is None else min(spec.max_items, LIST_ITEMS)
        return Annotated[list[_union(item_kinds)], msgspec.Meta(min_length=spec.min_items or 0, max_length=most)]  # type: ignore[misc]
    raise Unsupported(f"kind {kind!r}")


def _finite(bound: float | None) -> float | None:
    if bound is not None and not abs(bound) < _EXACT:
        raise Unsupported(f"bound {bound!r}")
    return bound


def _float_bounds(spec: Spec) -> dict[str, Any]:
    """Bounds that also refuse NaN and the infinities, as the full validator does."""
    low, high, above = _finite(spec.minimum), _finite(spec.maximum), _finite(spec.exclusive_minimum)
    bounds: dict[str, Any] = {"le": float(high if high is not None else _FLOAT_MAX)}
    # msgspec takes one lower bound: the stricter of the two.
    if above is not None and (low is None or above >= low):
        bounds["gt"] = float(above)
    else:
        bounds["ge"] = float(low if low is not None else -_FLOAT_MAX)
    return bounds


def _int_bounds(spec: Spec) -> dict[str, Any]:
    """The same bounds for integers: n >= 11.8 is n >= 12, n > 0 is n >= 1."""
    low, high, above = _finite(spec.minimum), _finite(spec.maximum), _finite(spec.exclusive_minimum)
    lows = [math.ceil(low)] if low is not None else []
    if above is not None:
        lows.append(math.floor(above) + 1)
    bounds: dict[str, Any] = {"ge": max(lows)} if lows else {}
    if high is not None:
        bounds["le"] = math.floor(high)
    return bounds


def _deepest(plan: _Model) -> int:
    """How many levels of objects and lists a document of this model can have (the document is one)."""
    below = [
        _deepest(field.nested) if field.nested is not None else 1
        for field in plan.fields
        if field.nested is not None or field.exact_types is not None and list in field.exact_types
    ]
    return 1 + max(below, default=0)


def _most_values(plan: _Model) -> int:
    """The most values the screen would count in an object of this model the types accept."""
    total = 0
    for field in plan.fields:
        total += 1
        if field.nested is not None:
            total += _most_values(field.nested)
        elif field.exact_types is not None and list in field.exact_types:
            total += LIST_ITEMS
    return total
