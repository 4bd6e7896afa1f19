"""The patient of a request: sex, age and body measures, as every IVIG policy takes them."""

from __future__ import annotations

from decimal import Decimal

from attrs import frozen

from policy.spec import spec

CM_PER_INCH = 2.54  # the definition of the inch
KG_PER_LB = 0.45359237  # the definition of the pound
HEIGHT_CM = (30.0, 250.0)
WEIGHT_KG = (1.0, 400.0)
# One unit of each pair, never both.
UNIT_PAIRS = (("height_cm", "height_in"), ("weight_kg", "weight_lb"))


@frozen
class Patient:
    """The patient's sex, age and body measures (one unit of each pair)."""

    __exclusive__ = UNIT_PAIRS

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


NOBODY = Patient()


def decimal(value: float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def height_cm(patient: Patient | None) -> Decimal | None:
    """Height in centimetres, whichever unit the request used (exact decimal arithmetic)."""
    patient = patient or NOBODY
    if patient.height_cm is not None:
        return decimal(patient.height_cm)
    inches = decimal(patient.height_in)
    return None if inches is None else inches * Decimal(str(CM_PER_INCH))


def weight_kg(patient: Patient | None) -> Decimal | None:
    """Actual weight in kilograms, whichever unit the request used."""
    patient = patient or NOBODY
    if patient.weight_kg is not None:
        return decimal(patient.weight_kg)
    pounds = decimal(patient.weight_lb)
    return None if pounds is None else pounds * Decimal(str(KG_PER_LB))


def patient_fact(patient: Patient | None) -> dict[str, object]:
    """The patient's part of a request fact (unstated values as None)."""
    patient = patient or NOBODY
    height = height_cm(patient)
    weight = weight_kg(patient)
    return {
        "sex": patient.sex,
        "age_years": patient.age_years,
        "height_cm": None if height is None else float(height),
        "weight_kg": None if weight is None else float(weight),
    }
