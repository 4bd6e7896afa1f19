"""Rule conditions, outcomes and consequences as sentences a reviewer reads without knowing the code.

The same declarations the engine compiles are turned into words through a
`Vocabulary` (policy.docs.words): "the course total requested is more than
the course maximum (2.0 g/kg × dosing weight, ...)". The code-like text of
`policy.rules.conditions.render` stays available beside it for developers.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.docs.words import Term, Vocabulary, number, quantity
from policy.rules.conditions import (
    Absent,
    Always,
    AnyOf,
    Compare,
    Condition,
    Field,
    Operand,
    Param,
    Present,
    atoms,
    fields_of,
)
from policy.rules.declarations import (
    Attach,
    Change,
    ChangeTarget,
    Clamp,
    Consequence,
    Deny,
    Effect,
    Outcome,
    Pend,
)

COMPARED = {
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
    "==": "is",
    "!=": "is not",
}
# How a condition, outcome and consequence join the determination (attached statements).
ATTACHED = {Effect.CONDITION: "a condition", Effect.ADVICE: "advice", Effect.MONITORING: "monitoring"}
OUTCOME_WORDS = {
    Outcome.MET: "met",
    Outcome.NOT_MET: "not met",
    Outcome.NOT_APPLICABLE: "not applicable",
    Outcome.UNKNOWN: "unknown",
}


def _literal(value: object, unit: str | None) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f"“{value}”"
    return quantity(value, unit)


def operand_text(operand: Operand, words: Vocabulary, unit: str | None = None) -> str:
    """A parameter, another field or a constant, as it reads after a comparison word."""
    if isinstance(operand, Param):
        return words.parameter(operand.key)
    if isinstance(operand, Field):
        return words.term(operand).named()
    return _literal(operand, unit)


def _yes_no(term: Term, value: bool) -> str:
    if term.negative is not None:
        return term.phrase if value else term.negative
    return f"{term.phrase}: {'yes' if value else 'no'}"


def _compare_text(condition: Compare, words: Vocabulary) -> str:
    term = words.term(condition.left)
    right = condition.right
    if isinstance(right, bool) and condition.op in ("==", "!="):
        return _yes_no(term, right if condition.op == "==" else not right)
    return f"{term.named()} {COMPARED[condition.op]} {operand_text(right, words, term.unit)}"


def _stated_text(field: Field, stated: bool, words: Vocabulary) -> str:
    term = words.term(field)
    if term.yes_no:
        return f"the request {'says' if stated else 'does not say'} whether {term.phrase}"
    return f"{term.phrase} is {'stated' if stated else 'not stated'}"


def _join(parts: Sequence[str], word: str) -> str:
    if len(parts) <= 2:
        return f" {word} ".join(parts)
    return ", ".join(parts[:-1]) + f", {word} " + parts[-1]


def condition_text(condition: Condition, words: Vocabulary, nested: bool = False) -> str:
    """A condition as a clause ('the dose requested per kg is more than 2.0 g/kg (...)')."""
    if isinstance(condition, Always):
        return "for every request"
    if isinstance(condition, Present | Absent):
        return _stated_text(condition.field, isinstance(condition, Present), words)
    if isinstance(condition, Compare):
        return _compare_text(condition, words)
    parts = [condition_text(part, words, nested=True) for part in condition.conditions]
    if isinstance(condition, AnyOf):
        joined = _join(parts, "or")
        return f"either {joined}" if nested and len(parts) > 1 else joined
    joined = _join(parts, "and")
    return f"all of: {joined}" if nested and len(parts) > 2 else (f"both {joined}" if nested and len(parts) == 2
                                                                   else joined)


def mentioned_in(condition: Condition) -> frozenset[str]:
    """The parameters ('key') and fields ('fact.field') a condition names, so a consequence need not explain them again."""
    named = {atom.right.key for atom in atoms(condition) if isinstance(atom, Compare) and isinstance(atom.right, Param)}
    named |= {f"{fact}.{name}" for fact, name in fields_of(condition)}
    return frozenset(named)


def target_words(target: ChangeTarget, words: Vocabulary, mentioned: frozenset[str] = frozenset()) -> str:
    """The value a change sets: a parameter, a derived figure, a range, or yes/no.

    A parameter or figure the sentence already explained (`mentioned`, from `mentioned_in`) is
    given by its value or name alone.
    """
    if isinstance(target, Param):
        return words.value(target.key) if target.key in mentioned else words.parameter(target.key)
    if isinstance(target, Field):
        term = words.term(target)
        return term.phrase if str(target) in mentioned else term.named()
    if isinstance(target, Clamp):
        low, high = target.low.key, target.high.key
        if {low, high} <= mentioned:
            return f"the range from {words.value(low)} to {words.value(high)}"
        return f"the range from {words.parameter(low)} to {words.parameter(high)}"
    return _literal(target, None)


def consequence_words(consequence: Consequence, effect: Effect, words: Vocabulary,
                      mentioned: frozenset[str] = frozenset()) -> str:
    """What the case does to the determination, in words; `mentioned` are the parameters its condition named."""
    if isinstance(consequence, Deny):
        return "the request is **denied**"
    if isinstance(consequence, Pend):
        if consequence.missing is None:
            return "the request is **pended** for review"
        detail = f" ({words.term(consequence.missing).phrase})" if words.describes(consequence.missing) else ""
        return f"the request is **pended**, listing the missing data{detail}"
    if isinstance(consequence, Change):
        label = words.field_label(consequence.field)
        if isinstance(consequence.to, Clamp):
            return f"each end of the authorized {label} is **moved into** {target_words(consequence.to, words, mentioned)}"
        return f"the authorized value of {label} is **changed to** {target_words(consequence.to, words, mentioned)}"
    if isinstance(consequence, Attach):
        return f"the statement text joins the determination as **{ATTACHED.get(effect, effect.value)}**"
    raise TypeError(f"unknown consequence {consequence!r}")


def outcome_words(effect: Effect, outcome: Outcome) -> str:
    """The outcome as a reviewer says it: a restriction that holds 'applies', one that does not 'does not apply'.

    The contract's value (met, not met, ...) follows in parentheses where the two differ.
    """
    word = OUTCOME_WORDS[outcome]
    if effect in (Effect.CRITERION, Effect.INFORMATIONAL, Effect.FIGURE) or outcome is Outcome.UNKNOWN:
        return word
    if effect.applies(outcome):
        return f"applies ({word})"
    return f"does not apply ({word})"


def value_text(value: object, unit: str | None = None) -> str:
    """A value of a request or determination as a sentence shows it: lists as 'a to b', null as 'not stated'."""
    if value is None:
        return "not stated"
    if isinstance(value, list | tuple):
        items = [number(v) for v in value]
        if len(items) == 2 and items[0] == items[1]:
            return quantity(value[0], unit)
        return (" to ".join(items) if len(items) == 2 else ", ".join(items)) + (f" {unit}" if unit else "")
    return _literal(value, unit)
