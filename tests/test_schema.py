"""The request JSON Schema is valid draft 2020-12 and agrees with `parse_request`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

import policy
from policy.schema import request_schema, schema_text

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.json"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    # Format assertion is optional in 2020-12; turning it on checks `date` too.
    return Draft202012Validator(request_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def valid() -> dict[str, Any]:
    return copy.deepcopy({
        "id": "PA-SCHEMA",
        "type": "continuation",
        "date_of_service": "2026-12-01",
        "patient": {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70},
        "diagnoses": ["M60.80"],
        "severe_acute": False,
        "concurrent_therapies": ["corticosteroid"],
        "iga": "normal",
        "cardiac_dysfunction": None,
        "plasmapheresis_days_after_course": None,
        "regimen": {"dose_g_per_kg": 2.0, "course_total_g": 110, "days": [2, 3], "interval_days": 28,
                    "courses": 6, "product": "Octagam 10%", "reduced_iga": False},
        "response": {"weeks_on_therapy": 16, "strength": "improved", "function": "unchanged",
                     "rash": "absent", "ck": "decreased", "complete_response": False},
    })


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    """check_schema accepts it against the 2020-12 metaschema, and it declares that dialect."""
    schema = request_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_text_is_the_schema() -> None:
    """schema_text() is the schema as JSON."""
    assert json.loads(schema_text()) == request_schema()


def test_there_are_examples() -> None:
    """The examples folder is not empty (the parametrized test below would pass vacuously)."""
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(path: Path, validator: Draft202012Validator) -> None:
    """Each shipped example is a valid request document by the schema."""
    errors = [error.message for error in validator.iter_errors(json.loads(path.read_text()))]
    assert errors == []


def test_the_contract_example_validates(validator: Draft202012Validator) -> None:
    """The brief's example request (plus null for optional fields) is valid."""
    assert list(validator.iter_errors(valid())) == []


def _set(path: str, value: Any) -> dict[str, Any]:
    document = valid()
    *parents, leaf = path.split(".")
    node = document
    for name in parents:
        node = node[name]
    node[leaf] = value
    return document


def _drop(path: str) -> dict[str, Any]:
    document = valid()
    *parents, leaf = path.split(".")
    node = document
    for name in parents:
        node = node[name]
    del node[leaf]
    return document


def _both_units() -> dict[str, Any]:
    return _set("patient.height_in", 64)


def _no_dose() -> dict[str, Any]:
    document = _drop("regimen.dose_g_per_kg")
    document["regimen"]["course_total_g"] = None
    return document


INVALID: dict[str, Callable[[], dict[str, Any]]] = {
    "unknown top-level field": lambda: _set("extra", 1),
    "unknown nested field": lambda: _set("regimen.route", "iv"),
    "unknown response field": lambda: _set("response.mood", "good"),
    "id not a string": lambda: _set("id", 7),
    "blank id": lambda: _set("id", "  "),
    "missing id": lambda: _drop("id"),
    "null id": lambda: _set("id", None),
    "missing type": lambda: _drop("type"),
    "type outside its enum": lambda: _set("type", "renewal"),
    "missing diagnoses": lambda: _drop("diagnoses"),
    "empty diagnoses": lambda: _set("diagnoses", []),
    "malformed code": lambda: _set("diagnoses", ["M60.80", "xx"]),
    "misplaced dot": lambda: _set("diagnoses", ["M6.080"]),
    "code with blanks": lambda: _set("diagnoses", [" M60.80"]),
    "missing regimen": lambda: _drop("regimen"),
    "missing days": lambda: _drop("regimen.days"),
    "missing interval": lambda: _drop("regimen.interval_days"),
    "neither dose nor course total": _no_dose,
    "height below 30 cm": lambda: _set("patient.height_cm", 29.9),
    "height above 250 cm": lambda: _set("patient.height_cm", 250.1),
    "weight below 1 kg": lambda: _set("patient.weight_kg", 0.9),
    "weight above 400 kg": lambda: _set("patient.weight_kg", 400.5),
    "age above 120": lambda: _set("patient.age_years", 121),
    "negative age": lambda: _set("patient.age_years", -1),
    "both heights": _both_units,
    "both weights": lambda: _set("patient.weight_lb", 154),
    "sex outside its enum": lambda: _set("patient.sex", "F"),
    "days 0": lambda: _set("regimen.days", 0),
    "days 15": lambda: _set("regimen.days", 15),
    "days item 15": lambda: _set("regimen.days", [2, 15]),
    "days of one item": lambda: _set("regimen.days", [2]),
    "days of three items": lambda: _set("regimen.days", [2, 3, 4]),
    "days as text": lambda: _set("regimen.days", "2-3"),
    "interval 0": lambda: _set("regimen.interval_days", 0),
    "interval 366": lambda: _set("regimen.interval_days", 366),
    "interval not an integer": lambda: _set("regimen.interval_days", 28.5),
    "courses 0": lambda: _set("regimen.courses", 0),
    "courses 25": lambda: _set("regimen.courses", 25),
    "dose 0": lambda: _set("regimen.dose_g_per_kg", 0),
    "negative dose": lambda: _set("regimen.dose_g_per_kg", -1),
    "course total 0": lambda: _set("regimen.course_total_g", 0),
    "iga outside its enum": lambda: _set("iga", "low"),
    "cardiac dysfunction not boolean": lambda: _set("cardiac_dysfunction", "no"),
    "therapy outside the vocabulary": lambda: _set("concurrent_therapies", ["ivig"]),
    "therapies not a list": lambda: _set("concurrent_therapies", "corticosteroid"),
    "strength outside its enum": lambda: _set("response.strength", "absent"),
    "rash outside its enum": lambda: _set("response.rash", "gone"),
    "ck outside its enum": lambda: _set("response.ck", "improved"),
    "patient not an object": lambda: _set("patient", []),
    "impossible date": lambda: _set("date_of_service", "2026-02-30"),
    "date in another format": lambda: _set("date_of_service", "01/12/2026"),
    "negative plasmapheresis days": lambda: _set("plasmapheresis_days_after_course", -1),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_a_document_parse_request_rejects_is_rejected_by_the_schema(name: str, validator: Draft202012Validator) -> None:
    """Where JSON Schema can state a rule, the schema and parse_request reject the same document."""
    document = INVALID[name]()
    with pytest.raises(policy.InvalidRequest):
        policy.parse_request(document)
    assert not validator.is_valid(document)


def test_a_document_that_is_not_an_object_is_rejected(validator: Draft202012Validator) -> None:
    """A list is not a request for either."""
    assert not validator.is_valid([valid()])


@pytest.mark.parametrize(
    "change",
    [lambda d: d["diagnoses"].__setitem__(0, "m6080"), lambda d: d["regimen"].__setitem__("days", 3),
     lambda d: d["patient"].update(height_cm=None, height_in=64), lambda d: d.pop("response")],
)
def test_documents_parse_request_accepts_are_valid_by_the_schema(change: Any, validator: Draft202012Validator) -> None:
    """Accepted variants (lower-case code, days as a number, inches, no response) are valid for both."""
    document = valid()
    change(document)
    policy.parse_request(document)
    assert validator.is_valid(document)
