"""Plain words for what the rules read: fact fields, parameters, formulas and numbers.

A compliance reviewer reads a rule as a sentence ("the total requested is
more than the maximum (2.0 g/kg × dosing weight, ...)"), never as a field
compared with another (`request.total above figures.maximum`). The core cannot name a
policy's fields, so every word comes from a declaration, in this order:

1. the glossary the policy's Python (or the shared source's) declares:
   "fact.field" -> a noun phrase, or for a yes/no field the pair
   (what holds when it is true, what holds when it is false);
2. the label and unit of a Figure reading the field (a dosing figure);
3. for the request fact, the description and unit of the request model's
   field of that name (policy.spec), the name found at any depth (a field
   `x` of an object `a.b` answers to `x` and to `b_x`; `b_x_min` is the
   lower end of the pair `a.b.x`);
4. a derived field named after one of the policy's code groups: whether a
   requested code is in that group;
5. the field's name in words, with the label of the derivation producing it.

Formulas come from the `formulas` a Derivation declares (name -> text with
`{parameter}` placeholders, filled with the parameter's value and unit).
Until the declarations carry `glossary` and `formulas`, the later sources
above are used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
from attrs import frozen

from policy.rules.conditions import Field
from policy.rules.declarations import Declarations, Derivation, Figure
from policy.source import CodeGroup, Parameter
from policy.spec import Spec, spec_of

# The fact every policy's request becomes (the core's name for it).
REQUEST_FACT = "request"
# Suffixes a request fact gives the two ends of a pair field ("days" -> days_min, days_max).
PAIR_ENDS = (("_min", "lower end"), ("_max", "upper end"))


def number(value: object) -> str:
    """A number as a person writes it: 11.811023622047244 -> 11.8, 2.0 stays 2.0, 100000 -> 100,000."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    text = repr(value)
    if "e" in text or len(text.partition(".")[2]) > 2:
        text = f"{round(value, 1)}"
    return text


def rounded(value: object) -> bool:
    """Whether `number` shows the value rounded (more decimals than a person would write)."""
    return isinstance(value, float) and number(value) != repr(value) and abs(value) < 10_000


def quantity(value: object, unit: str | None) -> str:
    """A value with its unit: '2.0 g/kg', '28 days', '1 day' (a plural word unit is made singular for 1)."""
    if not unit:
        return number(value)
    if value == 1 and not isinstance(value, bool) and unit.isalpha() and unit.endswith("s") and len(unit) > 2:
        unit = unit[:-1]
    return f"{number(value)} {unit}"


def sentence_start(text: str) -> str:
    """The text with its first letter capitalised, for the start of a sentence or list item."""
    return text[:1].upper() + text[1:]


def mid_sentence(text: str) -> str:
    """A label written as a heading ("Largest dose per course") made to read inside a sentence.

    The first letter is lowered unless the first word is an abbreviation (IBW, ICD-10-CM).
    """
    first = text.split(" ", 1)[0].split("-", 1)[0]
    if len(first) > 1 and first[1:].islower() or len(first) == 1:
        return text[:1].lower() + text[1:]
    return text


# First words after which a description needs no article to read as a noun phrase.
DETERMINERS = ("the", "a", "an", "whether", "each", "every", "any", "no")


def _phrase(description: str, yes_no: bool = False) -> str:
    """A spec description ("Days between the starts of two courses.") as a noun phrase inside a
    sentence ("the days between the starts of two courses"); a yes/no field's stays as written."""
    text = description.strip().rstrip(".")
    text = text.split(": ", 1)[0] if ": " in text else text
    text = mid_sentence(text)
    if yes_no or text.split(" ", 1)[0].lower() in DETERMINERS:
        return text
    return f"the {text}"


@frozen
class Term:
    """How a field reads in a sentence.

    `phrase` is a noun phrase ("the dose per kg requested"); for a yes/no field
    with `negative`, `phrase` is what holds when it is true and `negative` what
    holds when it is false. `formula` is shown beside the phrase (how the
    figure is computed), filled with parameter values.
    """

    phrase: str
    negative: str | None = None
    unit: str | None = None
    formula: str | None = None

    @property
    def yes_no(self) -> bool:
        return self.negative is not None

    def named(self) -> str:
        """The phrase, with its formula in parentheses when it has one."""
        return f"{self.phrase} ({self.formula})" if self.formula else self.phrase


def glossary_of(declarations: Declarations) -> Mapping[str, Any]:
    """The `glossary` a PolicyCode or the shared Declarations declares ("fact.field" -> words)."""
    return declarations.glossary


def formulas_of(derivation: Derivation) -> Mapping[str, str]:
    """The `formulas` a Derivation declares (name -> text with {parameter} placeholders)."""
    return derivation.formulas


def fill(text: str, parameters: Mapping[str, Parameter]) -> str:
    """A formula with each {parameter} replaced by its value and unit; an unknown name stays visible."""
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        parameter = parameters.get(key)
        return quantity(parameter.value, parameter.unit) if parameter is not None else match.group(0)

    return re.sub(r"\{([A-Za-z0-9_.]+)\}", value, text)


def _request_specs(model: type, prefix: str = "") -> Iterator[tuple[str, Spec]]:
    """Every field of the request model at any depth, as (dotted path, spec), outer fields first."""
    nested: list[tuple[str, type]] = []
    for field in attrs.fields(model):
        spec = spec_of(field)
        path = f"{prefix}{field.name}"
        yield path, spec
        if spec.model is not None:
            nested.append((path, spec.model))
    for path, inner in nested:
        yield from _request_specs(inner, f"{path}.")


def _request_terms(model: type) -> dict[str, Term]:
    """Request fact names the request model explains: a field's own name, its name joined with the
    objects holding it below the top level (`loading_days`), and the two ends of a pair."""
    terms: dict[str, Term] = {}
    for path, spec in _request_specs(model):
        parts = path.split(".")
        names = [parts[-1], "_".join(parts), "_".join(parts[1:])]
        phrase = _phrase(spec.description, yes_no=spec.types == ("boolean",))
        term = Term(phrase=phrase, unit=spec.unit)
        if spec.model is not None:
            # A request fact tests an object by whether the request has it.
            held = _phrase(spec.description, yes_no=True)
            term = Term(phrase=f"the request includes {held}", negative=f"the request does not include {held}")
        for name in names:
            if not name or name in terms:
                continue
            terms[name] = term
            if spec.pair:
                for suffix, end in PAIR_ENDS:
                    terms.setdefault(f"{name}{suffix}", Term(phrase=f"{phrase} ({end} of the range)", unit=spec.unit))
    return terms


def _glossary_term(words: Any) -> Term | None:
    if isinstance(words, str):
        return Term(phrase=words)
    if isinstance(words, tuple | list) and len(words) == 2 and all(isinstance(w, str) for w in words):
        return Term(phrase=str(words[0]), negative=str(words[1]))
    return None


def _humanized(name: str) -> str:
    return name.replace("_", " ")


@frozen
class Vocabulary:
    """The words of one policy (or of the shared source): fields, parameters, formulas, changed fields."""

    parameters: Mapping[str, Parameter]
    terms: Mapping[tuple[str, str], Term]
    # Fact name -> label of the derivation producing it (the last resort for a field's words).
    producers: Mapping[str, str] = attrs.field(factory=dict)
    # Authorized path -> its label ("Dose"): how a change names the field it changes.
    changed: Mapping[str, str] = attrs.field(factory=dict)

    def term(self, field: Field) -> Term:
        found = self.terms.get(field.key())
        if found is not None:
            return found
        producer = self.producers.get(field.fact)
        suffix = f" ({mid_sentence(producer)})" if producer else ""
        return Term(phrase=f"{_humanized(field.name)}{suffix}")

    def describes(self, field: Field) -> bool:
        """Whether a declaration gives the field words (else `term` falls back on its name)."""
        return field.key() in self.terms

    def parameter(self, key: str) -> str:
        """A parameter inside a sentence: its value and unit, then what it is ('28 days (shortest interval between courses)')."""
        parameter = self.parameters.get(key)
        if parameter is None:
            return f"the parameter {key}"
        return f"{quantity(parameter.value, parameter.unit)} ({mid_sentence(parameter.label)})"

    def value(self, key: str) -> str:
        parameter = self.parameters.get(key)
        return quantity(parameter.value, parameter.unit) if parameter is not None else key

    def field_label(self, path: str) -> str:
        """What a change changes, from the authorization's label, else the request's own words."""
        if path in self.changed:
            return mid_sentence(self.changed[path])
        term = self.terms.get((REQUEST_FACT, path.replace(".", "_")))
        return term.phrase if term is not None else _humanized(path)


def vocabulary(
    parameters: Mapping[str, Parameter],
    derivations: Iterable[Derivation],
    *,
    glossaries: Iterable[Mapping[str, Any]] = (),
    figures: Iterable[Figure] = (),
    request_model: type | None = None,
    code_groups: Mapping[str, CodeGroup] | None = None,
    changed: Mapping[str, str] | None = None,
) -> Vocabulary:
    """The words for every field the rules read; later glossaries win over earlier ones."""
    derivations = tuple(derivations)
    terms: dict[tuple[str, str], Term] = {}
    if request_model is not None:
        terms.update({(REQUEST_FACT, name): term for name, term in _request_terms(request_model).items()})
    produced = {d.produces for d in derivations}
    for group in (code_groups or {}).values():
        prefixes = ", ".join(group.prefixes)
        for fact in produced:
            terms[(fact, group.key)] = Term(
                phrase=f"a requested code is in the group “{group.label}” ({prefixes})",
                negative=f"no requested code is in the group “{group.label}” ({prefixes})",
            )
    for figure in figures:
        terms[figure.value.key()] = Term(phrase=f"the {mid_sentence(figure.label)}", unit=figure.unit)
    for glossary in glossaries:
        for key, words in glossary.items():
            fact, _dot, name = str(key).partition(".")
            term = _glossary_term(words)
            if term is not None and name:
                previous = terms.get((fact, name))
                unit = previous.unit if previous is not None else None
                terms[(fact, name)] = attrs.evolve(term, unit=unit)
    for derivation in derivations:
        for name, text in formulas_of(derivation).items():
            place = (derivation.produces, name)
            if place in terms:
                terms[place] = attrs.evolve(terms[place], formula=fill(text, parameters))
    return Vocabulary(
        parameters=parameters,
        terms=terms,
        producers={d.produces: d.label for d in derivations},
        changed=dict(changed or {}),
    )


def formula_lines(derivation: Derivation, words: Vocabulary) -> list[str]:
    """'name = formula' for each formula the derivation declares, parameters filled in."""
    lines = []
    for name, text in formulas_of(derivation).items():
        term = words.terms.get((derivation.produces, name))
        label = sentence_start(term.phrase.removeprefix("the ")) if term is not None else name
        lines.append(f"{label} = {fill(text, words.parameters)}")
    return lines
