"""Hypothesis strategies for request documents (section 4 of the brief).

Valid documents use every field of the contract, leave optional ones absent or
null at random, use both units of each pair, and draw diagnoses from every
code group of the policy source plus billable codes outside them. Values at
the policy's thresholds (read from policy.toml, never copied) are drawn far
more often than chance would, since that is where rules change their minds.
"""

from __future__ import annotations

import copy
import os
import warnings
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from policy.binding import bound

# The myositis source with the shared statements and parameters it includes.
POLICY = "ivig-myositis"
SOURCE = bound(POLICY).source
PARAMS: dict[str, Any] = {key: p.value for key, p in SOURCE.parameters.items()}
GROUPS = SOURCE.code_groups

# The contract's vocabularies and limits, as section 4 of the brief states them.
TYPES = ("initial", "continuation")
SEXES = ("male", "female", "unknown")
IGA = ("normal", "deficient", "unknown")
THERAPIES = (
    "corticosteroid", "methotrexate", "azathioprine", "mycophenolate", "tacrolimus",
    "cyclosporine", "cyclophosphamide", "rituximab", "jak_inhibitor", "plasma_exchange",
)
SIGNS = ("improved", "unchanged", "worsened")
RASH = (*SIGNS, "absent")
CK = ("decreased", "unchanged", "increased")
CM_PER_INCH = Decimal("2.54")  # the definition of the inch
KG_PER_LB = Decimal("0.45359237")  # the definition of the pound
HEIGHT_CM = (30, 250)
WEIGHT_KG = (1, 400)
AGE_YEARS = (0, 120)
DAYS = (1, 14)
INTERVAL_DAYS = (1, 365)
COURSES = (1, 24)



def examples(count: int) -> int:
    """A test's example count, scaled by POLICY_EXAMPLES_SCALE for longer runs by hand."""
    return max(1, round(count * float(os.environ.get("POLICY_EXAMPLES_SCALE", "1"))))


# --- diagnosis codes ------------------------------------------------------------

with warnings.catch_warnings():
    # The code table reads its data through importlib.resources calls some Python versions deprecate.
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm as icd_table


def dotted(bare: str) -> str:
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def billable_codes(prefix: str) -> list[str]:
    """Every billable code at or under a dotted prefix, dotted."""
    bare = prefix.replace(".", "")
    if icd_table.is_leaf(bare):
        return [dotted(bare)]
    return sorted(dotted(c.replace(".", "")) for c in icd_table.get_descendants(bare) if icd_table.is_leaf(c))


def group_of(code: str) -> str | None:
    """The policy code group a dotted code belongs to (prefix match, as policy.toml says)."""
    found = [key for key, group in GROUPS.items() if any(code.startswith(p) for p in group.prefixes)]
    return found[0] if found else None


GROUP_CODES: dict[str, tuple[str, ...]] = {
    key: tuple(sorted({code for prefix in group.prefixes for code in billable_codes(prefix)}))
    for key, group in GROUPS.items()
}
# Neighbours of the policy's codes (same chapters and blocks) and a few unrelated
# conditions: billable, and in no group of the policy.
_NEIGHBOURHOODS = ("G71.0", "G72", "M32.1", "M35.0", "M36", "M60", "M62.8", "M79.1")
_UNRELATED = ("E11.9", "J45.909", "Z99.89", "I10")
OUT_OF_SCOPE: tuple[str, ...] = tuple(sorted(
    {code for prefix in _NEIGHBOURHOODS for code in billable_codes(prefix) if group_of(code) is None}
    | set(_UNRELATED)
))
OUT_OF_SCOPE_KEY = "out_of_scope"
for _code in OUT_OF_SCOPE:
    assert icd_table.is_leaf(_code.replace(".", "")) and group_of(_code) is None, _code
assert all(GROUP_CODES.values()), "every code group of policy.toml has billable codes"

# Spectrum codes first and most often: shrinking heads for the approvable case.
_GROUP_DRAW = ("spectrum",) * 6 + tuple(k for k in GROUPS if k != "spectrum") + (OUT_OF_SCOPE_KEY,)


def written(code: str) -> st.SearchStrategy[str]:
    """A code as a sender may write it: with or without the dot, in any case."""
    bare = code.replace(".", "")
    return st.sampled_from((code, bare, code.lower(), bare.lower(), code.capitalize() if code[0].isalpha() else code))


def codes_in(group: str) -> st.SearchStrategy[str]:
    pool = OUT_OF_SCOPE if group == OUT_OF_SCOPE_KEY else GROUP_CODES[group]
    return st.sampled_from(pool)


def diagnosis_codes(groups: tuple[str, ...] = _GROUP_DRAW) -> st.SearchStrategy[str]:
    return st.sampled_from(groups).flatmap(codes_in)


@st.composite
def diagnoses(draw: st.DrawFn) -> list[str]:
    first = draw(diagnosis_codes())
    extra = draw(st.lists(diagnosis_codes(), max_size=2))
    return [draw(written(code)) for code in (first, *extra)]


# --- numbers --------------------------------------------------------------------


def _near(value: float | int, *steps: float) -> list[float | int]:
    """A threshold, the threshold written as a float, and the values just around it."""
    found: list[float | int] = [value, float(value)]
    for step in steps:
        found += [float(Decimal(str(value)) - Decimal(str(step))), float(Decimal(str(value)) + Decimal(str(step)))]
    return found


# The smallest valid request: other tests change one part of a copy.
TINY_REQUEST = {
    "policy": POLICY, "id": "PA-TINY", "type": "initial", "diagnoses": ["M60.80"],
    "regimen": {"dose_g_per_kg": 1e-05, "days": 2, "interval_days": 28},
}


def number(low: float, high: float, boundaries: list[float | int], *, above_low: bool = False) -> st.SearchStrategy[float | int]:
    """A JSON number within [low, high] (or (low, high]), thresholds emphasised."""
    inside = [b for b in boundaries if (low < b if above_low else low <= b) and b <= high]
    whole = st.integers(int(low) + (1 if above_low or int(low) < low else 0), int(high))
    # Any float at all, the smallest ones included (1e-05 once crashed the engine, see
    # test_properties.py::test_a_request_with_a_tiny_figure_is_assessed).
    real = st.floats(low, high, exclude_min=above_low, allow_nan=False, allow_infinity=False)
    return st.one_of(st.sampled_from(inside), whole, real)


def integer(low: int, high: int, boundaries: list[float | int]) -> st.SearchStrategy[int]:
    inside = sorted({int(b) for b in boundaries if float(b).is_integer() and low <= b <= high})
    return st.one_of(st.sampled_from(inside), st.integers(low, high))


def to_inches(cm: float | int) -> float:
    return float(Decimal(str(cm)) / CM_PER_INCH)


def to_pounds(kg: float | int) -> float:
    return float(Decimal(str(kg)) / KG_PER_LB)


SHORT = PARAMS["short_stature_cm"]
HEIGHTS_CM = number(*HEIGHT_CM, [*_near(SHORT, 0.1, 1), 150, 162.6, 175, 190, *HEIGHT_CM])
# The inch limits are the centimetre limits converted, kept just inside by rounding inwards.
HEIGHTS_IN = number(
    float(round(to_inches(HEIGHT_CM[0]) + 0.001, 3)), float(round(to_inches(HEIGHT_CM[1]) - 0.001, 3)),
    [*_near(to_inches(SHORT), 0.1, 1), 64, 70],
)
WEIGHTS_KG = number(*WEIGHT_KG, [40, 54.7, 55, 70, 100, 150, *WEIGHT_KG])
WEIGHTS_LB = number(
    float(round(to_pounds(WEIGHT_KG[0]) + 0.001, 3)), float(round(to_pounds(WEIGHT_KG[1]) - 0.001, 3)),
    [100, 154, 220, 330],
)
AGES = number(*AGE_YEARS, [*_near(PARAMS["adult_age_years"], 0.1, 1), 8, 52, *AGE_YEARS])
DOSES = number(0, 100, [*_near(PARAMS["max_dose_g_per_kg"], 0.1, 0.5), 0.4, 1, 1.0, 100], above_low=True)
COURSE_TOTALS = number(
    0, 100_000, [*_near(PARAMS["high_course_g"], 0.1, 1), 30, 110, 110.0, 140, 200], above_low=True
)
DAY_VALUES = integer(*DAYS, [
    *_near(PARAMS["min_course_days"], 1), *_near(PARAMS["max_course_days"], 1),
    *_near(PARAMS["high_course_min_days"], 1), *_near(PARAMS["short_course_days"], 1), *DAYS,
])
INTERVALS = integer(*INTERVAL_DAYS, [*_near(PARAMS["min_interval_days"], 1, 7), *INTERVAL_DAYS])
COURSE_COUNTS = integer(*COURSES, [*_near(PARAMS["max_courses"], 1), *COURSES])
PLASMAPHERESIS_DAYS = integer(0, 365, [*_near(PARAMS["plasmapheresis_window_days"], 1), 0, 365])
WEEKS = number(0, 1040, [*_near(PARAMS["trial_weeks"], 0.1, 1), 0, 16, 52])


# --- documents ------------------------------------------------------------------


def nullable(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An optional field's value: the value, or null (the key may also be left out)."""
    return st.one_of(strategy, st.none())


ids = st.one_of(
    st.sampled_from(["PA-2026-0001", "PA-1"]),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).filter(lambda s: s.strip() != ""),
)
products = st.one_of(
    st.sampled_from(["Octagam 10%", "Privigen", "Gamunex-C", "Panzyga"]),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).filter(lambda s: s.strip() != ""),
)


@st.composite
def patients(draw: st.DrawFn, complete: bool = False) -> dict[str, Any]:
    """A patient; a complete one states the sex as male or female, a height and a weight."""
    patient: dict[str, Any] = draw(st.fixed_dictionaries({}, optional={"age_years": nullable(AGES)}))
    if complete:
        patient["sex"] = draw(st.sampled_from(SEXES[:2]))
    else:
        patient.update(draw(st.fixed_dictionaries({}, optional={"sex": nullable(st.sampled_from(SEXES))})))
    for metric, imperial, metric_values, imperial_values in (
        ("height_cm", "height_in", HEIGHTS_CM, HEIGHTS_IN),
        ("weight_kg", "weight_lb", WEIGHTS_KG, WEIGHTS_LB),
    ):
        # One unit of each pair, or none; the other may still be sent as null.
        unit = draw(st.sampled_from((metric, metric, imperial) if complete else (metric, metric, imperial, None)))
        if unit is not None:
            patient[unit] = draw(metric_values if unit == metric else imperial_values)
        other = imperial if unit == metric else metric
        if draw(st.integers(0, 5)) == 0:
            patient[other] = None
    return patient


@st.composite
def day_spans(draw: st.DrawFn, usual: bool = False) -> int | list[int]:
    """Days as a number or a [min, max] range; usual ones lie within the policy's 2 to 5."""
    values = st.integers(PARAMS["min_course_days"], PARAMS["max_course_days"]) if usual else DAY_VALUES
    low = draw(values)
    if draw(st.booleans()):
        return low
    high = draw(values.filter(lambda d: d >= low) | st.integers(low, PARAMS["max_course_days"] if usual else DAYS[1]))
    return [low, high]


USUAL_DOSES = st.one_of(st.sampled_from(_near(PARAMS["max_dose_g_per_kg"], 0.1)), st.floats(0.4, 2.5))
USUAL_COURSE_TOTALS = st.one_of(
    st.sampled_from(_near(PARAMS["high_course_g"], 0.1)), st.integers(20, 200), st.floats(20, 200)
)
USUAL_INTERVALS = st.one_of(st.sampled_from([PARAMS["min_interval_days"], 30, 35, 42, 56]), INTERVALS)


@st.composite
def regimens(draw: st.DrawFn, stated: tuple[str, ...] = (), usual: bool = False) -> dict[str, Any]:
    regimen: dict[str, Any] = {
        "days": draw(day_spans(usual)),
        "interval_days": draw(USUAL_INTERVALS if usual else INTERVALS),
    }
    choices = [("dose_g_per_kg",), ("course_total_g",), ("dose_g_per_kg", "course_total_g")]
    figures = draw(st.sampled_from([c for c in choices if set(stated) <= set(c)]))
    values = {
        "dose_g_per_kg": USUAL_DOSES if usual else DOSES,
        "course_total_g": USUAL_COURSE_TOTALS if usual else COURSE_TOTALS,
    }
    for name in values:
        if name in figures:
            regimen[name] = draw(values[name])
        elif draw(st.integers(0, 4)) == 0:
            regimen[name] = None
    regimen.update(draw(st.fixed_dictionaries({}, optional={
        "courses": nullable(COURSE_COUNTS),
        "product": nullable(products),
        "reduced_iga": nullable(st.booleans()),
    })))
    return regimen


RESPONSE_FIELDS = {
    "weeks_on_therapy": WEEKS,
    "strength": st.sampled_from(SIGNS),
    "function": st.sampled_from(SIGNS),
    "rash": st.sampled_from(RASH),
    "ck": st.sampled_from(CK),
    "complete_response": st.booleans(),
}
responses = st.fixed_dictionaries({}, optional={name: nullable(values) for name, values in RESPONSE_FIELDS.items()})
complete_responses = st.fixed_dictionaries(RESPONSE_FIELDS)


@st.composite
def valid_requests(draw: st.DrawFn, stated: tuple[str, ...] = ()) -> dict[str, Any]:
    """A request document that the contract accepts.

    Half are plausible requests (a complete patient, codes in the spectrum, a usual
    schedule, a complete response), so that approvals and single changes are common;
    the rest use anything the contract allows. Shrinking heads for the plausible kind.
    `stated` names regimen figures (dose_g_per_kg, course_total_g) that must be given.
    """
    plausible = not draw(st.booleans())
    kind = draw(st.sampled_from(TYPES))
    codes = st.lists(diagnosis_codes(("spectrum",)), min_size=1, max_size=2).flatmap(
        lambda found: st.tuples(*(written(code) for code in found)).map(list)
    )
    document: dict[str, Any] = {"policy": POLICY, "id": draw(ids), "type": kind,
                                "diagnoses": draw(codes if plausible else diagnoses())}
    optional: dict[str, st.SearchStrategy[Any]] = {
        "date_of_service": nullable(st.dates().map(lambda d: d.isoformat())),
        "severe_acute": nullable(st.booleans()),
        "concurrent_therapies": nullable(st.lists(st.sampled_from(THERAPIES), max_size=4)),
        "iga": nullable(st.sampled_from(IGA)),
        "cardiac_dysfunction": nullable(st.booleans()),
    }
    if plausible:
        document["patient"] = draw(patients(complete=True))
        if draw(st.integers(0, 3)) == 0:
            optional["plasmapheresis_days_after_course"] = PLASMAPHERESIS_DAYS
    else:
        optional["patient"] = nullable(patients())
        optional["plasmapheresis_days_after_course"] = nullable(PLASMAPHERESIS_DAYS)
    document.update(draw(st.fixed_dictionaries({}, optional=optional)))
    document["regimen"] = draw(regimens(stated, usual=plausible))
    # Continuations mostly carry their response; initial requests now and then do too.
    if plausible and kind == "continuation":
        document["response"] = draw(complete_responses)
    elif draw(st.integers(0, 9)) < (8 if kind == "continuation" else 2):
        document["response"] = draw(responses)
    elif draw(st.booleans()):
        document["response"] = None
    return document


def fresh(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy to change without touching the drawn document."""
    return copy.deepcopy(document)


# --- requests with a known finding ----------------------------------------------

# Statement IDs from the catalog of the brief (section 1), by the effect it gives them.
DENY_STATEMENTS = frozenset({"DX-IBM", "DX-OTHER-CAUSE", "DX-SCOPE", "MON-NO-RESPONSE"})
PEND_STATEMENTS = frozenset({"DX-UNSPECIFIED", "PIT-MONOTHERAPY", "PIT-PLASMAPHERESIS"})
CHANGE_STATEMENTS = frozenset({
    "DOSE-TOTAL", "DOSE-DAYS", "DOSE-INTERVAL", "DOSE-COURSES", "SAFE-IGA-PRODUCT",
})
# Which deny statement each excluding code group triggers (DX-IBM, DX-OTHER-CAUSE).
EXCLUDING_GROUPS = {"inclusion_body": "DX-IBM", "other_cause": "DX-OTHER-CAUSE"}
NOT_IMPROVED = tuple(s for s in SIGNS if s != "improved")
RASH_NOT_IMPROVED = tuple(r for r in RASH if r != "improved")


@st.composite
def deny_findings(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid request given one finding the brief says denies, and that statement's ID."""
    document = fresh(draw(valid_requests()))
    how = draw(st.sampled_from((*EXCLUDING_GROUPS, "out_of_scope", "no_response")))
    if how in EXCLUDING_GROUPS:
        code = draw(written(draw(codes_in(how))))
        position = draw(st.integers(0, len(document["diagnoses"])))
        document["diagnoses"].insert(position, code)
        return document, EXCLUDING_GROUPS[how]
    if how == "out_of_scope":
        document["diagnoses"] = [draw(written(c)) for c in draw(st.lists(codes_in(OUT_OF_SCOPE_KEY), min_size=1, max_size=3))]
        return document, "DX-SCOPE"
    document["type"] = "continuation"
    response = document.get("response") or {}
    response.update(
        weeks_on_therapy=draw(number(PARAMS["trial_weeks"], 1040, _near(PARAMS["trial_weeks"], 0.1, 1))),
        strength=draw(st.sampled_from(NOT_IMPROVED)),
        function=draw(st.sampled_from(NOT_IMPROVED)),
        rash=draw(st.sampled_from(RASH_NOT_IMPROVED)),
    )
    document["response"] = response
    return document, "MON-NO-RESPONSE"


@st.composite
def missing_data(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid request lacking data its decision needs (sections 3.2 and 3.6), and the statement that needs it."""
    how = draw(st.sampled_from(("no_response", "no_measure", "no_sex", "no_weeks", "sign_unstated")))
    if how in ("no_response", "no_weeks", "sign_unstated"):
        document = fresh(draw(valid_requests()))
        document["type"] = "continuation"
        if how == "no_response":
            if draw(st.booleans()):
                document.pop("response", None)
            else:
                document["response"] = None
            return document, "MON-NO-RESPONSE"
        response = document.get("response") or {}
        response.update(
            strength=draw(st.sampled_from(NOT_IMPROVED)),
            function=draw(st.sampled_from(NOT_IMPROVED)),
            rash=draw(st.sampled_from(RASH_NOT_IMPROVED)),
        )
        if how == "no_weeks":
            response.pop("weeks_on_therapy", None)
            if draw(st.booleans()):
                response["weeks_on_therapy"] = None
        else:
            # Weeks at or past the trial: whether any sign improved decides, and one is unknown.
            response["weeks_on_therapy"] = draw(number(PARAMS["trial_weeks"], 1040, [PARAMS["trial_weeks"]]))
            unknown = draw(st.sampled_from(("strength", "function", "rash")))
            if draw(st.booleans()):
                del response[unknown]
            else:
                response[unknown] = None
        document["response"] = response
        return document, "MON-NO-RESPONSE"
    # Grams need a dosing weight; take away what it is computed from.
    document = fresh(draw(valid_requests(stated=("course_total_g",))))
    patient = document.get("patient") or {}
    if how == "no_measure":
        pair = draw(st.sampled_from((("height_cm", "height_in"), ("weight_kg", "weight_lb"))))
        for name in pair:
            patient.pop(name, None)
    else:
        # IBW needs the sex only for an adult of at least the short-stature height.
        stated = [name for name in ("height_cm", "height_in") if patient.get(name) is not None]
        if not stated:
            patient.pop("height_in", None)
            patient["height_cm"] = draw(number(SHORT, HEIGHT_CM[1], [SHORT, 175]))
        elif stated[0] == "height_cm":
            patient["height_cm"] = max(patient["height_cm"], SHORT)
        else:
            patient["height_in"] = max(patient["height_in"], to_inches(SHORT))
        if patient.get("weight_kg") is None and patient.get("weight_lb") is None:
            patient.pop("weight_lb", None)
            patient["weight_kg"] = draw(WEIGHTS_KG)
        age = draw(st.sampled_from(("absent", None, PARAMS["adult_age_years"], AGE_YEARS[1])))
        if age == "absent":
            patient.pop("age_years", None)
        else:
            patient["age_years"] = age
        sex = draw(st.sampled_from(("absent", None, "unknown")))
        if sex == "absent":
            patient.pop("sex", None)
        else:
            patient["sex"] = sex
    document["patient"] = patient
    return document, "DOSE-WEIGHT"
