"""The OpenAPI 3.1 document: FastAPI's, with each policy's request JSON Schema as a component.

The request schemas come from `policy.schema.request_schema` (draft
2020-12, which OpenAPI 3.1 uses as is); their `$defs` are lifted into
`components/schemas` as `<policy-id>.<Name>` and their references rewritten,
so the document resolves from its root for any tool.

`for_viewer` gives a copy the bundled Swagger UI can show: the page's
assets come from the `swagger-ui-bundle` package (Swagger UI 4.15), which
predates OpenAPI 3.1 and refuses to render a document that does not say
3.0.n. The copy says 3.0.3 and states the few 3.1 keywords the request
schemas use in their 3.0 form (`nullable`, `enum` for `const`, boolean
`exclusiveMinimum`). `/openapi.json` stays the 3.1 document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

import policy
from policy.schema import request_schema

ERRORS_REF = {"$ref": "#/components/schemas/Errors"}
ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "What is wrong with the request: every problem with its place in the document.",
    "properties": {"errors": {"type": "array", "items": {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "Where the problem is, a dotted path ('' for the document)."},
            "message": {"type": "string"},
            "request_id": {"type": "string", "description": "Given with an internal error, to find it in the logs."},
        },
        "required": ["path", "message"],
    }}},
    "required": ["errors"],
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERRORS_REF}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("No bearer token, or one the server does not accept."),
    404: _error("No such policy."),
    413: _error("The body is over the size limit."),
    415: _error("The body is not declared as the media type the endpoint takes."),
    422: _error("The body is not a valid request: every problem, as `policy.InvalidRequest.errors` lists them."),
    500: _error("Something failed on the server; the request id finds it in the server log."),
}
DISCOVERY_RESPONSES: dict[int | str, dict[str, Any]] = {404: ERROR_RESPONSES[404]}


def component_name(policy_id: str, name: str = "request") -> str:
    return f"{policy_id}.{name}"


def request_body(which: str) -> dict[str, Any]:
    """The requestBody of an assess operation: any policy's request document."""
    return {"requestBody": {
        "required": True,
        "description": f"A request document of {which} (see each policy's schema).",
        "content": {"application/json": {"schema": {
            "oneOf": [{"$ref": f"#/components/schemas/{component_name(policy_id)}"} for policy_id in policy.policy_ids()]
        }}},
    }}


def _rewrite_refs(node: Any, policy_id: str) -> Any:
    if isinstance(node, dict):
        rewritten = {key: _rewrite_refs(value, policy_id) for key, value in node.items()}
        target = rewritten.get("$ref")
        if isinstance(target, str) and target.startswith("#/$defs/"):
            rewritten["$ref"] = "#/components/schemas/" + component_name(policy_id, target.removeprefix("#/$defs/"))
        return rewritten
    if isinstance(node, list):
        return [_rewrite_refs(value, policy_id) for value in node]
    return node


def policy_components() -> dict[str, Any]:
    """Every policy's request schema and its definitions, as OpenAPI components."""
    components: dict[str, Any] = {}
    for policy_id in policy.policy_ids():
        schema = _rewrite_refs(request_schema(policy_id), policy_id)
        definitions = schema.pop("$defs", {})
        for keyword in ("$schema", "$id"):  # an $id would re-base the rewritten references
            schema.pop(keyword, None)
        components[component_name(policy_id)] = schema
        for name, definition in definitions.items():
            components[component_name(policy_id, name)] = definition
    return components


def openapi_builder(app: FastAPI, *, description: str, extra_paths: Mapping[str, Any],
                    security_schemes: Mapping[str, Any], protected_prefixes: tuple[str, ...] = (),
                    security: list[dict[str, list[str]]] | None = None) -> Callable[[], dict[str, Any]]:
    """What `app.openapi` is set to: FastAPI's document with what it cannot see added, built once.

    `extra_paths` are the operations of plain Starlette routes; operations
    under `protected_prefixes` (routers mounted with the token check) are
    marked with `security`.
    """

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=description, routes=app.routes)
            paths = document.setdefault("paths", {})
            for path, item in extra_paths.items():
                paths.setdefault(path, {}).update(item)
            for path, item in paths.items():
                if path.startswith(protected_prefixes) and security is not None:
                    for operation in item.values():
                        operation.setdefault("security", security)
            components = document.setdefault("components", {})
            components.setdefault("securitySchemes", {}).update(security_schemes)
            schemas = components.setdefault("schemas", {})
            schemas["Errors"] = ERRORS_SCHEMA
            schemas.update(policy_components())
            app.openapi_schema = document
        return app.openapi_schema

    return build


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    types = node.get("type")
    if isinstance(types, list):
        others = [kind for kind in types if kind != "null"]
        if len(others) < len(types):
            node["nullable"] = True
        if len(others) == 1:
            node["type"] = others[0]
        else:
            del node["type"]
            node["anyOf"] = [{"type": kind} for kind in others]
    choices = node.get("anyOf")
    if isinstance(choices, list) and {"type": "null"} in choices:
        remaining = [choice for choice in choices if choice != {"type": "null"}]
        node["nullable"] = True
        del node["anyOf"]
        if len(remaining) == 1:
            node["allOf"] = remaining
        else:
            node["anyOf"] = remaining
    return node


def _as_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_as_30(value) for value in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_30(value) for key, value in node.items()}
    if "const" in converted:
        converted["enum"] = [converted.pop("const")]
    for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = converted.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            converted[inclusive] = value
            converted[bound] = True
    if isinstance(converted.get("enum"), list) and None in converted["enum"]:
        converted["nullable"] = True
        converted["enum"] = [value for value in converted["enum"] if value is not None]
    return _nullable(converted)


def for_viewer(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the 3.1 document in the 3.0 form the bundled Swagger UI renders."""
    viewed: dict[str, Any] = _as_30(document)  # new containers throughout: the 3.1 document is untouched
    viewed["openapi"] = "3.0.3"
    return viewed


__all__ = ["DISCOVERY_RESPONSES", "ERROR_RESPONSES", "for_viewer", "openapi_builder", "request_body"]
