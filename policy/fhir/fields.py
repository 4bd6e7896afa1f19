"""The questions a policy's request model asks: one per field, found by walking its attrs specs.

The Questionnaire (DTR) and the reading of its answers (PAS) both come from
here, so what is asked and what is read cannot drift. A field's question is
its path in the request document (`patient.height_cm`), its FHIR item type
follows from its spec (a nested model is a group), a list is a repeating
item, and a number-or-range field (`pair`) is an integer item answered once
(n) or twice (min, max).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import attrs
from attrs import frozen

from policy.spec import Spec, spec_of

GROUP = "group"
DECIMAL = "decimal"
INTEGER = "integer"
BOOLEAN = "boolean"
DATE = "date"
STRING = "string"
CHOICE = "choice"

# The string formats a Questionnaire knows as item types; other formats stay strings.
FORMAT_TYPES = {"date": DATE}
ICD10_FORMAT = "icd10-cm"  # the ICD-10-CM code format `policy.icd10` registers


@frozen
class Question:
    """One field of the request model as a Questionnaire item."""

    path: str
    spec: Spec
    kind: str
    # Answered more than once: a list, or a number-or-range pair.
    repeats: bool
    # The spec of one answer (a list's item spec; the field's own otherwise).
    answer: Spec
    children: tuple[Question, ...] = ()
    # The model of a group; its docstring describes it.
    model: type | None = None

    @property
    def most_answers(self) -> int | None:
        if self.spec.pair:
            return 2
        return self.spec.max_items if self.repeats else 1

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]


def _kind(spec: Spec) -> str:
    kinds = [kind for kind in spec.types if kind != "array"]
    if len(kinds) != 1:
        raise ValueError(f"no Questionnaire item type for a field of types {spec.types}")
    kind = kinds[0]
    if kind == "number":
        return DECIMAL
    if kind == "integer":
        return INTEGER
    if kind == "boolean":
        return BOOLEAN
    if kind == "string":
        if spec.enum is not None:
            return CHOICE
        return FORMAT_TYPES.get(spec.format or "", STRING)
    raise ValueError(f"no Questionnaire item type for a {kind} field")


def _question(path: str, spec: Spec) -> Question:
    if spec.model is not None:
        return Question(path, spec, GROUP, False, spec, questions(spec.model, f"{path}."), spec.model)
    if "array" in spec.types:
        # A list's answers are its items; a pair's (n or [min, max]) are numbers of the field's own kind.
        answer = spec.items if spec.items is not None else spec
        return Question(path, spec, _kind(answer), True, answer)
    return Question(path, spec, _kind(spec), False, spec)


@cache
def questions(model: type, prefix: str = "") -> tuple[Question, ...]:
    """The questions of a request model, in declaration order, nested as its models nest."""
    return tuple(_question(f"{prefix}{field.name}", spec_of(field)) for field in attrs.fields(model))


def every_question(found: tuple[Question, ...]) -> Iterator[Question]:
    """Every question, groups before their children."""
    stack = list(reversed(found))
    while stack:
        question = stack.pop()
        yield question
        stack.extend(reversed(question.children))


def by_path(model: type) -> dict[str, Question]:
    return {question.path: question for question in every_question(questions(model))}


__all__ = ["BOOLEAN", "CHOICE", "DATE", "DECIMAL", "GROUP", "ICD10_FORMAT", "INTEGER", "STRING", "Question",
           "by_path", "every_question", "questions"]
