"""Which request fields a PAS Claim and its Patient carry, found from the model's field specs.

Nothing here names a policy's fields. A field is read from the Claim side
when its spec says what it is:

- the request identifier: the top-level `id` every request model has (the
  determination echoes it as `request_id`), from `Claim.identifier`;
- the diagnoses: the top-level list of ICD-10-CM codes (items of format
  `icd10-cm`), from `Claim.diagnosis`;
- the date of service: the one top-level field of format `date`, from the
  Claim's items (`servicedDate`, `servicedPeriod.start`);
- the sex: a choice whose values include `male` and `female` (FHIR's
  administrative gender codes), at the top level or in an object of it, from
  `Patient.gender`;
- the age: a number in `years` beside that sex field, computed from
  `Patient.birthDate` at the date of service.

Every other field is answered in the QuestionnaireResponse.
"""

from __future__ import annotations

from enum import Enum

from policy.fhir.fields import CHOICE, DATE, DECIMAL, GROUP, ICD10_FORMAT, INTEGER, Question, questions

REQUEST_ID = "id"  # the field the determination echoes as `request_id`
GENDERS = frozenset({"male", "female"})
AGE_UNIT = "years"


class Source(str, Enum):
    IDENTIFIER = "Claim.identifier"
    DIAGNOSES = "Claim.diagnosis"
    SERVICE_DATE = "Claim.item.serviced"
    SEX = "Patient.gender"
    AGE = "Patient.birthDate"


def _sex_and_age(found: tuple[Question, ...]) -> dict[str, Source]:
    for question in found:
        if question.kind == CHOICE and not question.repeats and GENDERS <= set(question.spec.enum or ()):
            sourced = {question.path: Source.SEX}
            for sibling in found:
                if sibling.kind in (DECIMAL, INTEGER) and not sibling.repeats and sibling.spec.unit == AGE_UNIT:
                    sourced[sibling.path] = Source.AGE
                    break
            return sourced
    return {}


def claim_sourced(model: type) -> dict[str, Source]:
    """The request fields the Claim side carries, by path."""
    top = questions(model)
    sourced: dict[str, Source] = {}
    identifier = next((q for q in top if q.path == REQUEST_ID and q.kind != GROUP), None)
    if identifier is not None:
        sourced[identifier.path] = Source.IDENTIFIER
    codes = next((q for q in top if q.repeats and q.answer.format == ICD10_FORMAT), None)
    if codes is not None:
        sourced[codes.path] = Source.DIAGNOSES
    dates = [q for q in top if q.kind == DATE and not q.repeats]
    if len(dates) == 1:
        sourced[dates[0].path] = Source.SERVICE_DATE
    found = _sex_and_age(top)
    for question in top:
        if not found and question.kind == GROUP:
            found = _sex_and_age(question.children)
    sourced.update(found)
    return sourced


__all__ = ["Source", "claim_sourced"]
