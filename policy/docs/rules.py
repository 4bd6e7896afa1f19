"""Rule declarations in readable form: each case's condition, outcome and consequences.

Everything shown is generated from the declarations of a policy's Python (or
of the shared source's) and the parameter values of its source; nothing is
restated.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from policy.binding import BoundPolicy
from policy.docs.markdown import code
from policy.rules.conditions import Field, Param, render
from policy.rules.declarations import (
    Attach,
    Case,
    Change,
    ChangeTarget,
    Clamp,
    Consequence,
    Declarations,
    Deny,
    Derivation,
    Effect,
    Pend,
    StatementRule,
)
from policy.source import SharedSource

# What each effect does to a determination, in the words of the docs site.
EFFECT_MEANING: Mapping[Effect, str] = {
    Effect.CRITERION: "criterion: reported as met or not met",
    Effect.DENY: "deny: the request is denied when the statement applies (is not met)",
    Effect.PEND: "pend: the request is pended when the statement applies (is not met)",
    Effect.CHANGE: "change: a requested value is changed when the statement applies (is not met)",
    Effect.CONDITION: "condition: attached to the determination when the statement applies (is met)",
    Effect.ADVICE: "advice: attached to the determination when the statement applies (is met)",
    Effect.MONITORING: "monitoring: attached to the determination when the statement applies (is met)",
    Effect.INFORMATIONAL: "informational: reported, never changes the decision",
    Effect.FIGURE: "figure: determines a figure other statements use",
}

ATTACHED_AS = {Effect.CONDITION: "a condition", Effect.ADVICE: "advice", Effect.MONITORING: "monitoring"}


def effect_name(effect: Effect) -> str:
    """The short name of an effect ('deny', 'change', 'criterion', ...)."""
    return EFFECT_MEANING[effect].partition(":")[0]


def _value(params: Mapping[str, object], key: str) -> str:
    return f"{params[key]} ({key})" if key in params else key


def target_text(target: ChangeTarget, params: Mapping[str, object]) -> str:
    if isinstance(target, Param):
        return _value(params, target.key)
    if isinstance(target, Field):
        return f"the derived {code(target)}"
    if isinstance(target, Clamp):
        return (f"each end moved into [{_value(params, target.low.key)}, "
                f"{_value(params, target.high.key)}]")
    return "true" if target is True else "false" if target is False else str(target)


def consequence_text(consequence: Consequence, effect: Effect, params: Mapping[str, object]) -> str:
    if isinstance(consequence, Deny):
        return "**deny**"
    if isinstance(consequence, Pend):
        if consequence.missing is None:
            return "**pend**"
        return f"**pend**, listing the missing data ({code(consequence.missing)})"
    if isinstance(consequence, Change):
        return f"**change** {code(consequence.field)} to {target_text(consequence.to, params)}"
    if isinstance(consequence, Attach):
        return f"the statement text is attached as **{ATTACHED_AS.get(effect, effect.value)}**"
    raise TypeError(f"unknown consequence {consequence!r}")


def rule_lines(rule: StatementRule, params: Mapping[str, object]) -> list[str]:
    """A numbered list: the cases in the order they are tried, then 'otherwise'."""
    lines = []
    for number, branch in enumerate(rule.branches, start=1):
        when = f"When {code(render(branch.when, dict(params)))}" if isinstance(branch, Case) else "Otherwise"
        then = "; ".join(consequence_text(c, rule.effect, params) for c in branch.then)
        outcome = f"outcome **{branch.outcome.value.replace('_', ' ')}**"
        lines.append(f"{number}. {when}: {outcome}" + (f"; {then}" if then else ""))
    return lines


def derivation_lines(derivation: Derivation, params: Mapping[str, object]) -> list[str]:
    doc = (derivation.compute.__doc__ or "").strip().splitlines()
    lines = [
        f"- **{derivation.label}** ({code(derivation.name)}): reads {', '.join(code(r) for r in derivation.reads)}, "
        f"produces {code(derivation.produces)}."
    ]
    if doc:
        lines.append(f"    {doc[0]}")
    if derivation.parameters:
        lines.append("    Parameters: " + ", ".join(_value(params, key) for key in derivation.parameters) + ".")
    return lines


@frozen
class RuleSet:
    """The rules and derivations a page renders, with the parameter values they read.

    A policy's (its own and those of the statements it includes) or the shared
    source's: a shared statement's page shows its conditions without any policy.
    """

    derivations: tuple[Derivation, ...]
    rules: tuple[StatementRule, ...]
    params: Mapping[str, object]
    # Parameter keys in the order their source declares them.
    parameter_order: tuple[str, ...]

    def rules_for(self, statement_id: str) -> tuple[StatementRule, ...]:
        return tuple(r for r in self.rules if r.statement == statement_id)

    def effect(self, statement_id: str) -> Effect | None:
        """The statement's effect (binding guarantees its rules agree); None when it has no rule."""
        return next((r.effect for r in self.rules_for(statement_id)), None)


def policy_rules(bound: BoundPolicy) -> RuleSet:
    return RuleSet(bound.derivations, bound.rules, bound.params, tuple(bound.source.parameters))


def shared_rules(shared: SharedSource | None, declarations: Declarations) -> RuleSet:
    parameters = shared.parameters if shared is not None else {}
    return RuleSet(declarations.derivations, declarations.rules,
                   {key: p.value for key, p in parameters.items()}, tuple(parameters))


def conditions_section(rules: RuleSet, statement_id: str) -> str:
    """The 'Conditions' part of a statement page."""
    params = rules.params
    out: list[str] = []
    derivations = [d for d in rules.derivations if d.statement == statement_id]
    if derivations:
        out.append("Derived facts computed for this statement:\n")
        for derivation in derivations:
            out += derivation_lines(derivation, params)
        out.append("")
    found = rules.rules_for(statement_id)
    for rule in found:
        if len(found) > 1:
            out.append(f"Rule {code(rule.name)} (facts: {', '.join(rule.facts)}); the first case that holds is taken:\n")
        else:
            out.append(f"Facts: {', '.join(rule.facts)}. The first case that holds is taken:\n")
        out += rule_lines(rule, params)
        out.append("")
    if not found and not derivations:
        out.append("No rule is declared for this statement.\n")
    return "\n".join(out)


def statement_parameters(rules: RuleSet, statement_id: str) -> list[str]:
    """Parameter keys the statement's rules and derivations use, in declaration order."""
    used: set[str] = set()
    for rule in rules.rules_for(statement_id):
        used |= rule.parameters
    for derivation in rules.derivations:
        if derivation.statement == statement_id:
            used |= set(derivation.parameters)
    return [key for key in rules.parameter_order if key in used]
