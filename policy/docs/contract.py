"""The request and determination contract: a page per policy, and one for the library.

A policy's page is generated from its request JSON Schema, its declared
figures (the determination's `dosing`) and authorization (its `authorized`),
and its worked example; nothing names a field of any policy. The library page
holds what every determination shares: the models of `policy.determination`.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from policy.binding import BoundPolicy
from policy.determination import DECISIONS, Determination
from policy.docs.library import Example, PolicyDocs
from policy.docs.markdown import code, join, link, table
from policy.docs.paths import CONTRACT, in_section
from policy.docs.rules import target_text
from policy.rules.conditions import Field, Param
from policy.rules.declarations import Change, Outcome, PolicyCode
from policy.spec import field_spec

PAGE = CONTRACT
# From a policy's contract page to the site's root.
LIBRARY_UP = "../"

SHOWN_KEYWORDS = ("const", "enum", "minimum", "maximum", "exclusiveMinimum", "minItems", "maxItems", "format", "x-unit")


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


# JSON type names of the Python values a `const` may hold.
JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"))


def _type_of(node: Mapping[str, Any], nullable: bool) -> str:
    default = "object"
    if "const" in node:
        default = next((name for kind, name in JSON_TYPES if isinstance(node["const"], kind)), "null")
    kinds = node.get("type", default)
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
            elif keyword == "const":
                value = code(json.dumps(value))
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


def _default_text(default: Param | Field | None, params: Mapping[str, object]) -> str:
    return "stays null" if default is None else target_text(default, params)


def dosing_section(code_: PolicyCode) -> str:
    """The figures of the determination's `dosing` object, from the policy's declared Figures."""
    if not code_.figures:
        return "### dosing\n\nThis policy declares no figure: `dosing` is an empty object.\n"
    rows = [
        [code(f"dosing.{f.key}"), f.label, f.unit or "", "" if f.decimals is None else str(f.decimals),
         code(f"dosing.{f.basis}") if f.basis else "", code(f.value), f.absent]
        for f in code_.figures
    ]
    return "\n".join([
        "### dosing\n",
        "Every figure the policy declares, in this order; a figure that cannot be computed for the "
        "request is null (a report then says what the last column says).\n",
        table(["Key", "Figure", "Unit", "Decimals", "Shown with", "Derived from", "When null"], rows),
    ])


def authorized_section(bound: BoundPolicy) -> str:
    """The fields of the determination's `authorized` object, from the policy's declared AuthorizedFields."""
    authorization = bound.code.authorization
    if authorization is None:
        return "### authorized\n\nThis policy declares no authorization: `authorized` is always null.\n"
    rows = []
    for declared in authorization.fields:
        spec = field_spec(bound.code.request_model, f"{authorization.source}.{declared.path}")
        rows.append([code(f"authorized.{declared.path}"), declared.label, (spec.unit or "") if spec else "",
                     code(f"{authorization.source}.{declared.path}"), _default_text(declared.default, bound.params)])
    return "\n".join([
        "### authorized\n",
        f"Null for **pend** and **deny**. For **approve** and **modify**: the request's {code(authorization.source)} "
        "fields below, with every change applied; an object among the paths is null when the request "
        "does not have it.\n",
        table(["Key", "Field", "Unit", "Copied from the request's", "When the request leaves it unstated"], rows),
    ])


def _example_section(example: Example) -> list[str]:
    out = ["## Example\n", f"A request ({code('examples/' + example.file)}):\n",
           "```json\n" + json.dumps(example.request, indent=2) + "\n```\n"]
    if example.determination is not None:
        out += ["and the determination this version of the policy makes for it:\n",
                "```json\n" + json.dumps(example.determination, indent=2) + "\n```\n"]
    else:
        out.append('!!! warning "The example request is invalid"\n' + "".join(
            f"    - {code(problem)}\n" for problem in example.problems))
    return out


def contract_page(policy: PolicyDocs) -> str:
    """The request and determination of one policy: its fields, its figures, an example, its JSON Schema."""
    bound, schema = policy.bound, policy.schema
    fields = sorted({c.field for r in bound.rules for b in r.branches for c in b.then if isinstance(c, Change)})
    naming = code(json.dumps({"policy": bound.id})[1:-1])
    out = [
        f"# Request and determination: {code(bound.id)}\n",
        f"A request for this policy names it ({naming}) and is sent to "
        "`policy.assess` or `policy assess`. Invalid input never produces a determination: every "
        "problem is listed with its path. The tables are generated from the policy's request model, "
        "its declared figures and authorization, and the JSON Schema below; what every determination "
        f"holds is on the library's [contract]({LIBRARY_UP}contract.md) page.\n",
        "## Request fields\n",
        table(["Path", "Type", "Required", "Description", "Constraints"], request_fields(schema)),
        "## Determination\n",
        table(
            ["Key", "Values"],
            [
                [code("decision"), ", ".join(code(d) for d in DECISIONS) + " (see [decision](decision.md))"],
                [code("statements[].outcome"), ", ".join(code(o.value) for o in Outcome)],
                [code("changes[].field"), join(code(f) for f in fields)],
                [code("policy.id"), code(bound.id)],
                [code("policy.version"), code(bound.source.version)],
            ],
        ),
        dosing_section(bound.code),
        authorized_section(bound),
    ]
    if policy.example is not None:
        out += _example_section(policy.example)
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
        "Every determination has the same shape, whatever the policy: `decision` is one of "
        + ", ".join(code(d) for d in DECISIONS) + " (see [how a decision is made](decision.md)); "
        "`policy` names the policy's id, version and the digest of the source it was made with. "
        "The keys of `dosing` and `authorized` are the policy's own.\n",
        determination_fields(),
    ])
