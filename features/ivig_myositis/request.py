"""The IVIG-for-myositis request: frozen attrs models whose field specs are the
single declaration of its contract (validation and JSON Schema)."""

from __future__ import annotations

from attrs import frozen

from policy.spec import Spec, spec

from ..shared.envelope import Envelope
from ..shared.patient import Patient  # noqa: F401  (the shared patient model, as the tests read it)

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
class Regimen:
    """The IVIG regimen requested: dose, schedule and product."""

    __at_least_one__ = (("dose_g_per_kg", "course_total_g"),)

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
class Request(Envelope):
    """A prior-authorization request for IVIG in inflammatory myopathy."""

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
    response: Response | None = spec("object", "Response so far; required for continuations.", model=Response,
                                     relevant_when=("type", "continuation"))
