"""An independent reading of the ivig-cidp brief, as plain Python.

`expected(document)` gives, from `/work/shared/spec/ivig-cidp.md` (and the
shared dosing-weight and rounding rules of `ivig-myositis.md` sections 2,
3.1 and 3.2) alone, what the determination for a VALID ivig-cidp request
should say. It was written without reading the package's rules; the test
compares the package with it, so a wrong rule in either shows up as a
disagreement.

Readings of points the brief leaves open are marked "READING" with the
section they come from.

All arithmetic is decimal.Decimal on the decimal text of the request's
numbers (`Decimal(str(x))`), never binary floats.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

D = Decimal

# ---- parameters named by the briefs ---------------------------------------
CM_PER_INCH = D("2.54")            # myositis 3.1: height in inches = cm / 2.54
KG_PER_LB = D("0.45359237")        # the pound (myositis 4: weight_lb accepted)
SHORT_CM = D("152.4")              # myositis 3.1: shorter than 152.4 cm -> actual weight
ADULT_AGE = D(18)                  # myositis 3.1: under 18 -> actual weight
IBW_BASE = {"male": D(50), "female": D("45.5")}   # Devine
IBW_PER_INCH = D("2.3")
IBW_FROM_INCHES = D(60)
VIAL_G = D(5)                      # myositis 3.2: nearest 5 g, halves up

LOADING_G_PER_KG = D("2.0")        # cidp DOSE-LOADING
LOADING_DAYS = (2, 5)
MAINT_G_PER_KG = D("1.0")          # cidp DOSE-MAINTENANCE
MAINT_DAYS = (1, 2)
INTERVAL_FLOOR = 21                # cidp DOSE-MAINT-INTERVAL
INTERVAL_FLOOR_EOD = 14            # ... with documented end-of-dose deterioration
INITIAL_COURSES = 4                # cidp DOSE-DURATION
CONTINUATION_DAYS = 182            # 26 weeks
INCAT_IMPROVED = -1                # cidp 3.4: incat_change <= -1 is an improvement
COURSES_FOR_FAILURE = 5            # cidp MON-RESPONSE
TAPER_WEEKS = D(52)                # cidp MON-TAPER

COVERED = {"G6181"}                # cidp 3.1
REVIEW = {"G6189", "G619"}

ALWAYS_CONDITIONS = {"SAFE-CARDIAC", "SAFE-HYDRATION"}   # shared 1.2 / myositis 3.4

DOSING_FIGURES = (
    "dosing_weight_kg", "weight_basis", "ideal_body_weight_kg",
    "loading_max_g", "maintenance_max_g", "loading_requested_g", "maintenance_requested_g",
)


def dec(value: Any) -> Decimal | None:
    return None if value is None else D(str(value))


def one_decimal(value: Decimal | None) -> Decimal | None:
    """cidp 3.3: every gram and kilogram figure at one decimal, halves up."""
    return None if value is None else value.quantize(D("0.1"), rounding=ROUND_HALF_UP)


def allowed_maximum(cap: Decimal) -> Decimal:
    """myositis 3.2 / cidp 3.3: the larger of cap and cap rounded to the nearest
    5 g (halves up). Returned unrounded; reported (and compared) at one decimal."""
    to_vial = (cap / VIAL_G).quantize(D(1), rounding=ROUND_HALF_UP) * VIAL_G
    return max(cap, to_vial)


def days_pair(days: Any) -> tuple[int, int]:
    """myositis 3.3: a number n means [n, n]."""
    if isinstance(days, int):
        return (days, days)
    return (int(days[0]), int(days[1]))


def clamp_days(days: tuple[int, int], bounds: tuple[int, int]) -> tuple[int, int]:
    """Each end outside the bounds moves to the nearest bound (myositis DOSE-DAYS)."""
    low, high = bounds
    return (min(max(days[0], low), high), min(max(days[1], low), high))


# ---- DOSE-WEIGHT (myositis 3.1) -------------------------------------------

def dosing_weight(patient: dict[str, Any] | None) -> dict[str, Any]:
    """The dosing weight, its basis, the IBW (all unrounded) and the missing paths."""
    patient = patient or {}
    if patient.get("height_cm") is not None:
        height_cm = dec(patient["height_cm"])
        height_in = height_cm / CM_PER_INCH
    elif patient.get("height_in") is not None:
        height_in = dec(patient["height_in"])
        height_cm = height_in * CM_PER_INCH
    else:
        height_cm = height_in = None
    if patient.get("weight_kg") is not None:
        weight = dec(patient["weight_kg"])
    elif patient.get("weight_lb") is not None:
        weight = dec(patient["weight_lb"]) * KG_PER_LB
    else:
        weight = None
    sex = patient.get("sex") if patient.get("sex") in IBW_BASE else None
    age = dec(patient.get("age_years"))  # absent: adult (myositis 3.1)
    minor = age is not None and age < ADULT_AGE

    # myositis 3.1: "no IBW when sex or height is missing"; otherwise the IBW
    # is computed (and reported) even when it is not the dosing basis.
    ibw = None
    if sex is not None and height_in is not None:
        ibw = IBW_BASE[sex] + IBW_PER_INCH * (height_in - IBW_FROM_INCHES)

    short = height_cm is not None and height_cm < SHORT_CM   # 152.4 itself is not shorter
    # READING (myositis 3.1 "Height and weight are always needed; sex (male or
    # female) is needed whenever IBW is"): height and weight are listed
    # whenever absent, even for a patient under 18 ("always"). Sex is needed
    # when IBW may be used: an adult (age absent counts as adult) who is not
    # known to be shorter than 152.4 cm; so with height absent too, an
    # adult's missing sex is listed as well.
    missing = []
    if height_cm is None:
        missing.append("patient.height_cm")
    if weight is None:
        missing.append("patient.weight_kg")
    if sex is None and not minor and not short:
        missing.append("patient.sex")

    weight_for_dosing = basis = None
    if not missing:
        if minor or short:
            weight_for_dosing, basis = weight, "actual"
        # READING (DOSE-WEIGHT "Actual weight is used instead when it is lower
        # than IBW"): at a tie the IBW is used, basis "ideal".
        elif weight < ibw:
            weight_for_dosing, basis = weight, "actual"
        else:
            weight_for_dosing, basis = ibw, "ideal"
    return {"weight": weight_for_dosing, "basis": basis, "ibw": ibw, "missing": missing}


# ---- the determination ----------------------------------------------------

def _code(code: str) -> str:
    return code.replace(".", "").upper()


def expected(document: dict[str, Any]) -> dict[str, Any]:
    """What the brief says the determination of a valid ivig-cidp request is.

    Returns decision; reasons {statement: sorted missing tuple (empty when no
    data is missing)}; changes {(statement, field, requested, authorized)} with
    numbers as Decimal and days as tuples; conditions, advice, monitoring
    (sets of statement IDs); dosing (the seven figures, numbers as Decimal at
    one decimal); authorized (None for pend/deny, else the regimen with every
    change applied, same normal form).
    """
    doc = document
    initial = doc["type"] == "initial"
    continuation = not initial
    regimen = doc["regimen"]
    loading = regimen.get("loading")
    response = doc.get("response")
    codes = {_code(c) for c in doc["diagnoses"]}

    reasons: dict[str, tuple[str, ...]] = {}
    deny: set[str] = set()
    changes: set[tuple[Any, ...]] = set()
    conditions = set(ALWAYS_CONDITIONS)
    advice: set[str] = set()

    def pend(statement: str, *missing: str) -> None:
        reasons[statement] = tuple(sorted(set(reasons.get(statement, ())) | set(missing)))

    def change(statement: str, field: str, requested: Any, authorized: Any) -> None:
        changes.add((statement, field, requested, authorized))

    # -- 3.1 diagnosis -------------------------------------------------------
    covered = bool(codes & COVERED)
    review = bool(codes & REVIEW)
    if review and not covered:
        pend("DX-REVIEW")
    if not covered and not review:
        # G61.0 and G61.82 alone fall here too; beside a code of the groups
        # they change nothing (section 1.1 DX-SCOPE).
        deny.add("DX-SCOPE")
        reasons["DX-SCOPE"] = ()

    # -- 3.2 initial-request criteria ---------------------------------------
    if initial:
        edx = doc.get("electrodiagnostic")
        if edx == "not_supportive":
            pend("DX-EDX")
        elif edx != "supportive":          # not_done or absent
            pend("DX-EDX", "electrodiagnostic")
    specialty = doc.get("prescriber_specialty")
    if specialty == "other":
        pend("RX-SPECIALIST")
    elif specialty != "neurology":         # unknown or absent
        pend("RX-SPECIALIST", "prescriber_specialty")

    # -- 3.3 dosing ----------------------------------------------------------
    weight = dosing_weight(doc.get("patient"))
    dw = weight["weight"]
    loading_max = one_decimal(allowed_maximum(LOADING_G_PER_KG * dw)) if dw is not None else None
    maint_max = one_decimal(allowed_maximum(MAINT_G_PER_KG * dw)) if dw is not None else None

    def requested_g(course: dict[str, Any] | None) -> Decimal | None:
        # myositis 3.2: course_total_g if stated, else g/kg x dosing weight.
        # READING (cidp 3.3 "cap = g/kg limit x the unrounded dosing weight";
        # nothing says otherwise for the requested figure): the requested
        # g/kg is multiplied by the UNROUNDED dosing weight, then reported at
        # one decimal. A stated total is reported as stated (at one decimal).
        if course is None:
            return None
        if course.get("course_total_g") is not None:
            return one_decimal(dec(course["course_total_g"]))
        if dw is not None and course.get("dose_g_per_kg") is not None:
            return one_decimal(dec(course["dose_g_per_kg"]) * dw)
        return None

    grams_stated = regimen.get("course_total_g") is not None or (
        loading is not None and loading.get("course_total_g") is not None)
    if grams_stated and dw is None:
        pend("DOSE-WEIGHT", *weight["missing"])

    authorized_loading = None
    if loading is not None:
        auth = {"dose_g_per_kg": dec(loading.get("dose_g_per_kg")),
                "course_total_g": dec(loading.get("course_total_g")),
                "days": days_pair(loading["days"])}
        dose = auth["dose_g_per_kg"]
        if dose is not None and dose > LOADING_G_PER_KG:
            change("DOSE-LOADING", "loading.dose_g_per_kg", dose, LOADING_G_PER_KG)
            auth["dose_g_per_kg"] = LOADING_G_PER_KG
        total = auth["course_total_g"]
        # cidp 3.3: "a stated course total is compared with the reported
        # (one-decimal) maximum"
        if total is not None and loading_max is not None and total > loading_max:
            change("DOSE-LOADING", "loading.course_total_g", total, loading_max)
            auth["course_total_g"] = loading_max
        clamped = clamp_days(auth["days"], LOADING_DAYS)
        if clamped != auth["days"]:
            change("DOSE-LOADING", "loading.days", auth["days"], clamped)
            auth["days"] = clamped
        authorized_loading = auth
        if continuation:
            pend("DOSE-RELOAD")

    maint = {"dose_g_per_kg": dec(regimen.get("dose_g_per_kg")),
             "course_total_g": dec(regimen.get("course_total_g")),
             "days": days_pair(regimen["days"])}
    dose = maint["dose_g_per_kg"]
    if dose is not None and dose > MAINT_G_PER_KG:
        change("DOSE-MAINTENANCE", "dose_g_per_kg", dose, MAINT_G_PER_KG)
        maint["dose_g_per_kg"] = MAINT_G_PER_KG
    total = maint["course_total_g"]
    if total is not None and maint_max is not None and total > maint_max:
        change("DOSE-MAINTENANCE", "course_total_g", total, maint_max)
        maint["course_total_g"] = maint_max
    clamped = clamp_days(maint["days"], MAINT_DAYS)
    if clamped != maint["days"]:
        change("DOSE-MAINTENANCE", "days", maint["days"], clamped)
        maint["days"] = clamped

    interval = int(regimen["interval_days"])
    floor = INTERVAL_FLOOR_EOD if doc.get("end_of_dose_deterioration") is True else INTERVAL_FLOOR
    authorized_interval = max(interval, floor)
    if authorized_interval != interval:
        change("DOSE-MAINT-INTERVAL", "interval_days", interval, authorized_interval)

    if initial:
        limit = INITIAL_COURSES
    else:
        # cidp 3.3: on the interval after DOSE-MAINT-INTERVAL, at least one.
        limit = max(1, int((D(CONTINUATION_DAYS) / D(authorized_interval)).to_integral_value(ROUND_FLOOR)))
    courses = regimen.get("courses")
    if courses is None:
        authorized_courses = limit
    elif courses > limit:
        change("DOSE-DURATION", "courses", courses, limit)
        authorized_courses = limit
    else:
        authorized_courses = courses

    # -- shared safety (myositis 3.4) ---------------------------------------
    iga = doc.get("iga")
    if initial and iga in (None, "unknown"):
        conditions.add("SAFE-IGA-SCREEN")
    reduced_iga = regimen.get("reduced_iga")
    if iga == "deficient" and reduced_iga is not True:
        change("SAFE-IGA-PRODUCT", "reduced_iga", reduced_iga, True)
        reduced_iga = True

    # -- 3.4 continuation ----------------------------------------------------
    if continuation:
        advice.add("MON-LOWEST-DOSE")
        if response is None:
            pend("MON-RESPONSE", "response")
        else:
            incat = response.get("incat_change")
            received = response.get("courses_received")
            if incat is None:
                pend("MON-RESPONSE", "response.incat_change")
            elif incat <= INCAT_IMPROVED:
                pass  # met, whatever courses_received says or lacks
            elif received is None:
                pend("MON-RESPONSE", "response.courses_received")
            elif received >= COURSES_FOR_FAILURE:
                deny.add("MON-RESPONSE")
                reasons["MON-RESPONSE"] = ()
            else:
                advice.add("MON-EARLY")
            weeks = dec(response.get("weeks_on_therapy"))
            if weeks is not None and weeks >= TAPER_WEEKS and response.get("dose_reduction_attempted") is not True:
                conditions.add("MON-TAPER")

    # -- 2. decision ---------------------------------------------------------
    if deny:
        decision = "deny"
    elif reasons:
        decision = "pend"
    elif changes:
        decision = "modify"
    else:
        decision = "approve"

    authorized = None
    if decision in ("approve", "modify"):
        authorized = {
            "loading": authorized_loading,
            "dose_g_per_kg": maint["dose_g_per_kg"],
            "course_total_g": maint["course_total_g"],
            "days": maint["days"],
            "interval_days": authorized_interval,
            "courses": authorized_courses,
            "reduced_iga": reduced_iga,
        }

    dosing = {
        "dosing_weight_kg": one_decimal(dw),
        "weight_basis": weight["basis"],
        "ideal_body_weight_kg": one_decimal(weight["ibw"]),
        "loading_max_g": loading_max,
        "maintenance_max_g": maint_max,
        "loading_requested_g": requested_g(loading),
        "maintenance_requested_g": requested_g(regimen),
    }
    return {
        "decision": decision,
        "reasons": reasons,
        "changes": changes,
        "conditions": conditions,
        "advice": advice,
        "monitoring": set(),   # no CIDP or shared statement is a monitoring item
        "dosing": dosing,
        "authorized": authorized,
    }


# ---- the package's determination in the same normal form ------------------

def normal(value: Any) -> Any:
    """Numbers as Decimal, lists as tuples, dicts recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return D(str(value))
    if isinstance(value, (list, tuple)):
        return tuple(normal(v) for v in value)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    return value


def comparable(value: Any) -> Any:
    """Decimal compared by value (2.0 == 2), tuples of ints kept as ints."""
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, (list, tuple)):
        return tuple(comparable(v) for v in value)
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return {comparable(v) for v in value}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return D(str(value)).normalize()
    return value


def observed(determination: dict[str, Any]) -> dict[str, Any]:
    """The package's determination (to_dict()) in `expected`'s normal form."""
    reasons: dict[str, tuple[str, ...]] = {}
    for reason in determination["reasons"]:
        statement = reason["statement"]
        missing = tuple(sorted(reason.get("missing") or ()))
        # a statement listed twice would show up as the union; duplicates are
        # checked separately by the test.
        reasons[statement] = tuple(sorted(set(reasons.get(statement, ())) | set(missing)))
    changes = {(c["statement"], c["field"], normal(c["requested"]), normal(c["authorized"]))
               for c in determination["changes"]}
    dosing = {k: (v if isinstance(v, str) or v is None else D(str(v))) for k, v in determination["dosing"].items()}
    authorized = determination["authorized"]
    if authorized is not None:
        authorized = dict(normal(authorized))
        if authorized.get("loading") is not None:
            authorized["loading"] = dict(authorized["loading"])
    return {
        "decision": determination["decision"],
        "reasons": reasons,
        "changes": changes,
        "conditions": {c["statement"] for c in determination["conditions"]},
        "advice": {a["statement"] for a in determination["advice"]},
        "monitoring": {m["statement"] for m in determination["monitoring"]},
        "dosing": dosing,
        "authorized": authorized,
    }


def differences(want: dict[str, Any], got: dict[str, Any]) -> list[tuple[str, str]]:
    """Field-by-field differences between expected and observed (normal forms),
    as (field, message) pairs."""
    out = []
    for key in ("decision", "reasons", "changes", "conditions", "advice", "monitoring"):
        if comparable(want[key]) != comparable(got[key]):
            out.append((key, f"{key}: expected {want[key]!r}, package {got[key]!r}"))
    for key in DOSING_FIGURES:
        if comparable(want["dosing"][key]) != comparable(got["dosing"].get(key)):
            out.append((f"dosing.{key}",
                        f"dosing.{key}: expected {want['dosing'][key]!r}, package {got['dosing'].get(key)!r}"))
    a, b = want["authorized"], got["authorized"]
    if (a is None) != (b is None):
        out.append(("authorized", f"authorized: expected {a!r}, package {b!r}"))
    elif a is not None:
        for key in ("interval_days", "courses", "dose_g_per_kg", "course_total_g", "days", "reduced_iga", "loading"):
            if comparable(a[key]) != comparable(b.get(key)):
                out.append((f"authorized.{key}", f"authorized.{key}: expected {a[key]!r}, package {b.get(key)!r}"))
    return out
