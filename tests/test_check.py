"""The drift check names each problem with its file and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from library_copy import IGNORED, copy_library

from policy.check import check
from policy.source import source_root

FOLDER = "ivig_myositis"
POLICY = "ivig-myositis"
RULES_FILE = source_root() / FOLDER / "rules.py"
RULES_NAME = "ivig_myositis/rules.py"



@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the whole library (policies, shared source), to break one thing in."""
    return copy_library(tmp_path)


def _edit(root: Path, name: str, old: str, new: str) -> int:
    """Replaces the first `old` in a source file; returns the line it was on."""
    path = root / FOLDER / name
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def _line(root: Path, name: str, pattern: str, after: int = 0) -> int:
    """The first line (1-based, after line `after`) of a source file matching a regex."""
    lines = (root / FOLDER / name).read_text().splitlines()
    return next(n for n, text in enumerate(lines, start=1) if n > after and re.search(pattern, text))


def _rule_line(root: Path, name: str, statement_id: str) -> int:
    """The `Rule:` line of a statement, found from its ID tag."""
    return _line(root, name, r"^\s*Rule:", after=_line(root, name, rf"@{statement_id}\b"))


def _module_line(pattern: str) -> int:
    lines = RULES_FILE.read_text().splitlines()
    return next(n for n, text in enumerate(lines, start=1) if re.search(pattern, text))


def messages(root: Path, policy_id: str | None = POLICY) -> list[str]:
    return [str(f) for f in check("steps", root, policy_id=policy_id)]


def test_the_shipped_source_has_no_drift() -> None:
    """The library as committed (every policy and the shared source) passes its own check."""
    assert messages(source_root(), policy_id=None) == []


def test_a_misspelled_citation_is_reported_where_it_is_written(source: Path) -> None:
    """A citation tag whose key is not in the bibliography is named with its line."""
    line = _edit(source, "03_dosing.feature", "@cite.octagam-label", "@cite.octagam-lable")
    assert f"ivig_myositis/03_dosing.feature:{line}: citation 'cite.octagam-lable' resolves to no bibliography entry" in messages(source)


def test_a_scenario_tag_outside_the_vocabulary_is_reported_at_its_line(source: Path) -> None:
    """A scenario tag that is not in the vocabulary is named with the line it is written on."""
    line = _edit(source, "01_medical_necessity.feature", "@source-case", "@wip")
    found = [m for m in messages(source) if m.startswith(f"ivig_myositis/01_medical_necessity.feature:{line}: ")]
    assert len(found) == 1 and "tag '@wip' on scenario" in found[0] and "outside the vocabulary" in found[0]


def test_a_rule_tag_outside_the_vocabulary_is_reported_at_its_line(source: Path) -> None:
    """A tag on a Rule that is neither its statement ID nor a citation is reported."""
    line = _edit(source, "04_safety.feature", "@SAFE-AE ", "@SAFE-AE @draft ")
    assert any(m.startswith(f"ivig_myositis/04_safety.feature:{line}: tag '@draft' on Rule ")
               and "outside the vocabulary" in m for m in messages(source))


def test_a_tag_on_a_feature_or_an_examples_table_is_checked_too(source: Path) -> None:
    """Tags outside the vocabulary are found on a Feature and on an Examples table."""
    feature_line = _edit(source, "03_dosing.feature", "Feature:", "@slow\nFeature:")
    examples_line = _edit(source, "03_dosing.feature", "    Examples:", "    @flaky\n    Examples:")
    found = messages(source)
    assert any(m.startswith(f"ivig_myositis/03_dosing.feature:{feature_line}: tag '@slow' on Feature ") for m in found)
    assert any(m.startswith(f"ivig_myositis/03_dosing.feature:{examples_line}: tag '@flaky' on the Examples of ")
               for m in found)


def test_a_statement_tag_on_a_scenario_is_outside_the_vocabulary(source: Path) -> None:
    """Statement IDs and citations belong on a Rule; on a scenario they are reported."""
    line = _edit(source, "01_medical_necessity.feature", "@source-case", "@source-case @DX-SPECTRUM")
    assert any(m.startswith(f"ivig_myositis/01_medical_necessity.feature:{line}: tag '@DX-SPECTRUM' on scenario ")
               for m in messages(source))


def test_a_rule_without_its_statement_id_is_reported_at_its_line(source: Path) -> None:
    """A Rule whose ID tag was deleted is named with its file and line."""
    line = _edit(source, "04_safety.feature", "@SAFE-AE ", "")
    assert f"ivig_myositis/04_safety.feature:{line + 1}: a Rule needs exactly one statement ID tag, found none" in messages(source)


def test_a_removed_statement_leaves_its_rule_bound_to_nothing(source: Path) -> None:
    """Deleting a statement's whole Rule reports the rule declaration that named it, at its line."""
    path = source / FOLDER / "04_safety.feature"
    text = path.read_text()
    start = text.index("  @SAFE-AE ")
    path.write_text(text[:start])
    line = _module_line(r"""\brule\(["']SAFE-AE["']""")
    assert f"{RULES_NAME}:{line}: rule SAFE-AE names unknown statement SAFE-AE" in messages(source)


def test_a_statement_without_a_rule_is_reported_at_its_rule_line(source: Path) -> None:
    """A new statement that no rule declaration decides is named with its file and line."""
    path = source / FOLDER / "04_safety.feature"
    path.write_text(path.read_text() + (
        "\n  @SAFE-UNENCODED @cite.source-assessment\n"
        "  Rule: A statement that nobody encoded\n"
        "    Scenario: It applies\n"
        "      Given a request like the source case\n"
        "      When the request is assessed\n"
        "      Then SAFE-UNENCODED applies\n"
    ))
    line = _rule_line(source, "04_safety.feature", "SAFE-UNENCODED")
    assert f"ivig_myositis/04_safety.feature:{line}: statement SAFE-UNENCODED has no rule" in messages(source)


def test_a_step_without_definition_is_reported_with_its_line(source: Path) -> None:
    """A step no definition matches is reported at its line."""
    line = _edit(source, "06_pitfalls.feature", "When the request is assessed", "When the request is judged")
    assert f"ivig_myositis/06_pitfalls.feature:{line}: no step definition matches when step 'the request is judged'" in messages(source)


def test_a_statement_with_no_example_where_it_does_not_apply_is_reported(source: Path) -> None:
    """Turning every 'does not apply' of a statement into 'applies' leaves it one-sided, reported at its Rule."""
    path = source / FOLDER / "06_pitfalls.feature"
    path.write_text(path.read_text().replace("PIT-PLASMAPHERESIS does not apply", "PIT-PLASMAPHERESIS applies"))
    line = _rule_line(source, "06_pitfalls.feature", "PIT-PLASMAPHERESIS")
    assert (f"ivig_myositis/06_pitfalls.feature:{line}: statement PIT-PLASMAPHERESIS has no example where it "
            "does not apply") in messages(source)


def test_a_statement_with_no_example_where_it_applies_is_reported(source: Path) -> None:
    """Turning every 'applies' of a statement into 'does not apply' is reported at its Rule."""
    path = source / FOLDER / "06_pitfalls.feature"
    path.write_text(path.read_text().replace("PIT-PLASMAPHERESIS applies", "PIT-PLASMAPHERESIS does not apply"))
    line = _rule_line(source, "06_pitfalls.feature", "PIT-PLASMAPHERESIS")
    assert f"ivig_myositis/06_pitfalls.feature:{line}: statement PIT-PLASMAPHERESIS has no example where it applies" in messages(source)


def test_a_statement_that_always_applies_needs_no_example_where_it_does_not(source: Path) -> None:
    """A statement whose only case is `always()` cannot fail to apply, so one side is enough."""
    assert re.search(r"""\brule\(["']MON-PLAN["'].*case\(always\(\)""", RULES_FILE.read_text())
    assert "MON-PLAN does not apply" not in (source / FOLDER / "05_monitoring.feature").read_text()
    assert not any("MON-PLAN has no example" in m for m in messages(source))


def test_an_unused_parameter_is_reported_at_its_declaration(source: Path) -> None:
    """A parameter no rule reads is named with its line in policy.toml."""
    path = source / FOLDER / "policy.toml"
    path.write_text(path.read_text() + '\n[parameters.unused_threshold]\nvalue = 1\nunit = "g"\nlabel = "x"\n')
    line = path.read_text().splitlines().index("[parameters.unused_threshold]") + 1
    assert f"ivig_myositis/policy.toml:{line}: parameter 'unused_threshold' is declared or included but no rule or derivation uses it" in messages(source)


def test_an_undeclared_parameter_is_reported_where_a_rule_uses_it(source: Path) -> None:
    """A parameter a rule reads but policy.toml no longer declares is named at its use."""
    path = source / FOLDER / "policy.toml"
    text = path.read_text()
    start = text.index("[parameters.plasmapheresis_window_days]")
    end = text.index("\n[", start + 1)
    path.write_text(text[:start] + text[end + 1 :])
    line = _module_line(r"\bP\.plasmapheresis_window_days\b")
    found = messages(source)
    assert (f"{RULES_NAME}:{line}: parameter 'plasmapheresis_window_days' is used but not declared in "
            "ivig_myositis/policy.toml") in found


def test_an_unknown_source_of_a_parameter_is_reported_at_its_sources_line(source: Path) -> None:
    """A parameter citing a key that is not in the bibliography is named with its `sources` line."""
    line = _line(source, "policy.toml", r"^sources\s*=", after=_line(source, "policy.toml", r"^\[parameters\.max_course_days\]"))
    path = source / FOLDER / "policy.toml"
    lines = path.read_text().splitlines(keepends=True)
    lines[line - 1] = 'sources = ["octagam-lable"]\n'
    path.write_text("".join(lines))
    assert (f"ivig_myositis/policy.toml:{line}: source 'octagam-lable' of parameter 'max_course_days' resolves "
            "to no bibliography entry") in messages(source)


def test_a_policy_file_that_is_not_valid_toml_is_reported_with_its_line(source: Path) -> None:
    """A syntax error in policy.toml is named with the file and the line tomllib points at."""
    line = _edit(source, "policy.toml", 'unit = "g/kg"', 'unit = g/kg')
    found = messages(source)
    assert len(found) == 1 and found[0].startswith(f"ivig_myositis/policy.toml:{line}: invalid TOML")


# -- the library: folders found, shared statements written once ---------------------------------------


SHARED_SAFETY = "shared/02_safety.feature"


def test_a_folder_that_is_not_a_complete_policy_is_reported_with_its_path(source: Path) -> None:
    """A folder beside the policies is checked as one; what it lacks is named with its path, never skipped."""
    (source / "ivig_itp").mkdir()
    (source / "ivig_itp" / "01_dx.feature").write_text("Feature: Diagnosis\n")
    found = messages(source, policy_id=None)
    assert any(m.startswith("ivig_itp/policy.toml:1: missing") for m in found), found


def test_a_policy_folder_without_python_is_reported(source: Path) -> None:
    """A folder with its data but no Python declaring the policy is reported at its __init__.py."""
    shutil.copytree(source / FOLDER, source / "ivig_copy", ignore=IGNORED)
    (source / "ivig_copy" / "__init__.py").unlink()
    _edit_file(source / "ivig_copy" / "policy.toml", 'id = "ivig-myositis"', 'id = "ivig-copy"')
    found = messages(source, policy_id=None)
    assert any(m.startswith("ivig_copy/__init__.py:1: missing") for m in found), found


def _edit_file(path: Path, old: str, new: str) -> int:
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def test_a_policy_redefining_a_shared_statement_is_reported_at_its_rule(source: Path) -> None:
    """A shared ID written out again in a policy (instead of @include) is reported where it is written."""
    line = _edit(source, "04_safety.feature", "  @SAFE-HYDRATION @include\n  Rule: Included from the shared statements\n",
                 "  @SAFE-HYDRATION @cite.source-assessment\n  Rule: Hydration\n    Patients drink water.\n")
    found = messages(source)
    assert any(m.startswith(f"ivig_myositis/04_safety.feature:{line + 1}: statement SAFE-HYDRATION is shared")
               for m in found), found


def test_including_a_statement_that_is_not_shared_is_reported(source: Path) -> None:
    """An @include of an ID the shared source does not hold is reported at its Rule."""
    line = _edit(source, "04_safety.feature", "  @SAFE-HYDRATION @include", "  @SAFE-HYDRATE @include")
    found = messages(source)
    assert f"ivig_myositis/04_safety.feature:{line + 1}: includes SAFE-HYDRATE, which is not a shared statement" in found


def test_an_include_that_restates_the_statement_is_reported(source: Path) -> None:
    """The placeholder carries no text: the statement is written once, in the shared source."""
    line = _edit(source, "04_safety.feature", "  @SAFE-HYDRATION @include\n  Rule: Included from the shared statements\n",
                 "  @SAFE-HYDRATION @include\n  Rule: Included from the shared statements\n    Hydrate well.\n")
    assert any(m.startswith(f"ivig_myositis/04_safety.feature:{line + 1}: the Rule including SAFE-HYDRATION restates it")
               for m in messages(source))


def test_two_policies_disagreeing_on_one_statement_id_are_reported(source: Path) -> None:
    """The same ID defined by two policies with different text is drift between them."""
    shutil.copytree(source / FOLDER, source / "ivig_copy", ignore=IGNORED)
    _edit_file(source / "ivig_copy" / "policy.toml", 'id = "ivig-myositis"', 'id = "ivig-copy"')
    _edit_file(source / "ivig_copy" / "04_safety.feature", "Extending a course from 2 to 3 days",
               "Extending a course from 2 to 4 days")
    found = messages(source, policy_id=None)
    # Reported at the later folder's statement, naming the first; which comes first is folder order.
    assert any("04_safety.feature:" in m and "statement SAFE-AE disagrees with " in m
               and "ivig_copy/" in m and "ivig_myositis/" in m for m in found), found


def test_one_id_for_two_different_statements_of_two_policies_is_allowed(source: Path) -> None:
    """Statement IDs are per policy: the same ID under another title in another policy is another statement."""
    shutil.copytree(source / FOLDER, source / "ivig_copy", ignore=IGNORED)
    _edit_file(source / "ivig_copy" / "policy.toml", 'id = "ivig-myositis"', 'id = "ivig-copy"')
    _edit_file(source / "ivig_copy" / "04_safety.feature", "Rule: Short courses carry more infusion-related adverse effects",
               "Rule: Short courses are tiring")
    _edit_file(source / "ivig_copy" / "04_safety.feature", "Extending a course from 2 to 3 days",
               "Extending a course from 2 to 4 days")
    assert not any("SAFE-AE" in m and ("disagrees" in m or "written again" in m) for m in messages(source, policy_id=None))


def test_a_policy_rule_deciding_a_shared_statement_is_reported(source: Path) -> None:
    """A policy may not add its own rule to a statement it includes: the including policies would disagree on it."""
    path = source / FOLDER / "rules.py"
    text = path.read_text()
    anchor = '    rule("SAFE-AE",'
    path.write_text(text.replace(anchor, '    rule("SAFE-CARDIAC", Effect.CONDITION, ("request",), case(always(), MET, Attach())),\n' + anchor, 1))
    found = messages(source)
    assert any(m.startswith("ivig_myositis/rules.py:") and "decides shared statement SAFE-CARDIAC" in m
               for m in found), found


def test_a_policy_redefining_a_shared_parameter_is_reported(source: Path) -> None:
    """A shared parameter declared again in a policy's policy.toml is reported at its table."""
    path = source / FOLDER / "policy.toml"
    path.write_text(path.read_text() + '\n[parameters.vial_rounding_g]\nvalue = 10\nunit = "g"\nlabel = "x"\n')
    line = path.read_text().splitlines().index("[parameters.vial_rounding_g]") + 1
    assert (f"ivig_myositis/policy.toml:{line}: parameter 'vial_rounding_g' is shared: include it instead of "
            "redefining it") in messages(source)


def test_a_shared_statement_without_a_scenario_where_it_applies_is_reported(source: Path) -> None:
    """The shared source is held to the same example rules as a policy."""
    path = source / SHARED_SAFETY
    path.write_text(path.read_text().replace("SAFE-IGA-SCREEN applies", "SAFE-IGA-SCREEN does not apply"))
    found = messages(source, policy_id=None)
    assert any(m.startswith(f"{SHARED_SAFETY}:") and "SAFE-IGA-SCREEN has no example where it applies" in m
               for m in found), found
