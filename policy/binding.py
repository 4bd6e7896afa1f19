"""A policy = its source (statements, parameters, bibliography) bound to its
rule declarations, with the shared statements it includes, checked so that
neither can drift from the other."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from policy.errors import PolicyDefinitionError
from policy.library import folder_of, policy_code, shared_code
from policy.rules.conditions import Param, params_of
from policy.rules.declarations import Case, Declarations, Derivation, Effect, PolicyCode, StatementRule
from policy.source import PolicySource, load_source


@frozen
class BoundPolicy:
    source: PolicySource
    code: PolicyCode
    derivations: tuple[Derivation, ...]
    rules: tuple[StatementRule, ...]
    effects: Mapping[str, Effect]
    digest: str

    @property
    def id(self) -> str:
        return self.source.id

    @property
    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: p.value for key, p in self.source.parameters.items()}
        values["code_groups"] = self.source.code_groups
        return values

    def rules_for(self, statement_id: str) -> tuple[StatementRule, ...]:
        return tuple(r for r in self.rules if r.statement == statement_id)


def binding_problems(source: PolicySource, derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...]) -> list[str]:
    """Every mismatch between statements, rules and parameters."""
    problems = []
    ids = [s.id for s in source.statements]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    problems += [f"statement {i} is declared by more than one Rule" for i in duplicated]
    bound = {r.statement for r in rules}
    for rule in rules:
        if rule.statement not in ids:
            problems.append(f"rule {rule.name} names unknown statement {rule.statement}")
        for key in sorted(rule.parameters - set(source.parameters)):
            problems.append(f"rule {rule.name} uses undeclared parameter {key}")
    produced: set[str] = {"request"}
    for derivation in derivations:
        if derivation.statement not in ids:
            problems.append(f"derivation {derivation.name} names unknown statement {derivation.statement}")
        for key in sorted(set(derivation.parameters) - set(source.parameters)):
            problems.append(f"derivation {derivation.name} uses undeclared parameter {key}")
        for fact in derivation.reads:
            if fact not in produced:
                problems.append(f"derivation {derivation.name} reads '{fact}', which no derivation of an "
                                "earlier statement produces")
        produced.add(derivation.produces)
    for statement in source.statements:
        if statement.id not in bound:
            problems.append(f"statement {statement.id} ({statement.file}:{statement.line}) has no rule")
    effects: dict[str, set[Effect]] = {}
    for rule in rules:
        effects.setdefault(rule.statement, set()).add(rule.effect)
    problems += [f"statement {s} has rules with different effects" for s, e in effects.items() if len(e) > 1]
    return problems


def used_parameters(derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...]) -> set[str]:
    used = {key for d in derivations for key in d.parameters}
    for rule in rules:
        used |= rule.parameters
        for branch in rule.branches:
            if isinstance(branch, Case):
                used |= params_of(branch.when)
    return used


def shared_parameter_uses(shared: Declarations) -> dict[str, set[str]]:
    """Each shared statement's parameters: those its rules and derivations use."""
    uses: dict[str, set[str]] = {}
    for rule in shared.rules:
        uses.setdefault(rule.statement, set()).update(used_parameters((), (rule,)))
    for derivation in shared.derivations:
        uses.setdefault(derivation.statement, set()).update(derivation.parameters)
    return uses


def default_parameters(code: PolicyCode) -> set[str]:
    """Parameters the authorization falls back on for unstated fields."""
    if code.authorization is None:
        return set()
    return {f.default.key for f in code.authorization.fields if isinstance(f.default, Param)}


def _in_statement_order(items: list[Any], order: Mapping[str, int]) -> tuple[Any, ...]:
    # Stable: a statement's rules keep their declared order; unknown statements go last
    # (binding_problems names them).
    return tuple(sorted(items, key=lambda item: order.get(item.statement, len(order))))


def assemble(source: PolicySource, code: PolicyCode, shared: Declarations) -> tuple[
    tuple[Derivation, ...], tuple[StatementRule, ...]
]:
    """The policy's derivations and rules with those of the shared statements it includes, in statement order."""
    included = set(source.included)
    order = {statement.id: index for index, statement in enumerate(source.statements)}
    derivations = [d for d in shared.derivations if d.statement in included] + list(code.derivations)
    rules = [r for r in shared.rules if r.statement in included] + list(code.rules)
    return _in_statement_order(derivations, order), _in_statement_order(rules, order)


_bound: dict[str, BoundPolicy] = {}


def bound(policy_id: str) -> BoundPolicy:
    """The installed policy, bound once per process."""
    found = _bound.get(policy_id)
    if found is None:
        found = _bound[policy_id] = bind(policy_id)
    return found


def bind(policy_id: str, root: Path | None = None) -> BoundPolicy:
    """Load the policy's folder, its Python and what it includes; raise on any drift."""
    shared = shared_code(root)
    source = load_source(folder_of(policy_id), root, shared_parameter_uses(shared))
    if source.id != policy_id:
        raise PolicyDefinitionError(
            f"{folder_of(policy_id)}/policy.toml declares id {source.id}, expected {policy_id} (from its folder name)"
        )
    code = policy_code(policy_id, root)
    derivations, rules = assemble(source, code, shared)
    problems = [str(problem) for problem in source.problems] + binding_problems(source, derivations, rules)
    if problems:
        raise PolicyDefinitionError(f"policy {policy_id}: source and rules disagree:\n- " + "\n- ".join(problems))
    return BoundPolicy(
        source=source,
        code=code,
        derivations=derivations,
        rules=rules,
        effects={r.statement: r.effect for r in rules},
        digest=source.digest(),
    )


__all__ = ["BoundPolicy", "Param", "assemble", "bind", "bound", "binding_problems", "shared_parameter_uses", "used_parameters"]
