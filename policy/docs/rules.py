"""Rule declarations in readable form: each case's condition, outcome and consequences.

Everything shown is generated from the declarations in the policy module and
the parameter values in the policy source; nothing is restated.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    Deny,
    Derivation,
    Effect,
    Pend,
    StatementRule,
)

# What each effect does to a determination, in the words of the docs site.
EFFECT_MEANING: Mapping[Effect, str] = {
    Effect.CRITERION: "criterion: reported as met or not met",
    Effect.DENY: "deny: the request is denied when the statement applies (is not met)",
    Effect.PEND: "pend: the request is pended when the statement applies (is not met)",
    Effect.CHANGE: "change: the regimen is changed when the statement applies (is not met)",
    Effect.CONDITION: "condition: attached to the determination when the statement applies (is met)",
    Effect.ADVICE: "advice: attached to the determination when the statement applies (is met)",
    Effect.MONITORING: "monitoring: attached to the determination when the statement applies (is met)",
    Effect.INFORMATIONAL: "informational: reported, never changes the decision",
    Effect.DOSING_WEIGHT: "dosing weight: determines the weight every dose is calculated on",
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


def conditions_section(bound: BoundPolicy, statement_id: str) -> str:
    """The 'Conditions' part of a statement page."""
    params = bound.params
    out: list[str] = []
    derivations = [d for d in bound.derivations if d.statement == statement_id]
    if derivations:
        out.append("Derived facts computed for this statement:\n")
        for derivation in derivations:
            out += derivation_lines(derivation, params)
        out.append("")
    rules = bound.rules_for(statement_id)
    for rule in rules:
        if len(rules) > 1:
            out.append(f"Rule {code(rule.name)} (facts: {', '.join(rule.facts)}); the first case that holds is taken:\n")
        else:
            out.append(f"Facts: {', '.join(rule.facts)}. The first case that holds is taken:\n")
        out += rule_lines(rule, params)
        out.append("")
    return "\n".join(out)


def statement_parameters(bound: BoundPolicy, statement_id: str) -> list[str]:
    """Parameter keys the statement's rules and derivations use, in declaration order."""
    used: set[str] = set()
    for rule in bound.rules_for(statement_id):
        used |= rule.parameters
    for derivation in bound.derivations:
        if derivation.statement == statement_id:
            used |= set(derivation.parameters)
    return [key for key in bound.source.parameters if key in used]
