"""Dosing weight and course maximum follow the brief's formulas (sections 3.1 and 3.2).

Expected figures come from `reference`, the brief's formulas written out here
on their own, fed with the policy's parameters (thresholds are data, read from
the policy source), or from constants with their arithmetic in a comment.
The package's own helpers are never called for an expected value.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

import policy

POLICY = "ivig-myositis"

CM_PER_INCH = 2.54
KG_PER_LB = 0.45359237


def params() -> dict[str, Any]:
    return dict(policy.assessor(POLICY).params)


def one_decimal(value: float | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def reference(sex: str | None, age: float | None, height_cm: float | None, weight_kg: float | None) -> dict[str, Any]:
    """Brief 3.1/3.2: dosing weight, its basis, IBW (Devine) and the allowed course maximum."""
    p = params()
    ibw = None
    if height_cm is not None and sex in ("male", "female"):
        base = p["ibw_base_male_kg"] if sex == "male" else p["ibw_base_female_kg"]
        ibw = base + p["ibw_kg_per_in"] * (height_cm / CM_PER_INCH - p["ibw_reference_height_in"])
    weight = basis = None
    if height_cm is not None and weight_kg is not None:
        minor = age is not None and age < p["adult_age_years"]
        if minor or height_cm < p["short_stature_cm"]:
            weight, basis = weight_kg, "actual"
        elif ibw is not None:
            weight, basis = (ibw, "ideal") if ibw < weight_kg else (weight_kg, "actual")
    maximum = None
    if weight is not None:
        cap = p["max_dose_g_per_kg"] * weight
        vial = p["vial_rounding_g"]
        rounded = math.floor(cap / vial + 0.5) * vial  # nearest vial, halves up
        maximum = max(cap, rounded)
    return {
        "dosing_weight_kg": one_decimal(weight),
        "weight_basis": basis,
        "ideal_body_weight_kg": one_decimal(ibw),
        "course_max_g": one_decimal(maximum),
    }


def request(patient: dict[str, Any], **regimen: Any) -> dict[str, Any]:
    return {
        "id": "PA-DOSING",
        "type": "initial",
        "diagnoses": ["M60.80"],
        "patient": patient,
        "regimen": {"days": [3, 3], "interval_days": 28, **(regimen or {"dose_g_per_kg": 2.0})},
    }


def dosing(patient: dict[str, Any], **regimen: Any) -> dict[str, Any]:
    return dict(policy.assess(request(patient, **regimen), policy_id=POLICY).to_dict()["dosing"])


def figures(patient: dict[str, Any]) -> dict[str, Any]:
    found = dosing(patient)
    found.pop("course_requested_g")
    return found


PATIENTS = [
    ("female", 52, 162.6, 70),   # IBW below actual: ideal
    ("female", 52, 162.6, 50),   # actual below IBW: actual
    ("male", 40, 180, 100),
    ("male", 40, 180, 60),
    ("male", None, 175, 90),     # age absent counts as adult
    ("female", 17, 170, 80),     # minor: actual
    ("female", 18, 170, 80),     # adult from 18
    ("male", 17.9, 190, 120),
    ("female", 40, 150, 70),     # shorter than 152.4 cm: actual
    ("unknown", 40, 150, 70),    # short stature needs no sex
    ("female", 40, 152.4, 70),   # exactly 60 in is not short
    ("male", 65, 200, 140),
    ("female", 30, 250, 400),
    ("male", 8, 120, 25),
    ("female", 10, 140, 31.25),  # cap exactly 62.5: halves round up to 65
    ("female", 10, 140, 31.2),   # cap 62.4 rounds down to 60: the cap itself is allowed
    ("male", 45, 168.9, 66.6),
]


@pytest.mark.parametrize(("sex", "age", "height", "weight"), PATIENTS)
def test_dosing_figures_follow_the_brief_formulas(sex: str, age: float | None, height: float, weight: float) -> None:
    """Dosing weight, basis, IBW and course maximum equal the brief's formulas."""
    patient = {"sex": sex, "height_cm": height, "weight_kg": weight}
    if age is not None:
        patient["age_years"] = age
    assert figures(patient) == reference(sex, age, height, weight)


def test_the_contract_example_has_the_figures_the_brief_shows() -> None:
    """Female, 162.6 cm, 70 kg: 64.02 in, IBW 45.5 + 2.3 x 4.02 = 54.7 kg (ideal); 2 x 54.74 = 109.5 g -> 110 g."""
    assert figures({"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70}) == {
        "dosing_weight_kg": 54.7, "weight_basis": "ideal", "ideal_body_weight_kg": 54.7, "course_max_g": 110.0,
    }


def test_a_male_is_dosed_on_the_male_devine_formula() -> None:
    """Male, 180 cm (70.87 in), 100 kg: IBW 50 + 2.3 x 10.87 = 75.0 kg; cap 149.98 g rounds to 150 g."""
    assert figures({"sex": "male", "age_years": 40, "height_cm": 180, "weight_kg": 100}) == {
        "dosing_weight_kg": 75.0, "weight_basis": "ideal", "ideal_body_weight_kg": 75.0, "course_max_g": 150.0,
    }


def test_a_course_cap_halfway_between_vials_rounds_up() -> None:
    """Child, 31.25 kg actual: cap 62.5 g is halfway between 60 and 65, so 65 g is allowed."""
    found = figures({"sex": "female", "age_years": 10, "height_cm": 140, "weight_kg": 31.25})
    assert found["dosing_weight_kg"] == 31.3  # one decimal of 31.25, halves up
    assert found["weight_basis"] == "actual"
    assert found["course_max_g"] == 65.0


def test_the_exact_cap_is_allowed_when_rounding_would_lower_it() -> None:
    """Child, 33.6 kg actual: cap 67.2 g rounds down to 65 g, so the larger 67.2 g is allowed."""
    assert figures({"sex": "male", "age_years": 12, "height_cm": 150, "weight_kg": 33.6})["course_max_g"] == 67.2


def test_a_minor_is_dosed_on_actual_weight_even_above_ibw() -> None:
    """Age 17, male 190 cm, 100 kg: IBW 50 + 2.3 x 14.80 = 84.0 kg, but a minor is dosed on 100 kg (cap 200 g)."""
    found = figures({"sex": "male", "age_years": 17, "height_cm": 190, "weight_kg": 100})
    assert found == {"dosing_weight_kg": 100.0, "weight_basis": "actual", "ideal_body_weight_kg": 84.0, "course_max_g": 200.0}


def test_an_adult_of_exactly_18_is_dosed_on_ibw() -> None:
    """Age 18 is not under 18: the same patient is dosed on IBW 84.0 kg (cap 168.1 g, rounded 170 g)."""
    found = figures({"sex": "male", "age_years": 18, "height_cm": 190, "weight_kg": 100})
    assert found == {"dosing_weight_kg": 84.0, "weight_basis": "ideal", "ideal_body_weight_kg": 84.0, "course_max_g": 170.0}


def test_short_stature_uses_actual_weight() -> None:
    """Female 150 cm (59.06 in), 70 kg: shorter than 152.4 cm, dosed on 70 kg; IBW 45.5 - 2.3 x 0.94 = 43.3 kg."""
    found = figures({"sex": "female", "age_years": 40, "height_cm": 150, "weight_kg": 70})
    assert found == {"dosing_weight_kg": 70.0, "weight_basis": "actual", "ideal_body_weight_kg": 43.3, "course_max_g": 140.0}


def test_exactly_152_4_cm_is_not_short_stature() -> None:
    """Female exactly 60 in: IBW is the base 45.5 kg, lower than 70 kg; cap 91 g (rounded 90 g is lower)."""
    found = figures({"sex": "female", "age_years": 40, "height_in": 60, "weight_kg": 70})
    assert found == {"dosing_weight_kg": 45.5, "weight_basis": "ideal", "ideal_body_weight_kg": 45.5, "course_max_g": 91.0}


def test_actual_weight_lower_than_ibw_is_used() -> None:
    """Male 180 cm, 60 kg: IBW 75.0 kg is higher, so 60 kg actual (cap 120 g)."""
    found = figures({"sex": "male", "age_years": 40, "height_cm": 180, "weight_kg": 60})
    assert found == {"dosing_weight_kg": 60.0, "weight_basis": "actual", "ideal_body_weight_kg": 75.0, "course_max_g": 120.0}


# -- inches and pounds --------------------------------------------------------------------------


def test_inches_and_pounds_give_the_figures_of_their_metric_equivalents() -> None:
    """70 in and 220 lb are 177.8 cm and 99.79 kg: the same determination figures."""
    imperial = figures({"sex": "male", "age_years": 40, "height_in": 70, "weight_lb": 220})
    metric = figures({"sex": "male", "age_years": 40, "height_cm": 70 * CM_PER_INCH, "weight_kg": 220 * KG_PER_LB})
    assert imperial == metric
    # 70 in: IBW 50 + 2.3 x 10 = 73.0 kg < 99.8 kg; cap 146 g, rounded 145 g is lower.
    assert imperial == {"dosing_weight_kg": 73.0, "weight_basis": "ideal", "ideal_body_weight_kg": 73.0, "course_max_g": 146.0}


def test_pounds_of_a_child_are_converted_for_actual_weight() -> None:
    """66 lb = 29.94 kg, reported 29.9 kg; cap 59.87 g rounds to 60 g."""
    found = figures({"sex": "female", "age_years": 9, "height_in": 50, "weight_lb": 66})
    assert found == {"dosing_weight_kg": 29.9, "weight_basis": "actual", "ideal_body_weight_kg": reference(
        "female", 9, 50 * CM_PER_INCH, 66 * KG_PER_LB)["ideal_body_weight_kg"], "course_max_g": 60.0}


@pytest.mark.parametrize(("inches", "pounds"), [(62, 130), (65.5, 180.4), (72, 150), (58, 200)])
def test_imperial_measures_follow_the_brief_formulas(inches: float, pounds: float) -> None:
    """Any inches/pounds request is dosed as the formulas say for its metric value."""
    found = figures({"sex": "female", "age_years": 33, "height_in": inches, "weight_lb": pounds})
    assert found == reference("female", 33, inches * CM_PER_INCH, pounds * KG_PER_LB)


# -- what happens without the data ------------------------------------------------------------------


@pytest.mark.parametrize(
    "patient",
    [{}, {"sex": "female", "age_years": 40}, {"height_cm": 170, "weight_kg": 80},
     {"sex": "unknown", "height_cm": 170, "weight_kg": 80}, {"sex": "male", "weight_kg": 80}],
)
def test_a_dose_per_kg_alone_needs_no_weight(patient: dict[str, Any]) -> None:
    """A g/kg-only request is checked in g/kg: missing measures do not pend it."""
    determination = policy.assess(request(patient, dose_g_per_kg=2.0), policy_id=POLICY).to_dict()
    assert determination["decision"] == "approve"
    assert determination["reasons"] == []
    assert determination["dosing"]["dosing_weight_kg"] is None
    assert determination["dosing"]["course_requested_g"] is None


def test_a_dose_per_kg_above_the_maximum_is_lowered_without_a_weight() -> None:
    """2.5 g/kg with no patient data: changed to 2.0 g/kg by DOSE-TOTAL, no weight needed."""
    determination = policy.assess(request({}, dose_g_per_kg=2.5), policy_id=POLICY).to_dict()
    assert determination["decision"] == "modify"
    assert determination["changes"] == [{"statement": "DOSE-TOTAL", "field": "dose_g_per_kg", "requested": 2.5,
                                         "authorized": params()["max_dose_g_per_kg"]}]


@pytest.mark.parametrize(
    ("patient", "missing"),
    [
        ({}, {"patient.height_cm", "patient.weight_kg", "patient.sex"}),
        ({"sex": "female", "age_years": 52, "weight_kg": 70}, {"patient.height_cm"}),
        ({"sex": "female", "age_years": 52, "height_cm": 165}, {"patient.weight_kg"}),
        ({"age_years": 52, "height_cm": 165, "weight_kg": 70}, {"patient.sex"}),
        ({"sex": "unknown", "age_years": 52, "height_cm": 165, "weight_kg": 70}, {"patient.sex"}),
    ],
)
def test_grams_without_a_dosing_weight_pend_listing_what_is_missing(patient: dict[str, Any], missing: set[str]) -> None:
    """A course in grams without what the dosing weight needs is pended by DOSE-WEIGHT, naming the missing paths."""
    determination = policy.assess(request(patient, course_total_g=100), policy_id=POLICY).to_dict()
    assert determination["decision"] == "pend"
    assert determination["authorized"] is None
    reasons = [r for r in determination["reasons"] if r["statement"] == "DOSE-WEIGHT"]
    assert len(reasons) == 1
    assert set(reasons[0]["missing"]) == missing
    assert determination["dosing"]["dosing_weight_kg"] is None
    assert determination["dosing"]["course_max_g"] is None
    assert determination["dosing"]["course_requested_g"] == 100.0


def test_grams_and_dose_per_kg_without_a_weight_still_pend() -> None:
    """When grams are stated, the grams must be checked: stating g/kg too does not avoid the weight."""
    determination = policy.assess(request({}, dose_g_per_kg=2.0, course_total_g=100), policy_id=POLICY).to_dict()
    assert determination["decision"] == "pend"
    assert [r["statement"] for r in determination["reasons"]] == ["DOSE-WEIGHT"]


def test_without_sex_there_is_no_ibw() -> None:
    """IBW needs sex: with sex unknown it is null (and so is the adult's dosing weight)."""
    found = figures({"sex": "unknown", "age_years": 40, "height_cm": 170, "weight_kg": 80})
    assert found == {"dosing_weight_kg": None, "weight_basis": None, "ideal_body_weight_kg": None, "course_max_g": None}


def test_without_height_there_is_no_ibw() -> None:
    """IBW needs height: with height missing it is null."""
    assert figures({"sex": "male", "age_years": 40, "weight_kg": 80})["ideal_body_weight_kg"] is None


def test_ibw_is_reported_without_a_weight() -> None:
    """Height and sex give IBW even when weight is missing; the dosing weight stays null."""
    found = figures({"sex": "male", "age_years": 40, "height_cm": 180})
    assert found["ideal_body_weight_kg"] == 75.0  # 50 + 2.3 x (70.87 - 60)
    assert found["dosing_weight_kg"] is None


def test_a_minor_without_height_has_no_dosing_weight() -> None:
    """Brief 3.1: height and weight are always needed, so a child's grams without height pend on DOSE-WEIGHT."""
    determination = policy.assess(request({"sex": "female", "age_years": 10, "weight_kg": 30}, course_total_g=60), policy_id=POLICY).to_dict()
    assert determination["dosing"]["dosing_weight_kg"] is None
    assert determination["decision"] == "pend"
    reasons = [r for r in determination["reasons"] if r["statement"] == "DOSE-WEIGHT"]
    assert reasons and reasons[0]["missing"] == ["patient.height_cm"]


# -- the course requested and the course maximum --------------------------------------------------------


def test_the_course_requested_is_dose_per_kg_times_dosing_weight() -> None:
    """1.5 g/kg x 54.74 kg (contract patient) = 82.1 g: above 80 g, so DOSE-HIGH advises on a 2-day minimum."""
    patient = {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70}
    document = request(patient, dose_g_per_kg=1.5)
    document["regimen"]["days"] = [2, 3]
    determination = policy.assess(document, policy_id=POLICY).to_dict()
    assert determination["dosing"]["course_requested_g"] == 82.1
    assert "DOSE-HIGH" in [a["statement"] for a in determination["advice"]]


def test_the_course_requested_is_the_course_total_when_stated() -> None:
    """course_total_g wins over dose x weight for the course requested."""
    patient = {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70}
    assert dosing(patient, dose_g_per_kg=1.0, course_total_g=90)["course_requested_g"] == 90.0


def test_a_course_total_above_the_allowed_maximum_is_lowered_to_it() -> None:
    """The brief's example: 120 g for the contract patient becomes 110 g (DOSE-TOTAL)."""
    patient = {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70}
    determination = policy.assess(request(patient, course_total_g=120), policy_id=POLICY).to_dict()
    assert determination["decision"] == "modify"
    assert determination["changes"] == [{"statement": "DOSE-TOTAL", "field": "course_total_g",
                                         "requested": 120.0, "authorized": 110.0}]
    assert determination["authorized"]["course_total_g"] == 110.0
    assert determination["dosing"]["course_requested_g"] == 120.0


@pytest.mark.parametrize("grams", [109.5, 110, 110.0])
def test_a_course_total_within_the_vial_allowance_is_not_changed(grams: float) -> None:
    """Up to the rounded 110 g, the contract patient's course (cap 109.47 g) is approved as requested."""
    patient = {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70}
    determination = policy.assess(request(patient, course_total_g=grams), policy_id=POLICY).to_dict()
    assert determination["decision"] == "approve"
    assert determination["changes"] == []


def test_both_figures_are_checked_and_both_changed() -> None:
    """2.5 g/kg and 200 g for a 75 kg (IBW) male: both are changed, to 2.0 g/kg and 150 g."""
    patient = {"sex": "male", "age_years": 40, "height_cm": 180, "weight_kg": 100}
    determination = policy.assess(request(patient, dose_g_per_kg=2.5, course_total_g=200), policy_id=POLICY).to_dict()
    assert determination["decision"] == "modify"
    assert {(c["field"], c["requested"], c["authorized"]) for c in determination["changes"]} == {
        ("dose_g_per_kg", 2.5, 2.0), ("course_total_g", 200.0, 150.0)}
    assert {c["statement"] for c in determination["changes"]} == {"DOSE-TOTAL"}


@pytest.mark.parametrize(("sex", "age", "height", "weight"), PATIENTS)
def test_a_course_one_gram_above_the_maximum_is_lowered_and_at_the_maximum_is_not(
    sex: str, age: float | None, height: float, weight: float
) -> None:
    """For each patient, the maximum itself passes and one gram more is changed to it."""
    patient = {"sex": sex, "height_cm": height, "weight_kg": weight, **({"age_years": age} if age is not None else {})}
    maximum = reference(sex, age, height, weight)["course_max_g"]
    if maximum is None:
        pytest.fail("every patient of the list has a dosing weight")
    at = policy.assess(request(patient, course_total_g=maximum), policy_id=POLICY).to_dict()
    assert at["changes"] == []
    above = policy.assess(request(patient, course_total_g=maximum + 1), policy_id=POLICY).to_dict()
    assert above["changes"] == [{"statement": "DOSE-TOTAL", "field": "course_total_g",
                                 "requested": maximum + 1, "authorized": maximum}]


def test_figures_are_reported_with_one_decimal() -> None:
    """Every dosing figure is rounded to one decimal."""
    found = dosing({"sex": "male", "age_years": 45, "height_cm": 168.9, "weight_kg": 66.66}, dose_g_per_kg=1.3)
    for value in found.values():
        if isinstance(value, float):
            assert value == round(value, 1)
