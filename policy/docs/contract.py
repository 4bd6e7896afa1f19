"""The request and determination contract: field tables, the JSON Schema, a worked example."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from policy.binding import BoundPolicy
from policy.determination import DECISIONS, Determination
from policy.docs.markdown import code, table
from policy.rules.declarations import Change, Outcome

SHOWN_KEYWORDS = ("enum", "minimum", "maximum", "exclusiveMinimum", "minItems", "maxItems", "format", "x-unit")


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """The node itself, or the object it refers to; and whether null is also accepted."""
    nullable = False
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(node["anyOf"])
        if len(options) == 1:
            node = options[0]
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rpartition("/")[2]]
    return node, nullable


def _type_of(node: Mapping[str, Any], nullable: bool) -> str:
    kinds = node.get("type", "object")
    names = [kinds] if isinstance(kinds, str) else list(kinds)
    if nullable and "null" not in names:
        names.append("null")
    if "array" in names and "items" in node:
        item = node["items"].get("type", "object")
        names[names.index("array")] = f"array of {item}"
    return " or ".join(names)


def _constraints(node: Mapping[str, Any]) -> str:
    parts = []
    for keyword in SHOWN_KEYWORDS:
        if keyword in node:
            value = node[keyword]
            if keyword == "enum":
                value = ", ".join(code(json.dumps(v)) for v in value)
            parts.append(f"{keyword}: {value}")
    items = node.get("items")
    if isinstance(items, Mapping):
        parts += [f"items {part}" for part in _constraints(items).split("; ") if part]
    return "; ".join(parts)


def request_fields(schema: Mapping[str, Any], node: Mapping[str, Any] | None = None,
                   prefix: str = "") -> Iterator[list[str]]:
    """Rows (path, type, required, description, constraints) of every field of the schema."""
    node = schema if node is None else node
    required = set(node.get("required", ()))
    for name, raw in node.get("properties", {}).items():
        target, nullable = _resolve(schema, raw)
        path = f"{prefix}{name}"
        yield [code(path), _type_of(target, nullable), "yes" if name in required else "no",
               str(raw.get("description", target.get("description", ""))), _constraints(target)]
        if "properties" in target:
            yield from request_fields(schema, target, prefix=f"{path}.")


def _nested(hint: Any) -> Iterator[type]:
    if isinstance(hint, type) and attrs.has(hint):
        yield hint
    for argument in typing.get_args(hint):
        yield from _nested(argument)


def models(model: type) -> list[type]:
    """The attrs model and every attrs model its fields hold, depth first, once each."""
    seen: list[type] = []

    def visit(current: type) -> None:
        if current not in seen:
            seen.append(current)
            for hint in typing.get_type_hints(current).values():
                for nested in _nested(hint):
                    visit(nested)

    visit(model)
    return seen


def _type_text(hint: Any) -> str:
    text = hint if isinstance(hint, str) else getattr(hint, "__name__", None) or repr(hint)
    # A pipe inside a code span would break the table row.
    return re.sub(r"\b(?:typing|policy\.determination)\.", "", str(text)).replace(" | ", " or ")


def determination_fields() -> str:
    out = []
    for model in models(Determination):
        doc = (model.__doc__ or "").strip().splitlines()
        out.append(f"### {model.__name__}\n")
        if doc:
            out.append(doc[0] + "\n")
        out.append(table(["Key", "Type"], [[code(f.name), code(_type_text(f.type))] for f in attrs.fields(model)]))
    return "\n".join(out)


def contract_page(bound: BoundPolicy, schema: Mapping[str, Any],
                  example: Mapping[str, Any] | None = None, determination: Mapping[str, Any] | None = None) -> str:
    fields = sorted({c.field for r in bound.rules for b in r.branches for c in b.then if isinstance(c, Change)})
    out = [
        "# Request and determination contract\n",
        "A request is a JSON document (or the same structure as a Python mapping) sent to "
        "`policy.assess` or `policy assess`. Invalid input never produces a determination: every "
        "problem is listed with its path. The tables are generated from the request models and the "
        "JSON Schema below.\n",
        "## Request fields\n",
        table(["Path", "Type", "Required", "Description", "Constraints"], request_fields(schema)),
        "## Determination\n",
        table(
            ["Key", "Values"],
            [
                [code("decision"), ", ".join(code(d) for d in DECISIONS) + " (see [decision](decision.md))"],
                [code("statements[].outcome"), ", ".join(code(o.value) for o in Outcome)],
                [code("changes[].field"), ", ".join(code(f) for f in fields)],
                [code("policy.version"), code(bound.source.version)],
            ],
        ),
        determination_fields(),
    ]
    if example is not None and determination is not None:
        out += [
            "## Example\n",
            "A request:\n",
            "```json\n" + json.dumps(example, indent=2) + "\n```\n",
            "and the determination this version of the policy makes for it:\n",
            "```json\n" + json.dumps(determination, indent=2) + "\n```\n",
        ]
    out += [
        "## JSON Schema of the request\n",
        "Also printed by `policy schema`.\n",
        "```json\n" + json.dumps(schema, indent=2, ensure_ascii=False) + "\n```\n",
    ]
    return "\n".join(out)
