"""Shared statements: the dosing weight and the safety conditions every IVIG policy includes.

Statement text, citations and examples live in this folder's feature files;
numbers in `shared.toml`. A policy includes a statement by naming its ID in
a placeholder `Rule:` of its own feature files; the rules and derivation
below then join that policy's network.

Facts an including policy's request fact must carry: `type`, `iga`,
`reduced_iga` (when stated) and `grams_stated` (true, or left out, when the request states
any course in grams), and its request model a `patient`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from policy.rules.declarations import (
    Attach,
    Change,
    Declarations,
    Derivation,
    Effect,
    Fact,
    Outcome,
    Pend,
    StatementRule,
    always,
    case,
    otherwise,
)
from policy.rules.conditions import all_of, any_of

from .patient import CM_PER_INCH, NOBODY, height_cm, weight_kg

MET, NOT_MET, NOT_APPLICABLE, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.NOT_APPLICABLE, Outcome.UNKNOWN

request = Fact("request")
dosing_weight = Fact("dosing_weight")


def ideal_body_weight(sex: str | None, height: Decimal | None, params: Mapping[str, Any]) -> Decimal | None:
    """Devine formula: base + kg per inch above the reference height."""
    if height is None or sex not in ("male", "female"):
        return None
    base = params["ibw_base_male_kg"] if sex == "male" else params["ibw_base_female_kg"]
    inches = height / Decimal(str(CM_PER_INCH))
    return Decimal(str(base)) + Decimal(str(params["ibw_kg_per_in"])) * (
        inches - Decimal(str(params["ibw_reference_height_in"]))
    )


def dosing_weight_of(
    request: Any, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Dosing weight: actual weight for minors and short stature, else the lower of actual and ideal."""
    patient = request.patient or NOBODY
    height = height_cm(patient)
    actual = weight_kg(patient)
    ideal = ideal_body_weight(patient.sex, height, params)
    minor = patient.age_years is not None and patient.age_years < params["adult_age_years"]
    short = height is not None and height < Decimal(str(params["short_stature_cm"]))
    missing = []
    if height is None:
        missing.append("patient.height_cm")
    if actual is None:
        missing.append("patient.weight_kg")
    if patient.sex not in ("male", "female") and not minor and not short:
        missing.append("patient.sex")
    weight: Decimal | None = None
    basis: str | None = None
    # Height and weight are always needed (a minor's height included), so a dosing
    # weight is never computed from weight alone.
    if actual is not None and height is not None and (minor or short):
        weight, basis = actual, "actual"
    elif actual is not None and ideal is not None:
        # Actual weight is used only when it is lower than ideal body weight (the statement's words).
        weight, basis = (ideal, "ideal") if ideal <= actual else (actual, "actual")
    return {
        "known": weight is not None,
        # Read here rather than tested on the request fact by the rule: the rule then
        # matches this one fact, and the request fact carries one field fewer.
        "grams_stated": bool(facts["request"].get("grams_stated")),
        "dosing_weight_kg": None if weight is None else float(weight),
        "weight_basis": basis,
        "ideal_body_weight_kg": None if ideal is None else float(ideal),
        "missing": [] if weight is not None else missing,
    }


DOSING_WEIGHT = Derivation(
    name="dosing_weight", formulas={'IBW (male)': '{ibw_base_male_kg} + {ibw_kg_per_in} × (height in inches − {ibw_reference_height_in})', 'IBW (female)': '{ibw_base_female_kg} + {ibw_kg_per_in} × (height in inches − {ibw_reference_height_in})', 'dosing_weight_kg': 'actual body weight when the patient is under {adult_age_years} of age or shorter than {short_stature_cm}; otherwise IBW, or actual body weight when it is lower than IBW'}, statement="DOSE-WEIGHT", label="Dosing weight (ideal body weight, Devine)",
    reads=("request",), produces="dosing_weight",
    fields=("known", "grams_stated"),
    parameters=("adult_age_years", "short_stature_cm", "ibw_base_male_kg", "ibw_base_female_kg",
                "ibw_kg_per_in", "ibw_reference_height_in"),
    compute=dosing_weight_of,
)


# How the handbook and reports say the fields the shared rules test.
GLOSSARY: dict[str, str | tuple[str, str]] = {
    'request.type': 'the request type',
    'request.iga': "the patient's serum IgA status",
    'request.reduced_iga': ('the product requested has reduced IgA content', 'the product requested does not have reduced IgA content'),
    'dosing_weight.grams_stated': ('the request states a course in grams', 'the request states no course in grams'),
    'dosing_weight.known': ('a dosing weight could be computed', 'no dosing weight could be computed'),
    'dosing_weight.missing': "the patient's height, weight or sex, whichever is missing",
}

SHARED = Declarations(
    glossary=GLOSSARY,
    derivations=(DOSING_WEIGHT,),
    rules=(
        StatementRule(
            name="DOSE-WEIGHT", statement="DOSE-WEIGHT", effect=Effect.FIGURE,
            facts=("dosing_weight",),
            cases=(case(dosing_weight.known == True, MET),  # noqa: E712
                   case(dosing_weight.grams_stated == True, UNKNOWN, Pend(missing=dosing_weight.missing))),  # noqa: E712
            otherwise=otherwise(UNKNOWN),
        ),
        StatementRule(
            name="SAFE-IGA-SCREEN", statement="SAFE-IGA-SCREEN", effect=Effect.CONDITION, facts=("request",),
            cases=(case(all_of(request.type == "initial", any_of(request.iga.absent(), request.iga == "unknown")),
                        MET, Attach()),),
            otherwise=otherwise(NOT_APPLICABLE),
        ),
        StatementRule(
            name="SAFE-IGA-PRODUCT", statement="SAFE-IGA-PRODUCT", effect=Effect.CHANGE, facts=("request",),
            cases=(case(all_of(request.iga == "deficient",
                               any_of(request.reduced_iga.absent(), request.reduced_iga == False)),  # noqa: E712
                        NOT_MET, Change("reduced_iga", True)),
                   case(request.iga == "deficient", MET)),
            otherwise=otherwise(NOT_APPLICABLE),
        ),
        StatementRule(
            name="SAFE-CARDIAC", statement="SAFE-CARDIAC", effect=Effect.CONDITION, facts=("request",),
            cases=(case(always(), MET, Attach()),),
        ),
        StatementRule(
            name="SAFE-HYDRATION", statement="SAFE-HYDRATION", effect=Effect.CONDITION, facts=("request",),
            cases=(case(always(), MET, Attach()),),
        ),
    ),
)
