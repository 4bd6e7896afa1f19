"""Turn a request document into a `Request`, or list every problem with its path."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import attrs

from policy import icd10
from policy.errors import InvalidRequest, Problem
from policy.request import Patient, Regimen, Request
from policy.spec import Spec, already_checked, check_value, spec_of
from policy.spec import shown as _shown


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@cache
def _fields(model: type) -> dict[str, Spec]:
    """A model's fields and their specs, in declaration order (read once per model)."""
    return {field.name: spec_of(field) for field in attrs.fields(model)}


def _walk(model: type, document: Mapping[str, Any], prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """Check one object against its model; return the values that passed."""
    fields = _fields(model)
    for key in document:
        if key not in fields:
            known = ", ".join(fields)
            problems.append(Problem(_path(prefix, str(key)), f"unknown field; expected one of: {known}"))
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        value = document.get(name)
        if value is None:
            if spec.required:
                problems.append(Problem(_path(prefix, name), "is required"))
            continue
        path = _path(prefix, name)
        if spec.model is not None:
            if not isinstance(value, Mapping):
                problems.append(Problem(path, f"expected an object, got {_shown(value)}"))
                continue
            before = len(problems)
            nested = _walk(spec.model, value, path, problems)
            if len(problems) == before:
                with already_checked():
                    values[name] = spec.model(**nested)
            continue
        found = check_value(spec, value, path)
        problems.extend(found)
        if not found:
            # A quantity is a float whichever way JSON wrote it (110 and 110.0 alike),
            # so determinations report the same figure for the same request.
            values[name] = float(value) if spec.types == ("number",) else value
    return values


def _pairs(document: Mapping[str, Any], problems: list[Problem]) -> None:
    patient = document.get("patient")
    if isinstance(patient, Mapping):
        for one, other in (("height_cm", "height_in"), ("weight_kg", "weight_lb")):
            if patient.get(one) is not None and patient.get(other) is not None:
                problems.append(Problem(f"patient.{other}", f"give {one} or {other}, not both"))
    regimen = document.get("regimen")
    if isinstance(regimen, Mapping):
        if regimen.get("dose_g_per_kg") is None and regimen.get("course_total_g") is None:
            problems.append(
                Problem("regimen", "expected dose_g_per_kg or course_total_g (or both), got neither")
            )
        days = regimen.get("days")
        # An impossible day is its own problem; the order of the range is judged on possible days only.
        days_valid = not any(p.path.startswith("regimen.days") for p in problems)
        if (
            days_valid
            and isinstance(days, list | tuple)
            and len(days) == 2
            and all(isinstance(d, int) and not isinstance(d, bool) for d in days)
            and days[0] > days[1]
        ):
            problems.append(
                Problem("regimen.days", f"expected [min, max] with min at most max, got {list(days)}")
            )


def _normalized(values: dict[str, Any]) -> dict[str, Any]:
    regimen: Regimen = values["regimen"]
    days = regimen.days
    pair = (days, days) if isinstance(days, int) else (int(days[0]), int(days[1]))
    values["regimen"] = attrs.evolve(regimen, days=pair)
    values["diagnoses"] = tuple(icd10.normalize(code) for code in values["diagnoses"])
    if values.get("concurrent_therapies") is not None:
        values["concurrent_therapies"] = tuple(values["concurrent_therapies"])
    values.setdefault("patient", Patient())
    return values


def parse_request(document: Mapping[str, Any] | Request) -> Request:
    """Validate a request document (or re-validate a `Request`) and return the model.

    Raises `InvalidRequest` listing every problem found, each with its path.
    """
    if isinstance(document, Request):
        document = document.to_dict()
    if not isinstance(document, Mapping):
        raise InvalidRequest([Problem("", f"expected a JSON object, got {_shown(document)}")])
    problems: list[Problem] = []
    values = _walk(Request, document, "", problems)
    _pairs(document, problems)
    if problems:
        raise InvalidRequest(problems)
    with already_checked():
        return Request(**_normalized(values))
