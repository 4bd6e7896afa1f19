"""The durable-rules adapter keeps the engine's hazards from callers (notes/durable-rules.md).

Tiny networks built here have their own ruleset names: rulesets are never freed
and a name is registered once, so each is built once per test session.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from valgrind import clean_run, needs_valgrind

import policy
from policy.engine import Network, Session
from policy.errors import EngineError

POLICY = "ivig-myositis"

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / POLICY
SEEN = {"seen": {"all": [{"r": {"t": "request"}}]}}


def documents() -> list[dict[str, Any]]:
    """Very different requests: every example (all four decisions, continuations, dosing, pitfalls)."""
    found = [json.loads(path.read_text()) for path in sorted(EXAMPLES.glob("*.json"))]
    assert len(found) >= 8
    return found


# -- the policy's network --------------------------------------------------------------------


def test_many_sessions_in_a_row_never_share_facts() -> None:
    """5,000 alternating requests each get the determination they get in a fresh ordering."""
    requests = documents()
    fresh = {doc["id"]: policy.assess(doc, policy_id=POLICY).to_dict() for doc in reversed(requests)}
    assert len(fresh) == len(requests)
    assert len({d["decision"] for d in fresh.values()}) == 4
    count = len(requests)
    for number in range(5000):
        # A stride coprime with the count visits every request, each time after a different one.
        document = requests[(number * 7 + number // count) % count]
        assert policy.assess(document, policy_id=POLICY).to_dict() == fresh[document["id"]], (number, document["id"])


def test_threads_get_the_determinations_of_a_single_thread() -> None:
    """8 threads x 300 requests give exactly the single-threaded determinations."""
    requests = documents()
    single = {doc["id"]: policy.assess(doc, policy_id=POLICY).to_dict() for doc in requests}

    def work(worker: int) -> list[tuple[str, dict[str, Any]]]:
        results = []
        for number in range(300):
            document = requests[(worker * 5 + number * 3) % len(requests)]
            results.append((document["id"], policy.assess(document, policy_id=POLICY).to_dict()))
        return results

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = [entry for batch in pool.map(work, range(8)) for entry in batch]
    assert len(outcomes) == 2400
    for request_id, determination in outcomes:
        assert determination == single[request_id], request_id


def test_more_than_1024_sessions_of_the_policy_network_work() -> None:
    """Dropped sessions are deleted: 1,100 runs, each in a session of its own, pass the engine's 1024 live sessions.

    Each run starts a fresh session, as it does whenever the last one was
    dropped (after a failure, or on an engine that cannot empty it).
    """
    network = policy.assessor(POLICY).network
    request = policy.assessor(POLICY).parse(documents()[0])
    expected = policy.assessor(POLICY).run(request)
    before = network.sessions_started
    for _ in range(1100):
        network.reset()
        assert policy.assessor(POLICY).run(request) == expected
    assert network.sessions_started - before == 1100


def test_an_action_failing_in_the_policy_network_raises_and_the_network_recovers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing action of the real network surfaces as EngineError; the next assessment is correct."""
    network = policy.assessor(POLICY).network
    document = documents()[0]
    expected = policy.assess(document, policy_id=POLICY).to_dict()
    original = network._action

    def failing(session: Session, rule_name: str, matched: Mapping[str, Any]) -> None:
        if rule_name.startswith("derive:"):
            raise ZeroDivisionError("injected")
        original(session, rule_name, matched)

    monkeypatch.setattr(network, "_action", failing)
    with pytest.raises(EngineError) as caught:
        policy.assess(document, policy_id=POLICY)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
    monkeypatch.setattr(network, "_action", original)
    assert policy.assess(document, policy_id=POLICY).to_dict() == expected


# -- tiny networks: one hazard each ------------------------------------------------------------------


class Recorder:
    """An action that records what fired and raises when the request asks it to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, session: Session, rule_name: str, matched: Mapping[str, Any]) -> None:
        self.calls.append((rule_name, dict(matched)))
        if matched["r"].get("boom"):
            raise ValueError("action exploded")


@pytest.fixture(scope="session")
def recorded() -> tuple[Network, Recorder]:
    recorder = Recorder()
    return Network("tests.engine.recorded", SEEN, recorder), recorder


def test_an_action_that_raises_becomes_engine_error(recorded: tuple[Network, Recorder]) -> None:
    """The exception is not swallowed: EngineError, with the action's exception as cause."""
    network, _ = recorded
    with pytest.raises(EngineError, match="action exploded") as caught:
        network.run({"boom": True})
    assert isinstance(caught.value.__cause__, ValueError)


def test_the_network_keeps_working_after_a_failed_action(recorded: tuple[Network, Recorder]) -> None:
    """After a failure, following sessions fire normally and see only their own request."""
    network, recorder = recorded
    for number in range(3):
        with pytest.raises(EngineError):
            network.run({"boom": True, "n": number})
        session = network.run({"n": number})
        assert [name for name, _ in session.fired] == ["seen"]
        assert session.facts == {"request": {"n": number}}
        assert recorder.calls[-1][1]["r"]["n"] == number


def test_more_than_1024_sessions_in_a_row_work(recorded: tuple[Network, Recorder]) -> None:
    """Every dropped session is deleted, so the 1025th fresh session is created like the first."""
    network, recorder = recorded
    before = network.sessions_started
    for number in range(1100):
        network.reset()
        session = network.run({"n": number})
        assert session.fired[0][1]["r"]["n"] == number
    assert network.sessions_started - before == 1100
    assert len({matched["r"]["serial"] for _, matched in recorder.calls[-1100:]}) == 1100


def test_a_fact_carries_no_value_from_an_earlier_session(recorded: tuple[Network, Recorder]) -> None:
    """A field set in one session is absent from the next session's fact."""
    network, _ = recorded
    network.run({"only_here": 1})
    matched = network.run({"n": 1}).fired[0][1]["r"]
    assert "only_here" not in matched


def _deriving(twice: bool) -> Any:
    def action(session: Session, rule_name: str, matched: Mapping[str, Any]) -> None:
        if rule_name == "seen":
            session.assert_fact("derived", {"x": 1})
            if twice:
                session.assert_fact("derived", {"x": 1})

    return action


DERIVING = {**SEEN, "use": {"all": [{"d": {"t": "derived"}}]}}


@pytest.fixture(scope="session")
def deriving_twice() -> Network:
    return Network("tests.engine.twice", DERIVING, _deriving(twice=True))


@pytest.fixture(scope="session")
def deriving_once() -> Network:
    return Network("tests.engine.once", DERIVING, _deriving(twice=False))


def test_asserting_a_derived_fact_twice_raises(deriving_twice: Network) -> None:
    """The engine would drop the second identical fact silently; the adapter raises instead."""
    with pytest.raises(EngineError, match="twice"):
        deriving_twice.run({"a": 1})


def test_a_derived_fact_is_consumed_and_recorded(deriving_once: Network) -> None:
    """A derived fact asserted once fires its consuming rule and is kept in the session."""
    session = deriving_once.run({"a": 1})
    assert [name for name, _ in session.fired] == ["seen", "use"]
    assert session.facts["derived"] == {"x": 1}


@pytest.fixture(scope="session")
def orphaned() -> Network:
    def action(session: Session, rule_name: str, matched: Mapping[str, Any]) -> None:
        session.assert_fact("orphan", {"x": 1})

    return Network("tests.engine.orphan", SEEN, action)


def test_a_derived_fact_no_rule_consumes_raises(orphaned: Network) -> None:
    """A fact the engine would drop as unhandled raises EngineError, and the network still runs."""
    with pytest.raises(EngineError, match="orphan"):
        orphaned.run({"a": 1})
    with pytest.raises(EngineError, match="orphan"):
        orphaned.run({"a": 2})


def test_asserting_into_a_finished_session_raises(deriving_once: Network) -> None:
    """A session object kept after its run cannot take new facts."""
    session = deriving_once.run({"a": 1})
    with pytest.raises(EngineError):
        session.assert_fact("late", {"x": 1})


def test_a_session_where_nothing_fires_raises_rather_than_crashing() -> None:
    """Without a catch-all, no rule fires: EngineError, and the process is still alive (run apart)."""
    script = textwrap.dedent(
        """
        from policy.engine import Network
        from policy.errors import EngineError

        def action(session, rule_name, matched):
            raise AssertionError("nothing should fire")

        network = Network("tests.engine.silent", {"never": {"all": [{"r": {"t": "request"}}, {"x": {"t": "never"}}]}}, action)
        for number in range(3):
            try:
                network.run({"n": number})
            except EngineError as error:
                print("EngineError:", error)
        print("alive")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "alive"
    assert len([line for line in lines if line.startswith("EngineError:") and "no rule fired" in line]) == 3


# Built in a child process: a defect in the engine's C code ends that process, not the suite.
JOIN_SCRIPT = textwrap.dedent(
    """
    from policy.engine import Network
    from policy.rules.compile import compile_ruleset, merge_identical
    from policy.rules.declarations import Derivation, Effect, Fact, Outcome, StatementRule, case, otherwise

    derivation = Derivation(name="limit", statement="S", label="limit", reads=("request",), produces="limit",
                            fields=("most",), parameters=(), compute=lambda request, facts, params: {"most": 4})
    rule = StatementRule(name="S", statement="S", effect=Effect.CHANGE, facts=("request", "limit"),
                         cases=(case(Fact("request").courses > Fact("limit").most, Outcome.NOT_MET),),
                         otherwise=otherwise(Outcome.MET))
    taken = []

    def act(session, name, matched):
        for member in name.split("|"):
            if member == "derive:limit":
                session.assert_fact("limit", {"most": 4})
            elif member.startswith("S#"):
                taken.append(member.partition("#")[2].partition(".")[0])

    network = Network("join", merge_identical(compile_ruleset([derivation], [rule], {}, ("type",))), act)
    for courses in (None, 5, 3, 4, 7, None, 0):
        network.run({"type": "initial"} if courses is None else {"type": "initial", "courses": courses})
    print(" ".join(taken))
    """
)
# Branch 0 (not met) when courses > 4; branch 1 (met) otherwise, a missing count included.
JOIN_BRANCHES = "1 0 1 1 0 1 1"


def test_a_comparison_of_two_facts_fields_is_false_when_one_is_missing() -> None:
    """`request.courses > limit.most` with no `courses` takes the other branch; the engine refuses nothing.

    Without a presence test the engine rejects the joined fact (error 311,
    property not found) instead of failing the comparison.
    """
    result = subprocess.run([sys.executable, "-c", JOIN_SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == JOIN_BRANCHES.split()


@needs_valgrind
def test_a_false_comparison_of_two_facts_reads_no_memory_outside_the_network() -> None:
    """A join whose last test is false reads nothing past the pattern's expressions (valgrind sees no invalid read).

    durable-rules steps past the end of a pattern's expression list when its
    last join test is false; the compiler ends every joined pattern with a test
    that cannot fail. Without it this run shows invalid reads, and about one
    process in 40 crashed.
    """
    assert clean_run(JOIN_SCRIPT).split() == JOIN_BRANCHES.split()
