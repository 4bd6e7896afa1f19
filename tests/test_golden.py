"""Myositis determinations stay what they were before the policy library.

The record (see `golden_requests.py`) holds the determination JSON that
ivig-myositis 1.0.0 gave for every bundled example and 2,000 seeded random
requests. These differences are intended and nothing else:

- the policy reference: version 1.1.0 and a new digest (the source moved into
  the library and includes the shared statements);
- the clarification of DX-UNSPECIFIED in 1.1.0: a code that needs review no
  longer pends when an in-spectrum code is present. Its text says so (one
  sentence added) and its rule is new, so the trace step of its rule names
  the case it takes in the new rule's words. Requests with both kinds of
  code are compared with that one statement's finding taken out;
- the trace of DOSE-WEIGHT's pend: the shared rule tests the dosing-weight
  fact's `grams_stated` (whether the request states any course in grams, as
  every including policy's request fact says), where the myositis rule tested
  its own `course_total_g`: the same condition for a myositis request, and the
  derived dosing-weight fact carries it;
- the weight basis of an adult whose actual weight equals ideal body weight
  exactly: "ideal" now, as the statement says (actual weight only when
  lower); the dosing weight is the same number.
"""

from __future__ import annotations

import copy
import gzip
import json
from typing import Any

import pytest

import policy
from golden_requests import RECORD, example_documents, requests

POLICY = "ivig-myositis"
CLARIFIED = "DX-UNSPECIFIED"
# Prefixes of the brief's groups (section 1): in the spectrum, and needing review.
SPECTRUM_PREFIXES = ("M608", "M33", "M360", "G7249")
REVIEW_PREFIXES = ("M609", "M601")


def _record() -> list[dict[str, Any]]:
    with gzip.open(RECORD, "rt", encoding="utf-8") as stream:
        return list(json.load(stream)["cases"])


CASES = _record()


def _bare(code: str) -> str:
    return code.replace(".", "").upper()


def clarified(document: dict[str, Any]) -> bool:
    """Whether the 1.1.0 clarification can change this request's determination."""
    codes = [_bare(code) for code in document["diagnoses"]]
    return any(c.startswith(SPECTRUM_PREFIXES) for c in codes) and any(c.startswith(REVIEW_PREFIXES) for c in codes)


def _without_clarified_statement(determination: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(determination)
    result["reasons"] = [r for r in result["reasons"] if r["statement"] != CLARIFIED]
    result["statements"] = [s for s in result["statements"] if s["id"] != CLARIFIED]
    result["trace"] = [t for t in result["trace"] if t["statement"] != CLARIFIED]
    for key in ("decision", "authorized"):
        result.pop(key)
    return result


ADDED_SENTENCE = (" This applies only when no code within the spectrum is present: "
                  "a covered code already places the patient within it.")
# (statement, condition as 1.0.0 wrote it in the trace) -> as it is written now
RENAMED_CONDITIONS = {
    ("DOSE-WEIGHT", "request.course_total_g is stated"): "dosing_weight.grams_stated is true",
}


def _without_when(step: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in step.items() if key != "when"}


def _comparable(determination: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(determination)
    result["policy"] = {"id": result["policy"]["id"]}
    result["trace"] = [_without_when(step) if step["statement"] == CLARIFIED else step for step in result["trace"]]
    return result


def _at_a_tie(result: dict[str, Any]) -> bool:
    """An adult of 152.4 cm or more whose actual weight equals ideal body weight (as the trace shows them)."""
    derived = next(t["derived"] for t in result["trace"] if t["rule"] == "dosing_weight")
    return (derived["weight_basis"] == "actual" and derived["ideal_body_weight_kg"] is not None
            and derived["dosing_weight_kg"] == derived["ideal_body_weight_kg"])


def _as_intended_now(recorded: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """A recorded 1.0.0 determination with the intended changes of 1.1.0 applied."""
    result = _comparable(recorded)
    weight = next(t for t in result["trace"] if t["rule"] == "dosing_weight")["derived"]
    weight["grams_stated"] = document["regimen"].get("course_total_g") is not None
    patient = document.get("patient", {})
    adult = patient.get("age_years") is None or patient["age_years"] >= 18
    height_cm = patient.get("height_cm", (patient.get("height_in") or 0) * 2.54)
    if adult and height_cm >= 152.4 and _at_a_tie(result):
        result["dosing"]["weight_basis"] = "ideal"
        next(t for t in result["trace"] if t["rule"] == "dosing_weight")["derived"]["weight_basis"] = "ideal"
    for reason in result["reasons"]:
        if reason["statement"] == CLARIFIED:
            reason["text"] += ADDED_SENTENCE
    for step in result["trace"]:
        if "when" in step:
            step["when"] = RENAMED_CONDITIONS.get((step["statement"], step["when"]), step["when"])
    return result


def test_the_record_holds_every_example_and_the_seeded_requests() -> None:
    """The record covers the bundled examples and 2,000 generated requests, generated the same way today."""
    recorded_examples = {case["name"] for case in CASES if case["name"].endswith(".json")}
    assert len(recorded_examples) == 22
    assert recorded_examples <= set(example_documents())
    generated = requests()
    assert len(generated) == 2000
    recorded = {case["name"]: case["request"] for case in CASES}
    assert all(recorded[document["id"]] == document for document in generated)


def test_the_record_covers_every_decision() -> None:
    """Each decision appears often enough in the record to stand for its paths."""
    counts: dict[str, int] = {}
    for case in CASES:
        counts[case["determination"]["decision"]] = counts.get(case["determination"]["decision"], 0) + 1
    assert set(counts) == {"approve", "modify", "pend", "deny"}
    assert min(counts.values()) >= 50


@pytest.mark.parametrize("chunk", range(10))
def test_each_recorded_request_gets_the_recorded_determination(chunk: int) -> None:
    """A myositis request gets field for field the determination recorded before the library."""
    mismatches = []
    for case in CASES[chunk::10]:
        now = policy.assess(case["request"], policy_id=POLICY).to_dict()
        before = case["determination"]
        assert now["policy"]["id"] == POLICY
        if clarified(case["request"]):
            same = _without_clarified_statement(_comparable(now)) == _without_clarified_statement(
                _as_intended_now(before, case["request"]))
        else:
            same = _comparable(now) == _as_intended_now(before, case["request"])
        if not same:
            mismatches.append(case["name"])
    assert not mismatches, f"{len(mismatches)} determinations changed: {mismatches[:10]}"
