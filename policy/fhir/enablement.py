"""When a question is enabled, from the request model's own declarations.

Two things in a model make a question conditional, and nothing is written
per policy:

- A field declared `relevant_when=(field, value)` (the response to therapy
  of a continuation request, say) matters only when that top-level field of
  the request has that value: its question is enabled when the question of
  that field has that answer.
- A pair of fields never given together (`__exclusive__`, e.g. a height in
  cm or in inches): each is enabled while the other is unanswered.

A question inside a group that is already conditional does not repeat the
group's condition.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from attrs import frozen

from policy.errors import PolicyDefinitionError
from policy.fhir.fields import CHOICE, Question, every_question, questions
from policy.validation import exclusive_pairs


@frozen
class Condition:
    """A question is enabled when `question` has the answer `value` (or, with `exists`, is answered or not)."""

    question: str
    value: str | None = None
    exists: bool | None = None


def kinds_of_request(model: type) -> dict[str, tuple[str, ...]]:
    """The request's required top-level choices with their values (the fields other fields can depend on)."""
    return {
        question.path: question.spec.enum
        for question in questions(model)
        if question.kind == CHOICE and question.spec.required and not question.repeats and question.spec.enum
    }


def _declared(question: Question, kinds: Mapping[str, tuple[str, ...]]) -> Condition | None:
    """The condition a field's spec declares (`relevant_when`), checked against the request's choices."""
    declared = question.spec.relevant_when
    if declared is None:
        return None
    field, value = declared
    if value not in kinds.get(field, ()):
        raise PolicyDefinitionError(
            f"{question.path}: relevant_when names {field} = {value!r}, which is not a value of a required "
            f"top-level choice of the request ({', '.join(sorted(kinds)) or 'none'})"
        )
    return Condition(field, value=value)


def _exclusive(model: type, prefix: str) -> dict[str, list[Condition]]:
    conditions: dict[str, list[Condition]] = {}
    for one, other in exclusive_pairs(model):
        conditions.setdefault(f"{prefix}{one}", []).append(Condition(f"{prefix}{other}", exists=False))
        conditions.setdefault(f"{prefix}{other}", []).append(Condition(f"{prefix}{one}", exists=False))
    return conditions


def conditions(model: type) -> dict[str, tuple[Condition, ...]]:
    """Each conditional question's path with the conditions that enable it (all must hold)."""
    kinds = kinds_of_request(model)
    found: dict[str, list[Condition]] = dict(_exclusive(model, ""))
    inherited: dict[str, set[Condition]] = {}
    for question in every_question(questions(model)):
        parent = question.path.rpartition(".")[0]
        above = inherited.get(parent, set())
        named = _declared(question, kinds)
        if named is not None and named not in above:
            found.setdefault(question.path, []).append(named)
        inherited[question.path] = above | ({named} if named is not None else set())
        if question.model is not None and attrs.has(question.model):
            for path, more in _exclusive(question.model, f"{question.path}.").items():
                found.setdefault(path, []).extend(more)
    return {path: tuple(listed) for path, listed in found.items()}


__all__ = ["Condition", "conditions", "kinds_of_request"]
