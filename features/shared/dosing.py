"""Gram figures every IVIG policy reports the same way: one decimal, and the vial-rounded course maximum."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal


def decimal(value: float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def one_decimal(value: Decimal) -> float:
    """Halves up, as the briefs report every gram and kilogram figure."""
    return float(value.quantize(Decimal("0.1"), rounding="ROUND_HALF_UP"))


def allowed_maximum(limit_g_per_kg: float, weight: Decimal, vial_g: float) -> float:
    """The larger of cap and cap rounded to the nearest vial (halves up), at one decimal; cap = limit x weight."""
    cap = Decimal(str(limit_g_per_kg)) * weight
    vial = Decimal(str(vial_g))
    rounded = (cap / vial + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) * vial
    return one_decimal(max(cap, rounded))
