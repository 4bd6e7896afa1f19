"""The request and determination contract, in words: a page per policy, and one for the library.

A policy's page describes every request field from its JSON Schema
(`policy.schema.request_schema`): name as a dotted path, type in words, unit,
allowed values or range (rounded as a person writes them), whether it is
required, and what it means; one heading per object. The determination is
described from its models (`policy.determination`: each model's docstring
`Attributes:` section says what a field means), the policy's declared figures
(`dosing`) and authorization (`authorized`); nothing names a field of any
policy. The library page holds what every determination shares.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from policy.binding import BoundPolicy
from policy.determination import DECISIONS, Determination
from policy.docs.examples import INDEX as EXAMPLES_INDEX
from policy.docs.examples import determination_markdown, example_path, request_markdown
from policy.docs.library import Example, PolicyDocs
from policy.docs.markdown import code, join, link, table
from policy.docs.paths import CONTRACT, in_section
from policy.docs.plain import target_words
from policy.docs.rules import policy_words
from policy.docs.words import number, rounded
from policy.rules.declarations import Change, Outcome
from policy.spec import field_spec

PAGE = CONTRACT
# From a policy's contract page to the site's root.
LIBRARY_UP = "../"

# JSON types in words, and in the plural (a list of them).
PLURAL_WORDS = {
    "string": "texts",
    "number": "numbers",
    "integer": "whole numbers",
    "boolean": "true/false values",
    "array": "lists",
    "object": "objects",
}
TYPE_WORDS = {
    "string": "text",
    "number": "number",
    "integer": "whole number",
    "boolean": "true or false",
    "array": "list",
    "object": "object",
    "null": "null",
}
FORMAT_WORDS = {"date": "a date, YYYY-MM-DD", "icd10-cm": "an ICD-10-CM code, with or without the dot"}
# Patterns of the schema that say something a reader needs (policy.schema.NON_BLANK).
PATTERN_WORDS = {r"\S": "not blank"}
REQUIRED_WORDS = {True: "yes", False: "no"}


# --- Request fields, from the JSON Schema -----------------------------------------------------------


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """The node itself, or the object it refers to; and whether null is also accepted."""
    nullable = False
    if "anyOf" in node and all("$ref" in o or o.get("type") == "null" for o in node["anyOf"]):
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(node["anyOf"])
        if len(options) == 1:
            node = options[0]
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rpartition("/")[2]]
    return node, nullable


def _kinds(node: Mapping[str, Any]) -> list[str]:
    if "const" in node:
        value = node["const"]
        return ["boolean" if isinstance(value, bool) else "string" if isinstance(value, str) else "number"]
    kinds = node.get("type", "object")
    return [k for k in ([kinds] if isinstance(kinds, str) else list(kinds)) if k != "null"]


def type_words(node: Mapping[str, Any]) -> str:
    """A schema node's type in words: 'whole number', 'list of text', 'whole number, or list of whole number'."""
    parts = []
    for kind in _kinds(node):
        if kind == "array" and isinstance(node.get("items"), Mapping):
            item = " or ".join(PLURAL_WORDS.get(k, k) for k in _kinds(node["items"]))
            parts.append(f"list of {item}")
        else:
            parts.append(TYPE_WORDS.get(kind, kind))
    return ", or ".join(parts)


def spec_type_words(types: Sequence[str], item_types: Sequence[str] = ()) -> str:
    """A spec's JSON types in words (the same words as `type_words`)."""
    node: dict[str, Any] = {"type": list(types)}
    if item_types:
        node["items"] = {"type": list(item_types)}
    return type_words(node)


def _bound(value: object) -> tuple[str, bool]:
    return number(value), rounded(value)


def range_words(node: Mapping[str, Any]) -> str:
    """The numeric range a node allows, rounded as a person writes it ('from 11.8 to 98.4 (rounded)')."""
    low = node.get("minimum")
    above = node.get("exclusiveMinimum")
    high = node.get("maximum")
    texts: list[str] = []
    was_rounded = False
    if low is not None and high is not None:
        (lo, r1), (hi, r2) = _bound(low), _bound(high)
        texts.append(f"from {lo} to {hi}")
        was_rounded = r1 or r2
    else:
        if low is not None:
            lo, was_rounded = _bound(low)
            texts.append(f"at least {lo}")
        if high is not None:
            hi, r2 = _bound(high)
            texts.append(f"at most {hi}")
            was_rounded = was_rounded or r2
    if above is not None:
        ab, r3 = _bound(above)
        texts.insert(0, f"more than {ab}")
        was_rounded = was_rounded or r3
    text = ", ".join(texts)
    return text + (" (rounded)" if was_rounded and text else "")


def _items_words(node: Mapping[str, Any]) -> str:
    low, high = node.get("minItems"), node.get("maxItems")
    if low is not None and low == high:
        return f"exactly {low} items"
    parts = []
    if low is not None:
        parts.append(f"at least {low} item" + ("s" if low != 1 else ""))
    if high is not None:
        parts.append(f"at most {high} items")
    return ", ".join(parts)


def allowed_words(node: Mapping[str, Any]) -> str:
    """What values a node allows, in words: its one value, its choices, its range, its format."""
    if "const" in node:
        return f"exactly {code(json.dumps(node['const']))}"
    parts = []
    if "enum" in node:
        parts.append("one of " + ", ".join(code(json.dumps(v)) for v in node["enum"] if v is not None))
    if "format" in node:
        parts.append(FORMAT_WORDS.get(str(node["format"]), str(node["format"])))
    elif isinstance(node.get("pattern"), str) and node["pattern"] in PATTERN_WORDS:
        parts.append(PATTERN_WORDS[node["pattern"]])
    number_range = range_words(node)
    if number_range:
        parts.append(number_range)
    items = node.get("items")
    kinds = _kinds(node)
    if "array" in kinds:
        counted = _items_words(node)
        if counted:
            parts.append(("as a list, " if len(kinds) > 1 else "") + counted)
        if isinstance(items, Mapping):
            each = allowed_words(items)
            if each and each != number_range:
                parts.append(f"each {each}")
    return "; ".join(parts)


def _unit(node: Mapping[str, Any]) -> str:
    unit = node.get("x-unit")
    if unit is None and isinstance(node.get("items"), Mapping):
        unit = node["items"].get("x-unit")
    return str(unit) if unit else ""


def _object_rules(node: Mapping[str, Any]) -> list[str]:
    """The cross-field rules of an object ('never both a and b', 'at least one of a, b'), in words."""
    rules = [node, *node.get("allOf", [])]
    out = []
    for rule in rules:
        if isinstance(rule.get("not"), Mapping) and rule["not"].get("required"):
            names = rule["not"]["required"]
            out.append("Never both " + " and ".join(code(n) for n in names) + ".")
        options = rule.get("anyOf")
        if rule is not node or "properties" in node:
            if isinstance(options, list) and options and all(isinstance(o, Mapping) and o.get("required")
                                                             for o in options):
                names = [n for o in options for n in o["required"]]
                out.append("At least one of " + ", ".join(code(n) for n in names) + " is stated.")
    return out


@frozen
class SchemaObject:
    """One object of a schema: its dotted path ('' for the document), its description, its field rows."""

    path: str
    description: str
    rows: tuple[tuple[str, ...], ...]
    rules: tuple[str, ...] = ()


def schema_objects(schema: Mapping[str, Any], node: Mapping[str, Any] | None = None, path: str = "",
                   description: str = "") -> Iterator[SchemaObject]:
    """The document, then each object it holds, depth first; each with a row per field."""
    node = schema if node is None else node
    required = set(node.get("required", ()))
    rows = []
    nested: list[tuple[str, Mapping[str, Any], str]] = []
    for name, raw in node.get("properties", {}).items():
        target, _nullable = _resolve(schema, raw)
        dotted = f"{path}.{name}" if path else name
        meaning = str(raw.get("description", target.get("description", "")))
        if "properties" in target:
            nested.append((dotted, target, meaning))
            meaning += f" Its fields are under {code(dotted)} below."
        rows.append((code(dotted), type_words(target), _unit(target), allowed_words(target),
                     REQUIRED_WORDS[name in required], meaning))
    yield SchemaObject(path, description, tuple(rows), tuple(_object_rules(node)))
    for dotted, target, meaning in nested:
        yield from schema_objects(schema, target, dotted, meaning)


REQUEST_HEADER = ["Field", "Type", "Unit", "Allowed values", "Required", "Meaning"]


def request_fields_markdown(schema: Mapping[str, Any], level: int = 3) -> str:
    """Every request field, one table per object, from the JSON Schema."""
    heading = "#" * level
    out = []
    for found in schema_objects(schema):
        out.append(f"{heading} {code(found.path) if found.path else 'The request'}\n")
        if found.description:
            out.append(found.description + "\n")
        out += [f"{rule}\n" for rule in found.rules]
        out.append(table(REQUEST_HEADER, found.rows))
    return "\n".join(out)


# --- Determination fields, from its models ------------------------------------------------------


def first_paragraph(doc: str | None) -> str:
    """A docstring's first paragraph, on one line."""
    lines = []
    for line in (doc or "").strip().splitlines():
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)


def field_descriptions(model: type) -> dict[str, str]:
    """What each field of a model means, from the `Attributes:` section of its docstring (Google style)."""
    doc = (model.__doc__ or "").expandtabs()
    lines = doc.splitlines()
    found: dict[str, str] = {}
    inside = False
    indent: int | None = None
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if stripped == "Attributes:":
            inside, indent, current = True, None, None
            continue
        if not inside:
            continue
        if not stripped:
            current = None if indent is None else current
            continue
        depth = len(line) - len(line.lstrip())
        if indent is None:
            indent = depth
        if depth < indent:
            break
        match = re.match(r"^(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", stripped)
        if depth == indent and match:
            current = match.group(1)
            found[current] = match.group(2)
        elif current is not None:
            found[current] = f"{found[current]} {stripped}".strip()
    return found


def _hint_words(hint: Any) -> str:
    """A field's Python type in the contract's words (never a Python name)."""
    if hint is type(None):
        return "null"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        kinds = [_hint_words(a) for a in args if a is not type(None)]
        return " or ".join(kinds) + (", or null" if type(None) in args else "")
    if origin in (tuple, list, Sequence) or hint in (tuple, list):
        item = args[0] if args else Any
        return f"list of {'objects' if _model(item) else _hint_words(item)}"
    if origin in (dict, Mapping) or hint in (dict,):
        return "object"
    if _model(hint):
        return "object"
    return {str: "text", int: "whole number", float: "number", bool: "true or false"}.get(hint, "any JSON value")


def _model(hint: Any) -> bool:
    return isinstance(hint, type) and attrs.has(hint)


def _nested_models(hint: Any) -> list[type]:
    found = [hint] if _model(hint) else []
    for argument in typing.get_args(hint):
        found += _nested_models(argument)
    return found


@frozen
class ModelPlace:
    """A model of the determination and the dotted names it appears under ('changes[]')."""

    model: type
    paths: tuple[str, ...]


def determination_places(root: type = Determination) -> list[ModelPlace]:
    """The determination and each model it holds, with where it appears, in first-seen order."""
    places: dict[type, list[str]] = {root: [""]}

    def visit(model: type, prefix: str) -> None:
        for name, hint in typing.get_type_hints(model).items():
            listed = typing.get_origin(hint) in (tuple, list)
            for inner in _nested_models(hint):
                path = f"{prefix}{name}" + ("[]" if listed else "")
                first = inner not in places
                places.setdefault(inner, [])
                if path not in places[inner]:
                    places[inner].append(path)
                if first:
                    visit(inner, f"{path}.")

    visit(root, "")
    return [ModelPlace(model, tuple(paths)) for model, paths in places.items()]


NO_DESCRIPTION = "*(no description declared: add it to the model's docstring, `Attributes:` section)*"


def _determination_rows(place: ModelPlace, allowed: Mapping[str, str]) -> list[list[str]]:
    descriptions = field_descriptions(place.model)
    hints = typing.get_type_hints(place.model)
    prefix = place.paths[0]
    rows = []
    for field in attrs.fields(place.model):
        path = f"{prefix}.{field.name}" if prefix else field.name
        rows.append([code(path), _hint_words(hints.get(field.name, Any)), allowed.get(path, ""),
                     descriptions.get(field.name) or NO_DESCRIPTION])
    return rows


DETERMINATION_HEADER = ["Field", "Type", "Values", "Meaning"]


def determination_markdown_tables(allowed: Mapping[str, str], level: int = 3,
                                  extra: Mapping[str, str] | None = None) -> str:
    """Every field of the determination, one table per object; `extra` adds a section after an
    object's table by its path (the policy's `dosing` and `authorized`)."""
    heading = "#" * level
    out = []
    for place in determination_places():
        title = "The determination" if place.paths == ("",) else ", ".join(code(p) for p in place.paths)
        out.append(f"{heading} {title}\n")
        summary = first_paragraph(place.model.__doc__)
        if summary:
            out.append(summary + "\n")
        out.append(table(DETERMINATION_HEADER, _determination_rows(place, allowed)))
    for text in (extra or {}).values():
        out.append(text)
    return "\n".join(out)


def common_allowed() -> dict[str, str]:
    """Values every determination's fields take, whatever the policy."""
    return {
        "decision": ", ".join(code(d) for d in DECISIONS) + " (see [how a decision is made](decision.md))",
        "statements[].outcome": ", ".join(code(o.value) for o in Outcome),
    }


# --- The policy's own parts: dosing and authorized ----------------------------------------------------


def dosing_section(bound: BoundPolicy, level: int = 3) -> str:
    """The figures of the determination's `dosing` object, from the policy's declared Figures."""
    heading = "#" * level
    figures = bound.code.figures
    if not figures:
        return f"{heading} `dosing`\n\nThis policy declares no figure: `dosing` is an empty object.\n"
    words = policy_words(bound)
    rows = []
    for figure in figures:
        term = words.term(figure.value)
        meaning = [f"The {figure.label}."]
        if term.formula:
            meaning.append(f"Computed as {term.formula}.")
        if figure.decimals is not None:
            meaning.append(f"Rounded to {figure.decimals} decimal{'s' if figure.decimals != 1 else ''}, halves up.")
        if figure.basis:
            meaning.append(f"Reports show it with {code('dosing.' + figure.basis)} beside it.")
        meaning.append(f"Null when it cannot be computed (a report says “{figure.absent}”).")
        kind = "number, or null" if figure.unit or figure.decimals is not None else "text or number, or null"
        rows.append([code(f"dosing.{figure.key}"), figure.label, kind, figure.unit or "", " ".join(meaning)])
    return "\n".join([
        f"{heading} `dosing`\n",
        "Every figure the policy declares, in this order.\n",
        table(["Field", "Figure", "Type", "Unit", "Meaning"], rows),
    ])


def authorized_section(bound: BoundPolicy, level: int = 3) -> str:
    """The fields of the determination's `authorized` object, from the policy's declared AuthorizedFields."""
    heading = "#" * level
    authorization = bound.code.authorization
    if authorization is None:
        return f"{heading} `authorized`\n\nThis policy declares no authorization: `authorized` is always null.\n"
    words = policy_words(bound)
    rows = []
    for declared in authorization.fields:
        spec = field_spec(bound.code.request_model, f"{authorization.source}.{declared.path}")
        kinds = (spec_type_words(spec.types, spec.items.types if spec.items is not None else ())
                 if spec else "as in the request")
        unstated = "stays null" if declared.default is None else f"becomes {target_words(declared.default, words)}"
        rows.append([
            code(f"authorized.{declared.path}"), declared.label, f"{kinds}, or null", (spec.unit or "") if spec else "",
            f"The request's {code(f'{authorization.source}.{declared.path}')}, with any change applied. "
            f"When the request leaves it unstated, it {unstated}.",
        ])
    return "\n".join([
        f"{heading} `authorized`\n",
        f"Null for **pend** and **deny**. For **approve** and **modify**: the request's {code(authorization.source)} "
        "fields below, with every change applied; an object among the paths is null when the request "
        "does not have it.\n",
        table(["Field", "Authorized", "Type", "Unit", "Meaning"], rows),
    ])


def policy_allowed(bound: BoundPolicy) -> dict[str, str]:
    fields = sorted({c.field for r in bound.rules for b in r.branches for c in b.then if isinstance(c, Change)})
    return {
        **common_allowed(),
        "changes[].field": join(code(f) for f in fields),
        "policy.id": code(bound.id),
        "policy.version": code(bound.source.version) + " (this version)",
        "dosing": "the policy's figures: see `dosing` below",
        "authorized": "the policy's authorized fields: see `authorized` below",
    }


def _example_section(example: Example, policy: PolicyDocs) -> list[str]:
    out = ["## Example\n", f"A request ({code('examples/' + example.file)}):\n", request_markdown(example.request)]
    if example.determination is not None:
        out += [
            f"and the determination this version of the policy makes for it, as a reviewer reads it "
            f"(its [page]({example_path(example.name)}) shows the rest; every example is on the "
            f"[examples]({EXAMPLES_INDEX}) page):\n",
            determination_markdown(policy.bound, example.determination, "", level=4),
            "The same determination as JSON:\n",
            "```json\n" + json.dumps(example.determination, indent=2) + "\n```\n",
        ]
    else:
        out.append('!!! warning "The example request is invalid"\n' + "".join(
            f"    - {code(problem)}\n" for problem in example.problems))
    return out


def contract_page(policy: PolicyDocs) -> str:
    """The request and determination of one policy: its fields in words, an example, its JSON Schema."""
    bound, schema = policy.bound, policy.schema
    naming = code(json.dumps({"policy": bound.id})[1:-1])
    out = [
        f"# Request and determination: {code(bound.id)}\n",
        f"A request for this policy names it ({naming}) and is sent to "
        "`policy.assess` or `policy assess`. Invalid input never produces a determination: every "
        "problem is listed with its path. The tables are generated from the policy's JSON Schema (below), "
        "the determination's models and the figures and authorization the policy declares; what every "
        f"determination holds is also on the library's [contract]({LIBRARY_UP}contract.md) page.\n",
        "## Request\n",
        "An optional field may be left out or be null: it is then not stated. Numbers are bounds as the "
        "schema states them; a bound converted from another unit is shown rounded.\n",
        request_fields_markdown(schema),
        "## Determination\n",
        determination_markdown_tables(policy_allowed(bound), extra={
            "dosing": dosing_section(bound), "authorized": authorized_section(bound)}),
    ]
    if policy.example is not None:
        out += _example_section(policy.example, policy)
    out += [
        "## JSON Schema of the request\n",
        f"Also printed by {code(f'policy schema --policy {bound.id}')}.\n",
        "```json\n" + json.dumps(schema, indent=2, ensure_ascii=False) + "\n```\n",
    ]
    return "\n".join(out)


def library_contract_page(policies: Sequence[PolicyDocs]) -> str:
    """What every request and determination of the library share, and each policy's own contract page."""
    rows = [[link(p.bound.source.title, in_section(p.id, PAGE)), code(p.id), code(p.bound.source.version)]
            for p in policies]
    return "\n".join([
        "# Request and determination contract\n",
        "A request is a JSON document (or the same structure as a Python mapping) sent to "
        "`policy.assess` or `policy assess`. It names the policy it is for in its `policy` field; "
        "each policy has its own request fields, figures and authorization, on its contract page. "
        "Invalid input never produces a determination: every problem is listed with its path.\n",
        table(["Policy", "`policy`", "Version"], rows) if rows else "No policy of the library binds yet.\n",
        "## Determination\n",
        "Every determination has the same shape, whatever the policy. The keys of `dosing` and "
        "`authorized` are the policy's own: its contract page lists them.\n",
        determination_markdown_tables(common_allowed()),
    ])
