"""A field spec's unit as a UCUM coding (the questionnaire-unit extension's value)."""

from __future__ import annotations

from typing import Any

from policy.fhir.urls import UCUM

# Units the request models write, in UCUM. Any other unit is written as a UCUM
# annotation ("{courses}"), which UCUM reads as a count of the thing named.
UCUM_CODES = {
    "g": "g",
    "mg": "mg",
    "kg": "kg",
    "g/kg": "g/kg",
    "mg/kg": "mg/kg",
    "cm": "cm",
    "m": "m",
    "in": "[in_i]",
    "lb": "[lb_av]",
    "days": "d",
    "day": "d",
    "weeks": "wk",
    "week": "wk",
    "months": "mo",
    "years": "a",
    "year": "a",
    "hours": "h",
    "mL": "mL",
    "%": "%",
}


def ucum(unit: str) -> dict[str, Any]:
    """The UCUM coding of a unit as the request models write it."""
    code = UCUM_CODES.get(unit, "{" + unit.replace("{", "").replace("}", "") + "}")
    return {"system": UCUM, "code": code, "display": unit}


__all__ = ["ucum"]
