"""The JSON Schema (draft 2020-12) of a policy's request, generated from its request model.

Nothing here restates a field: types, descriptions, enums, bounds, array
sizes, required fields and nested objects all come from the `Spec` each attrs
field of the policy's request model carries. What this module adds is the
translation into JSON Schema keywords, the cross-field rules the model
declares (`__exclusive__` pairs, `__at_least_one__` groups, the same
declarations `policy.validation` enforces), and the `policy` field naming
the policy.

One rule of `parse_request` cannot be stated in JSON Schema: a range
[min, max] with min above max. A validator using this schema must still send
the document through `policy.assess` to be sure. JSON Schema also counts
28.0 as an integer, which `parse_request` does not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from policy.binding import bound
from policy.limits import LIMITS
from policy.spec import Spec, spec_of
from policy.validation import POLICY_KEY, at_least_one, exclusive_pairs

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:policy-library:schema:{policy}:request"
TITLE = "{title}: prior-authorization request"
DESCRIPTION = (
    "A prior-authorization request for the policy {policy} ({title}), as sent to "
    "`policy.assess`. Generated from the policy's request model. "
    "A range [min, max] must also have min at most max, which JSON Schema cannot state."
)

# A string with at least one character that is not whitespace.
NON_BLANK = r"\S"
# Shapes of the string formats the specs name (what `format` alone does not enforce).
FORMAT_PATTERNS: Mapping[str, str] = {
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    # The shape `policy.icd10.CODE_SHAPE` checks, with or without the dot, in any case.
    "icd10-cm": r"^[A-Za-z][0-9][0-9A-Za-z](?:\.?[0-9A-Za-z]{1,4})?$",
}
# Formats JSON Schema knows; the others are kept as annotations.
STANDARD_FORMATS = frozenset({"date"})


def _stated(names: Sequence[str]) -> dict[str, Any]:
    """Schema that holds when every one of `names` is present and not null."""
    return {
        "required": list(names),
        "properties": {name: {"not": {"type": "null"}} for name in names},
    }


# Spec attributes and the JSON Schema keywords that state them.
NUMBER_KEYWORDS = (("minimum", "minimum"), ("maximum", "maximum"), ("exclusive_minimum", "exclusiveMinimum"))
ARRAY_KEYWORDS = (("min_items", "minItems"), ("max_items", "maxItems"))


def _keywords(spec: Spec, keywords: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The keywords whose spec attribute is set, with its value."""
    return {keyword: getattr(spec, name) for name, keyword in keywords if getattr(spec, name) is not None}


def _value_schema(spec: Spec, nullable: bool) -> dict[str, Any]:
    """The schema of one value, from its spec (nested models excluded)."""
    types = list(spec.types) + (["null"] if nullable else [])
    schema: dict[str, Any] = {"description": spec.description}
    schema["type"] = types[0] if len(types) == 1 else types
    if "string" in spec.types:
        if spec.enum is not None:
            schema["enum"] = list(spec.enum) + ([None] if nullable else [])
        elif spec.format is not None:
            if spec.format not in FORMAT_PATTERNS:
                raise ValueError(f"no JSON Schema pattern for format {spec.format!r}")
            schema["format"] = spec.format
            schema["pattern"] = FORMAT_PATTERNS[spec.format]
        else:
            schema["pattern"] = NON_BLANK
            # The validator refuses longer strings before reading them (policy.limits).
            schema["maxLength"] = LIMITS.string_chars
    if "number" in spec.types or "integer" in spec.types:
        schema.update(_keywords(spec, NUMBER_KEYWORDS))
    if "array" in spec.types:
        if spec.items is not None:
            schema["items"] = _value_schema(spec.items, nullable=False)
        schema.update(_keywords(spec, ARRAY_KEYWORDS))
    if spec.unit is not None:
        schema["x-unit"] = spec.unit
    return schema


def _field_schema(spec: Spec, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of one field; an optional field also accepts null (= not stated)."""
    nullable = not spec.required
    if spec.model is None:
        return _value_schema(spec, nullable)
    name = spec.model.__name__
    if name not in defs:
        defs[name] = {}  # reserve the name before recursing
        defs[name] = _object_schema(spec.model, defs)
    reference = {"$ref": f"#/$defs/{name}"}
    if not nullable:
        return {"description": spec.description, **reference}
    return {"description": spec.description, "anyOf": [reference, {"type": "null"}]}


def _check_names(model: type, names: Sequence[str]) -> None:
    known = {field.name for field in attrs.fields(model)}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {', '.join(unknown)}")


def _object_schema(model: type, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of an attrs model: its fields, required ones, no others."""
    fields = attrs.fields(model)
    doc = (model.__doc__ or "").strip().splitlines()
    schema: dict[str, Any] = {"title": model.__name__}
    if doc:
        schema["description"] = doc[0]
    schema["type"] = "object"
    schema["properties"] = {field.name: _field_schema(spec_of(field), defs) for field in fields}
    required = [field.name for field in fields if spec_of(field).required]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    rules: list[dict[str, Any]] = []
    # Never both fields of a pair (a null value counts as absent); at least one
    # field of each group, with a value that is not null.
    for pair in exclusive_pairs(model):
        _check_names(model, pair)
        rules.append({"not": _stated(pair)})
    for group in at_least_one(model):
        _check_names(model, group)
        rules.append({"anyOf": [_stated([name]) for name in group]})
    if len(rules) == 1:
        schema.update(rules[0])
    elif rules:
        schema["allOf"] = rules
    return schema


def request_schema(policy_id: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a request document of `policy_id`, built from its request model."""
    policy = bound(policy_id)
    defs: dict[str, Any] = {}
    body = _object_schema(policy.code.request_model, defs)
    body.pop("title")
    naming = {"policy": policy_id, "title": policy.source.title}
    properties = {
        POLICY_KEY: {"description": "The policy the request is for (or name it when calling the package).",
                     "const": policy_id},
        **body.pop("properties"),
    }
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": SCHEMA_ID.format(**naming),
        "title": TITLE.format(**naming),
        "description": DESCRIPTION.format(**naming),
        "type": body.pop("type"),
        "properties": properties,
        **{key: value for key, value in body.items() if key != "description"},
    }
    if defs:
        schema["$defs"] = dict(sorted(defs.items()))
    return schema


def schema_text(policy_id: str) -> str:
    """The schema as indented JSON text, ending with a newline."""
    return json.dumps(request_schema(policy_id), indent=2, ensure_ascii=False) + "\n"


__all__ = ["SCHEMA_ID", "request_schema", "schema_text"]
