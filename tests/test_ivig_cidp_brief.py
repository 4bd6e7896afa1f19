"""The ivig-cidp package compared with an independent reading of its brief.

`tests/cidp_brief.py` reads `/work/shared/spec/ivig-cidp.md` as plain
Python; here a seeded generator of valid requests that sits on the brief's
thresholds feeds both, and every determination must agree field by field.
Hand-worked examples check the reading itself against the brief's numbers.
"""

from __future__ import annotations

import copy
import random
from decimal import Decimal as D
from typing import Any

import pytest

import policy

from cidp_brief import allowed_maximum, comparable, differences, dosing_weight, expected, observed, one_decimal

POLICY = "ivig-cidp"
SEED = 20260412
REQUESTS = 3000

# ---- the generator ----------------------------------------------------------

COVERED_AND_REVIEW = ["G61.81", "G61.89", "G61.9"]
OWN_CRITERIA = ["G61.0", "G61.82"]
OTHER_BILLABLE = ["G61.1", "G62.9", "G60.0", "M60.80", "G72.41", "E11.9"]


def _code_text(rng: random.Random, code: str) -> str:
    form = rng.random()
    if form < 0.15:
        return code.replace(".", "")
    if form < 0.25:
        return code.lower()
    if form < 0.3:
        return code.replace(".", "").lower()
    return code


def _diagnoses(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.45:
        codes = ["G61.81"]
    elif roll < 0.55:
        codes = [rng.choice(["G61.89", "G61.9"])]
    elif roll < 0.63:
        codes = [rng.choice(OWN_CRITERIA)]
    elif roll < 0.68:
        codes = [rng.choice(OTHER_BILLABLE)]
    else:
        pool = COVERED_AND_REVIEW + OWN_CRITERIA + OTHER_BILLABLE
        codes = rng.sample(pool, rng.choice([2, 2, 3]))
    return [_code_text(rng, c) for c in codes]


def _maybe(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def _patient(rng: random.Random, clean: bool) -> dict[str, Any] | None:
    if not clean and _maybe(rng, 0.04):
        return None
    patient: dict[str, Any] = {}
    sexes = ["male", "female"] if clean else ["male", "male", "male", "female", "female", "female", "unknown", None]
    sex = rng.choice(sexes)
    if sex is not None:
        patient["sex"] = sex
    age = rng.choice([17, 18, 17.9, 61, 45, 12, 80, None, None])
    if age is not None:
        patient["age_years"] = age
    roll = rng.random()
    if roll < 0.08:
        if not clean:
            pass  # no height
        else:
            patient["height_cm"] = 178
    elif roll < 0.1:
        patient["height_cm"] = rng.choice([30, 250])  # the contract's bounds
    elif roll < 0.16:
        patient["height_in"] = rng.choice([59.9, 60, 60.1, 65.5, 70])
    else:
        patient["height_cm"] = rng.choice([152.3, 152.4, 152.5, 178, 165, 160, 140, 190, 170.2, 183, 120])
    roll = rng.random()
    if roll < 0.08 and not clean:
        return patient  # no weight
    if 0.08 <= roll < 0.13:
        patient["weight_lb"] = rng.choice([110, 150.5, 203, 264])
        return patient
    weight = rng.choice([50, 92, 73.2, 60, 45, 120, 40, 150, 66.4])
    # Around the IBW, so that ideal/actual flips: the IBW rounded, +-0.1.
    ibw = dosing_weight({k: v for k, v in patient.items() if k != "age_years"})["ibw"]
    if ibw is not None and ibw > 2 and _maybe(rng, 0.35):
        weight = float(one_decimal(ibw) + rng.choice([D("-0.1"), D(0), D("0.1")]))
    patient["weight_kg"] = weight
    return patient


def _days(rng: random.Random, pairs: list[tuple[int, int]]) -> Any:
    if _maybe(rng, 0.2):
        return rng.randint(1, 7)
    return list(rng.choice(pairs))


def _grams(rng: random.Random, maximum: D | None, cap: D | None) -> float:
    """A stated course total near the allowed maximum (or the cap, or a vial multiple)."""
    if maximum is None:
        return float(rng.choice([40, 75, 120, 146.4, 200]))
    base = rng.choice([maximum, maximum, maximum, cap.quantize(D("0.01")), (maximum / 5).to_integral_value() * 5])
    offset = rng.choice([D("-5"), D("-0.1"), D("-0.05"), D(0), D(0), D("0.04"), D("0.05"), D("0.1"), D("1"), D("20")])
    value = base + offset
    if value <= 0:
        value = D("1")
    return float(value)


def _course(rng: random.Random, doses: list[float], per_kg: D, dw: D | None, pairs: list[tuple[int, int]]) -> dict[str, Any]:
    course: dict[str, Any] = {}
    form = rng.random()
    cap = None if dw is None else per_kg * dw
    maximum = None if cap is None else one_decimal(allowed_maximum(cap))
    if form < 0.65:
        course["dose_g_per_kg"] = rng.choice(doses)
    elif form < 0.85:
        course["course_total_g"] = _grams(rng, maximum, cap)
    else:
        course["dose_g_per_kg"] = rng.choice(doses)
        course["course_total_g"] = _grams(rng, maximum, cap)
    course["days"] = _days(rng, pairs)
    return course


LOADING_DAY_PAIRS = [(2, 5), (2, 5), (1, 1), (1, 2), (1, 6), (6, 7), (2, 2), (3, 5), (5, 5), (5, 6), (1, 14), (4, 8)]
MAINT_DAY_PAIRS = [(1, 2), (1, 2), (1, 1), (2, 2), (1, 3), (3, 4), (2, 3), (1, 14), (3, 3)]


def request(rng: random.Random, number: int) -> dict[str, Any]:
    """One valid ivig-cidp request, drawn around the brief's thresholds.

    About half the requests are "clean" (a CIDP code, supportive studies, a
    neurologist, full patient measures, an improving or early continuation,
    no re-induction) so that approve and modify, and the dosing thresholds
    behind them, are reached often; the rest draw every field freely.
    """
    kind = rng.choice(["initial", "continuation"])
    clean = _maybe(rng, 0.5)
    document: dict[str, Any] = {"policy": POLICY, "id": f"PA-CIDP-GEN-{number:05d}", "type": kind}
    if _maybe(rng, 0.3):
        document["date_of_service"] = "2026-12-01"
    patient = _patient(rng, clean)
    if patient is not None:
        document["patient"] = patient
    if clean:
        extra = rng.choice([[], [], [], ["G61.0"], ["G61.82"], ["G61.89"], ["G61.9"], ["G62.9"]])
        codes = ["G61.81"] + extra
        rng.shuffle(codes)
        document["diagnoses"] = [_code_text(rng, c) for c in codes]
    else:
        document["diagnoses"] = _diagnoses(rng)
    for field, values, clean_value in (
        ("electrodiagnostic", ["supportive", "supportive", "supportive", "not_supportive", "not_done", None], "supportive"),
        ("prescriber_specialty", ["neurology", "neurology", "neurology", "other", "unknown", None], "neurology"),
        ("iga", ["normal", "normal", "deficient", "unknown", None], None),
        ("end_of_dose_deterioration", [True, False, None], None),
    ):
        value = clean_value if clean and clean_value is not None else rng.choice(values)
        if value is not None:
            document[field] = value

    dw = dosing_weight(patient)["weight"]
    regimen: dict[str, Any] = {}
    if _maybe(rng, 0.6 if kind == "initial" else (0.0 if clean else 0.25)):
        regimen["loading"] = _course(rng, [1.0, 1.9, 1.99, 2.0, 2.0, 2.01, 2.1, 2.5, 0.4], D("2.0"), dw, LOADING_DAY_PAIRS)
    regimen.update(_course(rng, [0.4, 0.99, 1.0, 1.0, 1.01, 1.5, 2.0], D("1.0"), dw, MAINT_DAY_PAIRS))
    if _maybe(rng, 0.9):
        regimen["interval_days"] = rng.choice([13, 14, 20, 21, 28])
    else:
        regimen["interval_days"] = rng.choice([1, 7, 15, 42, 60, 61, 91, 92, 182, 183, 365])
    courses = rng.choice([3, 4, 5, 8, 9, 13, 14, None, None, 1, 6, 7, 12, 24])
    if courses is not None:
        regimen["courses"] = courses
    if _maybe(rng, 0.5):
        regimen["product"] = "Privigen"
    reduced = rng.choice([True, False, None])
    if reduced is not None:
        regimen["reduced_iga"] = reduced
    document["regimen"] = regimen

    if _maybe(rng, (1.0 if clean else 0.85) if kind == "continuation" else 0.15):
        response: dict[str, Any] = {}
        for field, values in (
            ("weeks_on_therapy", [51, 52, 51.9, 52.0, 0, 24, 104, None]),
            ("courses_received", [4, 5, None, 0, 3, 20]),
            ("incat_change", [-2, -1, 0, 1, None, -10, 10]),
            ("dose_reduction_attempted", [True, False, None]),
        ):
            value = rng.choice(values)
            if value is not None:
                response[field] = value
        if clean and kind == "continuation":
            # improving, or not improving after fewer than 5 courses
            response["incat_change"] = rng.choice([-2, -1, -1, 0, 1])
            if response["incat_change"] > -1:
                response["courses_received"] = rng.choice([0, 3, 4])
        document["response"] = response
    if clean and _maybe(rng, 0.25):
        _tidy(document)
    return document


def _tidy(document: dict[str, Any]) -> None:
    """Bring a clean request's regimen within the limits, so approvals are common too."""
    regimen = document["regimen"]
    for course, per_kg, days in ((regimen.get("loading"), 2.0, [2, 5]), (regimen, 1.0, [1, 2])):
        if course is None:
            continue
        if course.get("dose_g_per_kg", 0) > per_kg:
            course["dose_g_per_kg"] = per_kg
        course.pop("course_total_g", None)
        course.setdefault("dose_g_per_kg", per_kg)
        course["days"] = days
    regimen["interval_days"] = max(regimen["interval_days"], 21)
    regimen.pop("courses", None)
    document["iga"] = "normal"


def requests() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    return [request(rng, n) for n in range(REQUESTS)]


def assess(document: dict[str, Any]) -> dict[str, Any]:
    return policy.assess(copy.deepcopy(document), policy_id=POLICY).to_dict()


def disagreement(document: dict[str, Any]) -> list[str]:
    """Every difference between the package's determination and the reading of the brief."""
    determination = assess(document)
    found = [message for _field, message in differences(expected(document), observed(determination))]
    statements = [r["statement"] for r in determination["reasons"]]
    if len(statements) != len(set(statements)):
        found.append(f"reasons list a statement twice: {statements}")
    return found


# ---- the random comparison ----------------------------------------------------

def test_every_generated_request_gets_the_determination_the_brief_gives() -> None:
    """Every generated request gets, field by field, the determination the brief's reading gives."""
    failures = []
    for document in requests():
        unexplained = disagreement(document)
        if unexplained:
            failures.append((document, unexplained))
    if failures:
        shown = "\n\n".join(f"request: {doc}\n  " + "\n  ".join(probs[:4]) for doc, probs in failures[:5])
        pytest.fail(f"{len(failures)} of {REQUESTS} requests disagree with the brief; first ones:\n{shown}")


def test_the_generator_reaches_every_decision_and_threshold() -> None:
    """The generator reaches every decision and the thresholds it is meant to sit on."""
    documents = requests()
    decisions = {expected(d)["decision"] for d in documents}
    assert decisions == {"approve", "modify", "pend", "deny"}
    fields = {c[1] for d in documents for c in expected(d)["changes"]}
    assert fields == {"loading.dose_g_per_kg", "loading.course_total_g", "loading.days", "dose_g_per_kg",
                      "course_total_g", "days", "interval_days", "courses", "reduced_iga"}
    reasons = {r for d in documents for r in expected(d)["reasons"]}
    assert reasons == {"DX-REVIEW", "DX-SCOPE", "DX-EDX", "RX-SPECIALIST", "DOSE-WEIGHT", "DOSE-RELOAD", "MON-RESPONSE"}
    assert {"MON-TAPER", "SAFE-IGA-SCREEN"} <= {c for d in documents for c in expected(d)["conditions"]}
    assert {"MON-EARLY", "MON-LOWEST-DOSE"} <= {a for d in documents for a in expected(d)["advice"]}
    # a stated total exactly at, and just above, the reported maximum
    at = above = 0
    for d in documents:
        want = expected(d)["dosing"]
        total, maximum = d["regimen"].get("course_total_g"), want["maintenance_max_g"]
        if total is not None and maximum is not None:
            at += D(str(total)) == maximum
            above += D(str(total)) - maximum == D("0.1")
    assert at > 20 and above > 20


# ---- hand-worked examples -------------------------------------------------------
#
# Every expected figure below is worked out by hand from the brief (the
# arithmetic is in the comments), not copied from the program. Each example is
# checked against the package AND against the reading in cidp_brief.py.

def source_case() -> dict[str, Any]:
    """cidp section 5: 61-year-old man, 178 cm, 92 kg, G61.81 confirmed by nerve
    conduction studies, prescribed by his neurologist; loading 2 g/kg over 2-5
    days, then 1 g/kg over 1-2 days every 21 days, 4 courses; IgA normal."""
    return {
        "policy": POLICY, "id": "PA-CIDP-HAND-SOURCE", "type": "initial",
        "patient": {"sex": "male", "age_years": 61, "height_cm": 178, "weight_kg": 92},
        "diagnoses": ["G61.81"], "electrodiagnostic": "supportive", "prescriber_specialty": "neurology",
        "iga": "normal",
        "regimen": {"loading": {"dose_g_per_kg": 2.0, "days": [2, 5]},
                    "dose_g_per_kg": 1.0, "days": [1, 2], "interval_days": 21, "courses": 4},
    }


def continued(**response: Any) -> dict[str, Any]:
    """The source case's patient on a continuation (cidp section 4's response), no loading course."""
    document = source_case()
    document["id"] = "PA-CIDP-HAND-CONTINUED"
    document["type"] = "continuation"
    del document["regimen"]["loading"]
    del document["electrodiagnostic"]
    document["response"] = {"weeks_on_therapy": 24, "courses_received": 7, "incat_change": -2,
                            "dose_reduction_attempted": False}
    document["response"].update(response)
    return document


def check(document: dict[str, Any], decision: str, *, changes: set[tuple[Any, ...]] = frozenset(),
          reasons: dict[str, tuple[str, ...]] | None = None, conditions: set[str] | None = None,
          advice: set[str] | None = None, dosing: dict[str, Any] | None = None,
          interval: int | None = None, courses: int | None = None) -> dict[str, Any]:
    """Assert the hand-worked figures on the package's determination and on the reading."""
    determination = assess(document)
    for name, result in (("package", observed(determination)), ("reading", expected(document))):
        assert result["decision"] == decision, (name, result["decision"])
        assert comparable(result["changes"]) == comparable(set(changes)), (name, result["changes"])
        assert result["reasons"] == (reasons or {}), (name, result["reasons"])
        if conditions is not None:
            assert result["conditions"] == conditions, (name, result["conditions"])
        if advice is not None:
            assert result["advice"] == advice, (name, result["advice"])
        for key, value in (dosing or {}).items():
            assert comparable(result["dosing"][key]) == comparable(value), (name, key, result["dosing"][key])
        if decision in ("approve", "modify"):
            assert result["authorized"]["interval_days"] == interval, (name, result["authorized"])
            assert result["authorized"]["courses"] == courses, (name, result["authorized"])
        else:
            assert result["authorized"] is None, (name, result["authorized"])
    return determination


SAFETY = {"SAFE-CARDIAC", "SAFE-HYDRATION"}


def test_the_source_case_is_approved_with_the_loading_cap_standing_and_the_maintenance_cap_rounded_up() -> None:
    """The source case is approved: IBW 73.2 kg, loading maximum 146.4 g (cap
    stands), maintenance maximum 75.0 g (rounded up to the vial multiple)."""
    # height 178 / 2.54 = 70.0787 in; IBW = 50 + 2.3 x 10.0787 = 73.1811 kg -> 73.2
    # dosing weight = lower of 92 and 73.1811 = 73.1811 (ideal)
    # loading cap = 2.0 x 73.1811 = 146.3622; /5 = 29.27 -> 29 x 5 = 145 < cap -> 146.3622 -> 146.4
    # maintenance cap = 73.1811; /5 = 14.64 -> 15 x 5 = 75 > cap -> 75.0
    # requested: 2.0 x 73.1811 = 146.4; 1.0 x 73.1811 = 73.2
    determination = check(
        source_case(), "approve", conditions=SAFETY, advice=set(),
        dosing={"dosing_weight_kg": D("73.2"), "weight_basis": "ideal", "ideal_body_weight_kg": D("73.2"),
                "loading_max_g": D("146.4"), "maintenance_max_g": D("75.0"),
                "loading_requested_g": D("146.4"), "maintenance_requested_g": D("73.2")},
        interval=21, courses=4)
    outcomes = {s["id"]: s["outcome"] for s in determination["statements"]}
    assert {outcomes[s] for s in ("DX-CIDP", "DX-EDX", "RX-SPECIALIST")} == {"met"}
    assert determination["monitoring"] == []


def test_a_loading_total_at_the_uncapped_maximum_stands_and_one_tenth_more_is_cut_to_it() -> None:
    """A loading total of 146.4 g stands for the source patient, and 146.5 g is cut to 146.4 g."""
    # loading maximum 146.4 (the cap, rounding to 145 would lower it)
    document = source_case()
    document["regimen"]["loading"] = {"course_total_g": 146.4, "days": [2, 5]}
    check(document, "approve", dosing={"loading_max_g": D("146.4"), "loading_requested_g": D("146.4")},
          interval=21, courses=4)
    document["regimen"]["loading"]["course_total_g"] = 146.5
    check(document, "modify", changes={("DOSE-LOADING", "loading.course_total_g", D("146.5"), D("146.4"))},
          dosing={"loading_requested_g": D("146.5")}, interval=21, courses=4)


def test_a_maintenance_total_up_to_the_vial_multiple_stands_and_above_it_is_cut_to_75_g() -> None:
    """A maintenance total of 75 g (above the 73.18 g cap) stands; 75.1 g is cut to 75.0 g."""
    # maintenance cap 73.1811 -> rounded up to 75 -> allowed 75.0; 75 <= 75.0
    document = source_case()
    document["regimen"]["course_total_g"] = 75
    del document["regimen"]["dose_g_per_kg"]
    check(document, "approve", dosing={"maintenance_max_g": D("75.0"), "maintenance_requested_g": D("75.0")},
          interval=21, courses=4)
    document["regimen"]["course_total_g"] = 75.1
    check(document, "modify", changes={("DOSE-MAINTENANCE", "course_total_g", D("75.1"), D("75.0"))},
          interval=21, courses=4)


@pytest.mark.parametrize(("interval", "decision", "changes"), [
    (21, "approve", set()),
    (20, "modify", {("DOSE-MAINT-INTERVAL", "interval_days", 20, 21)}),
])
def test_without_documented_deterioration_an_interval_below_21_days_becomes_21(interval, decision, changes) -> None:
    """Without documented deterioration, 21 days stands and 20 days becomes 21."""
    document = source_case()
    document["end_of_dose_deterioration"] = False
    document["regimen"]["interval_days"] = interval
    check(document, decision, changes=changes, interval=21, courses=4)


@pytest.mark.parametrize(("interval", "decision", "changes"), [
    (14, "approve", set()),
    (13, "modify", {("DOSE-MAINT-INTERVAL", "interval_days", 13, 14)}),
])
def test_with_documented_deterioration_an_interval_below_14_days_becomes_14(interval, decision, changes) -> None:
    """With documented end-of-dose deterioration, 14 days stands and 13 days becomes 14."""
    document = source_case()
    document["end_of_dose_deterioration"] = True
    document["regimen"]["interval_days"] = interval
    check(document, decision, changes=changes, interval=14, courses=4)


@pytest.mark.parametrize(("courses", "decision", "changes"), [
    (4, "approve", set()),
    (5, "modify", {("DOSE-DURATION", "courses", 5, 4)}),
    (None, "approve", set()),
])
def test_an_initial_authorization_covers_at_most_4_maintenance_courses(courses, decision, changes) -> None:
    """An initial authorization covers 4 courses: 4 stands, 5 becomes 4, none stated means 4."""
    document = source_case()
    if courses is None:
        del document["regimen"]["courses"]
    else:
        document["regimen"]["courses"] = courses
    check(document, decision, changes=changes, interval=21, courses=4)


def test_a_continuation_at_14_days_without_deterioration_gets_21_days_and_8_of_13_courses() -> None:
    """A continuation asking 13 courses every 14 days without documented deterioration gets 8 courses every 21 days."""
    # interval 14 -> 21 (DOSE-MAINT-INTERVAL); 182 / 21 = 8.67 -> 8 courses (on the changed interval)
    document = continued()
    document["end_of_dose_deterioration"] = False
    document["regimen"].update(interval_days=14, courses=13)
    check(document, "modify", changes={("DOSE-MAINT-INTERVAL", "interval_days", 14, 21),
                                       ("DOSE-DURATION", "courses", 13, 8)},
          conditions=SAFETY, advice={"MON-LOWEST-DOSE"}, interval=21, courses=8)


def test_a_continuation_at_14_days_with_deterioration_covers_13_courses() -> None:
    """A continuation every 14 days with documented deterioration covers 13 courses (13 x 14 = 182)."""
    document = continued()
    document["end_of_dose_deterioration"] = True
    document["regimen"].update(interval_days=14)
    del document["regimen"]["courses"]
    check(document, "approve", interval=14, courses=13)
    document["regimen"]["courses"] = 14
    check(document, "modify", changes={("DOSE-DURATION", "courses", 14, 13)}, interval=14, courses=13)


def test_a_continuation_every_28_days_covers_6_courses() -> None:
    """A continuation every 28 days with no course count covers 6 courses (182 / 28 = 6.5)."""
    document = continued()
    document["regimen"]["interval_days"] = 28
    del document["regimen"]["courses"]
    check(document, "approve", interval=28, courses=6)


@pytest.mark.parametrize(("incat", "decision", "reasons"), [
    (-1, "approve", {}),
    (0, "deny", {"MON-RESPONSE": ()}),
])
def test_after_5_courses_an_incat_fall_of_1_point_is_needed(incat, decision, reasons) -> None:
    """After 5 courses, INCAT -1 is an improvement and 0 is a treatment failure."""
    check(continued(incat_change=incat, courses_received=5), decision, reasons=reasons,
          advice={"MON-LOWEST-DOSE"}, interval=21, courses=4)


@pytest.mark.parametrize(("received", "decision", "reasons", "advice"), [
    (4, "approve", {}, {"MON-LOWEST-DOSE", "MON-EARLY"}),
    (5, "deny", {"MON-RESPONSE": ()}, {"MON-LOWEST-DOSE"}),
])
def test_without_improvement_4_courses_received_is_early_and_5_is_a_failure(received, decision, reasons, advice) -> None:
    """Without improvement, 4 courses received is too early to judge (MON-EARLY) and 5 is a failure."""
    check(continued(incat_change=0, courses_received=received), decision, reasons=reasons, advice=advice,
          interval=21, courses=4)


@pytest.mark.parametrize(("weeks", "taper"), [(52, True), (51, False), (51.9, False)])
def test_after_52_weeks_without_a_reduction_attempt_the_authorization_is_conditioned_on_one(weeks, taper) -> None:
    """At 52 weeks without a dose-reduction attempt MON-TAPER is a condition; at 51 weeks it is not."""
    document = continued(weeks_on_therapy=weeks, dose_reduction_attempted=False)
    check(document, "approve", conditions=SAFETY | ({"MON-TAPER"} if taper else set()), interval=21, courses=4)


def test_after_52_weeks_with_a_reduction_attempt_there_is_no_taper_condition() -> None:
    """At 52 weeks with a documented reduction attempt there is no MON-TAPER condition."""
    check(continued(weeks_on_therapy=52, dose_reduction_attempted=True), "approve", conditions=SAFETY,
          interval=21, courses=4)


@pytest.mark.parametrize("code", ["G61.89", "G61.9", "g619"])
def test_a_review_code_without_g61_81_pends_for_clinical_review(code) -> None:
    """A review code (G61.89, G61.9) without G61.81 pends for clinical review (DX-REVIEW)."""
    document = source_case()
    document["diagnoses"] = [code]
    check(document, "pend", reasons={"DX-REVIEW": ()})


@pytest.mark.parametrize("codes", [["G61.89", "G61.81"], ["G61.9", "G6181"], ["G61.81", "G61.0"], ["G61.82", "G61.81"]])
def test_beside_g61_81_review_and_own_criteria_codes_change_nothing(codes) -> None:
    """Beside G61.81, a review code, G61.0 or G61.82 changes nothing."""
    document = source_case()
    document["diagnoses"] = codes
    check(document, "approve", interval=21, courses=4)


@pytest.mark.parametrize("codes", [["G61.0"], ["G61.82"], ["G62.9"], ["G61.0", "G61.82"]])
def test_guillain_barre_mmn_or_another_code_alone_is_outside_the_policy(codes) -> None:
    """G61.0, G61.82 or another code without a CIDP-group code is denied as outside the policy."""
    document = source_case()
    document["diagnoses"] = codes
    check(document, "deny", reasons={"DX-SCOPE": ()})


def test_a_loading_course_on_a_continuation_pends_for_re_induction_review() -> None:
    """A loading course on a continuation (re-induction after relapse) pends for clinical review."""
    document = continued()
    document["regimen"]["loading"] = {"dose_g_per_kg": 2.0, "days": [2, 5]}
    check(document, "pend", reasons={"DOSE-RELOAD": ()}, advice={"MON-LOWEST-DOSE"})


@pytest.mark.parametrize(("edx", "reasons"), [
    ("supportive", {}),
    ("not_supportive", {"DX-EDX": ()}),
    ("not_done", {"DX-EDX": ("electrodiagnostic",)}),
    (None, {"DX-EDX": ("electrodiagnostic",)}),
])
def test_an_initial_request_needs_supportive_electrodiagnostic_studies(edx, reasons) -> None:
    """An initial request needs supportive studies; not supportive pends for review, not done or absent for the data."""
    document = source_case()
    document.pop("electrodiagnostic")
    if edx is not None:
        document["electrodiagnostic"] = edx
    check(document, "pend" if reasons else "approve", reasons=reasons, interval=21, courses=4)


def test_a_continuation_without_incat_change_pends_for_it_only() -> None:
    """A continuation without incat_change pends for response.incat_change alone, not courses_received."""
    document = continued()
    del document["response"]["incat_change"]
    del document["response"]["courses_received"]
    check(document, "pend", reasons={"MON-RESPONSE": ("response.incat_change",)})


def test_a_loading_course_in_one_day_is_spread_over_2_days() -> None:
    """A loading course in one day becomes [2, 2]; maintenance over 3-4 days becomes [2, 2]."""
    document = source_case()
    document["regimen"]["loading"]["days"] = [1, 1]
    document["regimen"]["days"] = [3, 4]
    check(document, "modify", changes={("DOSE-LOADING", "loading.days", (1, 1), (2, 2)),
                                       ("DOSE-MAINTENANCE", "days", (3, 4), (2, 2))}, interval=21, courses=4)


# ---- once disagreements, settled for the brief's reading ------------------------

def test_a_stated_course_total_is_reported_at_one_decimal() -> None:
    """A stated maintenance total of 73.25 g is reported as 73.3 g (one decimal, halves up)."""
    # 73.25 <= maximum 75.0: no change; reported 73.25 -> 73.3 (halves up)
    document = source_case()
    del document["regimen"]["dose_g_per_kg"]
    document["regimen"]["course_total_g"] = 73.25
    check(document, "approve", dosing={"maintenance_requested_g": D("73.3")}, interval=21, courses=4)


def test_when_actual_weight_equals_ideal_body_weight_the_basis_is_ideal() -> None:
    """An adult man of 152.4 cm and 50 kg is dosed on ideal body weight (50.0 kg): actual weight is not lower."""
    # 152.4 / 2.54 = 60 in exactly; IBW = 50 + 2.3 x (60 - 60) = 50.0 = actual 50 -> not lower -> ideal
    document = source_case()
    document["patient"] = {"sex": "male", "age_years": 61, "height_cm": 152.4, "weight_kg": 50}
    check(document, "approve", dosing={"dosing_weight_kg": D("50.0"), "ideal_body_weight_kg": D("50.0"),
                                       "weight_basis": "ideal"}, interval=21, courses=4)


# ---- invalid input ---------------------------------------------------------------

def errors_of(document: dict[str, Any]) -> list[dict[str, str]]:
    with pytest.raises(policy.InvalidRequest) as caught:
        policy.assess(document, policy_id=POLICY)
    return caught.value.errors


@pytest.mark.parametrize(("path", "value"), [
    ("severe_acute", True),
    ("cardiac_dysfunction", False),
    ("concurrent_therapies", ["corticosteroid"]),
    ("plasmapheresis_days_after_course", 3),
    ("response.strength", "improved"),
])
def test_a_myositis_only_field_is_rejected_as_unknown_with_its_path(path, value) -> None:
    """A myositis-only field is rejected as an unknown field, named by its path."""
    document = continued()
    node = document["response"] if path.startswith("response.") else document
    node[path.split(".")[-1]] = value
    errors = errors_of(document)
    assert [e["path"] for e in errors] == [path]
    assert "unknown field" in errors[0]["message"]


def test_every_myositis_only_field_is_listed_at_once() -> None:
    """severe_acute, cardiac_dysfunction and response.strength together give three problems, one per path."""
    document = continued()
    document.update(severe_acute=False, cardiac_dysfunction=True)
    document["response"]["strength"] = "unchanged"
    assert sorted(e["path"] for e in errors_of(document)) == ["cardiac_dysfunction", "response.strength", "severe_acute"]


def test_the_category_g61_8_is_rejected_naming_its_billable_codes() -> None:
    """G61.8 is a category: rejected, and the message names G61.81, G61.82 and G61.89."""
    document = source_case()
    document["diagnoses"] = ["G61.81", "G61.8"]
    errors = errors_of(document)
    assert [e["path"] for e in errors] == ["diagnoses[1]"]
    for code in ("G61.81", "G61.82", "G61.89"):
        assert code in errors[0]["message"]


@pytest.mark.parametrize("days", [0, 15, [0, 3], [2, 15], [5, 3]])
def test_loading_days_outside_1_to_14_are_rejected_at_regimen_loading_days(days) -> None:
    """Loading days outside 1-14 (or a reversed range) are rejected at regimen.loading.days."""
    document = source_case()
    document["regimen"]["loading"]["days"] = days
    errors = errors_of(document)
    assert errors and all(e["path"].startswith("regimen.loading.days") for e in errors), errors


@pytest.mark.parametrize("days", [1, 14, [1, 14]])
def test_loading_days_of_1_and_14_are_valid_and_clamped_to_2_to_5(days) -> None:
    """Loading days 1 and 14 are valid input, clamped to 2-5 by DOSE-LOADING."""
    document = source_case()
    document["regimen"]["loading"]["days"] = days
    assert assess(document)["decision"] == "modify"
