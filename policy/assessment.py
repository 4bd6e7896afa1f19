"""Assess a request: validate, run the network, assemble the determination."""

from __future__ import annotations

import operator
import os
import threading
from collections.abc import Callable, Mapping
from functools import cache
from decimal import Decimal
from typing import Any, NamedTuple

from attrs import frozen

from policy import releases
from policy.binding import BoundPolicy, bound
from policy.determination import (
    ChangeMade,
    Determination,
    Note,
    PolicyRef,
    Reason,
    StatementResult,
    TraceStep,
)
from policy.engine import Network, Session
from policy.errors import EngineError, InvalidRequest, Problem
from policy.json_text import NotPlain
from policy.library import policy_ids
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
from policy.spec import shown
from policy.validation import POLICY_KEY, parse_request

ATTACHED = {Effect.CONDITION: "conditions", Effect.ADVICE: "advice", Effect.MONITORING: "monitoring"}
Branch = Case | Otherwise
# One step of a branch's plan: ("reason", Reason), ("change", Change),
# ("missing", Field listing the absent data), or (notes list name, Note).
_Step = tuple[str, Any]


@frozen(eq=False)  # compared by identity: plans are looked up, never compared by value
class _Plan:
    """What taking one branch adds to a determination, built once per branch."""

    branch: Branch
    statement: str
    text: str
    outcome: Outcome
    weight: int
    result: StatementResult  # the statement's result when this branch decides it
    step: TraceStep
    steps: tuple[_Step, ...]
    denies: bool
    pends: bool


class _Combination(NamedTuple):
    """What a determination takes from the branches its rules took, its request aside.

    Every piece is one of the objects built once per branch (`_Plan`): the
    same trace steps, statement results, reasons and notes for every request
    that takes that branch, each keeping its JSON text (policy/determination.py);
    only the tuples holding them are new.
    """

    decision: str
    steps: tuple[TraceStep, ...]  # the trace step of each rule's branch, in rule order
    statements: tuple[StatementResult, ...]
    # Each reason, or for a pend naming missing data, (statement, text, the field listing it).
    reasons: tuple[Reason | tuple[str, str, Field], ...]
    lists_missing: bool  # some reason names missing data, read from the derived facts
    changes: tuple[tuple[str, Change], ...]  # (statement, change) in rule order
    conditions: tuple[Note, ...]
    advice: tuple[Note, ...]
    monitoring: tuple[Note, ...]


@cache
def _step(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _rounded(value: Any, decimals: int | None) -> Any:
    """A figure rounded half up to `decimals` places (as the briefs round every reported figure)."""
    if decimals is None or type(value) not in (int, float):
        return value
    return float(Decimal(str(value)).quantize(_step(decimals), rounding="ROUND_HALF_UP"))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


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
        self.code = bound.code
        # The declarations the determination reads, unpacked once.
        self._figures = tuple((f.key, f.value.fact, f.value.name, f.decimals) for f in bound.code.figures)
        authorization = bound.code.authorization
        self._authorization_source = authorization.source if authorization is not None else None
        self._authorized_paths = tuple(
            (f.path, tuple(f.path.split(".")[:-1]), f.path.rpartition(".")[2], f.default)
            for f in (authorization.fields if authorization is not None else ())
        )
        self._requested_paths = tuple(path for path, *_ in self._authorized_paths)
        self._flat_authorization = all(not objects for _path, objects, _leaf, _default in self._authorized_paths)
        self._read_requested: Callable[[Any], Any] = (
            operator.attrgetter(*self._requested_paths) if self._requested_paths else (lambda source: ())
        )
        numbers = {k: v for k, v in self.params.items() if k != "code_groups"}
        definition = compile_ruleset(bound.derivations, bound.rules, numbers, bound.code.always_set)
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
        self.policy_ref = PolicyRef(id=source.id, version=source.version, effective=releases.effective(bound),
                                    digest=bound.digest)
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
        self._rule_names = tuple(r.name for r in bound.rules)
        # Each statement's rules by position: its outcome is the weightiest of theirs (most have one rule).
        positions: dict[str, list[int]] = {}
        for index, statement_rule in enumerate(bound.rules):
            positions.setdefault(statement_rule.statement, []).append(index)
        self._statement_rules = tuple(tuple(positions.get(s, ())) for s in self._statement_ids)
        # The first rule of every statement, read in one C call; the statements with more rules, fixed after.
        self._first_rules = operator.itemgetter(*(rules[0] for rules in self._statement_rules))
        self._shared_statements = tuple((index, rules) for index, rules in enumerate(self._statement_rules)
                                        if len(rules) > 1)
        # Every record a branch adds writes its JSON text now, once (policy/determination.py keeps it).
        for plan in self._plans.values():
            for record in (plan.step, plan.result, *(item for _kind, item in plan.steps)):
                if isinstance(record, Reason | Note | StatementResult | TraceStep):
                    _write_json_once(record)
        _write_json_once(self.policy_ref)
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
        # (rule, branch) pairs, one per branch this firing stands for; checked once the network is done.
        context["taken"].extend(branches)

    # -- around it -------------------------------------------------------------
    def run(self, request: Any) -> tuple[dict[str, Mapping[str, Any]], dict[str, Branch]]:
        """Run the network: the derived facts and the branch each rule took."""
        fact = self.code.request_fact(request)
        context: dict[str, Any] = {"request": request, "derived": {"request": fact}, "taken": []}
        self.network.run(_network_values(fact, self._tested["request"]), context)
        derived, taken = context["derived"], context["taken"]
        for derivation in self.bound.derivations:
            if derivation.produces not in derived:
                raise EngineError(f"derivation {derivation.name} did not fire")
        # Exactly one branch per rule: as many rules as in the policy, none with two different
        # branches (one branch can fire twice, once per clause of its condition).
        chosen = dict(taken)
        if len(chosen) != len(self._rule_branches) or len(set(taken)) != len(chosen):
            self._not_one_branch(taken)
        return derived, {name: options[chosen[name]] for name, options in self._rule_branches}

    def _not_one_branch(self, taken: list[tuple[str, int]]) -> None:
        """Raise EngineError for the first rule (in the policy's order) that did not take exactly one branch."""
        for name, _options in self._rule_branches:
            indexes = sorted({index for rule, index in taken if rule == name})
            if len(indexes) != 1:
                raise EngineError(
                    f"rule {name} took {len(indexes)} branches {indexes}: expected exactly one",
                    detail={"rule": name, "branches": indexes},
                )
        raise EngineError(f"a firing named a branch of no rule of this policy: {sorted(set(taken))}")

    def parse(self, document: Any) -> Any:
        """The request model of this policy, or InvalidRequest listing every problem."""
        return parse_request(document, self.code.request_model, self.bound.id, policy_ids())

    def assess(self, document: Any) -> Determination:
        request = self.parse(document)
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
            result=self._results[statement, branch.outcome],
            step=TraceStep(rule=rule.name, statement=statement, when=when, outcome=branch.outcome.value),
            steps=tuple(steps),
            denies=any(isinstance(c, Deny) for c in branch.then),
            pends=any(isinstance(c, Pend) for c in branch.then),
        )

    # -- what is requested and what is authorized ---------------------------------
    def requested(self, request: Any) -> tuple[dict[str, Any], set[str]]:
        """The requested value of every authorized field by its path, and the objects the request lacks."""
        if self._authorization_source is None:
            return {}, set()
        source = getattr(request, self._authorization_source)
        try:  # one C-level read of every path; a lacking object (None on the way) raises
            found = self._read_requested(source)
        except AttributeError:
            return self._requested_with_gaps(source)
        if len(self._authorized_paths) == 1:
            found = (found,)
        return {path: list(value) if type(value) is tuple else value
                for path, value in zip(self._requested_paths, found)}, set()

    def _requested_with_gaps(self, source: Any) -> tuple[dict[str, Any], set[str]]:
        values: dict[str, Any] = {}
        absent: set[str] = set()
        for path, objects, leaf, _default in self._authorized_paths:
            node = source
            for index, name in enumerate(objects):
                node = getattr(node, name)
                if node is None:
                    absent.add(".".join(objects[: index + 1]))
                    break
            values[path] = None if node is None else _plain(getattr(node, leaf))
        return values, absent

    def authorized(
        self, requested: Mapping[str, Any], absent: set[str], changes: list[ChangeMade],
        derived: Mapping[str, Mapping[str, Any]],
    ) -> dict[str, Any]:
        """What is requested, with defaults for unstated fields and every change applied, nested by path."""
        final = dict(requested)
        for path, _objects, _leaf, default in self._authorized_paths:
            if default is not None and final[path] is None:
                final[path] = self._target(default, None, derived)
        for change in changes:
            final[change.field] = change.authorized
        if self._flat_authorization:  # no nested object: the paths are the keys
            return final
        nested: dict[str, Any] = {}
        for path, objects, leaf, _default in self._authorized_paths:
            node = nested
            for index, name in enumerate(objects):
                if ".".join(objects[: index + 1]) in absent:
                    node[name] = None
                    break
                node = node.setdefault(name, {})
            else:
                node[leaf] = final[path]
        return nested

    def figures(self, derived: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        return {key: (derived.get(fact, _NOTHING).get(name) if decimals is None
                      else _rounded(derived.get(fact, _NOTHING).get(name), decimals))
                for key, fact, name, decimals in self._figures}

    def determine(
        self, request: Any, derived: Mapping[str, Mapping[str, Any]], branches: Mapping[str, Branch]
    ) -> Determination:
        """Assemble the determination from the branches taken (pure, no engine)."""
        combination = self._combination(branches)
        requested, absent = self.requested(request)
        changes = []
        for statement, change in combination.changes:
            before = requested[change.field]
            changes.append(ChangeMade(statement, change.field, before, self._target(change.to, before, derived)))
        reasons = combination.reasons
        if combination.lists_missing:
            reasons = tuple(
                reason if isinstance(reason, Reason)
                else Reason(reason[0], reason[1], tuple(derived[reason[2].fact][reason[2].name]))
                for reason in reasons
            )
        decision = combination.decision
        authorized = None
        if decision in ("approve", "modify") and self.code.authorization is not None:
            authorized = self.authorized(requested, absent, changes, derived)
        trace = tuple([
            TraceStep(d.name, d.statement, when, None, _traceable(derived[d.produces]))
            for d, when in self._derivation_steps
        ])
        return Determination(
            request_id=request.id,
            policy=self.policy_ref,
            decision=decision,
            dosing=self.figures(derived),
            authorized=authorized,
            changes=tuple(changes),
            reasons=reasons,  # type: ignore[arg-type]  # every placeholder replaced when lists_missing
            conditions=combination.conditions,
            advice=combination.advice,
            monitoring=combination.monitoring,
            statements=combination.statements,
            trace=trace + combination.steps,
        )

    def _combination(self, branches: Mapping[str, Branch]) -> _Combination:
        """The request-independent parts of the determination for these branches, from their plans."""
        taken = list(map(branches.__getitem__, self._rule_names))
        # An id names one of this policy's own branches only: they live as long as the assessor.
        plans: list[_Plan] = list(map(self._plans.get, map(id, taken)))  # type: ignore[arg-type]
        if None in plans:  # a branch object built elsewhere
            plans = [plan or self._plan(rule, branch) for plan, rule, branch in zip(plans, self.bound.rules, taken)]
        changes: list[tuple[str, Change]] = []
        reasons: list[Reason | tuple[str, str, Field]] = []
        notes: dict[str, list[Note]] = {name: [] for name in ATTACHED.values()}
        denied = pended = False
        for plan in filter(_STEPS_OF, plans):  # most branches add nothing but their step and result
            denied = denied or plan.denies
            pended = pended or plan.pends
            for kind, item in plan.steps:
                if kind == "reason":
                    reasons.append(item)
                elif kind == "change":
                    changes.append((plan.statement, item))
                elif kind == "missing":
                    reasons.append((plan.statement, plan.text, item))
                else:
                    notes[kind].append(item)
        return _Combination(
            decision="deny" if denied else "pend" if pended else "modify" if changes else "approve",
            steps=tuple(map(_STEP_OF, plans)),
            statements=self._statement_results(plans),
            reasons=tuple(reasons),
            lists_missing=any(not isinstance(reason, Reason) for reason in reasons),
            changes=tuple(changes),
            conditions=tuple(notes["conditions"]),
            advice=tuple(notes["advice"]),
            monitoring=tuple(notes["monitoring"]),
        )

    def _statement_results(self, plans: list[_Plan]) -> tuple[StatementResult, ...]:
        """Each statement's result: its rule's, or of its rules the weightiest outcome's."""
        chosen = self._first_rules(plans)
        results = list(map(_RESULT_OF, chosen if isinstance(chosen, tuple) else (chosen,)))
        for index, rules in self._shared_statements:
            results[index] = self._weightiest(rules, plans).result
        return tuple(results)

    @staticmethod
    def _weightiest(rules: tuple[int, ...], plans: list[_Plan]) -> _Plan:
        """Of a statement's rules, the plan of the weightiest outcome (the first of equal weight)."""
        chosen = plans[rules[0]]
        for position in rules[1:]:
            if plans[position].weight > chosen.weight:
                chosen = plans[position]
        return chosen


_STEPS_OF = operator.attrgetter("steps")
_STEP_OF = operator.attrgetter("step")
_RESULT_OF = operator.attrgetter("result")


def _write_json_once(record: Any) -> None:
    try:
        record.fast_json()
    except NotPlain:  # a text json.dumps must write (a lone surrogate): written when asked
        pass


_NOTHING: Mapping[str, Any] = {}


_SCALARS = frozenset({bool, int, str, type(None)})


def _traceable(values: Mapping[str, Any]) -> dict[str, Any]:
    """A derived fact as the trace shows it: floats to 4 places, lists (and lists in mappings) as lists."""
    # One pass with exact type tests: this runs for every derived fact of every assessment.
    return {key: value if type(value) in _SCALARS else _shown(value) for key, value in values.items()}


def _shown(value: Any) -> Any:
    if type(value) is float:
        return round(value, 4)
    if isinstance(value, Mapping):
        return {k: list(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return list(value)
    return value


_assessors: dict[str, Assessor] = {}
_assessors_lock = threading.Lock()


def _reset_lock_after_fork() -> None:
    # A thread of the parent may have held the lock at the fork; the child has no such thread.
    global _assessors_lock
    _assessors_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_lock_after_fork)


def assessor(policy_id: str) -> Assessor:
    """The process-wide assessor of a policy (its network is built once).

    Raises InvalidRequest (path `policy`) when this package holds no such policy.
    """
    found = _assessors.get(policy_id)
    if found is not None:  # built already: no lock on the path every assessment takes
        return found
    known = policy_ids()
    if policy_id not in known:
        raise InvalidRequest([unknown_policy(policy_id, known)])
    with _assessors_lock:
        found = _assessors.get(policy_id)
        if found is None:
            found = _assessors[policy_id] = Assessor(bound(policy_id))
        return found


def unknown_policy(named: object, known: tuple[str, ...]) -> Problem:
    return Problem(POLICY_KEY, f"expected one of the policies this package holds ({', '.join(known)}), "
                               f"got {shown(named)}")


def chosen_policy(document: Any, policy_id: str | None = None) -> str:
    """The policy a request is for: `policy_id` if given, else the document's `policy`.

    Nothing is guessed: a request naming no policy, or one this package does
    not hold, is invalid (path `policy`, listing the policies held).
    """
    if policy_id is not None:
        return policy_id
    named = document.get(POLICY_KEY) if isinstance(document, Mapping) else getattr(document, POLICY_KEY, None)
    known = policy_ids()
    if named is None:
        raise InvalidRequest([Problem(POLICY_KEY, f"is required: name the policy to assess against, "
                                                  f"one of {', '.join(known)}")])
    if not isinstance(named, str) or named not in known:
        raise InvalidRequest([unknown_policy(named, known)])
    return named


def assess(request: Any, policy_id: str | None = None) -> Determination:
    """Assess one prior-authorization request against a policy.

    Takes a mapping shaped like the policy's request contract (or its request
    model) and returns a `Determination`. The policy is `policy_id`, or the
    document's `policy` field; naming none, or two different ones, is invalid.
    Raises `InvalidRequest` listing every problem when the request is
    malformed; no determination is made from a guess.
    """
    return assessor(chosen_policy(request, policy_id)).assess(request)
