"""FHIR R4 (4.0.1) validation and construction through fhirclient's models.

Incoming resources are validated one at a time (each Bundle entry on its
own), so a payload with several bad entries is reported whole rather than
stopping at the first: fhirclient stops at the first bad element of a list.
Resources this package builds are passed through the same models, so a
response that is not valid FHIR is a bug that raises, never one that is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from fhirclient.models import fhirabstractbase, fhirelementfactory, resource

from policy.fhir.outcome import STRUCTURE, Issue, model_issues


def _model_class(resource_type: object) -> type | None:
    """The fhirclient class of a FHIR R4 resource type, or None for anything else."""
    if not isinstance(resource_type, str) or not resource_type.isalpha() or len(resource_type) > 64:
        return None
    return _class_named(resource_type)


# Bounded: the names come from untrusted payloads, and R4 has fewer than 150 resource types.
@lru_cache(maxsize=256)
def _class_named(resource_type: str) -> type | None:
    # The factory tries every type name in turn: each name is looked up once while it is remembered.
    empty = fhirelementfactory.FHIRElementFactory.instantiate(resource_type, None)
    if not isinstance(empty, resource.Resource) or empty.resource_type != resource_type:
        return None  # the factory falls back to a bare Element for names it does not know
    found: type = type(empty)
    return found


def resource_issues(data: Any, expression: str, expected: str | None = None) -> list[Issue]:
    """Every problem fhirclient finds with one resource (empty when it is valid FHIR R4)."""
    if not isinstance(data, Mapping):
        return [Issue(expression, "expected a FHIR resource (a JSON object)", STRUCTURE)]
    resource_type = data.get("resourceType")
    model = _model_class(resource_type)
    if model is None:
        return [Issue(f"{expression}.resourceType", "expected a FHIR R4 resource type", STRUCTURE)]
    if expected is not None and resource_type != expected:
        return [Issue(f"{expression}.resourceType", f"expected {expected}", STRUCTURE)]
    try:
        model(dict(data), strict=True)
    except fhirabstractbase.FHIRValidationError as error:
        return model_issues(error, expression)
    except Exception:  # noqa: BLE001
        # The model library raises other errors (even NameError) on some malformed input; any of them
        # means the resource cannot be read, and says nothing more that is safe to pass on.
        return [Issue(expression, "is not valid FHIR R4", STRUCTURE)]
    return []


def null_issues(data: Any, root: str) -> list[Issue]:
    """FHIR JSON has no nulls (an absent element is left out); fhirclient reads a null as absent, so they
    are found here rather than silently taken for "not stated"."""
    issues: list[Issue] = []
    stack: list[tuple[Any, str]] = [(data, root)]
    while stack:
        current, path = stack.pop()
        if current is None:
            issues.append(Issue(path, "FHIR JSON has no null values: leave an absent element out", STRUCTURE))
        elif isinstance(current, Mapping):
            stack.extend((value, f"{path}.{key}") for key, value in current.items())
        elif isinstance(current, list):
            stack.extend((value, f"{path}[{index}]") for index, value in enumerate(current))
    return sorted(issues, key=lambda issue: issue.expression)


def bundle_issues(data: Any, root: str = "Bundle") -> list[Issue]:
    """Every problem with a Bundle: the Bundle without its entries' resources, then each resource."""
    if not isinstance(data, Mapping) or data.get("resourceType") != "Bundle":
        return [Issue(root, "expected a FHIR Bundle", STRUCTURE)]
    entries = data.get("entry")
    shell = dict(data)
    resources: list[tuple[int, Any]] = []
    entry_issues: list[Issue] = []
    if isinstance(entries, list):
        shell["entry"] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                entry_issues.append(Issue(f"{root}.entry[{index}]", "expected a Bundle entry (a JSON object)",
                                          STRUCTURE))
                continue
            if "resource" in entry:
                resources.append((index, entry["resource"]))
                entry = {key: value for key, value in entry.items() if key != "resource"}
            shell["entry"].append(entry)
    issues = entry_issues + resource_issues(shell, root, "Bundle")
    for index, found in resources:
        issues += resource_issues(found, f"{root}.entry[{index}].resource")
    return issues + null_issues(data, root)


def built(data: Mapping[str, Any]) -> dict[str, Any]:
    """A resource this package built, as fhirclient serializes it; raises when it is not valid FHIR R4."""
    model = _model_class(data.get("resourceType"))
    if model is None:
        raise ValueError(f"not a FHIR R4 resource type: {data.get('resourceType')!r}")
    serialized: dict[str, Any] = model(dict(data), strict=True).as_json()
    return serialized


__all__ = ["built", "bundle_issues", "null_issues", "resource_issues"]
