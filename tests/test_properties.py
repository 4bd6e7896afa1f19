"""Properties every determination keeps, on random valid requests (issue 4).

Expected behaviour comes from the brief: the decision precedence of section 2,
the rules with numbers of section 3 (thresholds read from policy.toml), and
the isolation rule (same request, same determination, whatever ran before and
wherever it runs).
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policy
from naive_chainer import Unfired, branch_index, chain, holds
from policy.rules.conditions import Field, all_of, any_of
from strategies import (
    CHANGE_STATEMENTS,
    CM_PER_INCH,
    DENY_STATEMENTS,
    PARAMS,
    PEND_STATEMENTS,
    TINY_REQUEST,
    deny_findings,
    examples,
    fresh,
    missing_data,
    valid_requests,
)

# How good a decision is for the requester, best first (section 2): a change is
# worse than none, a pend worse than any approvable request, a deny worst.
RANK = {"approve": 0, "modify": 1, "pend": 2, "deny": 3}
SIGNS = ("strength", "function", "rash")


POLICY = "ivig-myositis"

def determination(document: dict[str, Any]) -> dict[str, Any]:
    """The determination of a request document, as its JSON-shaped dict."""
    return policy.assess(document, policy_id=POLICY).to_dict()


def determinations(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Assesses documents in order."""
    return [determination(document) for document in documents]


def outcome(result: dict[str, Any], statement: str) -> str:
    return next(s["outcome"] for s in result["statements"] if s["id"] == statement)


def is_missing_data(reason: dict[str, Any]) -> bool:
    return "missing" in reason


def decision_from_findings(result: dict[str, Any]) -> str:
    """Section 2 applied to a determination's own findings."""
    reasons = result["reasons"]
    if any(r["statement"] in DENY_STATEMENTS and not is_missing_data(r) for r in reasons):
        return "deny"
    if any(r["statement"] in PEND_STATEMENTS or is_missing_data(r) for r in reasons):
        return "pend"
    return "modify" if result["changes"] else "approve"


any_request = st.one_of(
    valid_requests(),
    deny_findings().map(lambda found: found[0]),
    missing_data().map(lambda found: found[0]),
)


@settings(max_examples=examples(200))
@given(any_request)
def test_the_decision_follows_the_precedence_of_section_2_from_its_own_findings(document: dict[str, Any]) -> None:
    """Deny on a deny reason, else pend on a pend reason or missing data, else modify on changes, else approve."""
    result = determination(document)
    assert result["decision"] == decision_from_findings(result)
    assert (result["authorized"] is None) == (result["decision"] in ("pend", "deny"))
    for reason in result["reasons"]:
        # A reason is a deny or pend statement, or names the data that is missing.
        assert reason["statement"] in DENY_STATEMENTS | PEND_STATEMENTS or is_missing_data(reason), reason
        if is_missing_data(reason):
            assert reason["missing"] and all(isinstance(p, str) and p for p in reason["missing"]), reason
    for statement in DENY_STATEMENTS | PEND_STATEMENTS:
        # Every finding is reported whatever the decision: a failed statement is a reason.
        failed = outcome(result, statement) == "not_met"
        assert failed == any(r["statement"] == statement and not is_missing_data(r) for r in result["reasons"])
    for change in result["changes"]:
        assert change["statement"] in CHANGE_STATEMENTS, change
        assert outcome(result, change["statement"]) == "not_met", change
        assert change["requested"] != change["authorized"], change
    if result["authorized"] is not None:
        for change in result["changes"]:
            assert result["authorized"][change["field"]] == change["authorized"], change


@pytest.mark.parametrize(
    ("path", "value"),
    [("regimen.dose_g_per_kg", 1e-05), ("regimen.course_total_g", 5e-324),
     ("patient.age_years", 1e-05), ("response.weeks_on_therapy", 1e-10)],
)
def test_a_request_with_a_tiny_figure_is_assessed(path: str, value: float) -> None:
    """Any positive dose, and any age or weeks from 0, is valid (section 4): the request gets a determination.

    Python writes such numbers as `1e-05`, an exponent without a fraction, which
    the engine once refused (error 204) for every valid request holding one.
    """
    document = fresh(TINY_REQUEST)
    document["regimen"]["dose_g_per_kg"] = 2.0
    where, name = path.split(".")
    document.setdefault(where, {})[name] = value
    result = determination(document)
    assert result["decision"] == decision_from_findings(result)


def _raised(current: float, ceiling: float, course_max: float | None) -> st.SearchStrategy[float]:
    """A larger value than `current`, often just past a threshold the request could cross."""
    marks = [PARAMS["max_dose_g_per_kg"], PARAMS["high_course_g"]]
    if course_max is not None:
        marks.append(course_max)
    steps = [float(Decimal(str(mark)) + Decimal(delta)) for mark in marks for delta in ("0", "0.1", "1")]
    just_past = [value for value in steps if current < value <= ceiling]
    anywhere = st.floats(current, ceiling, exclude_min=True, allow_nan=False, allow_infinity=False)
    return st.one_of(st.sampled_from(just_past), anywhere) if just_past else anywhere


@pytest.mark.parametrize(("figure", "ceiling"), [("course_total_g", 100_000), ("dose_g_per_kg", 100)])
@settings(max_examples=examples(100))
@given(data=st.data())
def test_raising_a_dose_figure_never_improves_the_decision(figure: str, ceiling: float, data: st.DataObject) -> None:
    """A larger course_total_g or dose_g_per_kg, all else equal, is decided the same or worse."""
    document = data.draw(valid_requests(stated=(figure,)), label="request")
    before = determination(document)
    current = document["regimen"][figure]
    if current >= ceiling:
        return  # nothing larger is a valid request
    larger = fresh(document)
    larger["regimen"][figure] = data.draw(_raised(current, ceiling, before["dosing"]["course_max_g"]), label=figure)
    after = determination(larger)
    assert RANK[after["decision"]] >= RANK[before["decision"]], (before["decision"], after["decision"])


@settings(max_examples=examples(150))
@given(deny_findings())
def test_a_deny_finding_always_denies(found: tuple[dict[str, Any], str]) -> None:
    """IBM, another cause, no code in scope, or no response after the trial denies whatever else the request says."""
    document, statement = found
    result = determination(document)
    assert result["decision"] == "deny"
    assert outcome(result, statement) == "not_met"
    assert statement in [r["statement"] for r in result["reasons"] if not is_missing_data(r)]
    assert result["authorized"] is None


def _height_cm(patient: dict[str, Any]) -> Decimal | None:
    if patient.get("height_cm") is not None:
        return Decimal(str(patient["height_cm"]))
    if patient.get("height_in") is not None:
        return Decimal(str(patient["height_in"])) * CM_PER_INCH
    return None


def _has_weight(patient: dict[str, Any]) -> bool:
    return patient.get("weight_kg") is not None or patient.get("weight_lb") is not None


def lacks_needed_data(document: dict[str, Any]) -> bool:
    """Whether the decision needs data the request does not give (sections 3.1, 3.2 and 3.6)."""
    if document["type"] == "continuation":
        response = document.get("response")
        if response is None:
            return True
        signs = [response.get(sign) for sign in SIGNS]
        weeks = response.get("weeks_on_therapy")
        if "improved" not in signs:
            if weeks is None:
                return True
            if weeks >= PARAMS["trial_weeks"] and None in signs:
                return True
    if document["regimen"].get("course_total_g") is not None:
        patient = document.get("patient") or {}
        height = _height_cm(patient)
        if height is None or not _has_weight(patient):
            return True
        age = patient.get("age_years")
        actual_weight_used = (age is not None and age < PARAMS["adult_age_years"]) or height < Decimal(
            str(PARAMS["short_stature_cm"])
        )
        if not actual_weight_used and patient.get("sex") not in ("male", "female"):
            return True
    return False


@settings(max_examples=examples(150))
@given(missing_data())
def test_missing_data_never_approves(found: tuple[dict[str, Any], str]) -> None:
    """A request without data its decision needs is pended (or denied), naming what is missing."""
    document, statement = found
    assert lacks_needed_data(document)
    result = determination(document)
    assert result["decision"] in ("pend", "deny")
    assert result["authorized"] is None
    missing = [r for r in result["reasons"] if r["statement"] == statement and is_missing_data(r)]
    assert missing and missing[0]["missing"], result["reasons"]


@settings(max_examples=examples(200))
@given(valid_requests())
def test_random_requests_lacking_needed_data_are_never_approved(document: dict[str, Any]) -> None:
    """Among random requests, any that lacks needed data is neither approved nor modified."""
    result = determination(document)
    if lacks_needed_data(document):
        assert result["decision"] in ("pend", "deny")
    else:
        # Nothing is missing, so no reason may say it is.
        assert not any(is_missing_data(r) for r in result["reasons"]), result["reasons"]


@settings(max_examples=examples(100))
@given(valid_requests(), st.integers(1, PARAMS["min_interval_days"] - 1))
def test_an_interval_below_28_days_is_never_approved_unchanged(document: dict[str, Any], interval: int) -> None:
    """A short interval is changed to the minimum, whatever else is decided."""
    shorter = fresh(document)
    shorter["regimen"]["interval_days"] = interval
    result = determination(shorter)
    assert result["decision"] != "approve"
    minimum = PARAMS["min_interval_days"]
    wanted = {"statement": "DOSE-INTERVAL", "field": "interval_days", "requested": interval, "authorized": minimum}
    assert wanted in result["changes"]
    if result["authorized"] is not None:
        assert result["authorized"]["interval_days"] == minimum


# --- determinism ----------------------------------------------------------------


@settings(max_examples=examples(60))
@given(valid_requests(), valid_requests())
def test_the_same_request_gets_the_same_determination_again_and_after_another(
    document: dict[str, Any], other: dict[str, Any]
) -> None:
    """Assessing a request twice, or after any other request, gives an identical determination."""
    first = determination(document)
    assert determination(document) == first
    determination(other)
    assert determination(document) == first
    assert determination(fresh(document)) == first


def _shuffled_work(documents: list[dict[str, Any]], rng: random.Random, repeat: int) -> list[int]:
    order = [index for index in range(len(documents)) for _ in range(repeat)]
    rng.shuffle(order)
    return order


@settings(max_examples=examples(20))
@given(st.lists(valid_requests(), min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_threads_in_any_order_give_the_same_determinations(documents: list[dict[str, Any]], rng: random.Random) -> None:
    """Requests assessed concurrently from several threads, in any order, are decided as one by one."""
    expected = determinations(documents)
    order = _shuffled_work(documents, rng, repeat=3)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda index: determination(documents[index]), order))
    for index, result in zip(order, results):
        assert result == expected[index]


@pytest.fixture(scope="module")
def process_pools() -> Iterator[dict[str, Executor]]:
    pools: dict[str, Executor] = {}
    try:
        # Two forked workers share the requests between them; one spawned worker is
        # enough to show that a process started from nothing decides the same.
        for method, workers in (("fork", 2), ("spawn", 1)):
            context = multiprocessing.get_context(method)
            pools[method] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        yield pools
    finally:
        for pool in pools.values():
            pool.shutdown(wait=True, cancel_futures=True)


# The fork is deliberate: its children only run the package. Python 3.12+ warns about
# forking a process that has threads (another test runner's, say), which does not apply.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("method", ["fork", "spawn"])
@settings(max_examples=examples(5))
@given(st.lists(valid_requests(), min_size=2, max_size=8), st.randoms(use_true_random=False))
def test_processes_in_any_order_give_the_same_determinations(
    process_pools: dict[str, Executor], method: str, documents: list[dict[str, Any]], rng: random.Random
) -> None:
    """Worker processes (forked or spawned) decide every request as this process does, in any order."""
    expected = determinations(documents)
    order = _shuffled_work(documents, rng, repeat=2)
    # `policy.assess` itself is the task, so a spawned worker imports the package and
    # nothing of the test suite; chunks make each worker assess requests after others.
    results = process_pools[method].map(policy.assess, [documents[index] for index in order], chunksize=3)
    for index, result in zip(order, results):
        assert result.to_dict() == expected[index]


# --- the network against the naive chainer --------------------------------------


@settings(max_examples=examples(250))
@given(any_request)
def test_the_network_takes_the_branches_the_naive_chainer_takes(document: dict[str, Any]) -> None:
    """Each rule's branch and every derived fact equal those of a plain evaluation of the declarations."""
    assessor = policy.assessor(POLICY)
    request = policy.assessor(POLICY).parse(document)
    derived, branches = assessor.run(request)
    chained = chain(assessor.bound, assessor.code.request_fact, request, assessor.bound.params)
    taken = {rule.name: branch_index(rule, branches[rule.name]) for rule in assessor.bound.rules}
    assert taken == chained.branches
    assert {name: dict(values) for name, values in derived.items()} == chained.facts


def test_the_naive_chainer_treats_missing_and_null_fields_as_unknown() -> None:
    """A comparison with a missing or null side is false both ways; presence needs a value."""
    age = Field("request", "age_years")
    for facts in ({"request": {}}, {"request": {"age_years": None}}):
        assert not holds(age < 18, facts, {})
        assert not holds(age >= 18, facts, {})
        assert not holds(age != 18, facts, {})
        assert holds(age.absent(), facts, {})
        assert not holds(age.present(), facts, {})
    known = {"request": {"age_years": 17}}
    assert holds(all_of(age < 18, age.present()), known, {})
    assert holds(any_of(age >= 18, age == 17), known, {})
    assert not holds(Field("request", "flag") == True, {"request": {"flag": 1}}, {})  # noqa: E712


def test_the_naive_chainer_notices_a_rule_reading_a_fact_nobody_produces() -> None:
    """A rule whose facts never appear is reported, not silently skipped."""
    bound = policy.assessor(POLICY).bound

    class Broken:
        derivations = bound.derivations[1:]
        rules = bound.rules

    request = policy.assessor(POLICY).parse(
        {"id": "x", "type": "initial", "diagnoses": ["M60.80"], "regimen": {"dose_g_per_kg": 2, "days": 2, "interval_days": 28}}
    )
    with pytest.raises(Unfired):
        chain(Broken, bound.code.request_fact, request, bound.params)
