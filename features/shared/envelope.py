"""The fields every IVIG request starts with (the briefs call them the envelope): written once."""

from __future__ import annotations

from attrs import frozen

from policy.spec import Spec, spec

from .patient import Patient


@frozen
class Envelope:
    """Who and what a request is about; a policy's request model adds its own fields after these."""

    id: str = spec("string", "Request identifier, echoed in the determination.", required=True)
    type: str = spec("string", "Initial request or continuation of therapy.", required=True, enum=("initial", "continuation"))
    date_of_service: str | None = spec("string", "First date of service.", format="date")
    patient: Patient | None = spec("object", "The patient.", model=Patient)
    diagnoses: tuple[str, ...] = spec(
        "array", "Billable ICD-10-CM codes, with or without the dot.", required=True,
        min_items=1, items=Spec(types=("string",), description="ICD-10-CM code", format="icd10-cm"),
    )
