"""Malformed requests are rejected with every problem, each with its path (brief, section 4)."""

from __future__ import annotations

import copy
from typing import Any

import attrs
import pytest

import policy
from documents import errors_of, valid, with_value, without
from policy import InvalidRequest
from policy.library import policy_package

POLICY = "ivig-myositis"
_models = policy_package(POLICY).request
Request, Regimen, Response = _models.Request, _models.Regimen, _models.Response
Patient = _models.Patient  # the shared patient model the myositis request uses

LB_PER_KG = 1 / 0.45359237  # the international avoirdupois pound
CM_PER_INCH = 2.54
THERAPIES = [
    "corticosteroid", "methotrexate", "azathioprine", "mycophenolate", "tacrolimus",
    "cyclosporine", "cyclophosphamide", "rituximab", "jak_inhibitor", "plasma_exchange",
]


def paths_of(document: Any) -> list[str]:
    return [error["path"] for error in errors_of(document)]


def test_the_valid_request_used_here_is_assessed() -> None:
    """The request every test starts from is valid and approvable, so each rejection below comes from its one change."""
    assert policy.assess(valid(), policy_id=POLICY).decision == "approve"


# -- unknown fields ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["extra", "patient.bmi", "regimen.route", "response.mood"])
def test_an_unknown_field_at_any_depth_is_rejected_with_its_path(path: str) -> None:
    """An unknown field is named by its full path, whatever object it is in."""
    errors = errors_of(with_value(path, 1))
    assert [e["path"] for e in errors] == [path]
    assert "unknown field" in errors[0]["message"]


@pytest.mark.parametrize("name", ["\n", "a\rb", "\x00", "dosé", "\U00018cd6"])
def test_an_unknown_field_path_is_the_name_as_sent(name: str) -> None:
    """The path of an unknown field holds its name exactly, whatever characters it has (the CLI escapes them)."""
    errors = errors_of(with_value("regimen", {**valid()["regimen"], name: 1}))
    assert [e["path"] for e in errors] == [f"regimen.{name}"]


def test_the_unknown_field_message_names_the_fields_expected() -> None:
    """The message for an unknown field lists the fields that object accepts."""
    message = errors_of(with_value("patient.heigth_cm", 160))[0]["message"]
    for name in ("sex", "age_years", "height_cm", "height_in", "weight_kg", "weight_lb"):
        assert name in message


# -- wrong types --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("id", 7, "string"),
        ("type", True, "initial"),
        ("patient", [], "object"),
        ("patient.age_years", "52", "number"),
        ("patient.height_cm", True, "number"),
        ("diagnoses", "M60.80", "list"),
        ("severe_acute", "no", "true or false"),
        ("concurrent_therapies", "corticosteroid", "list"),
        ("cardiac_dysfunction", 0, "true or false"),
        ("plasmapheresis_days_after_course", 7.5, "integer"),
        ("regimen", "2 g/kg", "object"),
        ("regimen.dose_g_per_kg", "2.0", "number"),
        ("regimen.days", "2-3", "integer"),
        ("regimen.interval_days", 28.5, "integer"),
        ("regimen.courses", "6", "integer"),
        ("regimen.reduced_iga", "false", "true or false"),
        ("response", True, "object"),
        ("response.weeks_on_therapy", "16", "number"),
        ("response.complete_response", "yes", "true or false"),
    ],
)
def test_a_value_of_the_wrong_type_is_rejected_naming_expected_and_received(path: str, value: Any, expected: str) -> None:
    """A wrong type is reported at its path with the type expected and the value received."""
    errors = errors_of(with_value(path, value))
    assert [e["path"] for e in errors] == [path]
    assert expected in errors[0]["message"]
    assert repr(value) in errors[0]["message"]


def test_a_whole_number_written_as_a_float_is_not_an_integer() -> None:
    """28.0 days is not silently taken as 28: an integer field wants an integer."""
    assert paths_of(with_value("regimen.interval_days", 28.0)) == ["regimen.interval_days"]


def test_a_document_that_is_not_an_object_is_rejected() -> None:
    """A list is not a request; the problem is at the document itself."""
    errors = errors_of([valid()])
    assert [e["path"] for e in errors] == [""]
    assert "object" in errors[0]["message"]
    assert "object" in errors_of("request")[0]["message"]


# -- impossible values and their boundaries --------------------------------------------

BOUNDS = [
    # (path, lowest accepted, highest accepted, just below, just above)
    ("patient.height_cm", 30, 250, 29.9, 250.1),
    ("patient.height_in", 30 / CM_PER_INCH + 0.001, 250 / CM_PER_INCH - 0.001, 30 / CM_PER_INCH - 0.01, 250 / CM_PER_INCH + 0.01),
    ("patient.weight_kg", 1, 400, 0.9, 400.1),
    ("patient.weight_lb", LB_PER_KG + 0.001, 400 * LB_PER_KG - 0.001, LB_PER_KG - 0.01, 400 * LB_PER_KG + 0.01),
    ("patient.age_years", 0, 120, -0.1, 120.5),
    ("regimen.interval_days", 1, 365, 0, 366),
    ("regimen.courses", 1, 24, 0, 25),
]


def _pair_swapped(path: str, value: Any) -> dict[str, Any]:
    """Sets `path`, dropping the other unit of its pair so only the bound is tested."""
    document = with_value(path, value)
    other = {"patient.height_in": "height_cm", "patient.weight_lb": "weight_kg"}.get(path)
    if other:
        del document["patient"][other]
    return document


@pytest.mark.parametrize(("path", "low", "high", "below", "above"), BOUNDS)
def test_each_bound_is_inclusive_and_a_value_beyond_it_is_rejected(
    path: str, low: float, high: float, below: float, above: float
) -> None:
    """The lowest and highest possible values are accepted; just outside either is rejected at its path."""
    policy.assess(_pair_swapped(path, low), policy_id=POLICY)
    policy.assess(_pair_swapped(path, high), policy_id=POLICY)
    for value in (below, above):
        errors = errors_of(_pair_swapped(path, value))
        assert [e["path"] for e in errors] == [path]
        assert str(value) in errors[0]["message"]


@pytest.mark.parametrize(("path", "bound"), [("patient.height_cm", "30 to 250 cm"), ("patient.weight_kg", "1 to 400 kg"),
                                              ("patient.age_years", "0 to 120"), ("regimen.interval_days", "1 to 365"),
                                              ("regimen.courses", "1 to 24")])
def test_an_impossible_value_message_names_the_range_expected(path: str, bound: str) -> None:
    """The message states the accepted range, so the sender knows what to fix."""
    message = errors_of(with_value(path, 100_000))[0]["message"]
    assert bound in message
    assert "100000" in message


def test_a_received_integer_is_shown_as_written() -> None:
    """The message quotes the value as sent: 121, not 121.0."""
    message = errors_of(with_value("patient.age_years", 121))[0]["message"]
    assert message.endswith("got 121")


@pytest.mark.parametrize("value", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_an_integer_too_large_for_a_float_is_rejected_not_crashed_on(value: int) -> None:
    """Python ints have no limit: one beyond any float is out of range like any other impossible value."""
    document = with_value("regimen.interval_days", value)
    document["patient"]["weight_kg"] = value
    document["regimen"]["days"] = [2, value]
    assert paths_of(document) == ["patient.weight_kg", "regimen.days[1]", "regimen.interval_days"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_that_is_not_finite_is_rejected(value: float) -> None:
    """NaN and infinities (possible from Python callers) are not measures."""
    errors = errors_of(with_value("patient.height_cm", value))
    assert [e["path"] for e in errors] == ["patient.height_cm"]
    assert "finite" in errors[0]["message"]


def test_a_very_long_code_is_quoted_shortened() -> None:
    """The message quotes a long bad value cut short, not whole."""
    message = errors_of(with_value("diagnoses", ["M" * 10_000]))[0]["message"]
    assert len(message) < 200


@pytest.mark.parametrize("days", [1, 14, [1, 14], [2, 3], [5, 5]])
def test_days_from_1_to_14_are_possible(days: Any) -> None:
    """Days 1 to 14 are accepted (DOSE-DAYS then moves them into 2–5)."""
    policy.assess(with_value("regimen.days", days), policy_id=POLICY)


@pytest.mark.parametrize(
    ("days", "paths"),
    [
        (0, ["regimen.days"]),
        (15, ["regimen.days"]),
        ([0, 3], ["regimen.days[0]"]),
        ([2, 15], ["regimen.days[1]"]),
        ([0, 15], ["regimen.days[0]", "regimen.days[1]"]),
        ([2, 2.5], ["regimen.days[1]"]),
        ([2], ["regimen.days"]),
        ([2, 3, 4], ["regimen.days"]),
    ],
)
def test_impossible_days_are_rejected_at_the_item_concerned(days: Any, paths: list[str]) -> None:
    """Days outside 1–14, a non-integer or a range not of two items is reported where it is."""
    assert paths_of(with_value("regimen.days", days)) == paths


def test_an_impossible_day_is_not_also_reported_as_a_reversed_range() -> None:
    """[5, 0]: the 0 is the problem; the range order is not a second one."""
    assert paths_of(with_value("regimen.days", [5, 0])) == ["regimen.days[1]"]


def test_a_days_range_whose_minimum_exceeds_its_maximum_is_rejected() -> None:
    """[3, 2] is not a range: the problem is at regimen.days and quotes it."""
    errors = errors_of(with_value("regimen.days", [3, 2]))
    assert [e["path"] for e in errors] == ["regimen.days"]
    assert "[3, 2]" in errors[0]["message"]


@pytest.mark.parametrize("path", ["regimen.dose_g_per_kg", "regimen.course_total_g"])
@pytest.mark.parametrize("value", [0, 0.0, -1, -0.5])
def test_a_dose_of_zero_or_less_is_rejected(path: str, value: float) -> None:
    """A dose per kg or a course total at or below zero is impossible."""
    errors = errors_of(with_value(path, value))
    assert [e["path"] for e in errors] == [path]
    assert "more than 0" in errors[0]["message"]


@pytest.mark.parametrize("path", ["regimen.dose_g_per_kg", "regimen.course_total_g"])
def test_the_smallest_positive_dose_is_possible(path: str) -> None:
    """Any dose above zero passes validation (the policy then judges it)."""
    policy.assess(with_value(path, 0.01), policy_id=POLICY)


def test_plasmapheresis_days_cannot_be_negative() -> None:
    """Plasmapheresis before the end of the course is not a number of days after it."""
    assert paths_of(with_value("plasmapheresis_days_after_course", -1)) == ["plasmapheresis_days_after_course"]
    policy.assess(with_value("plasmapheresis_days_after_course", 0), policy_id=POLICY)


def test_an_impossible_calendar_date_is_rejected() -> None:
    """The date of service must be a real date as YYYY-MM-DD."""
    assert paths_of(with_value("date_of_service", "2026-02-30")) == ["date_of_service"]
    assert paths_of(with_value("date_of_service", "01/12/2026")) == ["date_of_service"]


def test_an_empty_id_is_rejected() -> None:
    """An identifier must have content to be echoed in the determination."""
    assert paths_of(with_value("id", " ")) == ["id"]


# -- diagnosis codes ----------------------------------------------------------------------


def test_a_category_is_rejected_naming_its_first_billable_codes_and_their_count() -> None:
    """M60.8 is a category: the message names the first five of the 24 billable codes under it and the count."""
    errors = errors_of(with_value("diagnoses", ["M60.80", "M60.8"]))
    assert [e["path"] for e in errors] == ["diagnoses[1]"]
    message = errors[0]["message"]
    assert "M60.8" in message and "24 billable codes" in message and "19 more" in message
    for code in ("M60.80", "M60.811", "M60.812", "M60.819", "M60.821"):
        assert code in message
    assert "M60.89" not in message


def test_a_category_with_few_children_names_them_all() -> None:
    """G72.4 is a category whose billable codes are G72.41 and G72.49."""
    message = errors_of(with_value("diagnoses", ["G72.4"]))[0]["message"]
    assert "G72.41" in message and "G72.49" in message


@pytest.mark.parametrize("code", ["M60.80", "m60.80", "M6080", "m6080", "M33.10", "m3310", "G72.41", "g7249", "E11.9", "M36.0"])
def test_a_billable_code_is_accepted_with_or_without_the_dot_in_any_case(code: str) -> None:
    """Dot and case do not matter for a billable ICD-10-CM code."""
    policy.assess(with_value("diagnoses", [code]), policy_id=POLICY)


def test_the_same_code_written_differently_gives_the_same_determination() -> None:
    """m6080 and M60.80 are the same diagnosis."""
    dotted = policy.assess(with_value("diagnoses", ["M60.80"]), policy_id=POLICY).to_dict()
    bare = policy.assess(with_value("diagnoses", ["m6080"]), policy_id=POLICY).to_dict()
    assert dotted == bare


@pytest.mark.parametrize("code", ["", "xx", "M60.8000000", "60.80", "M6.080", "M60..80", " M60.80", "M60.80 ", "M60.80\n", "M60-80", "Z99.999"])
def test_a_malformed_or_unknown_code_is_rejected_at_its_index(code: str) -> None:
    """A code that is not shaped like, or is not, an ICD-10-CM code is rejected with its index."""
    errors = errors_of(with_value("diagnoses", ["M33.10", "M60.80", code]))
    assert [e["path"] for e in errors] == ["diagnoses[2]"]
    message = errors[0]["message"]
    # A malformed code is quoted as sent; a well-shaped unknown one is named.
    assert repr(code) in message or message.startswith(f"{code} is not an ICD-10-CM code")


def test_an_empty_diagnosis_list_is_rejected() -> None:
    """At least one diagnosis is required."""
    assert paths_of(with_value("diagnoses", [])) == ["diagnoses"]


# -- pairs of units and cross-field rules ----------------------------------------------------


@pytest.mark.parametrize(("one", "other", "value"), [("height_cm", "height_in", 64), ("weight_kg", "weight_lb", 154)])
def test_both_units_of_a_pair_are_rejected(one: str, other: str, value: float) -> None:
    """Height in cm and in inches (or weight in kg and lb) together is ambiguous; the message names both."""
    errors = errors_of(with_value(f"patient.{other}", value))
    assert len(errors) == 1
    assert errors[0]["path"].startswith("patient.")
    assert one in errors[0]["message"] and other in errors[0]["message"]


def test_a_null_unit_next_to_the_other_is_not_a_pair() -> None:
    """A null value counts as not stated: height_cm with height_in null is fine."""
    policy.assess(with_value("patient.height_in", None), policy_id=POLICY)


def test_neither_dose_nor_course_total_is_rejected() -> None:
    """At least one of dose_g_per_kg and course_total_g is required; the message names both."""
    document = valid()
    del document["regimen"]["dose_g_per_kg"]
    document["regimen"]["course_total_g"] = None
    errors = errors_of(document)
    assert [e["path"] for e in errors] == ["regimen"]
    assert "dose_g_per_kg" in errors[0]["message"] and "course_total_g" in errors[0]["message"]


@pytest.mark.parametrize("path", ["id", "type", "diagnoses", "regimen", "regimen.days", "regimen.interval_days"])
def test_a_missing_required_field_is_rejected_at_its_path(path: str) -> None:
    """Each required field of the contract is reported by path when absent."""
    assert paths_of(without(path)) == [path]


@pytest.mark.parametrize("path", ["id", "type", "diagnoses", "regimen.days", "regimen.interval_days"])
def test_a_required_field_set_to_null_is_missing(path: str) -> None:
    """null for a required field is the same as leaving it out."""
    assert paths_of(with_value(path, None)) == [path]


@pytest.mark.parametrize(
    "path", ["date_of_service", "patient", "severe_acute", "concurrent_therapies", "iga", "cardiac_dysfunction",
             "plasmapheresis_days_after_course", "response", "regimen.courses", "regimen.product", "regimen.reduced_iga"]
)
def test_an_optional_field_may_be_left_out(path: str) -> None:
    """Optional fields of the contract can be absent without a rejection."""
    policy.assess(without(path), policy_id=POLICY)


# -- vocabularies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed", "bad"),
    [
        ("type", ["initial", "continuation"], "renewal"),
        ("patient.sex", ["male", "female", "unknown"], "F"),
        ("iga", ["normal", "deficient", "unknown"], "low"),
        ("response.strength", ["improved", "unchanged", "worsened"], "absent"),
        ("response.function", ["improved", "unchanged", "worsened"], "better"),
        ("response.rash", ["improved", "unchanged", "worsened", "absent"], "gone"),
        ("response.ck", ["decreased", "unchanged", "increased"], "improved"),
    ],
)
def test_each_enumerated_field_takes_exactly_its_vocabulary(path: str, allowed: list[str], bad: str) -> None:
    """Every listed value is accepted; another is rejected with the allowed values and the value received."""
    for value in allowed:
        policy.assess(with_value(path, value), policy_id=POLICY)
    errors = errors_of(with_value(path, bad))
    assert [e["path"] for e in errors] == [path]
    for value in allowed:
        assert value in errors[0]["message"]
    assert repr(bad) in errors[0]["message"]


def test_every_therapy_of_the_vocabulary_is_accepted() -> None:
    """The ten concurrent therapies of the contract are accepted together."""
    policy.assess(with_value("concurrent_therapies", THERAPIES), policy_id=POLICY)


def test_a_therapy_outside_the_vocabulary_is_rejected_at_its_index() -> None:
    """An unknown therapy is reported at its index in the list."""
    errors = errors_of(with_value("concurrent_therapies", ["corticosteroid", "ivig", "prednisone"]))
    assert [e["path"] for e in errors] == ["concurrent_therapies[1]", "concurrent_therapies[2]"]
    assert "plasma_exchange" in errors[0]["message"]


@pytest.mark.parametrize("value", [None, True, False])
def test_cardiac_dysfunction_is_true_false_or_null(value: bool | None) -> None:
    """cardiac_dysfunction accepts true, false and null."""
    policy.assess(with_value("cardiac_dysfunction", value), policy_id=POLICY)


# -- every problem at once ------------------------------------------------------------------------


def test_a_request_with_many_problems_lists_every_one_with_its_path() -> None:
    """Nothing stops at the first problem: each is listed, at every depth."""
    document = valid()
    document["surprise"] = 1
    document["type"] = "renewal"
    document["patient"].update(height_in=64, weight_kg=900, age_years=-1, sex="x")
    document["diagnoses"] = ["M60.80", "M60.8", "nope"]
    document["concurrent_therapies"] = ["aspirin"]
    document["regimen"].update(days=[0, 2], interval_days=0, courses=99, dose_g_per_kg=-2, course_total_g=0)
    document["response"].update(ck="lower", weeks=3)
    paths = paths_of(document)
    expected = {
        "surprise", "type", "patient.height_in", "patient.weight_kg", "patient.age_years", "patient.sex",
        "diagnoses[1]", "diagnoses[2]", "concurrent_therapies[0]", "regimen.days[0]", "regimen.interval_days",
        "regimen.courses", "regimen.dose_g_per_kg", "regimen.course_total_g", "response.ck", "response.weeks",
    }
    assert set(paths) == expected
    assert len(paths) == len(expected)


def test_a_request_with_only_missing_parts_lists_each_missing_field() -> None:
    """An empty regimen reports days, interval and the missing dose together."""
    assert set(paths_of(with_value("regimen", {}))) == {"regimen.days", "regimen.interval_days", "regimen"}
    assert set(paths_of({})) == {"id", "type", "diagnoses", "regimen"}


def test_the_exception_message_lists_every_problem() -> None:
    """str(InvalidRequest) names each path, for logs that only keep the message."""
    with pytest.raises(InvalidRequest) as caught:
        policy.assess(with_value("regimen", {"days": [3, 2], "interval_days": 0, "dose_g_per_kg": 2}), policy_id=POLICY)
    text = str(caught.value)
    assert "regimen.days" in text and "regimen.interval_days" in text


def test_invalid_request_is_a_value_error() -> None:
    """Callers can catch InvalidRequest as a ValueError."""
    assert issubclass(InvalidRequest, ValueError)


def test_errors_are_path_and_message_pairs() -> None:
    """Each problem is exactly {path, message}, both strings."""
    for error in errors_of(with_value("iga", 3)):
        assert set(error) == {"path", "message"}
        assert isinstance(error["path"], str) and isinstance(error["message"], str)


def test_the_caller_document_is_not_changed() -> None:
    """Validation reads the document; it neither normalizes nor fills it in place."""
    document = with_value("diagnoses", ["m6080"])
    before = copy.deepcopy(document)
    policy.assess(document, policy_id=POLICY)
    assert document == before


# -- the attrs models ---------------------------------------------------------------------------------


def _request(**changes: Any) -> Request:
    values: dict[str, Any] = {
        "id": "PA-MODEL",
        "type": "initial",
        "diagnoses": ("M60.80",),
        "regimen": Regimen(dose_g_per_kg=2.0, days=(2, 3), interval_days=28),
    }
    values.update(changes)
    return Request(**values)


def test_a_request_model_can_be_assessed() -> None:
    """policy.Request built in Python is assessed like the equivalent document."""
    model = _request(patient=Patient(sex="female", age_years=52, height_cm=162.6, weight_kg=70))
    document = {
        "id": "PA-MODEL", "type": "initial", "diagnoses": ["M60.80"],
        "patient": {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70},
        "regimen": {"dose_g_per_kg": 2.0, "days": [2, 3], "interval_days": 28},
    }
    assert policy.assess(model, policy_id=POLICY).to_dict() == policy.assess(document, policy_id=POLICY).to_dict()


def test_a_request_model_with_a_continuation_response_is_assessed() -> None:
    """A Request carrying a Response model goes through the same checks as a document."""
    model = _request(type="continuation", response=Response(weeks_on_therapy=16, strength="improved"))
    assert policy.assess(model, policy_id=POLICY).decision == "approve"


def test_a_request_model_breaking_a_cross_field_rule_is_rejected_when_assessed() -> None:
    """Rules across fields (a pair of units, min above max) are checked when a model is assessed."""
    model = _request(patient=Patient(height_cm=160, height_in=63), regimen=Regimen(dose_g_per_kg=2.0, days=(3, 2), interval_days=28))
    assert set(paths_of(model)) == {"patient.height_in", "regimen.days"}


@pytest.mark.parametrize(
    ("model", "field", "value", "fragment"),
    [
        (Patient, "height_cm", 10, "30 to 250"),
        (Patient, "weight_kg", 0.5, "1 to 400"),
        (Patient, "age_years", 130, "0 to 120"),
        (Patient, "sex", "f", "male"),
        (Response, "ck", "down", "decreased"),
        (Response, "rash", 3, "improved"),
    ],
)
def test_a_model_rejects_a_bad_value_naming_the_field(model: type, field: str, value: Any, fragment: str) -> None:
    """The attrs validators raise ValueError whose message names the field, the expectation and the value."""
    with pytest.raises(ValueError) as caught:
        model(**{field: value})
    message = str(caught.value)
    assert field in message and fragment in message and repr(value) in message


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [("interval_days", 0, "1 to 365"), ("courses", 30, "1 to 24"), ("dose_g_per_kg", 0, "more than 0"),
     ("days", (0, 3), "1 to 14"), ("days", 20, "1 to 14")],
)
def test_the_regimen_model_rejects_impossible_values(field: str, value: Any, fragment: str) -> None:
    """Regimen(...) refuses impossible days, intervals, courses and doses."""
    values: dict[str, Any] = {"dose_g_per_kg": 2.0, "days": (2, 3), "interval_days": 28, field: value}
    with pytest.raises(ValueError, match=fragment) as caught:
        Regimen(**values)
    assert field in str(caught.value)


def test_a_model_rejects_a_missing_required_field() -> None:
    """Regimen without interval_days cannot be built."""
    with pytest.raises(TypeError):
        Regimen(dose_g_per_kg=2.0, days=(2, 3))


def test_the_request_model_rejects_a_non_billable_code() -> None:
    """Request(diagnoses=('M60.8',)) is refused, naming the field."""
    with pytest.raises(ValueError, match="diagnoses") as caught:
        _request(diagnoses=("M60.8",))
    assert "M60.80" in str(caught.value)


def test_models_are_frozen() -> None:
    """A request cannot be changed after validation."""
    model = _request()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        model.id = "other"  # type: ignore[misc]
