"""PAS: the response Bundle for a decided request, ClaimResponse first.

The decision is each Claim item's review action (X12 306: A1 certified in
total for approve, A6 modified for modify, A4 pended for pend, A3 not
certified for deny), on the item's adjudication as the PAS guide places it.
The ClaimResponse also carries, in this library's extensions and again as
process notes for people: what is authorized (every authorized field by its
request path, which is also its Questionnaire linkId) and each change for a
modification, each reason with its statement ID and text, the data missing
for a pend (request paths = linkIds to answer), and the policy's id,
version, effective date and digest. Resources the ClaimResponse references
(Patient, insurer, requestor) are copied from the request Bundle.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from policy.determination import Determination
from policy.fhir.pas import CLAIM_AT, PasRequest
from policy.fhir.references import resolve
from policy.fhir.resources import built
from policy.fhir.urls import (
    ADJUDICATION,
    AUTHORIZED_EXTENSION,
    CHANGE_EXTENSION,
    POLICY_EXTENSION,
    REASON_EXTENSION,
    REVIEW_ACTION,
    X12_306,
)

REVIEW_ACTIONS = {
    "approve": ("A1", "Certified in total"),
    "modify": ("A6", "Modified"),
    "pend": ("A4", "Pended"),
    "deny": ("A3", "Not Certified"),
}
DISPOSITIONS = {
    "approve": "Approved as requested",
    "modify": "Approved with changes",
    "pend": "Pended: more information is needed",
    "deny": "Denied",
}


def _values(url: str, value: Any) -> Iterator[dict[str, Any]]:
    """Sub-extensions `url` for a JSON value (a list gives one per item; null gives none)."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, bool):
            yield {"url": url, "valueBoolean": item}
        elif isinstance(item, int):
            yield {"url": url, "valueInteger": item}
        elif isinstance(item, float):
            yield {"url": url, "valueDecimal": item}
        elif item is not None:
            yield {"url": url, "valueString": str(item)}


def _flattened(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flattened(item, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, value


def _request_path(request_source: str | None, field: str) -> str:
    """A path within the determination's `authorized` as a path of the request document."""
    return f"{request_source}.{field}" if request_source else field


def authorization_number(request: PasRequest, determination: Determination) -> str:
    """A stable number for an authorization: the same request under the same policy source gets the same one."""
    digest = hashlib.sha256(json.dumps([request.document, determination.policy.digest], sort_keys=True,
                                       default=str).encode()).hexdigest()
    return "PA-" + digest[:16].upper()


def _item_extensions(determination: Determination, source: str | None) -> list[dict[str, Any]]:
    extensions: list[dict[str, Any]] = []
    if determination.authorized is not None:
        for field, value in _flattened(determination.authorized, ""):
            extensions.append({"url": AUTHORIZED_EXTENSION, "extension": [
                {"url": "path", "valueString": _request_path(source, field)}, *_values("value", value)]})
    for change in determination.changes:
        extensions.append({"url": CHANGE_EXTENSION, "extension": [
            {"url": "statement", "valueString": change.statement},
            {"url": "path", "valueString": _request_path(source, change.field)},
            *_values("requested", change.requested),
            *_values("authorized", change.authorized),
        ]})
    for reason in determination.reasons:
        extensions.append({"url": REASON_EXTENSION, "extension": [
            {"url": "statement", "valueString": reason.statement},
            {"url": "text", "valueString": reason.text},
            *_values("missing", list(reason.missing or ())),
        ]})
    return extensions


def _notes(determination: Determination, source: str | None) -> list[dict[str, Any]]:
    texts = []
    for reason in determination.reasons:
        missing = f" Missing: {', '.join(reason.missing)}." if reason.missing else ""
        texts.append(f"{reason.statement}: {reason.text}{missing}")
    for change in determination.changes:
        texts.append(f"{change.statement}: {_request_path(source, change.field)} authorized as "
                     f"{json.dumps(change.authorized)} (requested {json.dumps(change.requested)}).")
    for kind, notes in (("Condition", determination.conditions), ("Advice", determination.advice),
                        ("Monitoring", determination.monitoring)):
        texts += [f"{kind} ({note.statement}): {note.text}" for note in notes]
    return [{"number": index, "type": "display", "text": text} for index, text in enumerate(texts, start=1)]


def _policy_extension(determination: Determination) -> dict[str, Any]:
    policy = determination.policy
    parts = [{"url": "id", "valueString": policy.id}, {"url": "version", "valueString": policy.version}]
    if policy.effective is not None:
        parts.append({"url": "effective", "valueDate": policy.effective})
    parts.append({"url": "digest", "valueString": policy.digest})
    return {"url": POLICY_EXTENSION, "extension": parts}


def _claim_reference(request: PasRequest) -> dict[str, Any]:
    entries = request.bundle.get("entry") or []
    full_url = entries[0].get("fullUrl") if entries else None
    if isinstance(full_url, str):
        return {"reference": full_url}
    if isinstance(request.claim.get("id"), str):
        return {"reference": f"Claim/{request.claim['id']}"}
    identifiers = request.claim.get("identifier") or []
    return {"identifier": identifiers[0]} if identifiers else {"display": "the submitted Claim"}


def claim_response(request: PasRequest, determination: Determination, source: str | None,
                   now: datetime) -> dict[str, Any]:
    claim = request.claim
    decision = determination.decision
    code, display = REVIEW_ACTIONS[decision]
    authorizes = decision in ("approve", "modify")
    number = authorization_number(request, determination) if authorizes else None
    review: list[dict[str, Any]] = [{"url": "code", "valueCodeableConcept": {
        "coding": [{"system": X12_306, "code": code, "display": display}]}}]
    if number is not None:
        review.append({"url": "number", "valueString": number})
    items = claim.get("item") or [{"sequence": 1}]
    response: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": uuid.uuid4().hex,
        "extension": [_policy_extension(determination)],
        "status": "active",
        "type": claim["type"],
        "use": "preauthorization",
        "patient": claim["patient"],
        "created": now.isoformat(timespec="seconds"),
        "insurer": claim["insurer"],
        "request": _claim_reference(request),
        "outcome": "complete",
        "disposition": DISPOSITIONS[decision],
        "item": [{
            "extension": _item_extensions(determination, source),
            "itemSequence": item.get("sequence", index + 1),
            "adjudication": [{
                "extension": [{"url": REVIEW_ACTION, "extension": review}],
                "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
            }],
        } for index, item in enumerate(items)],
    }
    if claim.get("identifier"):
        response["identifier"] = claim["identifier"][:1]
    if isinstance(claim.get("provider"), Mapping):
        response["requestor"] = claim["provider"]
    if number is not None:
        response["preAuthRef"] = number
    notes = _notes(determination, source)
    if notes:
        response["processNote"] = notes
    for item in response["item"]:
        if not item["extension"]:
            del item["extension"]
    return response


def response_bundle(request: PasRequest, determination: Determination, authorization_source: str | None,
                    now: datetime | None = None) -> dict[str, Any]:
    """The PAS response Bundle: the ClaimResponse, then the resources it references copied from the request."""
    moment = now or datetime.now(timezone.utc)
    response = claim_response(request, determination, authorization_source, moment)
    entries: list[dict[str, Any]] = [{"fullUrl": f"urn:uuid:{uuid.UUID(response['id'])}", "resource": response}]
    copied: set[str] = set()
    request_entries = request.bundle.get("entry") or []
    for key in ("patient", "insurer", "provider"):
        found = resolve(request.claim.get(key), request_entries, request.claim, CLAIM_AT)
        if found is None or found.full_url is None or found.full_url in copied:
            continue
        copied.add(found.full_url)
        entries.append({"fullUrl": found.full_url, "resource": found.resource})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": moment.isoformat(timespec="seconds"),
        "entry": entries,
    }
    if isinstance(request.bundle.get("identifier"), Mapping):
        bundle["identifier"] = request.bundle["identifier"]
    return built(bundle)


__all__ = ["REVIEW_ACTIONS", "authorization_number", "response_bundle"]
