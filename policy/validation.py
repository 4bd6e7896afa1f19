"""Turn a request document into a `Request`, or list every problem with its path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import attrs

from policy import icd10
from policy.errors import InvalidRequest, Problem
from policy.request import Patient, Request
from policy.spec import Spec, acceptor, already_checked, check_value, spec_of
from policy.spec import shown as _shown


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@cache
def _fields(model: type) -> dict[str, tuple[Spec, Callable[[Any], bool]]]:
    """A model's fields, their specs and quick acceptors, in declaration order (built once per model)."""
    return {field.name: (spec_of(field), acceptor(spec_of(field))) for field in attrs.fields(model)}


def _walk(model: type, document: Mapping[str, Any], prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """Check one object against its model; return the values that passed."""
    fields = _fields(model)
    for key in document:
        if key not in fields:
            known = ", ".join(fields)
            problems.append(Problem(_path(prefix, str(key)), f"unknown field; expected one of: {known}"))
    values: dict[str, Any] = {}
    for name, (spec, plainly_fits) in fields.items():
        value = document.get(name)
        if value is None:
            if spec.required:
                problems.append(Problem(_path(prefix, name), "is required"))
            continue
        if spec.model is not None:
            path = _path(prefix, name)
            if not isinstance(value, Mapping):
                problems.append(Problem(path, f"expected an object, got {_shown(value)}"))
                continue
            before = len(problems)
            nested = _walk(spec.model, value, path, problems)
            if len(problems) == before:
                with already_checked():
                    values[name] = spec.model(**nested)
            continue
        if not plainly_fits(value):
            found = check_value(spec, value, _path(prefix, name))
            if found:
                problems.extend(found)
                continue
        # A quantity is a float whichever way JSON wrote it (110 and 110.0 alike),
        # so determinations report the same figure for the same request; a days
        # range is a pair whichever way it was written (3 means [3, 3]).
        values[name] = _plain_value(spec, value)
    return values


def _plain_value(spec: Spec, value: Any) -> Any:
    if spec.types == ("number",):
        return float(value)
    if spec.pair:
        return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))
    if isinstance(value, list):
        return tuple(value)
    return value


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
    values["diagnoses"] = tuple(icd10.normalize(code) for code in values["diagnoses"])
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
