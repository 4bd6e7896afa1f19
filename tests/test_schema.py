"""The request JSON Schema is valid draft 2020-12 and agrees with `parse_request`."""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

import policy
from documents import valid, with_value, without
from policy.schema import request_schema, schema_text

POLICY = "ivig-myositis"

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / POLICY).glob("*.json"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    # Format assertion is optional in 2020-12; turning it on checks `date` too.
    return Draft202012Validator(request_schema(POLICY), format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    """check_schema accepts it against the 2020-12 metaschema, and it declares that dialect."""
    schema = request_schema(POLICY)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_text_is_the_schema() -> None:
    """schema_text(POLICY) is the schema as JSON."""
    assert json.loads(schema_text(POLICY)) == request_schema(POLICY)


def test_there_are_examples() -> None:
    """The examples folder is not empty (the parametrized test below would pass vacuously)."""
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(path: Path, validator: Draft202012Validator) -> None:
    """Each shipped example is a valid request document by the schema."""
    errors = [error.message for error in validator.iter_errors(json.loads(path.read_text()))]
    assert errors == []


def test_the_contract_example_validates(validator: Draft202012Validator) -> None:
    """The brief's example request is valid, and so is it with null for an optional field."""
    assert list(validator.iter_errors(valid())) == []
    assert list(validator.iter_errors(with_value("cardiac_dysfunction", None))) == []


def _both_units() -> dict[str, Any]:
    return with_value("patient.height_in", 64)


def _no_dose() -> dict[str, Any]:
    document = without("regimen.dose_g_per_kg")
    document["regimen"]["course_total_g"] = None
    return document


INVALID: dict[str, Callable[[], dict[str, Any]]] = {
    "unknown top-level field": lambda: with_value("extra", 1),
    "unknown nested field": lambda: with_value("regimen.route", "iv"),
    "unknown response field": lambda: with_value("response.mood", "good"),
    "id not a string": lambda: with_value("id", 7),
    "blank id": lambda: with_value("id", "  "),
    "missing id": lambda: without("id"),
    "null id": lambda: with_value("id", None),
    "missing type": lambda: without("type"),
    "type outside its enum": lambda: with_value("type", "renewal"),
    "missing diagnoses": lambda: without("diagnoses"),
    "empty diagnoses": lambda: with_value("diagnoses", []),
    "malformed code": lambda: with_value("diagnoses", ["M60.80", "xx"]),
    "misplaced dot": lambda: with_value("diagnoses", ["M6.080"]),
    "code with blanks": lambda: with_value("diagnoses", [" M60.80"]),
    "missing regimen": lambda: without("regimen"),
    "missing days": lambda: without("regimen.days"),
    "missing interval": lambda: without("regimen.interval_days"),
    "neither dose nor course total": _no_dose,
    "height below 30 cm": lambda: with_value("patient.height_cm", 29.9),
    "height above 250 cm": lambda: with_value("patient.height_cm", 250.1),
    "weight below 1 kg": lambda: with_value("patient.weight_kg", 0.9),
    "weight above 400 kg": lambda: with_value("patient.weight_kg", 400.5),
    "age above 120": lambda: with_value("patient.age_years", 121),
    "negative age": lambda: with_value("patient.age_years", -1),
    "both heights": _both_units,
    "both weights": lambda: with_value("patient.weight_lb", 154),
    "sex outside its enum": lambda: with_value("patient.sex", "F"),
    "days 0": lambda: with_value("regimen.days", 0),
    "days 15": lambda: with_value("regimen.days", 15),
    "days item 15": lambda: with_value("regimen.days", [2, 15]),
    "days of one item": lambda: with_value("regimen.days", [2]),
    "days of three items": lambda: with_value("regimen.days", [2, 3, 4]),
    "days as text": lambda: with_value("regimen.days", "2-3"),
    "interval 0": lambda: with_value("regimen.interval_days", 0),
    "interval 366": lambda: with_value("regimen.interval_days", 366),
    "interval not an integer": lambda: with_value("regimen.interval_days", 28.5),
    "courses 0": lambda: with_value("regimen.courses", 0),
    "courses 25": lambda: with_value("regimen.courses", 25),
    "dose 0": lambda: with_value("regimen.dose_g_per_kg", 0),
    "negative dose": lambda: with_value("regimen.dose_g_per_kg", -1),
    "course total 0": lambda: with_value("regimen.course_total_g", 0),
    "iga outside its enum": lambda: with_value("iga", "low"),
    "cardiac dysfunction not boolean": lambda: with_value("cardiac_dysfunction", "no"),
    "therapy outside the vocabulary": lambda: with_value("concurrent_therapies", ["ivig"]),
    "therapies not a list": lambda: with_value("concurrent_therapies", "corticosteroid"),
    "strength outside its enum": lambda: with_value("response.strength", "absent"),
    "rash outside its enum": lambda: with_value("response.rash", "gone"),
    "ck outside its enum": lambda: with_value("response.ck", "improved"),
    "patient not an object": lambda: with_value("patient", []),
    "impossible date": lambda: with_value("date_of_service", "2026-02-30"),
    "date in another format": lambda: with_value("date_of_service", "01/12/2026"),
    "negative plasmapheresis days": lambda: with_value("plasmapheresis_days_after_course", -1),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_a_document_parse_request_rejects_is_rejected_by_the_schema(name: str, validator: Draft202012Validator) -> None:
    """Where JSON Schema can state a rule, the schema and parse_request reject the same document."""
    document = INVALID[name]()
    with pytest.raises(policy.InvalidRequest):
        policy.assessor(POLICY).parse(document)
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
    policy.assessor(POLICY).parse(document)
    assert validator.is_valid(document)
