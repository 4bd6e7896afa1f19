"""CRD: CDS Hooks services for `order-select` and `order-sign` on draft MedicationRequests.

For each draft MedicationRequest in scope (every draft order on
`order-sign`; the selected ones on `order-select`), the ICD-10-CM codes of
its `reasonCode` are matched against every policy's code groups (each
policy's `policy.toml` [code_groups]; nothing per policy here), and the
answer is a `systemActions` update of that order adding the
coverage-information extension (`policy.fhir.coverage_information`), one per
active Coverage of the hook's `coverage` prefetch. Coverage information is
never a card (the guide forbids it): the only card is for a clinician who
must know that prior authorization is needed when no Coverage was sent, so
no coverage information can be recorded on the order.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from attrs import frozen

from policy import icd10
from policy.fhir.canonical import versioned
from policy.fhir.coverage_information import Match, assertion, coverage_information
from policy.fhir.limits import FHIR_LIMITS, FhirLimits
from policy.fhir.outcome import STRUCTURE, TOO_COSTLY, VALUE, Issue, Unusable
from policy.fhir.payload import parse_json
from policy.fhir.policies import INSTALLED, Library
from policy.fhir.resources import built, bundle_issues, null_issues, resource_issues
from policy.fhir.urls import COVERAGE_INFORMATION, ICD10_CM

ORDER_TYPE = "MedicationRequest"


@frozen
class Service:
    id: str
    hook: str
    title: str
    description: str


SERVICES = {
    service.id: service for service in (
        Service("order-select-crd", "order-select", "Coverage requirements on order selection",
                "Whether a draft medication order needs prior authorization under this policy library, with "
                "the DTR Questionnaire that collects what the policy reads."),
        Service("order-sign-crd", "order-sign", "Coverage requirements on order signing",
                "Whether a medication order being signed needs prior authorization under this policy library, "
                "with the DTR Questionnaire that collects what the policy reads."),
    )
}
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "coverage": "Coverage?patient={{context.patientId}}&status=active",
}


def discovery() -> dict[str, Any]:
    """`GET /cds-services`: the services and the prefetch each asks for."""
    return {"services": [
        {"hook": s.hook, "id": s.id, "title": s.title, "description": s.description, "prefetch": dict(PREFETCH)}
        for s in SERVICES.values()
    ]}


def _reason_codes(order: Mapping[str, Any]) -> tuple[str, ...]:
    """The order's ICD-10-CM reason codes, in the dotted upper-case form code groups are written in."""
    codes: list[str] = []
    for concept in order.get("reasonCode") or []:
        for coding in concept.get("coding") or []:
            code = coding.get("code")
            if coding.get("system") != ICD10_CM or not isinstance(code, str) or not code.isascii():
                continue
            normal = icd10.normalize(code)
            if icd10.CODE_SHAPE.fullmatch(normal) and normal not in codes:
                codes.append(normal)
    return tuple(codes)


def matches(codes: Sequence[str], library: Library) -> list[Match]:
    """Each policy whose code groups contain some of the codes, with those codes."""
    found = []
    for policy_id in library.ids():
        policy = library.bound(policy_id)
        groups = policy.source.code_groups.values()
        contained = tuple(code for code in codes if any(group.contains(code) for group in groups))
        if contained:
            found.append(Match(policy_id, policy.source.title, policy.source.version,
                               versioned(policy_id, policy.source.version), contained))
    return found


def _coverages(prefetch: Any) -> list[dict[str, Any]]:
    """References to the active Coverages the hook's `coverage` prefetch holds (a Bundle or one Coverage)."""
    found = prefetch.get("coverage") if isinstance(prefetch, Mapping) else None
    if not isinstance(found, Mapping):
        return []
    resources = [found] if found.get("resourceType") == "Coverage" else [
        entry.get("resource") for entry in found.get("entry") or [] if isinstance(entry, Mapping)]
    return [{"reference": f"Coverage/{r['id']}"} for r in resources
            if isinstance(r, Mapping) and r.get("resourceType") == "Coverage"
            and isinstance(r.get("id"), str) and r.get("status") == "active"]


def _assertion_id(hook_instance: str, order: Mapping[str, Any], coverage: Mapping[str, Any],
                  found: Sequence[Match]) -> str:
    """A trace id: the same hook call, order, coverage and policies give the same id."""
    key = "\0".join([hook_instance, str(order.get("id")), str(coverage.get("reference")),
                     *(m.questionnaire for m in found)])
    return "ca-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _with_coverage_information(order: Mapping[str, Any], extensions: list[dict[str, Any]]) -> dict[str, Any]:
    """The order with this call's coverage information in place of earlier assertions on the same coverages."""
    covered = {str(e["extension"][0]["valueReference"].get("reference")) for e in extensions}
    kept = [e for e in order.get("extension") or []
            if not (isinstance(e, Mapping) and e.get("url") == COVERAGE_INFORMATION and any(
                str((p.get("valueReference") or {}).get("reference")) in covered
                for p in e.get("extension") or [] if isinstance(p, Mapping) and p.get("url") == "coverage"))]
    return built({**order, "extension": kept + extensions})


def _card(order: Mapping[str, Any], found: Sequence[Match]) -> dict[str, Any]:
    titles = "; ".join(f"{m.title} ({m.policy_id} {m.version})" for m in found)
    return {
        "uuid": str(uuid.uuid4()),
        "summary": "Prior authorization is needed for this order"[:140],
        "indicator": "info",
        "detail": f"Under {titles}, this order needs prior authorization; complete the questionnaire "
                  f"{', '.join(m.questionnaire for m in found)} and submit it with the request. The patient's "
                  "coverage was not sent with the hook (prefetch `coverage`), so no coverage information "
                  f"could be recorded on {ORDER_TYPE}/{order.get('id')}.",
        "source": {"label": "Prior-authorization policy library"},
    }


def _orders(request: Mapping[str, Any], hook: str, limits: FhirLimits) -> list[dict[str, Any]]:
    context = request.get("context")
    if not isinstance(context, Mapping):
        raise Unusable(400, [Issue("context", "expected the hook's context (an object)", STRUCTURE)])
    drafts = context.get("draftOrders")
    if not isinstance(drafts, Mapping):
        raise Unusable(400, [Issue("context.draftOrders", "expected a Bundle of draft orders", STRUCTURE)])
    entries = drafts.get("entry")
    if isinstance(entries, list) and len(entries) > limits.entries:
        raise Unusable(400, [Issue("context.draftOrders.entry", f"more than {limits.entries} entries",
                                   TOO_COSTLY)])
    problems = bundle_issues(drafts, "context.draftOrders")
    if problems:
        raise Unusable(400, problems)
    orders = [entry["resource"] for entry in drafts.get("entry") or []
              if isinstance(entry.get("resource"), Mapping) and entry["resource"].get("resourceType") == ORDER_TYPE]
    if hook == "order-select":
        selections = context.get("selections")
        if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
            raise Unusable(400, [Issue("context.selections", "expected the selected orders' ids", STRUCTURE)])
        orders = [order for order in orders if f"{ORDER_TYPE}/{order.get('id')}" in selections]
    return orders


def _check_prefetch(request: Mapping[str, Any]) -> None:
    prefetch = request.get("prefetch")
    if prefetch is None:
        return
    if not isinstance(prefetch, Mapping):
        raise Unusable(400, [Issue("prefetch", "expected an object", STRUCTURE)])
    problems: list[Issue] = []
    for key, value in prefetch.items():
        if value is None:
            continue  # a prefetch the client could not fill
        where = f"prefetch.{key}"
        problems += (bundle_issues(value, where) if isinstance(value, Mapping) and value.get("resourceType") == "Bundle"
                     else resource_issues(value, where) + null_issues(value, where))
    if problems:
        raise Unusable(400, problems)


def call(service_id: str, body: bytes, library: Library = INSTALLED, *, today: date | None = None,
         limits: FhirLimits = FHIR_LIMITS) -> tuple[int, dict[str, Any]]:
    """`POST /cds-services/{id}`: (200, CDS Hooks response), 404 for an unknown service, 400 for a bad call."""
    service = SERVICES.get(service_id)
    if service is None:
        return 404, {"error": f"no CDS service {service_id[:100]!r}; see GET /cds-services"}
    try:
        request = parse_json(body, limits, root="$")
        if not isinstance(request, Mapping):
            raise Unusable(400, [Issue("$", "expected a CDS Hooks request (a JSON object)", STRUCTURE)])
        if request.get("hook") != service.hook:
            raise Unusable(400, [Issue("hook", f"this service answers the {service.hook} hook", VALUE)])
        if not isinstance(request.get("hookInstance"), str):
            raise Unusable(400, [Issue("hookInstance", "expected the hook instance's id (a string)", STRUCTURE)])
        orders = _orders(request, service.hook, limits)
        _check_prefetch(request)
    except Unusable as refused:
        return refused.status, {"error": "the CDS Hooks request cannot be used",
                                "problems": [{"path": i.expression, "message": i.message}
                                             for i in refused.issues[:limits.issues]]}
    on = (today or date.today()).isoformat()
    coverages = _coverages(request.get("prefetch"))
    cards: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for order in orders:
        codes = _reason_codes(order)
        found = matches(codes, library)
        parts = assertion(found, codes)
        if not coverages:
            if found:
                cards.append(_card(order, found))
            continue
        extensions = [coverage_information(coverage, parts, on, _assertion_id(request["hookInstance"], order,
                                                                             coverage, found))
                      for coverage in coverages]
        actions.append({"type": "update",
                        "description": f"Coverage information for {ORDER_TYPE}/{order.get('id')}",
                        "resource": _with_coverage_information(order, extensions)})
    return 200, {"cards": cards, "systemActions": actions}


__all__ = ["SERVICES", "call", "discovery", "matches"]
