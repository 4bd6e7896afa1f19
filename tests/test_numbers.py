"""Every number once: the numbers and codes of statement wording agree with the parameters and code groups
their rules use, and `policy check` names the line of any that does not."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from library_copy import copy_library, replace_once

from policy.binding import BoundPolicy, bind
from policy.check import check
from policy.library import policy_ids, shared_code
from policy.numbers import NumberProblem, codes, quantities, statement_parameters, verify
from policy.source import load_shared

POLICIES = ("ivig-myositis", "ivig-cidp")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A copy of the whole library, to change one number or code in."""
    return copy_library(tmp_path)


_replace = replace_once


def _line_of(path: Path, fragment: str) -> int:
    """The line of a file holding `fragment` (it must be there)."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if fragment in line)


def _set_parameter(toml: Path, key: str, value: str) -> None:
    text = toml.read_text(encoding="utf-8")
    pattern = rf"(\[parameters\.{re.escape(key)}\]\nvalue = )[^\n]+"
    assert re.search(pattern, text), key
    toml.write_text(re.sub(pattern, rf"\g<1>{value}", text, count=1), encoding="utf-8")


def _messages(root: Path) -> list[str]:
    return [str(finding) for finding in check(None, root)]


def _policy_problems(bound: BoundPolicy, parameters: dict[str, object] | None = None) -> list[NumberProblem]:
    """The number check of a policy's own statements, with some parameters given other values."""
    source = bound.source
    values = dict(source.parameters)
    for key, value in (parameters or {}).items():
        values[key] = attrs.evolve(source.parameters[key], value=value)
    data = tomllib.loads((source.folder / "policy.toml").read_text(encoding="utf-8"))
    own = [s for s in source.statements if not s.shared]
    return list(verify(own, values, source.code_groups, bound.derivations, bound.rules, data,
                       source.folder / "policy.toml", source.folder.parent))


# --- Reading numbers and codes -------------------------------------------------------------------


def test_a_range_gives_each_of_its_numbers_with_the_unit_after_it() -> None:
    """"2 to 5 consecutive days" is 2 days and 5 days; "2–5 days" and "1 or 2 days" read alike."""
    for text, expected in (("divided over 2 to 5 consecutive days.", [2.0, 5.0]),
                           ("over 2–5 days", [2.0, 5.0]), ("given over 1 or 2 consecutive days", [1.0, 2.0])):
        found = quantities(text)
        assert [q.value for q in found] == expected and {q.dimension for q in found} == {"days"}, text


def test_weeks_and_inches_are_read_in_days_and_centimetres() -> None:
    """A unit is read with its size: 26 weeks is 182 days, a 12-week trial is 84 days, 60 inches is 152.4 cm."""
    weeks, trial, inches = quantities("26 weeks")[0], quantities("A full 12-week trial")[0], quantities("60 inches")[0]
    assert weeks.same(182, "days", 1.0) and trial.same(84, "days", 1.0) and inches.same(152.4, "length", 1.0)
    assert not weeks.same(181, "days", 1.0)


def test_a_number_spelled_out_counts_only_with_a_unit() -> None:
    """"two to five repeated courses" is two numbers of courses; "One authorization" is no number."""
    assert [(q.value, q.dimension) for q in quantities("two to five repeated courses")] == [
        (2.0, "courses"), (5.0, "courses")]
    assert quantities("One authorization covers it") == []


def test_a_number_without_a_known_unit_is_still_read() -> None:
    """A year in a guideline's name has no unit: it is read, to be declared (dimension None)."""
    found = quantities("the EAN/PNS 2021 guideline")
    assert [(q.value, q.dimension) for q in found] == [(2021.0, None)]


def test_a_daily_rate_is_not_a_course_dose() -> None:
    """"0.4 g/kg per day" is of another kind than the course maximum of 2 g/kg."""
    assert quantities("at 0.4 g/kg per day")[0].dimension == "g/kg/day"
    assert quantities("at most 2 g/kg of dosing weight")[0].dimension == "g/kg"


def test_codes_are_read_as_prefixes_and_their_digits_are_no_numbers() -> None:
    """M60.8x names the prefix M60.8, M33.x the prefix M33; neither is read as a number."""
    text = "Other myositis (M60.8x), dermatopolymyositis (M33.x) and G72.49"
    assert [c.code for c in codes(text)] == ["M60.8", "M33", "G72.49"]
    assert quantities(text) == []


def test_a_statement_may_state_the_vial_rounding_its_course_maximum_is_computed_with() -> None:
    """DOSE-MAINTENANCE's rule compares with the maximum the course derivation computes with the vial size."""
    bound = bind("ivig-cidp")
    assert "vial_rounding_g" in statement_parameters("DOSE-MAINTENANCE", bound.derivations, bound.rules)
    assert "vial_rounding_g" not in statement_parameters("DOSE-RELOAD", bound.derivations, bound.rules)


# --- The shipped source ----------------------------------------------------------------------------


@pytest.mark.parametrize("policy_id", POLICIES)
def test_the_shipped_wording_agrees_with_its_parameters_and_code_groups(policy_id: str) -> None:
    """Every number and code of every statement of the policy is accounted for."""
    assert _policy_problems(bind(policy_id)) == []


def test_the_shared_wording_agrees_with_the_shared_parameters() -> None:
    """"under 18 years of age" and "shorter than 152.4 cm" are the shared parameters' values."""
    shared = load_shared()
    assert shared is not None
    declarations = shared_code()
    data = tomllib.loads((shared.folder / "shared.toml").read_text(encoding="utf-8"))
    assert list(verify(shared.statements, shared.parameters, {}, declarations.derivations, declarations.rules, data,
                       shared.folder / "shared.toml", shared.folder.parent)) == []


def _quoted(bound: BoundPolicy) -> Iterator[tuple[str, str, float]]:
    """(statement, parameter, value) for every number of a policy's own wording that states a parameter."""
    values = {k: p for k, p in bound.source.parameters.items()}
    for statement in bound.source.statements:
        if statement.shared:
            continue
        used = statement_parameters(statement.id, bound.derivations, bound.rules)
        for quantity in quantities(f"{statement.title}. {statement.text}"):
            for key in sorted(used & set(values)):
                parameter = values[key]
                unit = {"days": ("days", 1.0), "weeks": ("days", 7.0), "g/kg": ("g/kg", 1.0), "g": ("g", 1.0),
                        "courses": ("courses", 1.0), "points": ("points", 1.0)}.get(parameter.unit)
                if unit and quantity.same(parameter.value, *unit):
                    yield statement.id, key, float(parameter.value)


@pytest.mark.parametrize("policy_id", POLICIES)
def test_changing_any_quoted_parameter_is_caught_in_every_statement_quoting_it(policy_id: str) -> None:
    """For each parameter a statement's wording states, a new value makes the check name that statement."""
    bound = bind(policy_id)
    quoted = list(_quoted(bound))
    assert len({key for _s, key, _v in quoted}) >= 8, quoted
    for statement_id, key, value in quoted:
        problems = _policy_problems(bound, {key: value + 3})
        assert any(f"statement {statement_id} " in p.message for p in problems), (statement_id, key)


# --- policy check on a changed copy ------------------------------------------------------------------


def test_changing_the_interval_parameter_names_the_line_of_dose_interval(library: Path) -> None:
    """min_interval_days 28 -> 27: DOSE-INTERVAL's title and text still say 28 days, each named at its line."""
    _set_parameter(library / "ivig_myositis" / "policy.toml", "min_interval_days", "27")
    feature = library / "ivig_myositis" / "03_dosing.feature"
    text_line = _line_of(feature, "Courses are given every 28 days (monthly).")
    title_line = _line_of(feature, "Rule: Courses are given every 28 days")
    found = [str(f) for f in check("steps", library)]
    at_text = [m for m in found if m.startswith(f"ivig_myositis/03_dosing.feature:{text_line}: ")]
    at_title = [m for m in found if m.startswith(f"ivig_myositis/03_dosing.feature:{title_line}: ")]
    assert any('statement DOSE-INTERVAL says "28 days" in its text' in m and "min_interval_days = 27 days" in m
               for m in at_text), found
    assert any('statement DOSE-INTERVAL says "28 days" in its title' in m for m in at_title), found


def test_scenario_titles_and_example_rows_are_not_read(library: Path) -> None:
    """The examples keep their literal 28s: only the Rule line and the statement text are named."""
    _set_parameter(library / "ivig_myositis" / "policy.toml", "min_interval_days", "27")
    feature = library / "ivig_myositis" / "03_dosing.feature"
    wording = {_line_of(feature, "Courses are given every 28 days (monthly)."),
               _line_of(feature, "Rule: Courses are given every 28 days")}
    lines = {int(m.split(":")[1]) for m in _messages(library) if m.startswith("ivig_myositis/03_dosing.feature:")
             and "says" in m}
    assert lines == wording


def test_a_code_group_prefix_the_text_does_not_name_is_reported(library: Path) -> None:
    """M36.0 -> M36.1 in the spectrum group: DX-SPECTRUM names a code no group holds, and not the new prefix."""
    _replace(library / "ivig_myositis" / "policy.toml", '"M36.0"', '"M36.1"')
    feature = library / "ivig_myositis" / "01_medical_necessity.feature"
    line = _line_of(feature, "dermatomyositis in neoplastic disease (M36.0)")
    found = _messages(library)
    assert (f"ivig_myositis/01_medical_necessity.feature:{line}: statement DX-SPECTRUM names ICD-10-CM code M36.0 "
            "in its text, which no code group of the policy holds: correct it, or declare it under "
            "[numbers_in_text.DX-SPECTRUM] as a literal") in found
    assert any(m.startswith(f"ivig_myositis/01_medical_necessity.feature:{line}: ") and "but not M36.1" in m
               for m in found), found


def test_a_code_in_the_wrong_statement_is_reported(library: Path) -> None:
    """DX-IBM's rules test the inclusion-body group: a spectrum code in its text disagrees with them."""
    feature = library / "ivig_myositis" / "01_medical_necessity.feature"
    _replace(feature, "Inclusion body myositis (G72.41) is excluded", "Inclusion body myositis (G72.49) is excluded")
    line = _line_of(feature, "Inclusion body myositis (G72.49) is excluded")
    found = _messages(library)
    assert any(m.startswith(f"ivig_myositis/01_medical_necessity.feature:{line}: statement DX-IBM names G72.49")
               and "but its rules test inclusion_body" in m for m in found), found


def test_a_changed_shared_parameter_names_the_shared_statement(library: Path) -> None:
    """adult_age_years 18 -> 21: DOSE-WEIGHT, written once in the shared source, says 18 years at its line."""
    _set_parameter(library / "shared" / "shared.toml", "adult_age_years", "21")
    feature = library / "shared" / "01_dosing_weight.feature"
    line = _line_of(feature, "under 18 years of age")
    found = _messages(library)
    assert any(m.startswith(f"shared/01_dosing_weight.feature:{line}: statement DOSE-WEIGHT says \"18 years\"")
               for m in found), found


def test_weeks_in_the_text_follow_a_parameter_in_days(library: Path) -> None:
    """continuation_max_days 182 -> 175: DOSE-DURATION's "26 weeks" and "182 days" both go stale."""
    _set_parameter(library / "ivig_cidp" / "policy.toml", "continuation_max_days", "175")
    found = [m for m in _messages(library) if "statement DOSE-DURATION says" in m]
    assert any('"26 weeks"' in m and "in its title" in m for m in found), found
    assert any('"26 weeks"' in m and "in its text" in m for m in found), found
    assert any('"182 days"' in m for m in found), found


def test_a_declared_expression_is_evaluated_against_the_parameters(library: Path) -> None:
    """min_interval_days 21 -> 28 in ivig-cidp: "21 days" is stale, and so is "20 days" (min_interval_days - 1)."""
    _set_parameter(library / "ivig_cidp" / "policy.toml", "min_interval_days", "28")
    feature = library / "ivig_cidp" / "02_dosing.feature"
    line = _line_of(feature, "an interval of 14 to 20 days is allowed")
    found = _messages(library)
    assert (f'ivig_cidp/02_dosing.feature:{line}: statement DOSE-MAINT-INTERVAL says "20 days" (in "14 to 20 days") '
            "in its text, but what it is declared to state, min_interval_days - 1, is 27 days now: correct the "
            "wording") in found


def test_an_undeclared_number_without_a_unit_is_reported(library: Path) -> None:
    """Without its declaration, the 2021 of the guideline's name in DX-CIDP is a number the check cannot tie."""
    _replace(library / "ivig_cidp" / "policy.toml",
             '[numbers_in_text.DX-CIDP]\n"2021" = { literal = "The year in the name of the EAN/PNS 2021 guideline." }\n',
             "")
    line = _line_of(library / "ivig_cidp" / "01_medical_necessity.feature", "with a strong recommendation in the EAN/PNS 2021")
    found = _messages(library)
    assert any(m.startswith(f"ivig_cidp/01_medical_necessity.feature:{line}: statement DX-CIDP states the number "
                            '"2021"') for m in found), found


def test_a_declaration_the_text_no_longer_needs_is_reported(library: Path) -> None:
    """SAFE-AE reworded without "3 days": its declaration in policy.toml is named at its line."""
    _replace(library / "ivig_myositis" / "04_safety.feature", "Extending a course from 2 to 3 days",
             "Extending a course beyond 2 days")
    toml = library / "ivig_myositis" / "policy.toml"
    line = _line_of(toml, '"3 days" = "short_course_days + 1"')
    assert (f"ivig_myositis/policy.toml:{line}: '3 days' is declared for SAFE-AE, whose title and text no longer "
            "state it: remove it") in _messages(library)


def test_an_expression_naming_an_unknown_parameter_is_reported(library: Path) -> None:
    """A declared expression may name only the policy's parameters."""
    toml = library / "ivig_myositis" / "policy.toml"
    _replace(toml, '"5 days" = "max_course_days"', '"5 days" = "max_course_dayz"')
    line = _line_of(toml, '"5 days" = "max_course_dayz"')
    assert any(m.startswith(f"ivig_myositis/policy.toml:{line}: '5 days' of DOSE-HIGH") and "max_course_dayz" in m
               for m in _messages(library))


def test_the_library_holds_the_policies_these_tests_name() -> None:
    assert set(POLICIES) <= set(policy_ids())
