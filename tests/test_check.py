"""The drift check names each problem with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policy.check import check
from policy.source import source_root

FOLDER = "ivig_myositis"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    shutil.copytree(source_root() / FOLDER, tmp_path / FOLDER)
    return tmp_path


def _edit(root: Path, name: str, old: str, new: str) -> int:
    """Replaces the first `old` in a source file; returns the line it was on."""
    path = root / FOLDER / name
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def messages(root: Path) -> list[str]:
    return [str(f) for f in check("steps", root)]


def test_the_shipped_source_has_no_drift() -> None:
    """The policy as committed passes its own check."""
    assert messages(source_root()) == []


def test_a_misspelled_citation_is_reported_where_it_is_written(source: Path) -> None:
    """A citation tag whose key is not in the bibliography is named with its line."""
    line = _edit(source, "03_dosing.feature", "@cite.octagam-label", "@cite.octagam-lable")
    assert f"ivig_myositis/03_dosing.feature:{line}: citation 'cite.octagam-lable' resolves to no bibliography entry" in messages(source)


def test_a_tag_outside_the_vocabulary_is_reported(source: Path) -> None:
    """A scenario tag that is not in the vocabulary is reported."""
    _edit(source, "01_medical_necessity.feature", "@source-case", "@wip")
    assert any("tag '@wip'" in m and "01_medical_necessity.feature:" in m for m in messages(source))


def test_a_rule_without_its_statement_id_is_reported_at_its_line(source: Path) -> None:
    """A Rule whose ID tag was deleted is named with its file and line."""
    line = _edit(source, "04_safety.feature", "@SAFE-HYDRATION ", "")
    assert f"ivig_myositis/04_safety.feature:{line + 1}: a Rule needs exactly one statement ID tag, found none" in messages(source)


def test_a_removed_statement_leaves_its_rule_bound_to_nothing(source: Path) -> None:
    """Deleting a statement's whole Rule reports the rule declaration that named it."""
    path = source / FOLDER / "04_safety.feature"
    text = path.read_text()
    start = text.index("  @SAFE-HYDRATION ")
    end = text.index("\n  @SAFE-AE ")
    path.write_text(text[:start] + text[end + 1 :])
    assert any("rule SAFE-HYDRATION names unknown statement SAFE-HYDRATION" in m for m in messages(source))


def test_a_step_without_definition_is_reported_with_its_line(source: Path) -> None:
    """A step no definition matches is reported at its line."""
    line = _edit(source, "06_pitfalls.feature", "When the request is assessed", "When the request is judged")
    assert f"ivig_myositis/06_pitfalls.feature:{line}: no step definition matches when step 'the request is judged'" in messages(source)


def test_a_statement_with_no_example_where_it_does_not_apply_is_reported(source: Path) -> None:
    """Turning every 'does not apply' of a statement into 'applies' leaves it one-sided."""
    path = source / FOLDER / "06_pitfalls.feature"
    path.write_text(path.read_text().replace("PIT-PLASMAPHERESIS does not apply", "PIT-PLASMAPHERESIS applies"))
    assert any("PIT-PLASMAPHERESIS has no example where it does not apply" in m for m in messages(source))


def test_an_unused_parameter_is_reported_at_its_declaration(source: Path) -> None:
    """A parameter no rule reads is named with its line in policy.toml."""
    path = source / FOLDER / "policy.toml"
    path.write_text(path.read_text() + '\n[parameters.unused_threshold]\nvalue = 1\nunit = "g"\nlabel = "x"\n')
    line = path.read_text().splitlines().index("[parameters.unused_threshold]") + 1
    assert f"ivig_myositis/policy.toml:{line}: parameter 'unused_threshold' is declared but no rule or derivation uses it" in messages(source)
