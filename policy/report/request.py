"""The request a determination answers, summarized the way a reviewer opens a case.

Policy, request id, the request's own facts, its diagnoses each with the code
group it fell into, the patient's figures and what was requested. Built from
the request document when the report is given it (`request=`), otherwise
from the determination alone: its trace names the diagnoses each code group
took, but the patient and the requested values are then not known to the
report, and it says so instead of guessing.

Everything is generic: the request contract's field specs give the labels
and units, the authorization names the requested fields, the trace's derived
facts carrying a `codes` mapping give the diagnosis groups. Values are plain
strings; each report escapes them for its format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen

from policy import icd10
from policy.binding import BoundPolicy
from policy.determination import Determination
from policy.releases import effective
from policy.report.values import assessor_of, format_authorized_value, with_unit
from policy.spec import Spec, spec_of

ICD10_FORMAT = "icd10-cm"
NO_GROUP = "no code group of this policy"
_VOWELS = frozenset("aeiouy")


@frozen
class Row:
    label: str
    value: str


@frozen
class Block:
    """A titled list of rows; no rows means the request does not state it."""

    title: str
    rows: tuple[Row, ...]


@frozen
class Diagnosis:
    code: str
    description: str | None
    groups: tuple[str, ...]  # labels of the policy's code groups the code fell into


@frozen
class RequestSummary:
    policy: str  # "drug-condition 1.1.0"
    effective: str | None
    request_id: str
    stated: tuple[Row, ...]  # the request's own scalar facts (type, date of service, ...)
    diagnoses: tuple[Diagnosis, ...]
    objects: tuple[Block, ...]  # each object the request states, other than the requested one (the patient, ...)
    unstated: tuple[str, ...]  # the objects it leaves out ("Patient")
    requested: Block | None  # the authorization's fields as requested; None when not known
    from_document: bool


# -- labels from the contract --------------------------------------------------------------------


def _word(word: str, description: str) -> str:
    for token in description.replace("(", " ").replace(")", " ").replace(",", " ").replace(".", " ").split():
        if token.lower() == word and token[1:] != token[1:].lower():
            return token  # the contract's own spelling of an abbreviation: "HbA1c"
    if len(word) > 1 and not set(word) & _VOWELS:
        return word.upper()  # an abbreviation: "CK"
    return word


def label_of(name: str, spec: Spec) -> str:
    """A field's label from its name and spec: `height_cm` → "Height", `hba1c` → "HbA1c"."""
    words = name.split("_")
    if spec.unit:
        unit = spec.unit.replace("/", "_per_").split("_")
        if len(words) > len(unit) and words[-len(unit):] == unit:
            words = words[: -len(unit)]
    label = " ".join(_word(word, spec.description) for word in words)
    return label[:1].upper() + label[1:]


def _shown(spec: Spec, value: Any) -> str:
    # A request's 45 is parsed as 45.0; it is shown as the request wrote it.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return with_unit(value, spec.unit)


def _rows(instance: Any, prefix: str = "", skip: frozenset[str] = frozenset()) -> list[Row]:
    """The stated fields of a request object, nested objects flattened ("Loading: days")."""
    rows: list[Row] = []
    for field in attrs.fields(type(instance)):
        value = getattr(instance, field.name)
        path = f"{prefix}{field.name}"
        if value is None or path in skip:
            continue
        spec = spec_of(field)
        if attrs.has(type(value)):
            rows += [Row(f"{label_of(field.name, spec)}: {row.label[:1].lower()}{row.label[1:]}", row.value)
                     for row in _rows(value, f"{path}.", skip)]
        else:
            rows.append(Row(label_of(field.name, spec), _shown(spec, value)))
    return rows


# -- diagnoses -----------------------------------------------------------------------------------


def describe_code(code: str) -> str | None:
    """The ICD-10-CM title of a code, from the table validation already checked it against."""
    return icd10.title(code)


def code_groups(determination: Determination, bound: BoundPolicy) -> dict[str, list[str]]:
    """Each diagnosis code the trace placed, with the labels of the groups it fell into."""
    groups: dict[str, list[str]] = {}
    declared = bound.source.code_groups
    for step in determination.trace:
        codes = (step.derived or {}).get("codes")
        if not isinstance(codes, Mapping):
            continue
        for key, members in codes.items():
            label = declared[key].label if key in declared else str(key)
            for code in members if isinstance(members, list | tuple) else ():
                groups.setdefault(str(code), [])
                if label not in groups[str(code)]:
                    groups[str(code)].append(label)
    return groups


def _diagnoses(codes: list[str], placed: Mapping[str, list[str]]) -> tuple[Diagnosis, ...]:
    return tuple(Diagnosis(code, describe_code(code), tuple(placed.get(code, ()))) for code in dict.fromkeys(codes))


# -- the summary ---------------------------------------------------------------------------------


def _policy_line(determination: Determination, bound: BoundPolicy) -> tuple[str, str | None]:
    ref = determination.policy
    date = getattr(ref, "effective", None) or effective(bound)
    return f"{ref.id} {ref.version}", date


def summarize(determination: Determination, request: Any = None) -> RequestSummary:
    """The request summary; `request` is the request document (or model) the determination answers."""
    found = assessor_of(determination)
    bound = found.bound
    policy, date = _policy_line(determination, bound)
    placed = code_groups(determination, bound)
    if request is None:
        return RequestSummary(policy, date, determination.request_id, (), _diagnoses(list(placed), placed), (), (),
                              None, from_document=False)
    model = found.parse(request)
    if model.id != determination.request_id:
        raise ValueError("the request given to the report is not the one the determination answers")
    authorization = found.code.authorization
    source = authorization.source if authorization else None
    stated: list[Row] = []
    codes: list[str] = []
    objects: list[Block] = []
    unstated: list[str] = []
    requested: Block | None = None
    for field in attrs.fields(type(model)):
        spec = spec_of(field)
        value = getattr(model, field.name)
        if field.name == "id":
            continue
        if spec.items is not None and spec.items.format == ICD10_FORMAT:
            codes += [str(code) for code in value or ()]
        elif field.name == source and authorization is not None:
            values, _ = found.requested(model)
            paths = frozenset(declared.path for declared in authorization.fields)
            rows = [Row(declared.label, format_authorized_value(found.code, declared.path, values[declared.path]))
                    for declared in authorization.fields]
            # What else the requested object states (a product name): shown, never authorized.
            rows += _rows(value, skip=paths) if value is not None else []
            requested = Block("Requested", tuple(rows))
        elif spec.model is not None:
            rows = _rows(value) if value is not None else []
            if rows:
                objects.append(Block(label_of(field.name, spec), tuple(rows)))
            else:
                unstated.append(label_of(field.name, spec))
        elif value is not None:
            stated.append(Row(label_of(field.name, spec), _shown(spec, value)))
    return RequestSummary(policy, date, determination.request_id, tuple(stated), _diagnoses(codes, placed),
                          tuple(objects), tuple(unstated), requested, from_document=True)


def diagnosis_text(diagnosis: Diagnosis) -> str:
    """`E11.9 Type 2 diabetes mellitus without complications`."""
    return f"{diagnosis.code} {diagnosis.description}" if diagnosis.description else diagnosis.code


def group_text(diagnosis: Diagnosis) -> str:
    """The code groups a diagnosis fell into, or that it fell into none."""
    return "; ".join(diagnosis.groups) if diagnosis.groups else NO_GROUP


NOT_GIVEN = ("not known to this report, which was given the determination only; "
             "the figures derived from the request are shown with the policy's figures")
