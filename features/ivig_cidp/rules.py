"""IVIG for CIDP: facts, formulas and statement rules.

Statement text, citations and examples live in the feature files beside this
module; numbers live in its `policy.toml`. This module only says how the
request becomes facts, how derived facts are computed, and which cases of
each statement hold. DOSE-WEIGHT and the shared safety statements come from
`features/shared/`.

The maintenance interval and the number of courses are chained: the
interval the authorization allows is a derived fact (`interval`, statement
DOSE-MAINT-INTERVAL), and the most courses it covers (`duration`, statement
DOSE-DURATION) are computed from that authorized interval, not from the
interval requested.
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
edx = Fact("edx")
prescriber = Fact("prescriber")
dosing_weight = Fact("dosing_weight")
course = Fact("course")
interval = Fact("interval")
duration = Fact("duration")
response = Fact("response")

# An authorization covers at least one course, whatever the interval (the contract's fewest courses).
FEWEST_COURSES = 1

# Fields of the request fact that every valid request sets.
REQUEST_ALWAYS_SET = ("type", "loading", "days_min", "days_max", "interval_days", "responded")


def request_fact(request: Request) -> dict[str, Any]:
    """The request as one flat fact; unstated fields are left out."""
    regimen = request.regimen
    loading = regimen.loading
    answer = request.response
    fact: dict[str, Any] = {
        "type": request.type,
        **patient_fact(request.patient),
        "electrodiagnostic": request.electrodiagnostic,
        "prescriber_specialty": request.prescriber_specialty,
        "iga": request.iga,
        "end_of_dose_deterioration": request.end_of_dose_deterioration,
        "loading": loading is not None,
        "dose_g_per_kg": regimen.dose_g_per_kg,
        "course_total_g": regimen.course_total_g,
        # Grams stated for either course need a dosing weight (shared DOSE-WEIGHT).
        # Set only when true: every field asserted costs the engine time on every request.
        "grams_stated": (regimen.course_total_g is not None
                         or (loading is not None and loading.course_total_g is not None)) or None,
        "days_min": regimen.days[0],
        "days_max": regimen.days[1],
        "interval_days": regimen.interval_days,
        "courses": regimen.courses,
        "reduced_iga": regimen.reduced_iga,
        "responded": answer is not None,
    }
    if loading is not None:
        fact.update(
            loading_dose_g_per_kg=loading.dose_g_per_kg,
            loading_course_total_g=loading.course_total_g,
            loading_days_min=loading.days[0],
            loading_days_max=loading.days[1],
        )
    if answer is not None:
        fact.update(
            weeks_on_therapy=answer.weeks_on_therapy,
            courses_received=answer.courses_received,
            incat_change=answer.incat_change,
            dose_reduction_attempted=answer.dose_reduction_attempted,
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
        "cidp": bool(found["cidp"]),
        "needs_review": bool(found["needs_review"]),
        "in_scope": any(found.values()),
        "codes": {key: codes for key, codes in found.items() if codes},
    }


def electrodiagnostic_data(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Electrodiagnostic studies not done or not stated: the data an initial request lacks."""
    lacking = request.type == "initial" and request.electrodiagnostic in (None, "not_done")
    return {"missing": ["electrodiagnostic"] if lacking else []}


def prescriber_data(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """The prescriber's specialty unknown or not stated: the data the request lacks."""
    lacking = request.prescriber_specialty in (None, "unknown")
    return {"missing": ["prescriber_specialty"] if lacking else []}


def requested_grams(dose_g_per_kg: float | None, total_g: float | None, weight: Decimal | None) -> float | None:
    """A stated total, else g/kg times the dosing weight; at one decimal, halves up (brief 3.3: every
    gram figure is reported so); else unknown. The rules compare the stated total itself."""
    if total_g is not None:
        return one_decimal(Decimal(str(total_g)))
    if dose_g_per_kg is not None and weight is not None:
        return one_decimal(Decimal(str(dose_g_per_kg)) * weight)
    return None


def course_figures(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """The allowed loading and maintenance maxima (vial rounding included) and the courses requested."""
    weight = decimal(facts["dosing_weight"].get("dosing_weight_kg"))
    regimen = request.regimen
    loading = regimen.loading
    vial = params["vial_rounding_g"]
    loading_max = maintenance_max = None
    if weight is not None:
        loading_max = allowed_maximum(params["loading_max_g_per_kg"], weight, vial)
        maintenance_max = allowed_maximum(params["maintenance_max_g_per_kg"], weight, vial)
    loading_requested = None
    if loading is not None:
        loading_requested = requested_grams(loading.dose_g_per_kg, loading.course_total_g, weight)
    return {
        "max_known": weight is not None,
        "loading_max_g": loading_max,
        "maintenance_max_g": maintenance_max,
        "loading_requested_g": loading_requested,
        "maintenance_requested_g": requested_grams(regimen.dose_g_per_kg, regimen.course_total_g, weight),
    }


def maintenance_interval(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """The shortest interval allowed (shorter with documented end-of-dose deterioration) and the one authorized."""
    documented = request.end_of_dose_deterioration is True
    minimum = int(params["deterioration_min_interval_days"] if documented else params["min_interval_days"])
    return {
        "deterioration_documented": documented,
        "minimum_days": minimum,
        "authorized_days": max(request.regimen.interval_days, minimum),
    }


def authorization_length(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """The most maintenance courses one authorization covers.

    Initial: a fixed number. Continuation: as many as fit in the maintenance
    period at the authorized interval (after DOSE-MAINT-INTERVAL), at least one.
    """
    if request.type == "initial":
        most = int(params["initial_max_courses"])
    else:
        authorized_interval = int(facts["interval"]["authorized_days"])
        most = max(FEWEST_COURSES, int(params["continuation_max_days"]) // authorized_interval)
    return {"max_courses": most}


def continuation_response(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """The response data a continuation lacks to be judged on the INCAT criterion."""
    answer = request.response
    missing: list[str] = []
    if request.type == "continuation":
        if answer is None:
            missing = ["response"]
        elif answer.incat_change is None:
            missing = ["response.incat_change"]
        elif answer.incat_change > params["improved_incat_change"] and answer.courses_received is None:
            missing = ["response.courses_received"]
    return {"missing": missing}


DERIVATIONS = (
    Derivation(
        name="diagnosis_groups", statement="DX-CIDP", label="Diagnosis groups of the requested codes",
        reads=("request",), produces="diagnosis",
        fields=("cidp", "needs_review", "in_scope"), parameters=(), compute=diagnosis_groups,
    ),
    Derivation(
        name="electrodiagnostic_data", statement="DX-EDX", label="Electrodiagnostic data an initial request lacks",
        reads=("request",), produces="edx", fields=(), parameters=(), compute=electrodiagnostic_data,
    ),
    Derivation(
        name="prescriber_data", statement="RX-SPECIALIST", label="Prescriber data the request lacks",
        reads=("request",), produces="prescriber", fields=(), parameters=(), compute=prescriber_data,
    ),
    Derivation(
        name="course_figures", formulas={'loading_max_g': '{loading_max_g_per_kg} × dosing weight, rounded to the nearest {vial_rounding_g} (halves up) when that is larger', 'maintenance_max_g': '{maintenance_max_g_per_kg} × dosing weight, rounded to the nearest {vial_rounding_g} (halves up) when that is larger'}, statement="DOSE-LOADING",
        label="Loading and maintenance maxima and the courses requested",
        reads=("request", "dosing_weight"), produces="course", fields=("max_known",),
        parameters=("loading_max_g_per_kg", "maintenance_max_g_per_kg", "vial_rounding_g"), compute=course_figures,
    ),
    Derivation(
        name="maintenance_interval", formulas={'minimum_days': '{deterioration_min_interval_days} with documented end-of-dose deterioration, else {min_interval_days}', 'authorized_days': 'the interval requested, or the shortest interval allowed when the request is shorter'}, statement="DOSE-MAINT-INTERVAL",
        label="Shortest maintenance interval allowed and the interval authorized",
        reads=("request",), produces="interval", fields=("deterioration_documented", "minimum_days", "authorized_days"),
        parameters=("min_interval_days", "deterioration_min_interval_days"), compute=maintenance_interval,
    ),
    Derivation(
        name="authorization_length", formulas={'max_courses': '{initial_max_courses} on an initial request; on a continuation, {continuation_max_days} ÷ the interval authorized (whole courses), at least 1'}, statement="DOSE-DURATION",
        label="Most maintenance courses one authorization covers, at the authorized interval",
        reads=("request", "interval"), produces="duration", fields=("max_courses",),
        parameters=("initial_max_courses", "continuation_max_days"), compute=authorization_length,
    ),
    Derivation(
        name="continuation_response", statement="MON-RESPONSE", label="Response data a continuation lacks",
        reads=("request",), produces="response", fields=(),
        parameters=("improved_incat_change",), compute=continuation_response,
    ),
)

# --- Statement rules -----------------------------------------------------------


CONTINUATION = request.type == "continuation"

RULES = (
    # --- Medical necessity
    rule("DX-CIDP", Effect.CRITERION, ("diagnosis",),
          case(diagnosis.cidp == True, MET), otherwise(NOT_MET)),  # noqa: E712
    # A CIDP code already places the patient within the policy; no review.
    rule("DX-REVIEW", Effect.PEND, ("diagnosis",),
          case(all_of(diagnosis.needs_review == True, diagnosis.cidp == False), NOT_MET, Pend()),  # noqa: E712
          otherwise(MET)),
    rule("DX-SCOPE", Effect.DENY, ("diagnosis",),
          case(diagnosis.in_scope == False, NOT_MET, Deny()), otherwise(MET)),  # noqa: E712
    rule("DX-EDX", Effect.PEND, ("request", "edx"),
          case(CONTINUATION, NOT_APPLICABLE),
          case(request.electrodiagnostic == "supportive", MET),
          case(request.electrodiagnostic == "not_supportive", NOT_MET, Pend()),
          otherwise(UNKNOWN, Pend(missing=edx.missing))),
    rule("RX-SPECIALIST", Effect.PEND, ("request", "prescriber"),
          case(request.prescriber_specialty == "neurology", MET),
          case(request.prescriber_specialty == "other", NOT_MET, Pend()),
          otherwise(UNKNOWN, Pend(missing=prescriber.missing))),
    # --- Dosing (DOSE-WEIGHT is shared and comes before these)
    rule("DOSE-LOADING/per-kg", Effect.CHANGE, ("request",),
          case(request.loading_dose_g_per_kg > P.loading_max_g_per_kg, NOT_MET,
               Change("loading.dose_g_per_kg", P.loading_max_g_per_kg)),
          case(request.loading_dose_g_per_kg.present(), MET),
          otherwise(NOT_APPLICABLE), statement="DOSE-LOADING"),
    rule("DOSE-LOADING/grams", Effect.CHANGE, ("request", "course"),
          case(request.loading_course_total_g.absent(), NOT_APPLICABLE),
          case(course.max_known == False, UNKNOWN),  # noqa: E712  (DOSE-WEIGHT pends for the missing data)
          case(request.loading_course_total_g > course.loading_max_g, NOT_MET,
               Change("loading.course_total_g", course.loading_max_g)),
          otherwise(MET), statement="DOSE-LOADING"),
    rule("DOSE-LOADING/days", Effect.CHANGE, ("request",),
          case(request.loading == False, NOT_APPLICABLE),  # noqa: E712
          case(any_of(request.loading_days_min < P.loading_min_days, request.loading_days_max > P.loading_max_days),
               NOT_MET, Change("loading.days", Clamp(P.loading_min_days, P.loading_max_days))),
          otherwise(MET), statement="DOSE-LOADING"),
    rule("DOSE-RELOAD", Effect.PEND, ("request",),
          case(all_of(CONTINUATION, request.loading == True), NOT_MET, Pend()),  # noqa: E712
          case(request.loading == True, MET),  # noqa: E712
          otherwise(NOT_APPLICABLE)),
    rule("DOSE-MAINTENANCE/per-kg", Effect.CHANGE, ("request",),
          case(request.dose_g_per_kg > P.maintenance_max_g_per_kg, NOT_MET,
               Change("dose_g_per_kg", P.maintenance_max_g_per_kg)),
          case(request.dose_g_per_kg.present(), MET),
          otherwise(NOT_APPLICABLE), statement="DOSE-MAINTENANCE"),
    rule("DOSE-MAINTENANCE/grams", Effect.CHANGE, ("request", "course"),
          case(request.course_total_g.absent(), NOT_APPLICABLE),
          case(course.max_known == False, UNKNOWN),  # noqa: E712  (DOSE-WEIGHT pends for the missing data)
          case(request.course_total_g > course.maintenance_max_g, NOT_MET,
               Change("course_total_g", course.maintenance_max_g)),
          otherwise(MET), statement="DOSE-MAINTENANCE"),
    rule("DOSE-MAINTENANCE/days", Effect.CHANGE, ("request",),
          case(any_of(request.days_min < P.maintenance_min_days, request.days_max > P.maintenance_max_days),
               NOT_MET, Change("days", Clamp(P.maintenance_min_days, P.maintenance_max_days))),
          otherwise(MET), statement="DOSE-MAINTENANCE"),
    rule("DOSE-MAINT-INTERVAL", Effect.CHANGE, ("request", "interval"),
          case(request.interval_days < interval.minimum_days, NOT_MET,
               Change("interval_days", interval.authorized_days)),
          otherwise(MET)),
    # Courses not stated: the authorization covers duration.max_courses (its default), no change.
    rule("DOSE-DURATION", Effect.CHANGE, ("request", "duration"),
          case(request.courses > duration.max_courses, NOT_MET, Change("courses", duration.max_courses)),
          otherwise(MET)),
    # --- Monitoring (the shared safety statements come before these)
    rule("MON-RESPONSE", Effect.DENY, ("request", "response"),
          case(request.type == "initial", NOT_APPLICABLE),
          case(request.responded == False, UNKNOWN, Pend(missing=response.missing)),  # noqa: E712
          case(request.incat_change.absent(), UNKNOWN, Pend(missing=response.missing)),
          case(request.incat_change <= P.improved_incat_change, MET),
          case(request.courses_received >= P.response_courses, NOT_MET, Deny()),
          case(request.courses_received.present(), MET),
          otherwise(UNKNOWN, Pend(missing=response.missing))),
    rule("MON-EARLY", Effect.ADVICE, ("request",),
          case(all_of(CONTINUATION, request.incat_change > P.improved_incat_change,
                      request.courses_received < P.response_courses), MET, Attach()),
          otherwise(NOT_APPLICABLE)),
    rule("MON-LOWEST-DOSE", Effect.ADVICE, ("request",),
          case(CONTINUATION, MET, Attach()), otherwise(NOT_APPLICABLE)),
    rule("MON-TAPER", Effect.CONDITION, ("request",),
          case(all_of(CONTINUATION, request.weeks_on_therapy >= P.taper_weeks,
                      any_of(request.dose_reduction_attempted.absent(),
                             request.dose_reduction_attempted == False)),  # noqa: E712
               MET, Attach()),
          otherwise(NOT_APPLICABLE)),
)

# Mutants of the rules above that no request can tell from them (`policy mutate`; docs/authors.md,
# "Test the examples"): the mutant's id, and why no determination differs. A statement with several
# rules reports the weightiest of their outcomes (not met, unknown, met, not applicable).
_LOADING_DAYS = ("a request with a loading course has its days checked by DOSE-LOADING/days (met or not met), "
                 "so DOSE-LOADING weighs at least met whatever this rule gives: ")
_MAINTENANCE_DAYS = ("DOSE-MAINTENANCE/days checks the days of every request (met or not met), so DOSE-MAINTENANCE "
                     "weighs at least met whatever this rule gives: ")
_MAINTENANCE_DOSE = ("every request states a maintenance dose per kg or a course total (the contract requires one), "
                     "so DOSE-MAINTENANCE/per-kg or /grams reports met or weightier: ")
EQUIVALENT_MUTANTS: dict[str, str] = {
    "DOSE-LOADING/per-kg case 2 deleted": _LOADING_DAYS + "a loading dose within 2 g/kg reported as not applicable",
    "DOSE-LOADING/per-kg case 2 outcome: MET -> NOT_APPLICABLE":
        _LOADING_DAYS + "a loading dose within 2 g/kg reported as not applicable",
    "DOSE-LOADING/grams otherwise outcome: MET -> NOT_APPLICABLE":
        _LOADING_DAYS + "a loading total within the maximum reported as not applicable",
    "DOSE-LOADING/days otherwise outcome: MET -> NOT_APPLICABLE":
        "a loading course states a dose per kg or a course total (the contract requires one), so DOSE-LOADING/per-kg "
        "or /grams reports met or weightier: days within 2 to 5 reported as not applicable change nothing",
    "maintenance_min_days parameter: 1 -> 0":
        "the contract rejects a course of fewer than 1 day, so no request has days below 1 or below 0, and the "
        "clamp never raises an end to either",
    "DOSE-MAINTENANCE/per-kg case 2 deleted":
        _MAINTENANCE_DAYS + "a dose within 1 g/kg reported as not applicable",
    "DOSE-MAINTENANCE/per-kg case 2 outcome: MET -> NOT_APPLICABLE":
        _MAINTENANCE_DAYS + "a dose within 1 g/kg reported as not applicable",
    "DOSE-MAINTENANCE/per-kg otherwise outcome: NOT_APPLICABLE -> MET":
        _MAINTENANCE_DAYS + "a request without a dose per kg reported as met",
    "DOSE-MAINTENANCE/grams case 1 outcome: NOT_APPLICABLE -> MET":
        _MAINTENANCE_DAYS + "a request without a course total reported as met",
    "DOSE-MAINTENANCE/grams otherwise outcome: MET -> NOT_APPLICABLE":
        _MAINTENANCE_DAYS + "a course total within the maximum reported as not applicable",
    "DOSE-MAINTENANCE/days otherwise outcome: MET -> NOT_APPLICABLE":
        _MAINTENANCE_DOSE + "days within 1 to 2 reported as not applicable change nothing",
    "continuation_response derivation-compare: answer.incat_change > params['improved_incat_change'] -> "
    "answer.incat_change >= params['improved_incat_change']":
        "an INCAT change of exactly improved_incat_change is improvement: MON-RESPONSE is met by its fourth case, "
        "before any case that pends reads the missing data this would add",
    "MON-RESPONSE case 2 deleted":
        "a continuation without response data has no INCAT change either, so the third case gives the same outcome "
        "(unknown) and pends for the same missing data (`response`, listed by continuation_response)",
}

# The determination's dosing figures (section 4 of the brief), in contract order.
FIGURES = (
    Figure("dosing_weight_kg", "dosing weight", dosing_weight.dosing_weight_kg, unit="kg", decimals=1,
           basis="weight_basis"),
    Figure("weight_basis", "weight basis", dosing_weight.weight_basis),
    Figure("ideal_body_weight_kg", "ideal body weight", dosing_weight.ideal_body_weight_kg, unit="kg", decimals=1),
    Figure("loading_max_g", "loading maximum", course.loading_max_g, unit="g"),
    Figure("maintenance_max_g", "maintenance maximum", course.maintenance_max_g, unit="g"),
    Figure("loading_requested_g", "requested loading course", course.loading_requested_g, unit="g", absent="unknown"),
    Figure("maintenance_requested_g", "requested maintenance course", course.maintenance_requested_g, unit="g",
           absent="unknown"),
)

# The regimen an approval authorizes; unstated fields stay null except the number of courses,
# which defaults to the most the authorization covers (DOSE-DURATION, at the authorized interval).
AUTHORIZATION = Authorization(
    source="regimen",
    title="Authorized regimen",
    fields=(
        AuthorizedField("loading.dose_g_per_kg", "Loading dose"),
        AuthorizedField("loading.course_total_g", "Loading course total"),
        AuthorizedField("loading.days", "Days of the loading course"),
        AuthorizedField("dose_g_per_kg", "Maintenance dose"),
        AuthorizedField("course_total_g", "Maintenance course total"),
        AuthorizedField("days", "Days per maintenance course"),
        AuthorizedField("interval_days", "Interval"),
        AuthorizedField("courses", "Maintenance courses", default=duration.max_courses),
        AuthorizedField("reduced_iga", "Reduced-IgA product"),
    ),
)

# How the handbook and reports say the fields this policy's rules test.
GLOSSARY: dict[str, str | tuple[str, str]] = {
    'request.electrodiagnostic': 'the electrodiagnostic finding',
    'request.prescriber_specialty': "the prescriber's specialty",
    'request.loading': ('the request includes a loading course', 'the request includes no loading course'),
    'request.loading_dose_g_per_kg': 'the loading dose requested per kg of dosing weight',
    'request.loading_course_total_g': 'the loading course total requested in grams',
    'request.loading_days_min': 'the fewest days requested for the loading course',
    'request.loading_days_max': 'the most days requested for the loading course',
    'request.dose_g_per_kg': 'the maintenance dose requested per kg of dosing weight',
    'request.course_total_g': 'the maintenance course total requested in grams',
    'request.days_min': 'the fewest days requested per maintenance course',
    'request.days_max': 'the most days requested per maintenance course',
    'request.interval_days': 'the interval requested between the starts of two maintenance courses',
    'request.courses': 'the number of maintenance courses requested',
    'request.responded': ('the response to therapy is reported', 'the response to therapy is not reported'),
    'request.incat_change': 'the change in adjusted INCAT disability score since baseline',
    'request.courses_received': 'the IVIG courses received so far',
    'request.weeks_on_therapy': 'the weeks on IVIG so far',
    'request.dose_reduction_attempted': ('a dose reduction or interval extension has been attempted', 'no dose reduction or interval extension has been attempted'),
    'diagnosis.in_scope': ("a requested code is in one of the policy's code groups", "no requested code is in any of the policy's code groups"),
    'edx.missing': 'the electrodiagnostic finding',
    'prescriber.missing': "the prescriber's specialty",
    'course.max_known': ('the course maxima could be computed', 'the course maxima could not be computed (no dosing weight)'),
    'interval.minimum_days': 'the shortest interval allowed',
    'interval.authorized_days': 'the interval authorized',
    'duration.max_courses': 'the most maintenance courses one authorization covers',
    'response.missing': 'the response data needed to judge it',
}
