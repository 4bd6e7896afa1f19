"""Read the fields a PAS Claim and its Patient carry (`policy.fhir.claim_fields`), each with its FHIRPath."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from attrs import frozen

from policy.fhir.claim_fields import Source
from policy.fhir.fields import Question
from policy.fhir.outcome import REQUIRED, VALUE, Issue, quoted
from policy.fhir.urls import ICD10_CM

FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# FHIR administrative genders a model's sex choice may lack: stated as its "unknown" when it has one.
NOT_BINARY = ("other", "unknown")


@frozen
class ClaimValues:
    values: dict[str, Any]
    places: dict[str, str]
    issues: list[Issue]


def _identifier(claim: Mapping[str, Any], where: str) -> tuple[Any, str] | Issue:
    for index, identifier in enumerate(claim.get("identifier") or []):
        if isinstance(identifier.get("value"), str):
            return identifier["value"], f"{where}.identifier[{index}].value"
    if isinstance(claim.get("id"), str):
        return claim["id"], f"{where}.id"
    return Issue(f"{where}.identifier", "the Claim needs an identifier (the request's id)", REQUIRED)


def _diagnoses(claim: Mapping[str, Any], path: str, where: str, found: ClaimValues) -> None:
    codes: list[Any] = []
    for index, diagnosis in enumerate(claim.get("diagnosis") or []):
        place = f"{where}.diagnosis[{index}]"
        concept = diagnosis.get("diagnosisCodeableConcept")
        if not isinstance(concept, Mapping):
            found.issues.append(Issue(place, "expected diagnosisCodeableConcept with an ICD-10-CM code "
                                             "(a diagnosisReference is not read)", VALUE))
            continue
        codings = [(i, c) for i, c in enumerate(concept.get("coding") or []) if c.get("system") == ICD10_CM]
        if not codings:
            found.issues.append(Issue(f"{place}.diagnosisCodeableConcept",
                                      f"expected a coding of the ICD-10-CM system {ICD10_CM}", VALUE))
        for i, coding in codings:
            code_place = f"{place}.diagnosisCodeableConcept.coding[{i}].code"
            if coding.get("code") is None:
                found.issues.append(Issue(code_place, "an ICD-10-CM coding needs its code", REQUIRED))
                continue
            found.places[f"{path}[{len(codes)}]"] = code_place
            codes.append(coding["code"])
    if codes:
        found.values[path] = codes
        found.places[path] = f"{where}.diagnosis"


def _service_date(claim: Mapping[str, Any], where: str) -> tuple[str, str] | None:
    """The earliest date of service the Claim's items state, with its place."""
    stated: list[tuple[str, str]] = []
    for index, item in enumerate(claim.get("item") or []):
        if isinstance(item.get("servicedDate"), str):
            stated.append((item["servicedDate"], f"{where}.item[{index}].servicedDate"))
        elif isinstance((item.get("servicedPeriod") or {}).get("start"), str):
            start = item["servicedPeriod"]["start"]
            # A dateTime's date is its first ten characters.
            stated.append((start[:10] if FULL_DATE.match(start) else start,
                           f"{where}.item[{index}].servicedPeriod.start"))
    return min(stated) if stated else None


def _sex(patient: Mapping[str, Any], question: Question, where: str) -> tuple[Any, str] | Issue | None:
    gender = patient.get("gender")
    if gender is None:
        return None
    options = question.answer.enum or ()
    if gender in options:
        return gender, f"{where}.gender"
    if gender in NOT_BINARY and "unknown" in options:
        return "unknown", f"{where}.gender"
    return Issue(f"{where}.gender", f"expected one of {', '.join(options)}, got {quoted(gender)}", VALUE)


def _age(patient: Mapping[str, Any], on: str | None, where: str) -> tuple[int, str] | Issue | None:
    born = patient.get("birthDate")
    if born is None or on is None:
        return None
    if not FULL_DATE.fullmatch(born):
        return Issue(f"{where}.birthDate", "a full birth date (YYYY-MM-DD) is needed to compute the age", VALUE)
    try:
        birth, day = date.fromisoformat(born), date.fromisoformat(on[:10])
    except ValueError:
        return None  # the date of service is reported where it is stated
    if birth > day:
        return Issue(f"{where}.birthDate", f"is after the date of service {on[:10]}", VALUE)
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return years, f"{where}.birthDate"


def claim_values(claim: Mapping[str, Any], claim_at: str, patient: Mapping[str, Any] | None, patient_at: str,
                 sourced: Mapping[str, Source], questions: Mapping[str, Question]) -> ClaimValues:
    """The values the Claim side states for the fields it carries, by field path, with their places."""
    found = ClaimValues({}, {}, [])

    def keep(path: str, result: tuple[Any, str] | Issue | None) -> None:
        if isinstance(result, Issue):
            found.issues.append(result)
        elif result is not None:
            found.values[path], found.places[path] = result

    service: tuple[str, str] | None = _service_date(claim, claim_at)
    for path, source in sourced.items():
        if source is Source.IDENTIFIER:
            keep(path, _identifier(claim, claim_at))
        elif source is Source.DIAGNOSES:
            _diagnoses(claim, path, claim_at, found)
        elif source is Source.SERVICE_DATE:
            keep(path, service)
        elif source is Source.SEX and patient is not None:
            keep(path, _sex(patient, questions[path], patient_at))
        elif source is Source.AGE and patient is not None:
            # Age at the date of service; a Claim without one gives the age on the day it was created.
            on = service[0] if service else claim.get("created")
            keep(path, _age(patient, on if isinstance(on, str) else None, patient_at))
    return found


__all__ = ["ClaimValues", "claim_values"]
