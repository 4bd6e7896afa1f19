"""The IVIG-for-CIDP request: frozen attrs models whose field specs are the
single declaration of its contract (validation and JSON Schema).

The envelope and the shared fields (`patient`, `diagnoses`, `iga`, the
regimen's dose, days, interval, courses and product) take the same values
and bounds as the myositis contract; the loading course, the
electrodiagnostic and prescriber fields and the INCAT response are this
policy's own.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from policy.spec import Spec, spec

from ..shared.envelope import Envelope


DAY_SPEC = Spec(types=("integer",), description="days", minimum=1, maximum=14, unit="days")


def _days(description: str) -> Any:
    return spec(
        ("integer", "array"), description,
        required=True, items=DAY_SPEC, min_items=2, max_items=2, minimum=1, maximum=14, unit="days", pair=True,
    )


@frozen
class LoadingCourse:
    """The loading (induction) course given once before the maintenance courses."""

    __at_least_one__ = (("dose_g_per_kg", "course_total_g"),)

    dose_g_per_kg: float | None = spec("number", "Loading dose per kg of dosing weight.", exclusive_minimum=0, maximum=100, unit="g/kg")
    course_total_g: float | None = spec("number", "Loading course total in grams.", exclusive_minimum=0, maximum=100_000, unit="g")
    days: tuple[int, int] = _days("Days the loading course is divided over: a number n, or a range [min, max].")


@frozen
class Regimen:
    """The IVIG regimen requested: an optional loading course, then the maintenance courses."""

    __at_least_one__ = (("dose_g_per_kg", "course_total_g"),)

    loading: LoadingCourse | None = spec("object", "One loading course before the maintenance courses.", model=LoadingCourse)
    dose_g_per_kg: float | None = spec("number", "Maintenance course dose per kg of dosing weight.", exclusive_minimum=0, maximum=100, unit="g/kg")
    course_total_g: float | None = spec("number", "Maintenance course total in grams.", exclusive_minimum=0, maximum=100_000, unit="g")
    days: tuple[int, int] = _days("Days one maintenance course is divided over: a number n, or a range [min, max].")
    interval_days: int = spec("integer", "Days between the starts of two maintenance courses.", required=True, minimum=1, maximum=365, unit="days")
    courses: int | None = spec("integer", "Number of maintenance courses requested.", minimum=1, maximum=24, unit="courses")
    product: str | None = spec("string", "Product name, for the record.")
    reduced_iga: bool | None = spec("boolean", "Whether the product has reduced IgA content.")


@frozen
class Response:
    """Response to therapy so far (continuation requests)."""

    weeks_on_therapy: float | None = spec("number", "Weeks since IVIG for CIDP started.", minimum=0, maximum=1040, unit="weeks")
    courses_received: int | None = spec(
        "integer", "IVIG courses received for CIDP so far, the loading course included.", minimum=0, maximum=500, unit="courses",
    )
    incat_change: int | None = spec(
        "integer", "Change in adjusted INCAT disability score since the pre-treatment baseline (lower is better).",
        minimum=-10, maximum=10, unit="points",
    )
    dose_reduction_attempted: bool | None = spec(
        "boolean", "Whether a dose reduction or an interval extension has been attempted.",
    )


@frozen
class Request(Envelope):
    """A prior-authorization request for IVIG in chronic inflammatory demyelinating polyradiculoneuropathy."""

    electrodiagnostic: str | None = spec(
        "string", "Whether electrodiagnostic studies support the diagnosis (EAN/PNS 2021 criteria).",
        enum=("supportive", "not_supportive", "not_done"),
    )
    prescriber_specialty: str | None = spec(
        "string", "Specialty of the prescriber, or of the specialist consulted.", enum=("neurology", "other", "unknown"),
    )
    iga: str | None = spec("string", "Serum IgA status.", enum=("normal", "deficient", "unknown"))
    end_of_dose_deterioration: bool | None = spec("boolean", "End-of-dose deterioration documented.")
    regimen: Regimen = spec("object", "The regimen requested.", required=True, model=Regimen)
    response: Response | None = spec("object", "Response so far; required for continuations.", model=Response,
                                     relevant_when=("type", "continuation"))
