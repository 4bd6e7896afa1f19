"""A statement's logic in readable form: how its figures are computed and which case decides what.

Everything shown is generated from the declarations of a policy's Python (or
of the shared source's) and the parameter values of its source; nothing is
restated. Each case reads as a sentence (policy.docs.plain, with the words
of policy.docs.words); the code-like form the engine evaluates follows in a
collapsed block for whoever checks the rules against the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from policy.binding import BoundPolicy
from policy.docs.markdown import code
from policy.docs.plain import ATTACHED, condition_text, consequence_words, mentioned_in, outcome_words
from policy.docs.words import Vocabulary, formula_lines, glossary_of, mid_sentence, vocabulary
from policy.library import shared_code
from policy.rules.conditions import Always, Field, Param, render
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

ATTACHED_AS = ATTACHED
ENGINE_TITLE = "As the rules engine evaluates it"


def effect_name(effect: Effect) -> str:
    """The short name of an effect ('deny', 'change', 'criterion', ...)."""
    return EFFECT_MEANING[effect].partition(":")[0]


@frozen
class RuleSet:
    """The rules and derivations a page renders, with the parameter values and words they read.

    A policy's (its own and those of the statements it includes) or the shared
    source's: a shared statement's page shows its conditions without any policy.
    """

    derivations: tuple[Derivation, ...]
    rules: tuple[StatementRule, ...]
    params: Mapping[str, object]
    # Parameter keys in the order their source declares them.
    parameter_order: tuple[str, ...]
    words: Vocabulary

    def rules_for(self, statement_id: str) -> tuple[StatementRule, ...]:
        return tuple(r for r in self.rules if r.statement == statement_id)

    def derivations_for(self, statement_id: str) -> tuple[Derivation, ...]:
        return tuple(d for d in self.derivations if d.statement == statement_id)

    def effect(self, statement_id: str) -> Effect | None:
        """The statement's effect (binding guarantees its rules agree); None when it has no rule."""
        return next((r.effect for r in self.rules_for(statement_id)), None)


def policy_words(bound: BoundPolicy, glossaries: Iterable[Mapping[str, Any]] | None = None) -> Vocabulary:
    """The words of a policy: its request model, figures, authorization, code groups, and the
    glossaries of the shared source and of the policy (the policy's own win)."""
    authorization = bound.code.authorization
    if glossaries is None:
        glossaries = (glossary_of(shared_code()), glossary_of(bound.code))
    return vocabulary(
        bound.source.parameters, bound.derivations,
        glossaries=glossaries,
        figures=bound.code.figures,
        request_model=bound.code.request_model,
        code_groups=bound.source.code_groups,
        changed={f.path: f.label for f in authorization.fields} if authorization is not None else {},
    )


def policy_rules(bound: BoundPolicy) -> RuleSet:
    return RuleSet(bound.derivations, bound.rules, bound.params, tuple(bound.source.parameters), policy_words(bound))


def shared_rules(shared: SharedSource | None, declarations: Declarations, request_model: type | None = None) -> RuleSet:
    """The shared statements' rules; `request_model` (an including policy's) words the request
    fields they read when the shared glossary does not."""
    parameters = shared.parameters if shared is not None else {}
    words = vocabulary(parameters, declarations.derivations, glossaries=(glossary_of(declarations),),
                       request_model=request_model)
    return RuleSet(declarations.derivations, declarations.rules,
                   {key: p.value for key, p in parameters.items()}, tuple(parameters), words)


# --- Plain language --------------------------------------------------------------------------------


def case_lines(rule: StatementRule, words: Vocabulary) -> list[str]:
    """A numbered list: the cases in the order they are tried, then 'otherwise', each as a sentence."""
    lines = []
    for number, branch in enumerate(rule.branches, start=1):
        if isinstance(branch, Case):
            when = ("For every request" if isinstance(branch.when, Always)
                    else f"When {condition_text(branch.when, words)}")
        else:
            when = "Otherwise"
        outcome = f"**{outcome_words(rule.effect, branch.outcome)}**"
        mentioned = mentioned_in(branch.when) if isinstance(branch, Case) else frozenset()
        then = "; ".join(consequence_words(c, rule.effect, words, mentioned) for c in branch.then)
        lines.append(f"{number}. {when}: {outcome}" + (f"; {then}." if then else "."))
    return lines


def derivation_lines(derivation: Derivation, words: Vocabulary) -> list[str]:
    """What a derivation computes: its label, its first docstring line, its formulas with values filled in."""
    doc = (derivation.compute.__doc__ or "").strip().splitlines()
    lines = [f"- **{derivation.label}**" + (f": {mid_sentence(doc[0])}" if doc else "")]
    for formula in formula_lines(derivation, words):
        lines.append(f"    - {formula}")
    used = [words.parameter(key) for key in derivation.parameters]
    if used and not formula_lines(derivation, words):
        lines.append(f"    - Parameters used: {'; '.join(used)}.")
    return lines


def logic_markdown(rules: RuleSet, statement_id: str, engine: bool = True) -> str:
    """A statement's logic as markdown: figures computed for it, then each rule's cases in words.

    With `engine`, a collapsed block follows with the rules as the engine
    evaluates them (rule names, facts, conditions in code form). Reusable
    by any page or document that shows a statement.
    """
    words = rules.words
    out: list[str] = []
    derivations = rules.derivations_for(statement_id)
    if derivations:
        out.append("Figures computed for this statement:\n")
        for derivation in derivations:
            out += derivation_lines(derivation, words)
        out.append("")
    found = rules.rules_for(statement_id)
    for index, rule in enumerate(found, start=1):
        part = rule.name.rpartition("/")[2] if "/" in rule.name else ""
        if len(found) > 1:
            out.append(f"Check {index} of {len(found)}" + (f" ({part})" if part else "") +
                       ": the cases are tried in order, the first that holds decides.\n")
        else:
            out.append("The cases are tried in order; the first that holds decides.\n")
        out += case_lines(rule, words)
        out.append("")
    if not found and not derivations:
        out.append("No rule is declared for this statement.\n")
    if engine and (found or derivations):
        out.append(engine_block(rules, statement_id))
    return "\n".join(out)


# --- The engine's form ----------------------------------------------------------------------------


def _value(params: Mapping[str, object], key: str) -> str:
    return f"{params[key]} ({key})" if key in params else key


def target_code(target: ChangeTarget, params: Mapping[str, object]) -> str:
    """A change's target in the code form the engine's declarations use."""
    if isinstance(target, Param):
        return _value(params, target.key)
    if isinstance(target, Field):
        return str(target)
    if isinstance(target, Clamp):
        return f"each end moved into [{_value(params, target.low.key)}, {_value(params, target.high.key)}]"
    return "true" if target is True else "false" if target is False else str(target)


def _consequence_code(consequence: Consequence, params: Mapping[str, object]) -> str:
    if isinstance(consequence, Deny):
        return "deny"
    if isinstance(consequence, Pend):
        return "pend" if consequence.missing is None else f"pend, missing: {consequence.missing}"
    if isinstance(consequence, Change):
        return f"change {consequence.field} to {target_code(consequence.to, params)}"
    if isinstance(consequence, Attach):
        return "attach the statement text"
    raise TypeError(f"unknown consequence {consequence!r}")


def engine_lines(rule: StatementRule, params: Mapping[str, object]) -> list[str]:
    """The rule's cases as the engine evaluates them: `render` of each condition, outcome, consequences."""
    lines = []
    for number, branch in enumerate(rule.branches, start=1):
        when = f"When {code(render(branch.when, dict(params)))}" if isinstance(branch, Case) else "Otherwise"
        then = "; ".join(code(_consequence_code(c, params)) for c in branch.then)
        lines.append(f"{number}. {when}: outcome {code(branch.outcome.value)}" + (f"; {then}" if then else ""))
    return lines


def _indented(lines: list[str]) -> list[str]:
    return [f"    {line}" if line else "" for line in lines]


def engine_block(rules: RuleSet, statement_id: str) -> str:
    """A collapsed admonition: derivations (name, facts read and produced) and rules in code form."""
    params = rules.params
    inner: list[str] = []
    for derivation in rules.derivations_for(statement_id):
        used = ", ".join(_value(params, key) for key in derivation.parameters)
        inner.append(f"- Derivation {code(derivation.name)}: reads {', '.join(code(r) for r in derivation.reads)}, "
                     f"produces {code(derivation.produces)}" + (f"; parameters {used}" if used else "") + ".")
    if inner:
        inner.append("")
    for rule in rules.rules_for(statement_id):
        inner.append(f"Rule {code(rule.name)}, facts {', '.join(code(f) for f in rule.facts)}:\n")
        inner += engine_lines(rule, params)
        inner.append("")
    return f'??? abstract "{ENGINE_TITLE}"\n' + "\n".join(_indented(inner)) + "\n"


def statement_parameters(rules: RuleSet, statement_id: str) -> list[str]:
    """Parameter keys the statement's rules and derivations use, in declaration order."""
    used: set[str] = set()
    for rule in rules.rules_for(statement_id):
        used |= rule.parameters
    for derivation in rules.derivations_for(statement_id):
        used |= set(derivation.parameters)
    return [key for key in rules.parameter_order if key in used]
