"""Resolve a FHIR Reference inside a Bundle: to a contained resource (`#id`), an entry's
fullUrl, or an entry's `Type/id` (relative or at the end of an absolute URL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen


@frozen
class Resolved:
    resource: Mapping[str, Any]
    expression: str  # FHIRPath of the resource in the payload
    full_url: str | None = None


def _type_and_id(reference: str) -> tuple[str, str] | None:
    parts = reference.rstrip("/").split("/")
    if len(parts) < 2 or not parts[-2] or not parts[-1]:
        return None
    return parts[-2], parts[-1]


def resolve(reference: Any, entries: Sequence[Any], holder: Mapping[str, Any] | None = None,
            holder_expression: str = "") -> Resolved | None:
    """The resource `reference` (a FHIR Reference object) points to, or None."""
    if not isinstance(reference, Mapping) or not isinstance(reference.get("reference"), str):
        return None
    target: str = reference["reference"]
    if target.startswith("#"):
        for index, contained in enumerate((holder or {}).get("contained") or []):
            if isinstance(contained, Mapping) and contained.get("id") == target[1:]:
                return Resolved(contained, f"{holder_expression}.contained[{index}]")
        return None
    named = _type_and_id(target)
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), Mapping):
            continue
        resource = entry["resource"]
        full_url = entry.get("fullUrl")
        if full_url == target or (
            named is not None and (resource.get("resourceType"), resource.get("id")) == named
        ):
            return Resolved(resource, f"Bundle.entry[{index}].resource", full_url if isinstance(full_url, str) else None)
    return None


__all__ = ["Resolved", "resolve"]
