"""The prior-authorization request: frozen attrs models whose field specs are
the single declaration of the request contract (validation and JSON Schema)."""

from __future__ import annotations

from typing import Any

import attrs
from attrs import frozen

from policy.spec import Spec, spec, spec_of

CM_PER_INCH = 2.54
KG_PER_LB = 0.45359237
HEIGHT_CM = (30.0, 250.0)
WEIGHT_KG = (1.0, 400.0)
THERAPIES = (
    "corticosteroid",
    "methotrexate",
    "azathioprine",
    "mycophenolate",
    "tacrolimus",
    "cyclosporine",
    "cyclophosphamide",
    "rituximab",
    "jak_inhibitor",
    "plasma_exchange",
)
DAY_SPEC = Spec(types=("integer",), description="days", minimum=1, maximum=14, unit="days")


@frozen
class Patient:
    """The patient's sex, age and body measures (one unit of each pair)."""

    sex: str | None = spec("string", "Sex used for ideal body weight.", enum=("male", "female", "unknown"))
    age_years: float | None = spec("number", "Age in years; absent means adult.", minimum=0, maximum=120, unit="years")
    height_cm: float | None = spec("number", "Height in centimetres.", minimum=HEIGHT_CM[0], maximum=HEIGHT_CM[1], unit="cm")
    height_in: float | None = spec(
        "number", "Height in inches (instead of height_cm).",
        minimum=HEIGHT_CM[0] / CM_PER_INCH, maximum=HEIGHT_CM[1] / CM_PER_INCH, unit="in",
    )
    weight_kg: float | None = spec("number", "Actual body weight in kilograms.", minimum=WEIGHT_KG[0], maximum=WEIGHT_KG[1], unit="kg")
    weight_lb: float | None = spec(
        "number", "Actual body weight in pounds (instead of weight_kg).",
        minimum=WEIGHT_KG[0] / KG_PER_LB, maximum=WEIGHT_KG[1] / KG_PER_LB, unit="lb",
    )


@frozen
class Regimen:
    """The IVIG regimen requested: dose, schedule and product."""

    dose_g_per_kg: float | None = spec("number", "Course dose per kg of dosing weight.", exclusive_minimum=0, maximum=100, unit="g/kg")
    course_total_g: float | None = spec("number", "Course total in grams.", exclusive_minimum=0, maximum=100_000, unit="g")
    days: tuple[int, int] = spec(
        ("integer", "array"), "Days one course is divided over: a number n, or a range [min, max].",
        required=True, items=DAY_SPEC, min_items=2, max_items=2, minimum=1, maximum=14, unit="days", pair=True,
    )
    interval_days: int = spec("integer", "Days between the starts of two courses.", required=True, minimum=1, maximum=365, unit="days")
    courses: int | None = spec("integer", "Number of courses requested.", minimum=1, maximum=24, unit="courses")
    product: str | None = spec("string", "Product name, for the record.")
    reduced_iga: bool | None = spec("boolean", "Whether the product has reduced IgA content.")


@frozen
class Response:
    """Response to therapy so far (continuation requests)."""

    weeks_on_therapy: float | None = spec("number", "Weeks since IVIG started.", minimum=0, maximum=1040, unit="weeks")
    strength: str | None = spec("string", "Muscle strength since the start.", enum=("improved", "unchanged", "worsened"))
    function: str | None = spec("string", "Functional status since the start.", enum=("improved", "unchanged", "worsened"))
    rash: str | None = spec("string", "Rash since the start.", enum=("improved", "unchanged", "worsened", "absent"))
    ck: str | None = spec("string", "Creatine kinase since the start.", enum=("decreased", "unchanged", "increased"))
    complete_response: bool | None = spec("boolean", "Whether a complete clinical response was reached.")


@frozen
class Request:
    """A prior-authorization request for IVIG."""

    id: str = spec("string", "Request identifier, echoed in the determination.", required=True)
    type: str = spec("string", "Initial request or continuation of therapy.", required=True, enum=("initial", "continuation"))
    date_of_service: str | None = spec("string", "First date of service.", format="date")
    patient: Patient = spec("object", "The patient.", model=Patient)
    diagnoses: tuple[str, ...] = spec(
        "array", "Billable ICD-10-CM codes, with or without the dot.", required=True,
        min_items=1, items=Spec(types=("string",), description="ICD-10-CM code", format="icd10-cm"),
    )
    severe_acute: bool | None = spec("boolean", "Severe acute myositis.")
    concurrent_therapies: tuple[str, ...] | None = spec(
        "array", "Other therapies given with IVIG.",
        items=Spec(types=("string",), description="therapy", enum=THERAPIES),
    )
    iga: str | None = spec("string", "Serum IgA status.", enum=("normal", "deficient", "unknown"))
    cardiac_dysfunction: bool | None = spec("boolean", "Depressed cardiac function reported.")
    plasmapheresis_days_after_course: int | None = spec(
        "integer", "Days after the end of the course at which plasmapheresis is planned.", minimum=0, maximum=365, unit="days",
    )
    regimen: Regimen = spec("object", "The regimen requested.", required=True, model=Regimen)
    response: Response | None = spec("object", "Response so far; required for continuations.", model=Response)

    def to_dict(self) -> dict[str, Any]:
        """The request as a JSON document, unstated fields left out."""
        return _to_dict(self)


def _to_dict(instance: Any) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for field in attrs.fields(type(instance)):
        value = getattr(instance, field.name)
        if value is None:
            continue
        if attrs.has(type(value)):
            value = _to_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        document[field.name] = value
    return document


__all__ = ["Patient", "Regimen", "Request", "Response", "spec_of"]
