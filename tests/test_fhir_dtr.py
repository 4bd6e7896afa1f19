"""DTR: each policy's Questionnaire is generated from its request model, served as FHIR R4.

The expected items are worked out here from the request models' attrs specs
with a walk of their own, not with `policy.fhir`'s, so a generator that
drops, renames or mistypes a field fails these tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from fastapi import Depends, FastAPI, HTTPException
from fhirclient.models import questionnaire as fhir_questionnaire
from library_copy import copy_library, replace_once

import policy
from policy.binding import bind, bound
from policy.errors import PolicyDefinitionError
from policy.fhir.enablement import conditions
from policy.fhir.questionnaire import questionnaire
from policy.fhir.routes import fhir_router
from policy.scaffold import create
from policy.spec import Spec, spec, spec_of

from fastapi.testclient import TestClient

FHIR_ROOT = Path(__file__).resolve().parent.parent / "policy" / "fhir"
# Fields a PAS Claim and its Patient carry (never required in the Questionnaire).
CLAIM_SIDE = {"diagnoses", "date_of_service", "patient.sex", "patient.age_years"}
EXPECTED_TYPES = {"number": "decimal", "integer": "integer", "boolean": "boolean"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(fhir_router())
    return TestClient(app)


def _fields(model: type, prefix: str = "") -> Iterator[tuple[str, Spec]]:
    for field in attrs.fields(model):
        spec = spec_of(field)
        yield prefix + field.name, spec
        if spec.model is not None:
            yield from _fields(spec.model, f"{prefix}{field.name}.")


def _items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _items(item.get("item") or [])


def _expected_type(spec: Spec) -> str:
    if spec.model is not None:
        return "group"
    one = spec.items if "array" in spec.types and spec.items is not None else spec
    kind = next(k for k in one.types if k != "array")
    if kind == "string":
        return "choice" if one.enum else "date" if one.format == "date" else "string"
    return EXPECTED_TYPES[kind]


def _extension(item: dict[str, Any], url_end: str) -> Any:
    for extension in item.get("extension") or []:
        if extension["url"].endswith(url_end):
            return next(value for key, value in extension.items() if key.startswith("value"))
    return None


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_each_policy_questionnaire_is_valid_fhir_with_one_item_per_request_field(client: TestClient,
                                                                               policy_id: str) -> None:
    """GET /fhir/Questionnaire/{id} serves valid FHIR R4 with one item per request field, linkId = its path."""
    response = client.get(f"/fhir/Questionnaire/{policy_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    fhir_questionnaire.Questionnaire(body, strict=True)
    expected = {path for path, _ in _fields(bound(policy_id).code.request_model) if path != "id"}
    link_ids = [item["linkId"] for item in _items(body["item"])]
    assert sorted(link_ids) == sorted(expected)


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_items_take_type_unit_bounds_options_and_required_from_the_field_specs(policy_id: str) -> None:
    """Every item's type, unit, bounds, answer options and required flag are its field spec's."""
    items = {item["linkId"]: item for item in _items(questionnaire(bound(policy_id))["item"])}
    for path, spec in _fields(bound(policy_id).code.request_model):
        if path == "id":
            continue
        item = items[path]
        assert item["type"] == _expected_type(spec), path
        assert item.get("required", False) == (spec.required and path not in CLAIM_SIDE), path
        assert item.get("repeats", False) == ("array" in spec.types), path
        unit = _extension(item, "questionnaire-unit")
        if item["type"] in ("decimal", "integer"):
            assert (unit["display"] if unit else None) == spec.unit, path
            one = spec.items or spec
            assert _extension(item, "/minValue") == one.minimum, path
            assert _extension(item, "/maxValue") == one.maximum, path
        else:
            assert unit is None, path
        if item["type"] == "choice":
            one = spec.items if spec.items is not None else spec
            assert [o["valueCoding"]["code"] for o in item["answerOption"]] == list(one.enum or ()), path


def test_a_number_or_range_field_is_an_integer_item_answered_at_most_twice() -> None:
    """A pair field (n or [min, max]) repeats with a maximum of two answers."""
    items = {item["linkId"]: item for item in _items(questionnaire(bound("ivig-cidp"))["item"])}
    days = items["regimen.days"]
    assert days["type"] == "integer" and days["repeats"] is True
    assert _extension(days, "questionnaire-maxOccurs") == 2
    assert days["required"] is True


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_fields_for_continuations_are_enabled_only_when_the_request_is_a_continuation(policy_id: str) -> None:
    """The response group is enabled when type = continuation; no other item depends on the type."""
    form = questionnaire(bound(policy_id))
    conditional = {item["linkId"]: item["enableWhen"] for item in _items(form["item"]) if "enableWhen" in item}
    on_type = {link: whens for link, whens in conditional.items() if any(w["question"] == "type" for w in whens)}
    assert list(on_type) == ["response"]
    (when,) = on_type["response"]
    assert when["operator"] == "="
    assert when["answerCoding"]["code"] == "continuation"
    type_item = next(item for item in form["item"] if item["linkId"] == "type")
    options = [(o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in type_item["answerOption"]]
    assert (when["answerCoding"]["system"], when["answerCoding"]["code"]) in options


def test_one_unit_of_a_pair_is_enabled_while_the_other_is_unanswered() -> None:
    """Height in cm and in inches exclude each other: each is enabled while the other does not exist."""
    items = {item["linkId"]: item for item in _items(questionnaire(bound("ivig-myositis"))["item"])}
    assert items["patient.height_in"]["enableWhen"] == [
        {"question": "patient.height_cm", "operator": "exists", "answerBoolean": False}]
    assert items["patient.height_cm"]["enableWhen"] == [
        {"question": "patient.height_in", "operator": "exists", "answerBoolean": False}]


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_the_canonical_url_and_version_are_the_policys_and_resolve(client: TestClient, policy_id: str) -> None:
    """The Questionnaire's url is urn:policy-library:questionnaire:<id>, its version the policy's; both resolve."""
    form = client.get(f"/fhir/Questionnaire/{policy_id}").json()
    source = bound(policy_id).source
    assert form["url"] == f"urn:policy-library:questionnaire:{policy_id}"
    assert form["version"] == source.version
    found = client.get("/fhir/Questionnaire", params={"url": f"{form['url']}|{form['version']}"}).json()
    assert found["total"] == 1 and found["entry"][0]["resource"] == form
    stale = client.get("/fhir/Questionnaire", params={"url": f"{form['url']}|0.0.1"}).json()
    assert stale["total"] == 0


def test_an_unknown_policy_is_a_404_operation_outcome(client: TestClient) -> None:
    """A Questionnaire of a policy the library does not hold is a 404 OperationOutcome, never a guess."""
    response = client.get("/fhir/Questionnaire/no-such-policy")
    assert response.status_code == 404
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "not-found"


def test_the_server_dependencies_guard_the_routes() -> None:
    """A dependency the server passes (its token check) runs before every route of the router."""
    def refuse() -> None:
        raise HTTPException(status_code=401, detail="no token")

    app = FastAPI()
    app.include_router(fhir_router(dependencies=[Depends(refuse)]))
    guarded = TestClient(app)
    assert guarded.get("/fhir/Questionnaire/ivig-cidp").status_code == 401
    assert guarded.post("/fhir/Claim/$submit", content=b"{}",
                        headers={"content-type": "application/fhir+json"}).status_code == 401


def test_a_changed_request_model_changes_the_questionnaire(tmp_path: Path) -> None:
    """Changing a field's spec in a copied library changes its item, with nothing edited by hand."""
    root = copy_library(tmp_path)
    request_py = root / "ivig_cidp" / "request.py"
    replace_once(request_py, '"Days between the starts of two maintenance courses.", required=True, minimum=1, '
                             'maximum=365',
                 '"Days between two maintenance courses.", required=True, minimum=7, maximum=180')
    replace_once(request_py, 'enum=("neurology", "other", "unknown")',
                 'enum=("neurology", "neuromuscular", "other", "unknown")')
    before = questionnaire(bound("ivig-cidp"))
    after = questionnaire(bind("ivig-cidp", root))
    assert after != before
    items = {item["linkId"]: item for item in _items(after["item"])}
    interval = items["regimen.interval_days"]
    assert interval["text"] == "Days between two maintenance courses."
    assert (_extension(interval, "/minValue"), _extension(interval, "/maxValue")) == (7, 180)
    codes = [o["valueCoding"]["code"] for o in items["prescriber_specialty"]["answerOption"]]
    assert codes == ["neurology", "neuromuscular", "other", "unknown"]
    assert _digest(after) == bind("ivig-cidp", root).digest != _digest(before)


def _digest(form: dict[str, Any]) -> str:
    (policy_extension,) = form["extension"]
    return str(next(part["valueString"] for part in policy_extension["extension"] if part["url"] == "digest"))


def test_a_new_policy_folder_gets_its_questionnaire_with_no_code_change(tmp_path: Path) -> None:
    """`policy new` in a copied library yields a policy whose Questionnaire is generated like the others'."""
    root = copy_library(tmp_path)
    create("drug-condition", root)
    form = questionnaire(bind("drug-condition", root))
    fhir_questionnaire.Questionnaire(form, strict=True)
    assert form["url"] == "urn:policy-library:questionnaire:drug-condition"
    assert [item["linkId"] for item in form["item"]] == ["type", "diagnoses", "units"]


def test_the_da_vinci_code_names_no_policy_and_no_policy_field() -> None:
    """No module of policy/fhir names a policy, a policy's field or its vocabulary, even in prose."""
    forbidden = re.compile(r"\b(regimen|dose_g_per_kg|iga|dosing_weight|myositis|cidp|ivig|weight_kg)\b",
                           re.IGNORECASE)
    modules = sorted(FHIR_ROOT.glob("*.py"))
    assert len(modules) > 10
    for path in modules:
        found = forbidden.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} names {sorted(set(found))}"


def test_the_questionnaire_is_the_same_every_time() -> None:
    """Generating the Questionnaire twice gives the same JSON (no clock, no random ids)."""
    first = json.dumps(questionnaire(bound("ivig-cidp")), sort_keys=True)
    assert json.dumps(questionnaire(bound("ivig-cidp")), sort_keys=True) == first


def test_a_field_relevant_for_a_value_the_request_cannot_take_is_refused() -> None:
    """`relevant_when` naming a value no required top-level choice has is a definition error, not a silent question."""
    @attrs.frozen
    class Broken:
        type: str = spec("string", "Kind of request.", required=True, enum=("initial", "continuation"))
        response: str | None = spec("string", "Response so far.", relevant_when=("type", "renewal"))

    with pytest.raises(PolicyDefinitionError, match="renewal"):
        conditions(Broken)


def test_a_description_alone_makes_no_question_conditional() -> None:
    """Only the declaration counts: a field whose description says "continuation" is always enabled."""
    @attrs.frozen
    class Described:
        type: str = spec("string", "Kind of request.", required=True, enum=("initial", "continuation"))
        response: str | None = spec("string", "Response so far; required for continuations.")

    assert conditions(Described) == {}
