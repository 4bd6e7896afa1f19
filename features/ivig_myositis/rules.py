"""IVIG for inflammatory myopathies: facts, formulas and statement rules.

Statement text, citations and examples live in the feature files beside this
module; numbers live in its `policy.toml`. This module only says how the
request becomes facts, how derived facts are computed, and which cases of
each statement hold. DOSE-WEIGHT and the shared safety statements come from
`features/shared/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from policy.rules.declarations import (
    Attach,
    Authorization,
    AuthorizedField,
    Change,
    Clamp,
    Deny,
    Derivation,
    Effect,
    Fact,
    Figure,
    Outcome,
    P,
    Pend,
    StatementRule,
    rule,
    always,
    case,
    otherwise,
)
from policy.rules.conditions import all_of, any_of

from ..shared.dosing import allowed_maximum, decimal, one_decimal
from ..shared.patient import patient_fact
from .request import Request

MET, NOT_MET, NOT_APPLICABLE, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.NOT_APPLICABLE, Outcome.UNKNOWN

request = Fact("request")
diagnosis = Fact("diagnosis")
dosing_weight = Fact("dosing_weight")
course = Fact("course")
response = Fact("response")


# Fields of the request fact that every valid request sets.
REQUEST_ALWAYS_SET = ("type", "therapies", "days_min", "days_max", "interval_days")


def request_fact(request: Request) -> dict[str, Any]:
    """The request as one flat fact; unstated fields are left out."""
    regimen = request.regimen
    answer = request.response or None
    fact: dict[str, Any] = {
        "type": request.type,
        **patient_fact(request.patient),
        "severe_acute": request.severe_acute,
        "therapies": len(request.concurrent_therapies or ()),
        "iga": request.iga,
        "cardiac_dysfunction": request.cardiac_dysfunction,
        "plasmapheresis_days_after_course": request.plasmapheresis_days_after_course,
        "dose_g_per_kg": regimen.dose_g_per_kg,
        "course_total_g": regimen.course_total_g,
        # Set only when true: every field asserted costs the engine time on every request.
        "grams_stated": regimen.course_total_g is not None or None,
        "days_min": regimen.days[0],
        "days_max": regimen.days[1],
        "interval_days": regimen.interval_days,
        "courses": regimen.courses,
        "reduced_iga": regimen.reduced_iga,
    }
    if answer is not None:
        fact.update(
            weeks_on_therapy=answer.weeks_on_therapy,
            strength=answer.strength,
            function=answer.function,
            rash=answer.rash,
            ck=answer.ck,
            complete_response=answer.complete_response,
        )
    return {key: value for key, value in fact.items() if value is not None}


# --- Derivations -------------------------------------------------------------


def diagnosis_groups(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Which code groups the request's diagnoses fall into."""
    groups = params["code_groups"]
    found = {key: [code for code in request.diagnoses if group.contains(code)] for key, group in groups.items()}
    return {
        "spectrum": bool(found["spectrum"]),
        "inclusion_body": bool(found["inclusion_body"]),
        "other_cause": bool(found["other_cause"]),
        "needs_review": bool(found["needs_review"]),
        "in_scope": any(found.values()),
        "codes": {key: codes for key, codes in found.items() if codes},
    }


def course_figures(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """The allowed course maximum (vial rounding included) and the course requested."""
    weight = decimal(facts["dosing_weight"].get("dosing_weight_kg"))
    regimen = request.regimen
    maximum: float | None = None
    requested: float | None = None
    if weight is not None:
        maximum = allowed_maximum(params["max_dose_g_per_kg"], weight, params["vial_rounding_g"])
    if regimen.course_total_g is not None:
        # A stated total is reported as stated; only a computed one is rounded.
        requested = float(regimen.course_total_g)
    elif regimen.dose_g_per_kg is not None and weight is not None:
        requested = one_decimal(Decimal(str(regimen.dose_g_per_kg)) * weight)
    return {
        "max_known": maximum is not None,
        "course_max_g": maximum,
        "requested_known": requested is not None,
        "course_requested_g": requested,
    }


def clinical_response(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Clinical improvement means strength, function or rash improved; CK alone does not count."""
    answer = request.response
    continuation = request.type == "continuation"
    if answer is None:
        return {"continuation": continuation, "reported": False, "improvement": "unknown", "missing": ["response"]}
    signs = {"strength": answer.strength, "function": answer.function, "rash": answer.rash}
    unstated = [f"response.{name}" for name, value in signs.items() if value is None]
    if "improved" in signs.values():
        improvement = "yes"
    elif unstated:
        improvement = "unknown"
    else:
        improvement = "no"
    missing = [] if improvement == "yes" else list(unstated)
    if improvement != "yes" and answer.weeks_on_therapy is None:
        missing.append("response.weeks_on_therapy")
    return {"continuation": continuation, "reported": True, "improvement": improvement, "missing": missing}


DERIVATIONS = (
    Derivation(
        name="diagnosis_groups", statement="DX-SPECTRUM", label="Diagnosis groups of the requested codes",
        reads=("request",), produces="diagnosis",
        fields=("spectrum", "inclusion_body", "other_cause", "needs_review", "in_scope"),
        parameters=(), compute=diagnosis_groups,
    ),
    Derivation(
        name="course_figures", formulas={'course_max_g': '{max_dose_g_per_kg} × dosing weight, rounded to the nearest {vial_rounding_g} (halves up) when that is larger', 'course_requested_g': 'the course total stated, else the dose per kg × dosing weight'}, statement="DOSE-TOTAL", label="Course maximum and course requested",
        reads=("request", "dosing_weight"), produces="course",
        fields=("max_known", "requested_known"),
        parameters=("max_dose_g_per_kg", "vial_rounding_g"), compute=course_figures,
    ),
    Derivation(
        name="clinical_response", statement="MON-NO-RESPONSE", label="Clinical response on continuation",
        reads=("request",), produces="response",
        fields=("continuation", "reported", "improvement"), parameters=(), compute=clinical_response,
    ),
)

# --- Statement rules -----------------------------------------------------------


RULES = (
    rule("DX-SPECTRUM", Effect.CRITERION, ("diagnosis",),
          case(diagnosis.spectrum == True, MET), otherwise(NOT_MET)),  # noqa: E712
    rule("DX-IBM", Effect.DENY, ("diagnosis",),
          case(diagnosis.inclusion_body == True, NOT_MET, Deny()), otherwise(MET)),  # noqa: E712
    rule("DX-OTHER-CAUSE", Effect.DENY, ("diagnosis",),
          case(diagnosis.other_cause == True, NOT_MET, Deny()), otherwise(MET)),  # noqa: E712
    # 1.1.0: a code within the spectrum already places the patient in it; no review.
    # Written as three exclusive cases so that each request fires one durable rule
    # (a negated conjunction would compile to two clauses both matching most requests).
    rule("DX-UNSPECIFIED", Effect.PEND, ("diagnosis",),
          case(diagnosis.needs_review == False, MET),  # noqa: E712
          case(diagnosis.spectrum == True, MET),  # noqa: E712
          otherwise(NOT_MET, Pend())),
    rule("DX-SCOPE", Effect.DENY, ("diagnosis",),
          case(diagnosis.in_scope == False, NOT_MET, Deny()), otherwise(MET)),  # noqa: E712
    rule("SOC-STANDARD", Effect.CRITERION, ("diagnosis",),
          case(diagnosis.spectrum == True, MET), otherwise(NOT_MET)),  # noqa: E712
    rule("IND-ROLE", Effect.INFORMATIONAL, ("request",), case(always(), MET)),
    rule("DOSE-TOTAL/per-kg", Effect.CHANGE, ("request",),
          case(request.dose_g_per_kg > P.max_dose_g_per_kg, NOT_MET, Change("dose_g_per_kg", P.max_dose_g_per_kg)),
          case(request.dose_g_per_kg.present(), MET),
          otherwise(NOT_APPLICABLE), statement="DOSE-TOTAL"),
    rule("DOSE-TOTAL/grams", Effect.CHANGE, ("request", "course"),
          case(request.course_total_g.absent(), NOT_APPLICABLE),
          case(course.max_known == False, UNKNOWN),  # noqa: E712
          case(request.course_total_g > course.course_max_g, NOT_MET, Change("course_total_g", course.course_max_g)),
          otherwise(MET), statement="DOSE-TOTAL"),
    rule("DOSE-DAYS", Effect.CHANGE, ("request",),
          case(any_of(request.days_min < P.min_course_days, request.days_max > P.max_course_days),
               NOT_MET, Change("days", Clamp(P.min_course_days, P.max_course_days))),
          otherwise(MET)),
    rule("DOSE-HIGH", Effect.ADVICE, ("request", "course"),
          case(all_of(any_of(course.requested_known == False, course.course_requested_g > P.high_course_g),  # noqa: E712
                      request.days_min < P.high_course_min_days), MET, Attach()),
          otherwise(NOT_APPLICABLE)),
    rule("DOSE-INTERVAL", Effect.CHANGE, ("request",),
          case(request.interval_days < P.min_interval_days, NOT_MET, Change("interval_days", P.min_interval_days)),
          otherwise(MET)),
    rule("DOSE-COURSES", Effect.CHANGE, ("request",),
          case(request.courses > P.max_courses, NOT_MET, Change("courses", P.max_courses)),
          otherwise(MET)),
    rule("SAFE-CARDIAC-DYSFUNCTION", Effect.CONDITION, ("request",),
          case(request.cardiac_dysfunction == True, MET, Attach()), otherwise(NOT_APPLICABLE)),  # noqa: E712
    rule("SAFE-AE", Effect.ADVICE, ("request",),
          case(request.days_min <= P.short_course_days, MET, Attach()), otherwise(NOT_APPLICABLE)),
    rule("MON-PLAN", Effect.MONITORING, ("request",), case(always(), MET, Attach())),
    rule("MON-TRIAL", Effect.ADVICE, ("request", "response"),
          case(all_of(response.continuation == True, response.reported == True,  # noqa: E712
                      response.improvement != "yes", request.weeks_on_therapy < P.trial_weeks),
               MET, Attach()),
          otherwise(NOT_APPLICABLE)),
    rule("MON-NO-RESPONSE", Effect.DENY, ("request", "response"),
          case(response.continuation == False, NOT_APPLICABLE),  # noqa: E712
          case(response.reported == False, UNKNOWN, Pend(missing=response.missing)),  # noqa: E712
          case(all_of(response.improvement == "no", request.weeks_on_therapy >= P.trial_weeks), NOT_MET, Deny()),
          case(response.improvement == "yes", MET),
          case(request.weeks_on_therapy < P.trial_weeks, MET),
          otherwise(UNKNOWN, Pend(missing=response.missing))),
    rule("MON-COMPLETE", Effect.ADVICE, ("request", "response"),
          case(all_of(response.continuation == True, request.complete_response == True), MET, Attach()),  # noqa: E712
          otherwise(NOT_APPLICABLE)),
    rule("PIT-MONOTHERAPY", Effect.PEND, ("request",),
          case(all_of(request.severe_acute == True, request.therapies == 0), NOT_MET, Pend()),  # noqa: E712
          case(request.severe_acute == True, MET),  # noqa: E712
          otherwise(NOT_APPLICABLE)),
    rule("PIT-PLASMAPHERESIS", Effect.PEND, ("request",),
          case(request.plasmapheresis_days_after_course <= P.plasmapheresis_window_days, NOT_MET, Pend()),
          case(request.plasmapheresis_days_after_course.present(), MET),
          otherwise(NOT_APPLICABLE)),
)

# Mutants of the rules above that no request can tell from them (`policy mutate`; docs/authors.md,
# "Test the examples"): the mutant's id, and why no determination differs.
EQUIVALENT_MUTANTS: dict[str, str] = {
    "DOSE-TOTAL/per-kg otherwise outcome: NOT_APPLICABLE -> MET":
        "a request without a dose per kg states a course total (the contract requires one), so DOSE-TOTAL/grams "
        "reports met, not met or unknown, each weighing at least as much as met: DOSE-TOTAL's outcome is the same",
    "DOSE-TOTAL/grams case 1 outcome: NOT_APPLICABLE -> MET":
        "a request without a course total states a dose per kg (the contract requires one), so DOSE-TOTAL/per-kg "
        "reports met or not met, each weighing at least as much as met: DOSE-TOTAL's outcome is the same",
    "MON-NO-RESPONSE case 2 deleted":
        "a continuation without response data falls through to `otherwise`, which gives the same outcome "
        "(unknown) and pends for the same missing data (`response`, listed by the clinical_response derivation)",
}

# The determination's dosing figures (section 4 of the brief), in contract order.
FIGURES = (
    Figure("dosing_weight_kg", "dosing weight", dosing_weight.dosing_weight_kg, unit="kg", decimals=1,
           basis="weight_basis"),
    Figure("weight_basis", "weight basis", dosing_weight.weight_basis),
    Figure("ideal_body_weight_kg", "ideal body weight", dosing_weight.ideal_body_weight_kg, unit="kg", decimals=1),
    Figure("course_max_g", "course maximum", course.course_max_g, unit="g"),
    Figure("course_requested_g", "requested course", course.course_requested_g, unit="g", absent="unknown"),
)

# The regimen an approval authorizes; unstated fields stay null except the number of courses.
AUTHORIZATION = Authorization(
    source="regimen",
    title="Authorized regimen",
    fields=(
        AuthorizedField("dose_g_per_kg", "Dose"),
        AuthorizedField("course_total_g", "Course total"),
        AuthorizedField("days", "Days per course"),
        AuthorizedField("interval_days", "Interval"),
        AuthorizedField("courses", "Courses", default=P.max_courses),
        AuthorizedField("reduced_iga", "Reduced-IgA product"),
    ),
)

# How the handbook and reports say the fields this policy's rules test.
GLOSSARY: dict[str, str | tuple[str, str]] = {
    'request.therapies': 'the number of other therapies given with IVIG',
    'request.severe_acute': ('the patient has severe acute myositis', 'the patient does not have severe acute myositis'),
    'request.dose_g_per_kg': 'the dose requested per kg of dosing weight',
    'request.course_total_g': 'the course total requested in grams',
    'request.days_min': 'the fewest days requested per course',
    'request.days_max': 'the most days requested per course',
    'request.interval_days': 'the interval requested between the starts of two courses',
    'request.courses': 'the number of courses requested',
    'request.cardiac_dysfunction': ('depressed cardiac function is reported', 'no depressed cardiac function is reported'),
    'request.plasmapheresis_days_after_course': 'the days after the end of the course at which plasmapheresis is planned',
    'request.weeks_on_therapy': 'the weeks on IVIG so far',
    'request.complete_response': ('a complete clinical response is reported', 'no complete clinical response is reported'),
    'diagnosis.in_scope': ("a requested code is in one of the policy's code groups", "no requested code is in any of the policy's code groups"),
    'course.max_known': ('the course maximum could be computed', 'the course maximum could not be computed (no dosing weight)'),
    'course.requested_known': ('the requested course in grams is known', 'the requested course in grams is unknown (no total stated and no dosing weight)'),
    'response.continuation': ('the request is a continuation', 'the request is an initial request'),
    'response.reported': ('the response to therapy is reported', 'the response to therapy is not reported'),
    'response.improvement': 'clinical improvement (strength, function or rash improved)',
    'response.missing': 'the response data needed to judge it',
}
