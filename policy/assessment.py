"""Assess a request: validate, run the network, assemble the determination."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

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
from policy.rules.compile import CATCH_ALL, compile_ruleset
from policy.rules.conditions import Field, Param, render
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


def _one_decimal(value: float | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP"))


def _network_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar part of a derived fact: what conditions can test."""
    return {k: v for k, v in values.items() if isinstance(v, bool | int | float | str)}


class Assessor:
    """A bound policy compiled into its network; `assess` is safe from any thread."""

    def __init__(self, bound: BoundPolicy) -> None:
        self.bound = bound
        self.params = bound.params
        numbers = {k: v for k, v in self.params.items() if k != "code_groups"}
        definition = compile_ruleset(bound.derivations, bound.rules, numbers, bound.module.REQUEST_ALWAYS_SET)
        self._derivations: dict[str, Derivation] = {f"derive:{d.name}": d for d in bound.derivations}
        self._branches: dict[str, tuple[StatementRule, int]] = {}
        for name in definition:
            rule_name, _, position = name.rpartition("#")
            if rule_name:
                rule = next(r for r in bound.rules if r.name == rule_name)
                self._branches[name] = (rule, int(position.split(".")[0]))
        source = bound.source
        self.policy_ref = PolicyRef(id=source.id, version=source.version, digest=bound.digest)
        self.network = Network(f"{source.id}@{source.version}:{bound.digest[7:23]}", definition, self._act)

    # -- inside the network --------------------------------------------------
    def _act(self, session: Session, rule_name: str, matched: Mapping[str, Any]) -> None:
        if rule_name == CATCH_ALL:
            return
        derivation = self._derivations.get(rule_name)
        if derivation is not None:
            derived = session.context["derived"]
            values = derivation.compute(session.context["request"], derived, self.params)
            derived[derivation.produces] = values
            session.assert_fact(derivation.produces, _network_values(values))
            return
        rule, index = self._branches[rule_name]
        session.context["taken"].setdefault(rule.name, set()).add(index)

    # -- around it -------------------------------------------------------------
    def run(self, request: Request) -> tuple[dict[str, Mapping[str, Any]], dict[str, Branch]]:
        """Run the network: the derived facts and the branch each rule took."""
        fact = self.bound.module.request_fact(request)
        context: dict[str, Any] = {"request": request, "derived": {"request": fact}, "taken": {}}
        self.network.run(fact, context)
        derived, taken = context["derived"], context["taken"]
        for derivation in self.bound.derivations:
            if derivation.produces not in derived:
                raise EngineError(f"derivation {derivation.name} did not fire")
        branches: dict[str, Branch] = {}
        for rule in self.bound.rules:
            indexes = sorted(taken.get(rule.name, ()))
            if len(indexes) != 1:
                raise EngineError(
                    f"rule {rule.name} took {len(indexes)} branches {indexes}: expected exactly one",
                    detail={"rule": rule.name, "branches": indexes},
                )
            branches[rule.name] = rule.branches[indexes[0]]
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

    def determine(
        self, request: Request, derived: Mapping[str, Mapping[str, Any]], branches: Mapping[str, Branch]
    ) -> Determination:
        """Assemble the determination from the branches taken (pure, no engine)."""
        source = self.bound.source
        regimen = request.regimen
        requested: dict[str, Any] = {
            "dose_g_per_kg": regimen.dose_g_per_kg,
            "course_total_g": regimen.course_total_g,
            "days": list(regimen.days),
            "interval_days": regimen.interval_days,
            "courses": regimen.courses,
            "reduced_iga": regimen.reduced_iga,
        }
        text = {s.id: s.text for s in source.statements}
        outcomes: dict[str, Outcome] = {}
        changes: list[ChangeMade] = []
        reasons: list[Reason] = []
        notes: dict[str, list[Note]] = {name: [] for name in ATTACHED.values()}
        denied = pended = False
        trace = [
            TraceStep(rule=d.name, statement=d.statement, when=f"derives {d.produces} from {', '.join(d.reads)}",
                      derived=_traceable(derived[d.produces]))
            for d in self.bound.derivations
        ]
        for rule in self.bound.rules:
            branch = branches[rule.name]
            statement = rule.statement
            previous = outcomes.get(statement)
            if previous is None or OUTCOME_WEIGHT[branch.outcome] > OUTCOME_WEIGHT[previous]:
                outcomes[statement] = branch.outcome
            when = render(branch.when, self.params) if isinstance(branch, Case) else "otherwise"
            trace.append(TraceStep(rule=rule.name, statement=statement, when=when, outcome=branch.outcome.value))
            for consequence in branch.then:
                if isinstance(consequence, Change):
                    before = requested[consequence.field]
                    changes.append(ChangeMade(statement, consequence.field, before,
                                              self._target(consequence.to, before, derived)))
                elif isinstance(consequence, Deny):
                    denied = True
                    reasons.append(Reason(statement, text[statement]))
                elif isinstance(consequence, Pend):
                    pended = True
                    missing = None
                    if consequence.missing is not None:
                        field = consequence.missing
                        missing = tuple(derived[field.fact][field.name])
                    reasons.append(Reason(statement, text[statement], missing))
                elif isinstance(consequence, Attach):
                    notes[ATTACHED[rule.effect]].append(Note(statement, text[statement]))
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
            statements=tuple(
                StatementResult(s.id, outcomes[s.id].value, s.citations) for s in source.statements
            ),
            trace=tuple(trace),
        )


def _traceable(values: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, float):
            value = round(value, 4)
        elif isinstance(value, Mapping):
            value = {k: list(v) for k, v in value.items()}
        elif isinstance(value, list | tuple):
            value = list(value)
        shown[key] = value
    return shown


_assessors: dict[str, Assessor] = {}
_assessors_lock = threading.Lock()


def assessor(policy_id: str = DEFAULT) -> Assessor:
    """The process-wide assessor of a policy (its network is built once)."""
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
