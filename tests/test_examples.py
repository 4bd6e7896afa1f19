"""Shipped examples, the source case, the determination contract, and the brief's decision rules.

Expected decisions and findings come from the brief (sections 2–5); numbers
the brief states as thresholds are read from the policy's parameters.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

import policy
from policy.source import load_source

POLICY = "ivig-myositis"

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / POLICY).glob("*.json"))
DECISIONS = ("approve", "modify", "pend", "deny")
# The statement catalog of the brief (section 1), in its order: IDs are the public contract.
CATALOG = (
    "DX-SPECTRUM", "DX-IBM", "DX-OTHER-CAUSE", "DX-UNSPECIFIED", "DX-SCOPE", "SOC-STANDARD", "IND-ROLE",
    "DOSE-WEIGHT", "DOSE-TOTAL", "DOSE-DAYS", "DOSE-HIGH", "DOSE-INTERVAL", "DOSE-COURSES",
    "SAFE-IGA-SCREEN", "SAFE-IGA-PRODUCT", "SAFE-CARDIAC", "SAFE-CARDIAC-DYSFUNCTION", "SAFE-HYDRATION", "SAFE-AE",
    "MON-PLAN", "MON-TRIAL", "MON-NO-RESPONSE", "MON-COMPLETE", "PIT-MONOTHERAPY", "PIT-PLASMAPHERESIS",
)
OUTCOMES = {"met", "not_met", "not_applicable", "unknown"}
CHANGE_FIELDS = {"dose_g_per_kg", "course_total_g", "days", "interval_days", "courses", "reduced_iga"}
TOP_KEYS = {"request_id", "policy", "decision", "dosing", "authorized", "changes", "reasons", "conditions",
            "advice", "monitoring", "statements", "trace"}
DOSING_KEYS = {"dosing_weight_kg", "weight_basis", "ideal_body_weight_kg", "course_max_g", "course_requested_g"}
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def P(key: str) -> Any:
    """A policy parameter: thresholds are data in the policy source."""
    return policy.assessor(POLICY).params[key]


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def assessed(document: dict[str, Any]) -> dict[str, Any]:
    return dict(policy.assess(document, policy_id=POLICY).to_dict())


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["statement"] for entry in entries]


def outcome(determination: dict[str, Any], statement: str) -> str:
    return str(next(s["outcome"] for s in determination["statements"] if s["id"] == statement))


# -- the examples folder ----------------------------------------------------------------------------


def test_the_examples_cover_every_decision() -> None:
    """Over the shipped examples, every decision occurs: approve, modify, pend and deny."""
    assert {assessed(load(path))["decision"] for path in EXAMPLES} == set(DECISIONS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_an_example_named_after_a_decision_gets_that_decision(path: Path) -> None:
    """An example whose name starts with a decision is assessed to that decision."""
    determination = assessed(load(path))
    named = path.name.split("-")[0]
    if named in DECISIONS:
        assert determination["decision"] == named, determination["reasons"]
    check_contract_shape(determination)


# -- the source case (brief, section 5) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def source_case() -> dict[str, Any]:
    return assessed(load(next(p for p in EXAMPLES if p.name == "source-case.json")))


def test_the_source_case_file_is_the_brief_request() -> None:
    """examples/ivig-myositis/source-case.json is M60.80, 2 g/kg over 2–3 days every 28 days, nothing else known."""
    document = load(next(p for p in EXAMPLES if p.name == "source-case.json"))
    assert set(document) == {"policy", "id", "type", "diagnoses", "regimen"}
    assert document["policy"] == POLICY
    assert document["type"] == "initial"
    assert document["diagnoses"] == ["M60.80"]
    assert document["regimen"] == {"dose_g_per_kg": 2.0, "days": [2, 3], "interval_days": 28}


def test_the_source_case_is_approved(source_case: dict[str, Any]) -> None:
    """Decision approve, no changes, no reasons."""
    assert source_case["decision"] == "approve"
    assert source_case["changes"] == []
    assert source_case["reasons"] == []


def test_the_source_case_has_exactly_the_brief_findings(source_case: dict[str, Any]) -> None:
    """Conditions IgA screen, cardiac, hydration; advice DOSE-HIGH and SAFE-AE; monitoring MON-PLAN."""
    assert ids(source_case["conditions"]) == ["SAFE-IGA-SCREEN", "SAFE-CARDIAC", "SAFE-HYDRATION"]
    assert sorted(ids(source_case["advice"])) == ["DOSE-HIGH", "SAFE-AE"]
    assert ids(source_case["monitoring"]) == ["MON-PLAN"]


def test_the_source_case_is_within_the_spectrum_and_standard_of_care(source_case: dict[str, Any]) -> None:
    """DX-SPECTRUM and SOC-STANDARD are met."""
    assert outcome(source_case, "DX-SPECTRUM") == "met"
    assert outcome(source_case, "SOC-STANDARD") == "met"


def test_the_source_case_authorizes_the_request_as_stated(source_case: dict[str, Any]) -> None:
    """Unstated fields stay null, except courses (the authorization covers 6)."""
    assert source_case["authorized"] == {"dose_g_per_kg": 2.0, "course_total_g": None, "days": [2, 3],
                                         "interval_days": 28, "courses": P("max_courses"), "reduced_iga": None}


# -- the determination contract (brief, section 4) ----------------------------------------------------------


def check_contract_shape(determination: dict[str, Any]) -> None:
    """The keys and shapes of section 4, for any determination."""
    assert set(determination) == TOP_KEYS
    assert isinstance(determination["request_id"], str)
    assert determination["policy"]["id"] == "ivig-myositis"
    assert set(determination["policy"]) == {"id", "version", "effective", "digest"}
    assert DIGEST.match(determination["policy"]["digest"])
    assert determination["decision"] in DECISIONS
    dosing = determination["dosing"]
    assert set(dosing) == DOSING_KEYS
    for key in DOSING_KEYS - {"weight_basis"}:
        assert dosing[key] is None or (isinstance(dosing[key], float) and dosing[key] == round(dosing[key], 1))
    assert dosing["weight_basis"] in ("ideal", "actual", None)
    assert (dosing["weight_basis"] is None) == (dosing["dosing_weight_kg"] is None)
    authorized = determination["authorized"]
    if determination["decision"] in ("pend", "deny"):
        assert authorized is None
    else:
        assert set(authorized) == CHANGE_FIELDS
        assert isinstance(authorized["courses"], int) and isinstance(authorized["interval_days"], int)
        assert len(authorized["days"]) == 2 and all(isinstance(d, int) for d in authorized["days"])
    for change in determination["changes"]:
        assert set(change) == {"statement", "field", "requested", "authorized"}
        assert change["field"] in CHANGE_FIELDS and change["statement"] in CATALOG
    for reason in determination["reasons"]:
        assert set(reason) in ({"statement", "text"}, {"statement", "text", "missing"})
        assert reason["statement"] in CATALOG and reason["text"]
        if "missing" in reason:
            assert reason["missing"] and all(isinstance(p, str) and p for p in reason["missing"])
    for key in ("conditions", "advice", "monitoring"):
        for note in determination[key]:
            assert set(note) == {"statement", "text"} and note["statement"] in CATALOG and note["text"]
    assert [s["id"] for s in determination["statements"]] == list(CATALOG)
    for statement in determination["statements"]:
        assert set(statement) == {"id", "outcome", "citations"}
        assert statement["outcome"] in OUTCOMES
        assert statement["citations"] and all(isinstance(c, str) for c in statement["citations"])
    assert isinstance(determination["trace"], list)
    assert determination["decision"] in ("approve", "modify") or determination["reasons"]
    assert (determination["decision"] == "modify") == (determination["decision"] not in ("pend", "deny")
                                                       and bool(determination["changes"]))


def test_the_statements_are_the_catalog_in_source_order(source_case: dict[str, Any]) -> None:
    """All 25 IDs of the brief's catalog, in the order of the policy source."""
    assert [s["id"] for s in source_case["statements"]] == [s.id for s in load_source("ivig_myositis").statements]
    assert [s["id"] for s in source_case["statements"]] == list(CATALOG)


def test_the_policy_reference_names_version_and_digest(source_case: dict[str, Any]) -> None:
    """policy carries id, version and a sha256 digest of 64 hex digits."""
    source = load_source("ivig_myositis")
    assert source_case["policy"]["version"] == source.version
    assert DIGEST.match(source_case["policy"]["digest"])


def test_notes_and_reasons_quote_the_statement_text() -> None:
    """The text of a condition, advice, monitoring or reason entry is its statement's text in the source."""
    text = {s.id: s.text for s in load_source("ivig_myositis").statements}
    for path in EXAMPLES:
        determination = assessed(load(path))
        for key in ("conditions", "advice", "monitoring", "reasons"):
            for entry in determination[key]:
                assert entry["text"] == text[entry["statement"]]


def test_reasons_carry_missing_only_when_data_is_missing() -> None:
    """A deny or a pend on a statement has no `missing`; a pend for missing data lists the paths."""
    by_name = {path.name: assessed(load(path)) for path in EXAMPLES}
    for name, determination in by_name.items():
        for reason in determination["reasons"]:
            if reason["statement"] not in ("DOSE-WEIGHT", "MON-NO-RESPONSE") or name.startswith("deny-"):
                assert "missing" not in reason, (name, reason)
    no_height = by_name["pend-grams-without-height.json"]
    assert no_height["reasons"] == [{"statement": "DOSE-WEIGHT", "text": no_height["reasons"][0]["text"],
                                     "missing": ["patient.height_cm"]}]
    no_response = by_name["pend-continuation-without-response.json"]
    assert [r.get("missing") for r in no_response["reasons"]] == [["response"]]


# -- requests built from the brief's wording (sections 2 and 3) -----------------------------------------------


def request(**changes: Any) -> dict[str, Any]:
    """An adult, fully described initial request that is approved as it stands; keywords replace parts."""
    document: dict[str, Any] = {
        "id": "PA-RULES",
        "type": "initial",
        "patient": {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70},
        "diagnoses": ["M60.80"],
        "severe_acute": False,
        "concurrent_therapies": ["corticosteroid"],
        "iga": "normal",
        "cardiac_dysfunction": False,
        "regimen": {"dose_g_per_kg": 1.0, "days": [3, 4], "interval_days": 28, "courses": 6, "reduced_iga": False},
    }
    for key, value in changes.items():
        if key in ("regimen", "patient", "response") and isinstance(value, dict) and isinstance(document.get(key), dict):
            document[key] = {**document[key], **value}
        else:
            document[key] = copy.deepcopy(value)
    return document


IMPROVING = {"weeks_on_therapy": 16, "strength": "improved", "function": "unchanged", "rash": "absent",
             "ck": "decreased", "complete_response": False}


def test_the_baseline_request_is_approved_as_it_stands() -> None:
    """The request the rule tests start from: approve, no findings beyond the ones on every request."""
    determination = assessed(request())
    assert determination["decision"] == "approve"
    assert determination["changes"] == [] and determination["reasons"] == [] and determination["advice"] == []
    assert ids(determination["conditions"]) == ["SAFE-CARDIAC", "SAFE-HYDRATION"]
    assert ids(determination["monitoring"]) == ["MON-PLAN"]


@pytest.mark.parametrize("code", ["M60.80", "M60.811", "M60.879", "M60.89", "M33.00", "M33.12", "M33.92", "M36.0", "G72.49"])
def test_a_code_in_the_spectrum_is_met_and_standard_of_care(code: str) -> None:
    """DX-SPECTRUM (M60.8x any site, M33.x, M36.0, G72.49): met, SOC-STANDARD met, approved."""
    determination = assessed(request(diagnoses=[code]))
    assert determination["decision"] == "approve"
    assert outcome(determination, "DX-SPECTRUM") == "met"
    assert outcome(determination, "SOC-STANDARD") == "met"


@pytest.mark.parametrize(
    ("codes", "statement"),
    [(["G72.41"], "DX-IBM"), (["G72.41", "M33.10"], "DX-IBM"), (["M60.80", "G72.41"], "DX-IBM"),
     (["M60.000"], "DX-OTHER-CAUSE"), (["M60.20"], "DX-OTHER-CAUSE"), (["M60.211"], "DX-OTHER-CAUSE"),
     (["G72.0"], "DX-OTHER-CAUSE"), (["E11.9"], "DX-SCOPE"), (["M79.10", "E11.9"], "DX-SCOPE")],
)
def test_an_excluded_or_out_of_scope_diagnosis_is_denied(codes: list[str], statement: str) -> None:
    """IBM (even with an in-spectrum code), another cause, or no code of the policy's groups: deny."""
    determination = assessed(request(diagnoses=codes))
    assert determination["decision"] == "deny"
    assert ids(determination["reasons"]) == [statement]
    assert "missing" not in determination["reasons"][0]
    assert determination["authorized"] is None


@pytest.mark.parametrize("codes", [["M60.9"], ["M60.10"], ["M60.111"]])
def test_unspecified_or_interstitial_myositis_is_pended_for_review(codes: list[str]) -> None:
    """DX-UNSPECIFIED (M60.9, M60.1x): pend."""
    determination = assessed(request(diagnoses=codes))
    assert determination["decision"] == "pend"
    assert ids(determination["reasons"]) == ["DX-UNSPECIFIED"]


def test_another_diagnosis_next_to_one_in_the_spectrum_is_in_scope() -> None:
    """DX-SCOPE denies only when no code is in the policy's groups."""
    determination = assessed(request(diagnoses=["E11.9", "M60.80"]))
    assert determination["decision"] == "approve"


def test_a_deny_outranks_a_pend_and_every_reason_is_listed() -> None:
    """IBM with unspecified myositis and severe monotherapy: deny, with the deny and both pend reasons."""
    determination = assessed(request(diagnoses=["G72.41", "M60.9"], severe_acute=True, concurrent_therapies=[]))
    assert determination["decision"] == "deny"
    assert set(ids(determination["reasons"])) == {"DX-IBM", "DX-UNSPECIFIED", "PIT-MONOTHERAPY"}


def test_every_finding_is_reported_whatever_the_decision() -> None:
    """A denied request still lists its changes, conditions, advice and monitoring; nothing is authorized."""
    determination = assessed(request(diagnoses=["G72.41"], iga="deficient", cardiac_dysfunction=True,
                                     regimen={"days": [1, 1], "interval_days": 21, "courses": 8}))
    assert determination["decision"] == "deny"
    assert determination["authorized"] is None
    assert {c["statement"] for c in determination["changes"]} == {"DOSE-DAYS", "DOSE-INTERVAL", "DOSE-COURSES",
                                                                   "SAFE-IGA-PRODUCT"}
    assert set(ids(determination["conditions"])) == {"SAFE-CARDIAC", "SAFE-CARDIAC-DYSFUNCTION", "SAFE-HYDRATION"}
    assert "SAFE-AE" in ids(determination["advice"])
    assert ids(determination["monitoring"]) == ["MON-PLAN"]


def test_a_pend_outranks_changes_which_are_still_listed() -> None:
    """Changes with a pend reason: pend, the change listed, nothing authorized."""
    determination = assessed(request(plasmapheresis_days_after_course=3, regimen={"interval_days": 21}))
    assert determination["decision"] == "pend"
    assert ids(determination["changes"]) == ["DOSE-INTERVAL"]
    assert determination["authorized"] is None


@pytest.mark.parametrize(
    ("days", "authorized"),
    [(1, [2, 2]), ([1, 1], [2, 2]), ([1, 6], [2, 5]), ([6, 7], [5, 5]), ([1, 3], [2, 3]), ([4, 9], [4, 5]),
     (14, [5, 5])],
)
def test_days_outside_the_range_are_moved_to_the_nearest_end(days: Any, authorized: list[int]) -> None:
    """DOSE-DAYS: each end outside 2–5 moves to the nearest of 2 and 5 (the brief's own examples first)."""
    determination = assessed(request(regimen={"days": days}))
    requested = [days, days] if isinstance(days, int) else days
    assert determination["decision"] == "modify"
    assert determination["changes"] == [{"statement": "DOSE-DAYS", "field": "days", "requested": requested,
                                         "authorized": authorized}]
    assert determination["authorized"]["days"] == authorized


@pytest.mark.parametrize("days", [2, [2, 5], [3, 3], [5, 5]])
def test_days_within_the_range_are_not_changed(days: Any) -> None:
    """A number n means [n, n]; within 2–5 nothing changes."""
    determination = assessed(request(regimen={"days": days}))
    assert determination["changes"] == []
    assert determination["authorized"]["days"] == ([days, days] if isinstance(days, int) else days)


@pytest.mark.parametrize(
    ("regimen", "advised"),
    [
        ({"dose_g_per_kg": None, "course_total_g": 81, "days": [2, 3]}, True),   # above 80 g, 2 days
        ({"dose_g_per_kg": None, "course_total_g": 80, "days": [2, 3]}, False),  # 80 g is not above
        ({"dose_g_per_kg": None, "course_total_g": 100, "days": [3, 5]}, False),  # already 3 days or more
        ({"dose_g_per_kg": 2.0, "days": [2, 2]}, True),                           # 2 x 54.7 kg = 109.5 g
        ({"dose_g_per_kg": 1.0, "days": [2, 2]}, False),                          # 54.7 g
        ({"dose_g_per_kg": None, "course_total_g": 100, "days": [1, 1]}, True),
    ],
)
def test_a_course_above_80_g_on_fewer_than_3_days_gets_dose_high_advice(regimen: dict[str, Any], advised: bool) -> None:
    """DOSE-HIGH: advice when the course is above 80 g and the minimum days below 3."""
    determination = assessed(request(regimen=regimen))
    assert ("DOSE-HIGH" in ids(determination["advice"])) is advised


def test_an_unknown_course_total_on_2_days_gets_dose_high_advice() -> None:
    """DOSE-HIGH: a course whose total is unknown (g/kg, no weight) counts as possibly above 80 g."""
    determination = assessed(request(patient={"sex": "unknown"}, regimen={"dose_g_per_kg": 2.0, "days": [2, 3]}))
    assert determination["dosing"]["course_requested_g"] is None
    assert "DOSE-HIGH" in ids(determination["advice"])


@pytest.mark.parametrize(("days", "advised"), [(1, True), ([2, 5], True), (2, True), ([3, 3], False), ([3, 5], False)])
def test_a_course_of_2_days_or_less_gets_adverse_effect_advice(days: Any, advised: bool) -> None:
    """SAFE-AE: advice when the requested minimum days is 2 or less."""
    assert ("SAFE-AE" in ids(assessed(request(regimen={"days": days}))["advice"])) is advised


@pytest.mark.parametrize(("interval", "changed"), [(1, True), (21, True), (27, True), (28, False), (35, False), (365, False)])
def test_an_interval_below_28_days_is_raised_to_28(interval: int, changed: bool) -> None:
    """DOSE-INTERVAL: below 28 → 28; longer intervals are allowed."""
    determination = assessed(request(regimen={"interval_days": interval}))
    minimum = P("min_interval_days")
    expected = [{"statement": "DOSE-INTERVAL", "field": "interval_days", "requested": interval,
                 "authorized": minimum}] if changed else []
    assert determination["changes"] == expected
    assert determination["authorized"]["interval_days"] == (minimum if changed else interval)
    assert determination["decision"] == ("modify" if changed else "approve")


@pytest.mark.parametrize(("courses", "changed"), [(1, False), (6, False), (7, True), (24, True)])
def test_more_than_6_courses_are_lowered_to_6(courses: int, changed: bool) -> None:
    """DOSE-COURSES: more than 6 → 6."""
    determination = assessed(request(regimen={"courses": courses}))
    most = P("max_courses")
    expected = [{"statement": "DOSE-COURSES", "field": "courses", "requested": courses, "authorized": most}] if changed else []
    assert determination["changes"] == expected
    assert determination["authorized"]["courses"] == (most if changed else courses)


def test_absent_courses_authorize_6_without_a_change() -> None:
    """DOSE-COURSES: absent → the authorization covers 6, and nothing is listed as changed."""
    document = request()
    del document["regimen"]["courses"]
    determination = assessed(document)
    assert determination["decision"] == "approve"
    assert determination["authorized"]["courses"] == P("max_courses")


def test_unstated_regimen_fields_stay_null_in_the_authorization() -> None:
    """A g/kg-only request authorizes course_total_g null; an unstated reduced_iga stays null."""
    document = request()
    del document["regimen"]["reduced_iga"]
    authorized = assessed(document)["authorized"]
    assert authorized["course_total_g"] is None and authorized["reduced_iga"] is None
    assert authorized["dose_g_per_kg"] == 1.0


@pytest.mark.parametrize(
    ("kind", "iga", "screened"),
    [("initial", None, True), ("initial", "unknown", True), ("initial", "normal", False), ("initial", "deficient", False),
     ("continuation", None, False), ("continuation", "unknown", False)],
)
def test_iga_is_screened_on_an_initial_request_whose_status_is_unknown(kind: str, iga: str | None, screened: bool) -> None:
    """SAFE-IGA-SCREEN: a condition on initial requests with IgA unknown or absent; never on a continuation."""
    document = request(type=kind, response=IMPROVING)
    if iga is None:
        del document["iga"]
    else:
        document["iga"] = iga
    assert ("SAFE-IGA-SCREEN" in ids(assessed(document)["conditions"])) is screened


@pytest.mark.parametrize(("reduced", "changed"), [(False, True), (None, True), (True, False)])
def test_iga_deficiency_calls_for_a_reduced_iga_product(reduced: bool | None, changed: bool) -> None:
    """SAFE-IGA-PRODUCT: deficient IgA and no reduced-IgA product → reduced_iga changed to true."""
    document = request(iga="deficient")
    document["regimen"]["reduced_iga"] = reduced
    determination = assessed(document)
    expected = [{"statement": "SAFE-IGA-PRODUCT", "field": "reduced_iga", "requested": reduced,
                 "authorized": True}] if changed else []
    assert determination["changes"] == expected
    assert determination["decision"] == ("modify" if changed else "approve")
    assert determination["authorized"]["reduced_iga"] is True


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_cardiac_hydration_and_monitoring_are_on_every_request(path: Path) -> None:
    """SAFE-CARDIAC and SAFE-HYDRATION are conditions and MON-PLAN monitoring of every request."""
    determination = assessed(load(path))
    assert {"SAFE-CARDIAC", "SAFE-HYDRATION"} <= set(ids(determination["conditions"]))
    assert ids(determination["monitoring"]) == ["MON-PLAN"]


@pytest.mark.parametrize(("dysfunction", "condition"), [(True, True), (False, False), (None, False)])
def test_cardiac_dysfunction_adds_its_condition(dysfunction: bool | None, condition: bool) -> None:
    """SAFE-CARDIAC-DYSFUNCTION: a condition when cardiac dysfunction is reported."""
    determination = assessed(request(cardiac_dysfunction=dysfunction))
    assert ("SAFE-CARDIAC-DYSFUNCTION" in ids(determination["conditions"])) is condition
    assert determination["decision"] == "approve"


@pytest.mark.parametrize(
    ("severe", "therapies", "pended"),
    [(True, None, True), (True, [], True), (True, ["plasma_exchange"], False), (True, ["rituximab"], False),
     (False, None, False), (None, [], False)],
)
def test_severe_acute_myositis_without_other_therapy_is_pended(severe: bool | None, therapies: list[str] | None,
                                                               pended: bool) -> None:
    """PIT-MONOTHERAPY: severe acute and no concurrent therapy → pend; any therapy, plasma exchange included, is enough."""
    document = request(severe_acute=severe)
    if therapies is None:
        del document["concurrent_therapies"]
    else:
        document["concurrent_therapies"] = therapies
    determination = assessed(document)
    assert determination["decision"] == ("pend" if pended else "approve")
    assert ids(determination["reasons"]) == (["PIT-MONOTHERAPY"] if pended else [])


@pytest.mark.parametrize(("days", "pended"), [(0, True), (7, True), (14, True), (15, False), (60, False), (None, False)])
def test_plasmapheresis_within_14_days_after_the_course_is_pended(days: int | None, pended: bool) -> None:
    """PIT-PLASMAPHERESIS: planned 0–14 days after the end of the course → pend (14 is a parameter)."""
    window = P("plasmapheresis_window_days")
    assert (days is not None and days <= window) is pended
    determination = assessed(request(plasmapheresis_days_after_course=days))
    assert determination["decision"] == ("pend" if pended else "approve")
    assert ids(determination["reasons"]) == (["PIT-PLASMAPHERESIS"] if pended else [])


def test_a_continuation_without_response_data_is_pended_listing_it() -> None:
    """3.6: no response data on a continuation → pend on MON-NO-RESPONSE, missing data listed."""
    determination = assessed(request(type="continuation"))
    assert determination["decision"] == "pend"
    assert determination["reasons"][0]["statement"] == "MON-NO-RESPONSE"
    assert determination["reasons"][0]["missing"] == ["response"]


@pytest.mark.parametrize(
    ("response", "decision", "advice"),
    [
        # CK falling alone is biochemical, not clinical: no improvement after 16 weeks.
        ({"weeks_on_therapy": 16, "strength": "unchanged", "function": "unchanged", "rash": "absent", "ck": "decreased"},
         "deny", []),
        ({"weeks_on_therapy": 12, "strength": "worsened", "function": "unchanged", "rash": "unchanged"}, "deny", []),
        ({"weeks_on_therapy": 11, "strength": "unchanged", "function": "unchanged", "rash": "absent"}, "approve",
         ["MON-TRIAL"]),
        ({"weeks_on_therapy": 4, "strength": "worsened", "function": "worsened", "rash": "worsened", "ck": "increased"},
         "approve", ["MON-TRIAL"]),
        ({"weeks_on_therapy": 16, "strength": "improved", "function": "unchanged", "rash": "absent"}, "approve", []),
        ({"weeks_on_therapy": 30, "strength": "unchanged", "function": "improved", "rash": "absent"}, "approve", []),
        ({"weeks_on_therapy": 30, "strength": "unchanged", "function": "unchanged", "rash": "improved"}, "approve", []),
        ({"weeks_on_therapy": 30, "strength": "improved", "function": "improved", "rash": "absent",
          "complete_response": True}, "approve", ["MON-COMPLETE"]),
    ],
)
def test_a_continuation_is_judged_on_clinical_improvement(response: dict[str, Any], decision: str, advice: list[str]) -> None:
    """3.6: ≥ 12 weeks without strength, function or rash improving → deny; < 12 → MON-TRIAL; complete → MON-COMPLETE."""
    determination = assessed(request(type="continuation", response=response))
    assert determination["decision"] == decision, determination["reasons"]
    assert [a for a in ids(determination["advice"]) if a.startswith("MON-")] == advice
    if decision == "deny":
        assert ids(determination["reasons"]) == ["MON-NO-RESPONSE"]
        assert "missing" not in determination["reasons"][0]


def test_the_trial_length_is_the_parameter() -> None:
    """The 12-week boundary is the policy's trial_weeks parameter: one week less is still a trial."""
    weeks = P("trial_weeks")
    flat = {"strength": "unchanged", "function": "unchanged", "rash": "absent"}
    assert assessed(request(type="continuation", response={**flat, "weeks_on_therapy": weeks}))["decision"] == "deny"
    assert assessed(request(type="continuation", response={**flat, "weeks_on_therapy": weeks - 1}))["decision"] == "approve"


def test_response_data_on_an_initial_request_changes_nothing() -> None:
    """Continuation rules apply to continuations only."""
    flat = {"weeks_on_therapy": 20, "strength": "unchanged", "function": "unchanged", "rash": "absent",
            "complete_response": True}
    determination = assessed(request(response=flat))
    assert determination["decision"] == "approve"
    assert determination["advice"] == []
