"""Assess a request: validate, run the network, assemble the determination."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from attrs import frozen

from policy.binding import BoundPolicy, bind
from policy.determination import (
    Authorized,
    ChangeMade,
    Determination,
    Dosing,
    Note,
    PolicyRef,
    Reason,
    StatementResult,
    TraceStep,
)
from policy.engine import Network, Session
from policy.errors import EngineError
from policy.policies import DEFAULT, MODULES
from policy.request import Request
from policy.rules.compile import CATCH_ALL, MEMBERS, compile_ruleset, merge_identical
from policy.rules.conditions import Field, Param, fields_of, render
from policy.rules.declarations import (
    OUTCOME_WEIGHT,
    Attach,
    Case,
    Change,
    ChangeTarget,
    Clamp,
    Deny,
    Derivation,
    Effect,
    Outcome,
    Otherwise,
    Pend,
    StatementRule,
)
from policy.validation import parse_request

ATTACHED = {Effect.CONDITION: "conditions", Effect.ADVICE: "advice", Effect.MONITORING: "monitoring"}
Branch = Case | Otherwise
# One step of a branch's plan: ("reason", Reason), ("change", Change),
# ("missing", Field listing the absent data), or (notes list name, Note).
_Step = tuple[str, Any]


@frozen
class _Plan:
    """What taking one branch adds to a determination, built once per branch."""

    branch: Branch
    statement: str
    text: str
    outcome: Outcome
    weight: int
    step: TraceStep
    steps: tuple[_Step, ...]
    denies: bool
    pends: bool


def _one_decimal(value: float | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP"))


def _network_values(values: Mapping[str, Any], tested: frozenset[str]) -> dict[str, Any]:
    """The part of a fact the network needs: set scalar fields some condition tests.

    Every field of an asserted fact costs the engine time on every assertion.
    """
    return {k: v for k, v in values.items() if k in tested and isinstance(v, bool | int | float | str)}


class Assessor:
    """A bound policy compiled into its network; `assess` is safe from any thread."""

    def __init__(self, bound: BoundPolicy) -> None:
        self.bound = bound
        self.params = bound.params
        numbers = {k: v for k, v in self.params.items() if k != "code_groups"}
        definition = compile_ruleset(bound.derivations, bound.rules, numbers, bound.module.REQUEST_ALWAYS_SET)
        derivations = {f"derive:{d.name}": d for d in bound.derivations}
        rules = {r.name: r for r in bound.rules}
        # What each durable rule stands for, worked out once: its firing runs
        # the derivations it merges and records the branches it decides.
        self._members: dict[str, tuple[tuple[Derivation, ...], tuple[tuple[str, int], ...]]] = {}
        merged = merge_identical(definition)
        for name in merged:
            members = name.split(MEMBERS)
            branches = []
            for member in members:
                rule_name, _, position = member.rpartition("#")
                if rule_name:
                    if rule_name not in rules:
                        raise EngineError(f"compiled rule {member!r} names no declared rule")
                    branches.append((rule_name, int(position.split(".")[0])))
                elif member not in derivations and member != CATCH_ALL:
                    raise EngineError(f"compiled rule {member!r} is neither a derivation nor a branch")
            self._members[name] = (
                tuple(derivations[m] for m in members if m in derivations), tuple(branches)
            )
        source = bound.source
        self.policy_ref = PolicyRef(id=source.id, version=source.version, digest=bound.digest)
        # The request-independent parts of a determination, built once.
        self._text = {s.id: s.text for s in source.statements}
        self._statement_ids = tuple(s.id for s in source.statements)
        self._results = {
            (s.id, outcome): StatementResult(s.id, outcome.value, s.citations)
            for s in source.statements for outcome in Outcome
        }
        self._derivation_steps = tuple(
            (d, f"derives {d.produces} from {', '.join(d.reads)}") for d in bound.derivations
        )
        self._plans = {id(b): self._plan(r, b) for r in bound.rules for b in r.branches}
        self._rule_branches = tuple((r.name, r.branches) for r in bound.rules)
        self._tested: dict[str, frozenset[str]] = {}
        for fact_type in ("request", *(d.produces for d in bound.derivations)):
            self._tested[fact_type] = frozenset(
                name for r in bound.rules for b in r.cases for f, name in fields_of(b.when) if f == fact_type
            )
        self.network = Network(f"{source.id}@{source.version}:{bound.digest[7:23]}", merged, self._act)

    # -- inside the network --------------------------------------------------
    def _act(self, session: Session, rule_name: str, matched: Mapping[str, Any]) -> None:
        derivations, branches = self._members[rule_name]
        context = session.context
        for derivation in derivations:
            derived = context["derived"]
            values = derivation.compute(context["request"], derived, self.params)
            derived[derivation.produces] = values
            session.assert_fact(derivation.produces, _network_values(values, self._tested[derivation.produces]))
        taken = context["taken"]
        for branch_rule, index in branches:
            taken.setdefault(branch_rule, set()).add(index)

    # -- around it -------------------------------------------------------------
    def run(self, request: Request) -> tuple[dict[str, Mapping[str, Any]], dict[str, Branch]]:
        """Run the network: the derived facts and the branch each rule took."""
        fact = self.bound.module.request_fact(request)
        context: dict[str, Any] = {"request": request, "derived": {"request": fact}, "taken": {}}
        self.network.run(_network_values(fact, self._tested["request"]), context)
        derived, taken = context["derived"], context["taken"]
        for derivation in self.bound.derivations:
            if derivation.produces not in derived:
                raise EngineError(f"derivation {derivation.name} did not fire")
        branches: dict[str, Branch] = {}
        for name, options in self._rule_branches:
            indexes = taken.get(name, ())
            if len(indexes) != 1:
                indexes = sorted(indexes)
                raise EngineError(
                    f"rule {name} took {len(indexes)} branches {indexes}: expected exactly one",
                    detail={"rule": name, "branches": indexes},
                )
            index, = indexes
            branches[name] = options[index]
        return derived, branches

    def assess(self, document: Mapping[str, Any] | Request) -> Determination:
        request = parse_request(document)
        derived, branches = self.run(request)
        return self.determine(request, derived, branches)

    # -- determination ------------------------------------------------------
    def _target(self, target: ChangeTarget, requested: Any, derived: Mapping[str, Mapping[str, Any]]) -> Any:
        if isinstance(target, Param):
            return self.params[target.key]
        if isinstance(target, Field):
            return derived[target.fact][target.name]
        if isinstance(target, Clamp):
            low, high = self.params[target.low.key], self.params[target.high.key]
            return [min(max(day, low), high) for day in requested]
        return target

    def _plan(self, rule: StatementRule, branch: Branch) -> _Plan:
        """What taking `branch` adds to a determination, its request-independent parts built."""
        statement = rule.statement
        text = self._text[statement]
        when = render(branch.when, self.params) if isinstance(branch, Case) else "otherwise"
        steps: list[_Step] = []
        for consequence in branch.then:
            if isinstance(consequence, Change):
                steps.append(("change", consequence))
            elif isinstance(consequence, Deny):
                steps.append(("reason", Reason(statement, text)))
            elif isinstance(consequence, Pend):
                if consequence.missing is None:
                    steps.append(("reason", Reason(statement, text)))
                else:
                    steps.append(("missing", consequence.missing))
            elif isinstance(consequence, Attach):
                steps.append((ATTACHED[rule.effect], Note(statement, text)))
        return _Plan(
            branch=branch,
            statement=statement,
            text=text,
            outcome=branch.outcome,
            weight=OUTCOME_WEIGHT[branch.outcome],
            step=TraceStep(rule=rule.name, statement=statement, when=when, outcome=branch.outcome.value),
            steps=tuple(steps),
            denies=any(isinstance(c, Deny) for c in branch.then),
            pends=any(isinstance(c, Pend) for c in branch.then),
        )

    def determine(
        self, request: Request, derived: Mapping[str, Mapping[str, Any]], branches: Mapping[str, Branch]
    ) -> Determination:
        """Assemble the determination from the branches taken (pure, no engine)."""
        regimen = request.regimen
        requested: dict[str, Any] = {
            "dose_g_per_kg": regimen.dose_g_per_kg,
            "course_total_g": regimen.course_total_g,
            "days": list(regimen.days),
            "interval_days": regimen.interval_days,
            "courses": regimen.courses,
            "reduced_iga": regimen.reduced_iga,
        }
        outcomes: dict[str, _Plan] = {}
        changes: list[ChangeMade] = []
        reasons: list[Reason] = []
        notes: dict[str, list[Note]] = {name: [] for name in ATTACHED.values()}
        denied = pended = False
        trace = [
            TraceStep(rule=d.name, statement=d.statement, when=when, derived=_traceable(derived[d.produces]))
            for d, when in self._derivation_steps
        ]
        for rule in self.bound.rules:
            branch = branches[rule.name]
            plan = self._plans.get(id(branch))
            if plan is None or plan.branch is not branch:  # a branch object built elsewhere
                plan = self._plan(rule, branch)
            statement = plan.statement
            previous = outcomes.get(statement)
            if previous is None or plan.weight > previous.weight:
                outcomes[statement] = plan
            trace.append(plan.step)
            denied = denied or plan.denies
            pended = pended or plan.pends
            for kind, item in plan.steps:
                if kind == "reason":
                    reasons.append(item)
                elif kind == "change":
                    before = requested[item.field]
                    changes.append(ChangeMade(statement, item.field, before, self._target(item.to, before, derived)))
                elif kind == "missing":
                    reasons.append(Reason(statement, plan.text, tuple(derived[item.fact][item.name])))
                else:
                    notes[kind].append(item)
        decision = "deny" if denied else "pend" if pended else "modify" if changes else "approve"
        authorized = None
        if decision in ("approve", "modify"):
            final = dict(requested)
            for default_field, default in self.bound.module.AUTHORIZED_DEFAULTS.items():
                if final[default_field] is None:
                    final[default_field] = self._target(default, None, derived)
            for change in changes:
                final[change.field] = change.authorized
            final["days"] = tuple(final["days"])
            authorized = Authorized(**final)
        weight, course = derived["dosing_weight"], derived["course"]
        return Determination(
            request_id=request.id,
            policy=self.policy_ref,
            decision=decision,
            dosing=Dosing(
                dosing_weight_kg=_one_decimal(weight["dosing_weight_kg"]),
                weight_basis=weight["weight_basis"],
                ideal_body_weight_kg=_one_decimal(weight["ideal_body_weight_kg"]),
                course_max_g=course["course_max_g"],
                course_requested_g=course["course_requested_g"],
            ),
            authorized=authorized,
            changes=tuple(changes),
            reasons=tuple(reasons),
            conditions=tuple(notes["conditions"]),
            advice=tuple(notes["advice"]),
            monitoring=tuple(notes["monitoring"]),
            statements=tuple(self._results[s, outcomes[s].outcome] for s in self._statement_ids),
            trace=tuple(trace),
        )


_SCALARS = (bool, int, str, type(None))


def _traceable(values: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key, value in values.items():
        kind = type(value)
        # Exact type tests first: this runs for every derived fact of every assessment.
        if kind in _SCALARS:
            pass
        elif kind is float:
            value = round(value, 4)
        elif isinstance(value, Mapping):
            value = {k: list(v) for k, v in value.items()}
        elif isinstance(value, list | tuple):
            value = list(value)
        shown[key] = value
    return shown


_assessors: dict[str, Assessor] = {}
_assessors_lock = threading.Lock()


def _reset_lock_after_fork() -> None:
    # A thread of the parent may have held the lock at the fork; the child has no such thread.
    global _assessors_lock
    _assessors_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_lock_after_fork)


def assessor(policy_id: str = DEFAULT) -> Assessor:
    """The process-wide assessor of a policy (its network is built once)."""
    found = _assessors.get(policy_id)
    if found is not None:  # built already: no lock on the path every assessment takes
        return found
    with _assessors_lock:
        found = _assessors.get(policy_id)
        if found is None:
            if policy_id not in MODULES:
                raise KeyError(f"unknown policy {policy_id!r}; known: {', '.join(MODULES)}")
            found = _assessors[policy_id] = Assessor(bind(policy_id, MODULES[policy_id]))
        return found


def assess(request: Mapping[str, Any] | Request, policy_id: str = DEFAULT) -> Determination:
    """Assess one prior-authorization request against a policy.

    Takes a mapping shaped like the request contract (or a `Request`) and
    returns a `Determination`. Raises `InvalidRequest` listing every problem
    when the request is malformed; no determination is made from a guess.
    """
    return assessor(policy_id).assess(request)
