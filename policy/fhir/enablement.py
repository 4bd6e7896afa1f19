"""When a question is enabled, derived from the request model's own declarations.

Two things in a model make a question conditional, and nothing is written
per policy:

- A required top-level choice of the request (its *kind*, such as a request
  type whose values are `initial` and `continuation`) whose values other
  fields' descriptions name. A field whose description, or whose model's
  docstring, names exactly one value of that choice ("Response so far;
  required for continuations.", "Response to therapy so far (continuation
  requests).") matters only for that value: it is enabled when the choice
  has it. Descriptions are the model's documentation of what a field is
  for; a field that names both values, or none, is always enabled.
- A pair of fields never given together (`__exclusive__`, e.g. a height in
  cm or in inches): each is enabled while the other is unanswered.

A question inside a group that is already conditional does not repeat the
group's condition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs
from attrs import frozen

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


def _words(value: str) -> re.Pattern[str]:
    # A value as prose writes it: `not_done` is "not done"; a plural counts ("continuations").
    return re.compile(rf"(?<![\w-]){re.escape(value.replace('_', ' '))}s?(?![\w-])", re.IGNORECASE)


def _documentation(question: Question) -> str:
    text = question.spec.description
    if question.model is not None:
        text += " " + (question.model.__doc__ or "").strip().split("\n")[0]
    return text


def _named_value(question: Question, kinds: Mapping[str, tuple[str, ...]]) -> Condition | None:
    """The one value of one request kind the question's documentation names, if it names exactly one."""
    found: list[Condition] = []
    for kind, values in kinds.items():
        if question.path == kind:
            continue
        named = [value for value in values if _words(value).search(_documentation(question))]
        if len(named) == 1:
            found.append(Condition(kind, value=named[0]))
    return found[0] if len(found) == 1 else None


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
        named = _named_value(question, kinds)
        if named is not None and named not in above:
            found.setdefault(question.path, []).append(named)
        inherited[question.path] = above | ({named} if named is not None else set())
        if question.model is not None and attrs.has(question.model):
            for path, more in _exclusive(question.model, f"{question.path}.").items():
                found.setdefault(path, []).extend(more)
    return {path: tuple(listed) for path, listed in found.items()}


__all__ = ["Condition", "conditions", "kinds_of_request"]
