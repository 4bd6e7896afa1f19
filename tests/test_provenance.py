"""Provenance: every citation is graded for its statement, and what a reviewer must not miss carries a badge.

The grades of the shipped library are tested for the decisions the briefs
ask for (a dermatomyositis trial is direct for dermatomyositis only, the
source assessment is not direct for codes it does not mention, MIS-C and
checkpoint-inhibitor guidance are extrapolated, DOSE-WEIGHT differs per
policy). `findings` is tested in copies of the library, broken one way each.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from library_copy import copy_library

from policy.binding import BoundPolicy, bound
from policy.provenance import (
    BADGE_EXTRAPOLATED,
    BADGE_NOT_IN_SOURCE,
    BADGE_POLICY_CHOICE,
    LEVELS,
    Grade,
    badges,
    findings,
    grades,
    source_document,
    source_quote,
)
from policy.source import load_source, source_root

MYOSITIS = "ivig-myositis"
CIDP = "ivig-cidp"
# Statements of ivig-myositis the source assessment does not contain (myositis brief, section 1).
NOT_IN_SOURCE = {"DX-IBM", "DX-OTHER-CAUSE", "DX-UNSPECIFIED", "DX-SCOPE"}
# References without a DOI, PubMed number or URL, and why none is recorded.
WITHOUT_IDENTIFIER = {
    "source-assessment": "an unpublished assessment",
    "cherin-1991": "its record could not be retrieved to confirm an identifier",
}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A copy of the whole library (policies, shared source), to break one thing in."""
    return copy_library(tmp_path)


def _grade(policy_id: str, statement_id: str, reference: str) -> Grade:
    return next(g for g in grades(bound(policy_id), statement_id) if g.reference == reference)


def _labels(policy: BoundPolicy, statement_id: str, kind: str | None = None) -> list[str]:
    return [b.label for b in badges(policy, statement_id) if kind is None or b.kind == kind]


def _edit(path: Path, old: str, new: str) -> int:
    """Replaces the first `old` in a file; returns the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _messages(root: Path, policy_id: str | None = None) -> list[str]:
    return [str(problem) for problem in findings(root, policy_id)]


# --- The shipped library --------------------------------------------------------------------------


def test_every_cited_pair_of_the_library_is_graded_without_findings() -> None:
    """The library as shipped has a grade, with a valid level and a note, for every citation of every statement."""
    assert _messages(source_root()) == []
    for policy_id in (MYOSITIS, CIDP):
        policy = bound(policy_id)
        for statement in policy.source.statements:
            graded = grades(policy, statement.id)
            assert [g.reference for g in graded] == list(statement.citations), (policy_id, statement.id)
            assert all(g.support in LEVELS and g.note for g in graded), (policy_id, statement.id)


def test_a_dermatomyositis_trial_is_direct_only_for_dermatomyositis_codes() -> None:
    """Dalakas 1993 and ProDERM support IVIG directly for adult dermatomyositis, not for other myositis (M60.8x)."""
    for statement_id, reference in (("DX-SPECTRUM", "dalakas-1993"), ("SOC-STANDARD", "aggarwal-2022"),
                                    ("DOSE-TOTAL", "dalakas-1993"), ("DOSE-TOTAL", "octagam-label")):
        grade = _grade(MYOSITIS, statement_id, reference)
        assert grade.support == "extrapolated", (statement_id, reference)
        assert grade.direct_for == ("M33.1",), (statement_id, reference)


def test_the_source_assessment_is_not_direct_for_codes_it_does_not_mention() -> None:
    """The assessment names only other myositis, unspecified site: it is direct for M60.80 and nothing else."""
    spectrum = _grade(MYOSITIS, "DX-SPECTRUM", "source-assessment")
    assert (spectrum.support, spectrum.direct_for) == ("extrapolated", ("M60.80",))
    for statement_id in ("DX-OTHER-CAUSE", "DX-UNSPECIFIED", "DX-SCOPE"):
        assert _grade(MYOSITIS, statement_id, "source-assessment").support != "direct", statement_id


def test_the_spectrum_badge_names_the_only_codes_with_direct_support() -> None:
    """DX-SPECTRUM is badged as extrapolated, with the codes some reference supports directly."""
    [label] = _labels(bound(MYOSITIS), "DX-SPECTRUM", BADGE_EXTRAPOLATED)
    assert "direct only for M33.1, M33.2, M33.9, M60.80" in label
    assert "dermatomyositis" in label


def test_a_shared_statement_is_graded_for_each_including_policy() -> None:
    """DOSE-WEIGHT is direct for myositis (its source assessment) and only extrapolated for CIDP."""
    assert _grade(MYOSITIS, "DOSE-WEIGHT", "source-assessment").support == "direct"
    cidp = grades(bound(CIDP), "DOSE-WEIGHT")
    assert {g.support for g in cidp} == {"extrapolated"}
    assert all("actual body weight" in g.note for g in cidp)
    assert _labels(bound(CIDP), "DOSE-WEIGHT", BADGE_EXTRAPOLATED)
    assert not _labels(bound(MYOSITIS), "DOSE-WEIGHT", BADGE_EXTRAPOLATED)


def test_a_re_grade_keeps_the_quote_of_the_shared_grade() -> None:
    """Re-grading a shared pair for a policy does not lose the sentence the statement encodes."""
    myositis = _grade(MYOSITIS, "DOSE-WEIGHT", "source-assessment")
    assert not myositis.shared
    assert myositis.quote == "Total dose: 2 g/kg based on ideal body weight"


def test_the_cardiac_statement_is_extrapolated_from_mis_c_guidance_in_both_policies() -> None:
    """SAFE-CARDIAC carries an 'Extrapolated from MIS-C guidance' badge wherever it is included."""
    for policy_id in (MYOSITIS, CIDP):
        assert any("MIS-C" in label for label in _labels(bound(policy_id), "SAFE-CARDIAC", BADGE_EXTRAPOLATED))
    assert any("MIS-C" in label for label in _labels(bound(MYOSITIS), "SAFE-CARDIAC-DYSFUNCTION"))


def test_the_pitfalls_are_extrapolated_from_checkpoint_inhibitor_guidance() -> None:
    """Both pitfall statements rest only on guidance for checkpoint-inhibitor myositis, and say so."""
    for statement_id in ("PIT-MONOTHERAPY", "PIT-PLASMAPHERESIS"):
        assert _grade(MYOSITIS, statement_id, "schneider-2021").support == "extrapolated"
        [label] = _labels(bound(MYOSITIS), statement_id, BADGE_EXTRAPOLATED)
        assert "checkpoint-inhibitor" in label


def test_the_cidp_grades_follow_the_brief() -> None:
    """EAN/PNS, ProCID, Transfusion Ontario and Privigen are extrapolated exactly where the CIDP brief says."""
    extrapolated = [("DOSE-MAINTENANCE", "eanpns-2021"), ("DOSE-MAINT-INTERVAL", "eanpns-2021"),
                    ("DOSE-MAINTENANCE", "cornblath-2022"), ("RX-SPECIALIST", "transfusion-ontario-cidp"),
                    ("DOSE-DURATION", "privigen-label"), ("MON-TAPER", "adrichem-2022")]
    direct = [("DOSE-LOADING", "transfusion-ontario-cidp"), ("DOSE-MAINTENANCE", "transfusion-ontario-cidp"),
              ("MON-RESPONSE", "transfusion-ontario-cidp"), ("DX-CIDP", "eanpns-2021"),
              ("DOSE-MAINTENANCE", "privigen-label")]
    for statement_id, reference in extrapolated:
        assert _grade(CIDP, statement_id, reference).support == "extrapolated", (statement_id, reference)
    for statement_id, reference in direct:
        assert _grade(CIDP, statement_id, reference).support == "direct", (statement_id, reference)


def test_a_policy_choice_parameter_gives_a_badge_with_its_value() -> None:
    """PIT-PLASMAPHERESIS uses the committee's 14-day window, and its badge says so."""
    labels = _labels(bound(MYOSITIS), "PIT-PLASMAPHERESIS", BADGE_POLICY_CHOICE)
    assert labels == ["Policy choice: 14 days, days after the end of a course during which plasmapheresis removes "
                      "the immunoglobulin"]
    assert any(label.startswith("Policy choice: 5 g,") for label in _labels(bound(MYOSITIS), "DOSE-TOTAL"))


def test_a_pend_the_committee_chose_is_badged_as_a_policy_choice() -> None:
    """RX-SPECIALIST's pend is modelled on payer criteria, not on a guideline, and is badged so."""
    assert _labels(bound(CIDP), "RX-SPECIALIST", BADGE_POLICY_CHOICE) == [
        "Policy choice: a neurologist prescribes or is consulted"]


def test_a_directly_supported_statement_without_a_choice_has_no_badge() -> None:
    """MON-COMPLETE is stated by the source assessment, which it quotes: nothing to flag."""
    assert badges(bound(MYOSITIS), "MON-COMPLETE") == ()


def test_myositis_statements_quote_the_source_assessment_or_say_they_are_not_in_it() -> None:
    """Each statement of ivig-myositis quotes the sentence it encodes, except those the assessment lacks, which
    carry a 'Not in the source assessment' badge and no quote."""
    policy = bound(MYOSITIS)
    document = source_document(policy)
    assert document is not None and document.key == "source-assessment"
    for statement in policy.source.statements:
        quote = source_quote(policy, statement.id)
        marked = _labels(policy, statement.id, BADGE_NOT_IN_SOURCE)
        if statement.id in NOT_IN_SOURCE:
            assert (quote, marked) == ((), ["Not in the source assessment"]), statement.id
        else:
            assert quote and not marked, statement.id
            assert all(sentence == sentence.strip() and len(sentence) > 20 for sentence in quote), statement.id


def test_a_policy_without_a_source_document_has_no_source_badges() -> None:
    """ivig-cidp was written from guidelines, not from one assessment: no statement is marked as missing from it."""
    policy = bound(CIDP)
    assert source_document(policy) is None
    assert not any(_labels(policy, s.id, BADGE_NOT_IN_SOURCE) for s in policy.source.statements)


def test_references_carry_an_identifier_and_no_placeholder() -> None:
    """Every reference has a DOI, PubMed number or URL unless the list above says why not, and no field reads
    'Not stated'."""
    for policy_id in (MYOSITIS, CIDP):
        for key, reference in bound(policy_id).source.bibliography.items():
            assert bool(reference.url) != (key in WITHOUT_IDENTIFIER), (policy_id, key)
            assert reference.short, (policy_id, key)
            for text in (reference.authors, reference.published, reference.note):
                assert not re.search(r"\bnot stated\b", text, re.IGNORECASE), (policy_id, key)


# --- Reading the bibliography ---------------------------------------------------------------------


def test_a_doi_gives_the_link_and_a_placeholder_author_is_dropped(library: Path) -> None:
    """A reference with only a DOI links to doi.org, and 'Not stated' is read as no author at all."""
    path = library / "shared" / "bibliography.toml"
    _edit(path, 'doi = "10.1002/art.41616"\npmid = "33277976"\n', 'doi = "10.1002/art.41616"\n')
    _edit(path, 'authors = "Henderson LA, Canna SW, Friedman KG, et al."', 'authors = "Not stated"')
    reference = load_source("ivig_myositis", library).bibliography["henderson-2021"]
    assert (reference.url, reference.pmid, reference.authors) == ("https://doi.org/10.1002/art.41616", None, "")


# --- findings, in broken copies -------------------------------------------------------------------


def test_a_citation_without_a_grade_is_reported_at_its_rule(library: Path) -> None:
    """Removing the grade of MON-COMPLETE's only citation is reported at the statement's Rule, naming the pair."""
    _edit(library / "ivig_myositis" / "citations.toml", "[grade.MON-COMPLETE.source-assessment]",
          "[grade.MON-COMPLETE-GONE.source-assessment]")
    statement = load_source("ivig_myositis", library).statement("MON-COMPLETE")
    messages = _messages(library)
    assert any(m.startswith(f"{statement.file}:{statement.line}: MON-COMPLETE cites source-assessment but "
                            "ivig_myositis/citations.toml does not grade the pair") for m in messages), messages


def test_a_grade_for_a_pair_that_is_not_cited_is_reported(library: Path) -> None:
    """A grade of DX-SPECTRUM by a reference it does not cite is reported at the grade's table."""
    path = library / "ivig_myositis" / "citations.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n[grade.DX-SPECTRUM.amato-1994]\nsupport = "direct"\nnote = "Not cited."\n',
                    encoding="utf-8")
    line = text.count("\n") + 2
    assert (f"ivig_myositis/citations.toml:{line}: [grade.DX-SPECTRUM.amato-1994] grades a pair that is not cited: "
            "DX-SPECTRUM does not cite amato-1994") in _messages(library)


def test_an_unknown_level_is_reported_at_its_line(library: Path) -> None:
    """A support level outside direct, extrapolated and unverified is named with its line."""
    line = _edit(library / "ivig_cidp" / "citations.toml",
                 '[grade.MON-TAPER.adrichem-2022]\nsupport = "extrapolated"',
                 '[grade.MON-TAPER.adrichem-2022]\nsupport = "strong"') + 1
    assert (f"ivig_cidp/citations.toml:{line}: [grade.MON-TAPER.adrichem-2022] support 'strong' is not one of "
            "direct, extrapolated, unverified") in _messages(library, CIDP)


def test_a_grade_without_a_note_is_reported(library: Path) -> None:
    """A grade must say why: an empty note is reported at the grade's table."""
    path = library / "shared" / "citations.toml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("[grade.SAFE-CARDIAC.henderson-2021]")].count("\n") + 1
    note = text[text.index("[grade.SAFE-CARDIAC.henderson-2021]"):].split("\nnote = ", 1)[1].split("\n", 1)[0]
    _edit(path, f"note = {note}", 'note = ""')
    assert (f"shared/citations.toml:{line}: [grade.SAFE-CARDIAC.henderson-2021] has no note saying why the support "
            "is extrapolated") in _messages(library)


def test_a_statement_missing_from_the_source_document_must_say_so(library: Path) -> None:
    """DX-IBM without its not_in_source note neither quotes the assessment nor says it is not in it."""
    _edit(library / "ivig_myositis" / "citations.toml", "[statement.DX-IBM]\nnot_in_source",
          "[statement.DX-IBM]\npolicy_choice")
    statement = load_source("ivig_myositis", library).statement("DX-IBM")
    assert any(m.startswith(f"{statement.file}:{statement.line}: DX-IBM neither quotes source-assessment nor says "
                            "it is not in it") for m in _messages(library, MYOSITIS))


def test_a_missing_shared_grade_is_reported_once_for_the_library_and_for_each_policy_checked_alone(
        library: Path) -> None:
    """An ungraded shared citation is reported at the shared Rule; checked alone, a policy reports it at its
    include."""
    _edit(library / "shared" / "citations.toml", "[grade.SAFE-CARDIAC.henderson-2021]",
          "[grade.SAFE-CARDIAC-GONE.henderson-2021]")
    everything = [m for m in _messages(library) if "SAFE-CARDIAC cites henderson-2021" in m]
    assert len(everything) == 1 and everything[0].startswith("shared/02_safety.feature:")
    alone = [m for m in _messages(library, CIDP) if "SAFE-CARDIAC cites henderson-2021" in m]
    assert len(alone) == 1 and alone[0].startswith("ivig_cidp/03_safety.feature:")


def test_support_left_in_a_bibliography_is_reported(library: Path) -> None:
    """A `support` key in a bibliography is no longer read, and the check says where to grade instead."""
    line = _edit(library / "ivig_cidp" / "bibliography.toml", 'short = "the ICE trial (Hughes 2008)"\n',
                 'short = "the ICE trial (Hughes 2008)"\nsupport = "direct"\n') + 1
    assert any(m.startswith(f"ivig_cidp/bibliography.toml:{line}: [hughes-2008] support is no longer read here")
               for m in _messages(library, CIDP))


def test_invalid_toml_in_a_grade_file_is_reported_with_its_line(library: Path) -> None:
    """A syntax error in a grade file is a finding with its line, not a crash."""
    line = _edit(library / "ivig_cidp" / "citations.toml", '[grade.DX-CIDP.eanpns-2021]\nsupport = "direct"',
                 '[grade.DX-CIDP.eanpns-2021]\nsupport = direct') + 1
    assert any(m.startswith(f"ivig_cidp/citations.toml:{line}: invalid TOML") for m in _messages(library, CIDP))

