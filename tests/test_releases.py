"""Released versions: each policy's release record, `policy release`, and what `policy check` says about
a source that is not what its version released."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from library_copy import copy_library, replace_once
from typer.testing import CliRunner

import policy
from policy.binding import bind, bound
from policy.check import check
from policy.cli import app
from policy.docs.changelog import changelog_page
from policy.releases import ReleaseError, changes, effective, last_changed, read_record, release
from policy.releases import current as snapshot_of
from policy.source import source_root

MYOSITIS, CIDP = "ivig-myositis", "ivig-cidp"
# The brief's dates: both current versions take effect on 1 December 2026.
EFFECTIVE = {MYOSITIS: ("1.1.0", "2026-12-01"), CIDP: ("1.0.0", "2026-12-01")}
# Every 1.0.0 determination of ivig-myositis carries this digest (tests/golden, recorded at c9b7226).
MYOSITIS_100_DIGEST = "sha256:3be67830a8f4405aa10b6db5a16bde25cb6f7e073bbdf57f2095e512edfcdd03"
INTERVAL_TEXT = "A longer interval between courses is allowed; a shorter one is not."


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A copy of the whole library with its release records, to change and release."""
    return copy_library(tmp_path)


_replace = replace_once


def _line_of(path: Path, pattern: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if re.search(pattern, line))


def _bump(root: Path, folder: str, old: str, new: str, date: str) -> None:
    """Set [policy].version to `new` and add its changelog entry, dated `date`, at the top of the history."""
    toml = root / folder / "policy.toml"
    _replace(toml, f'version = "{old}"\nquestion', f'version = "{new}"\nquestion')
    _replace(toml, "[[changelog]]", f'[[changelog]]\nversion = "{new}"\ndate = "{date}"\nsummary = "A test '
                                    f'release."\n\n[[changelog]]')


def _release_findings(root: Path) -> list[str]:
    return [str(f) for f in check(None, root) if "release" in f.message or "[[changelog]]" in f.message]


# --- The shipped record ------------------------------------------------------------------------------


@pytest.mark.parametrize("policy_id", [MYOSITIS, CIDP])
def test_the_current_version_is_released_with_its_effective_date(policy_id: str) -> None:
    """The source as shipped is the last release: its version and the brief's effective date."""
    version, date = EFFECTIVE[policy_id]
    found = bound(policy_id)
    assert found.source.version == version
    assert effective(found) == date
    assert read_record(found.source.folder)[-1].digest == found.digest


@pytest.mark.parametrize("policy_id", [MYOSITIS, CIDP])
def test_every_determination_names_the_effective_date(policy_id: str) -> None:
    """The determination's policy block carries id, version, effective date and digest."""
    document = json.loads((Path(__file__).parent.parent / "examples" / policy_id / "source-case.json").read_text())
    block = policy.assess(document).to_dict()["policy"]
    version, date = EFFECTIVE[policy_id]
    assert list(block) == ["id", "version", "effective", "digest"]
    assert (block["id"], block["version"], block["effective"]) == (policy_id, version, date)


def test_myositis_1_0_0_is_recorded_with_the_digest_its_determinations_carried() -> None:
    """1.0.0 predates the record; it is recorded from c9b7226 with the digest of every 1.0.0 determination."""
    first = read_record(bound(MYOSITIS).source.folder)[0]
    assert (first.version, first.digest) == ("1.0.0", MYOSITIS_100_DIGEST)
    assert first.note and "c9b7226" in first.note
    assert len(first.snapshot.statements) == 25 and first.snapshot.included == ()


def test_1_1_0_changed_what_its_changelog_says_it_changed() -> None:
    """DX-UNSPECIFIED gained its sentence and a case; the five statements moved to the shared source."""
    releases = read_record(bound(MYOSITIS).source.folder)
    found = {(c.kind, c.key): c for c in changes(releases[0].snapshot, releases[1].snapshot)}
    unspecified = found["statement", "DX-UNSPECIFIED"]
    assert {d.field for d in unspecified.differences} == {"text", "rules"}
    text = next(d for d in unspecified.differences if d.field == "text")
    assert text.after is not None and text.before is not None
    assert text.after.startswith(text.before) and "This applies only when no code within the spectrum" in text.after
    for statement_id in ("DOSE-WEIGHT", "SAFE-IGA-SCREEN", "SAFE-IGA-PRODUCT", "SAFE-CARDIAC", "SAFE-HYDRATION"):
        assert found["shared statement", statement_id].what == "added"
    assert not [c for c in found.values() if c.kind in ("parameter", "code group")]


def test_a_statement_names_the_version_it_last_changed_in() -> None:
    """DX-UNSPECIFIED and DOSE-WEIGHT changed in 1.1.0; a statement moved to the shared source word for word
    did not change; ivig-cidp's statements date from its first release."""
    myositis = bound(MYOSITIS)
    assert last_changed(myositis, "DX-UNSPECIFIED") == "1.1.0"
    assert last_changed(myositis, "DOSE-WEIGHT") == "1.1.0"
    assert last_changed(myositis, "SAFE-HYDRATION") == "1.0.0"
    assert last_changed(myositis, "DOSE-INTERVAL") == "1.0.0"
    assert last_changed(myositis, "NO-SUCH-STATEMENT") is None
    cidp = bound(CIDP)
    assert {last_changed(cidp, s.id) for s in cidp.source.statements} == {"1.0.0"}


def test_the_record_is_not_part_of_the_digest(library: Path) -> None:
    """Rewriting releases.json leaves the digest it records unchanged."""
    before = bind(MYOSITIS, library).digest
    record = library / "ivig_myositis" / "releases.json"
    record.write_text(record.read_text() + "\n")
    assert bind(MYOSITIS, library).digest == before == read_record(library / "ivig_myositis")[-1].digest


# --- policy check -----------------------------------------------------------------------------------


def test_a_change_under_an_unchanged_version_names_what_changed(library: Path) -> None:
    """DOSE-INTERVAL reworded, version still 1.1.0: the version line and the statement's Rule line are named."""
    feature = library / "ivig_myositis" / "03_dosing.feature"
    _replace(feature, INTERVAL_TEXT, "A longer interval is allowed; a shorter one is not.")
    found = _release_findings(library)
    version_line = _line_of(library / "ivig_myositis" / "policy.toml", r"^version\s*=")
    assert any(m.startswith(f"ivig_myositis/policy.toml:{version_line}: ivig-myositis changed since release 1.1.0 "
                            "(effective 2026-12-01) but [policy].version is still 1.1.0: statements changed: "
                            "DOSE-INTERVAL (text)") for m in found), found
    rule_line = _line_of(feature, r"Rule: Courses are given every")
    assert (f"ivig_myositis/03_dosing.feature:{rule_line}: statement DOSE-INTERVAL changed since release 1.1.0 of "
            "ivig-myositis (text) while the version is unchanged") in found
    assert not [m for m in found if m.startswith("ivig_cidp/")]
    assert effective(bind(MYOSITIS, library)) is None


def test_a_changed_parameter_is_named_with_its_old_and_new_value(library: Path) -> None:
    """plasmapheresis_window_days 14 -> 10 (and the wording with it): the parameter is named."""
    toml = library / "ivig_myositis" / "policy.toml"
    _replace(toml, "[parameters.plasmapheresis_window_days]\nvalue = 14", "[parameters.plasmapheresis_window_days]\nvalue = 10")
    _replace(library / "ivig_myositis" / "06_pitfalls.feature", "within 14 days after", "within 10 days after")
    found = _release_findings(library)
    assert any("parameters changed: plasmapheresis_window_days (value)" in m for m in found), found
    current = changes(read_record(library / "ivig_myositis")[-1].snapshot, snapshot_of(bind(MYOSITIS, library)))
    parameter = next(c for c in current if c.kind == "parameter")
    assert [(d.field, d.before, d.after) for d in parameter.differences] == [("value", "14 days", "10 days")]


def test_a_new_version_without_a_release_is_unreleased(library: Path) -> None:
    """Version bumped and changelog written, but no release recorded: check says to run policy release."""
    _replace(library / "ivig_myositis" / "03_dosing.feature", INTERVAL_TEXT, "A longer interval is allowed.")
    _bump(library, "ivig_myositis", "1.1.0", "1.2.0", "2027-01-01")
    found = _release_findings(library)
    assert any("ivig-myositis 1.2.0 is unreleased: run `policy release ivig-myositis --version 1.2.0 --effective "
               "2027-01-01`" in m for m in found), found


def test_the_changelog_date_is_the_effective_date(library: Path) -> None:
    """A changelog entry dated otherwise than its release took effect is named at its date line."""
    toml = library / "ivig_cidp" / "policy.toml"
    _replace(toml, 'version = "1.0.0"\ndate = "2026-12-01"', 'version = "1.0.0"\ndate = "2026-11-30"')
    line = _line_of(toml, r'^date = "2026-11-30"')
    assert (f"ivig_cidp/policy.toml:{line}: [[changelog]] 1.0.0 is dated 2026-11-30, but release 1.0.0 took effect "
            "2026-12-01: the changelog's date is the effective date") in _release_findings(library)


def test_a_shared_change_needs_a_release_of_every_including_policy(library: Path) -> None:
    """SAFE-HYDRATION reworded in the shared source: both policies fail until each is released anew."""
    _replace(library / "shared" / "02_safety.feature", "must be adequately hydrated before and during each infusion",
             "must be well hydrated before and during each infusion")
    found = _release_findings(library)
    for folder, policy_id, version in (("ivig_myositis", MYOSITIS, "1.1.0"), ("ivig_cidp", CIDP, "1.0.0")):
        assert any(m.startswith(f"{folder}/policy.toml:") and f"{policy_id} changed since release {version}" in m
                   and "SAFE-HYDRATION (text)" in m for m in found), (policy_id, found)
    _bump(library, "ivig_myositis", "1.1.0", "1.1.1", "2027-01-01")
    release(MYOSITIS, "1.1.1", "2027-01-01", library)
    left = _release_findings(library)
    assert left and all(CIDP in m and MYOSITIS not in m for m in left), left
    _bump(library, "ivig_cidp", "1.0.0", "1.0.1", "2027-01-01")
    release(CIDP, "1.0.1", "2027-01-01", library)
    assert [str(f) for f in check("steps", library)] == []
    assert last_changed(bind(CIDP, library), "SAFE-HYDRATION") == "1.0.1"


# --- policy release ----------------------------------------------------------------------------------


def test_a_release_records_the_source_and_what_changed(library: Path) -> None:
    """Reworded, bumped, released: check passes, the effective date is set, the changes carry both wordings."""
    _replace(library / "ivig_myositis" / "03_dosing.feature", INTERVAL_TEXT, "A longer interval is allowed.")
    _bump(library, "ivig_myositis", "1.1.0", "1.2.0", "2026-12-15")
    entry, changed, path = release(MYOSITIS, "1.2.0", "2026-12-15", library)
    assert path == library / "ivig_myositis" / "releases.json"
    assert [r.version for r in read_record(library / "ivig_myositis")] == ["1.0.0", "1.1.0", "1.2.0"]
    statement = next(c for c in changed if c.kind == "statement")
    assert (statement.key, [(d.field, d.before, d.after) for d in statement.differences]) == (
        "DOSE-INTERVAL", [("text", f"Courses are given every 28 days (monthly). {INTERVAL_TEXT}",
                           "Courses are given every 28 days (monthly). A longer interval is allowed.")])
    now = bind(MYOSITIS, library)
    assert (entry.digest, effective(now)) == (now.digest, "2026-12-15")
    assert last_changed(now, "DOSE-INTERVAL") == "1.2.0" and last_changed(now, "DOSE-DAYS") == "1.0.0"
    assert _release_findings(library) == []


def test_the_changelog_page_lists_old_and_new_wording_and_value(library: Path) -> None:
    """A release changing a parameter and the wording quoting it shows both, with the effective date."""
    toml = library / "ivig_myositis" / "policy.toml"
    _replace(toml, "[parameters.plasmapheresis_window_days]\nvalue = 14", "[parameters.plasmapheresis_window_days]\nvalue = 10")
    _replace(library / "ivig_myositis" / "06_pitfalls.feature", "within 14 days after", "within 10 days after")
    _bump(library, "ivig_myositis", "1.1.0", "1.2.0", "2026-12-15")
    release(MYOSITIS, "1.2.0", "2026-12-15", library)
    now = bind(MYOSITIS, library)
    page = changelog_page(now.source, now)
    section = page[page.index("## 1.2.0 (2026-12-15)"):page.index("## 1.1.0")]
    assert "Effective **2026-12-15**" in section and "What changed since 1.1.0" in section
    assert "| `plasmapheresis_window_days` | changed | 14 days | 10 days |" in section
    assert "PIT-PLASMAPHERESIS" in section
    assert "Plasmapheresis planned within 14 days after the end of a course" in section
    assert "Plasmapheresis planned within 10 days after the end of a course" in section
    assert "Current policy version: **1.2.0**, effective **2026-12-15**" in page


def test_the_shipped_changelog_page_shows_each_release() -> None:
    page = changelog_page(bound(MYOSITIS).source, bound(MYOSITIS))
    assert "Current policy version: **1.1.0**, effective **2026-12-01**" in page
    assert "## 1.0.0 (2026-11-25)" in page and "What changed since 1.0.0" in page
    assert "Unreleased changes" not in page


def test_an_unreleased_source_is_said_so_on_the_changelog_page(library: Path) -> None:
    _replace(library / "ivig_myositis" / "03_dosing.feature", INTERVAL_TEXT, "A longer interval is allowed.")
    now = bind(MYOSITIS, library)
    page = changelog_page(now.source, now)
    assert "**not released**" in page and '!!! warning "Unreleased changes"' in page and "DOSE-INTERVAL" in page


@pytest.mark.parametrize(("version", "date", "message"), [
    ("1.1.0", "2026-12-01", "not greater than the last release, 1.1.0"),
    ("1.2", "2026-12-01", "not of the form X.Y.Z"),
    ("1.2.0", "2026-13-01", "not a date YYYY-MM-DD"),
    ("1.2.0", "2026-12-01", "says version 1.1.0"),
])
def test_a_release_is_refused_when_it_would_not_name_a_new_source(library: Path, version: str, date: str,
                                                                  message: str) -> None:
    """The same version again, a malformed version or date, a version policy.toml does not name."""
    before = (library / "ivig_myositis" / "releases.json").read_bytes()
    with pytest.raises(ReleaseError, match=re.escape(message)):
        release(MYOSITIS, version, date, library)
    assert (library / "ivig_myositis" / "releases.json").read_bytes() == before


def test_a_release_is_refused_when_the_changelog_does_not_date_it(library: Path) -> None:
    _replace(library / "ivig_myositis" / "03_dosing.feature", INTERVAL_TEXT, "A longer interval is allowed.")
    _bump(library, "ivig_myositis", "1.1.0", "1.2.0", "2027-01-01")
    with pytest.raises(ReleaseError, match="must be version 1.2.0 dated 2027-02-01"):
        release(MYOSITIS, "1.2.0", "2027-02-01", library)


def test_an_effective_date_before_the_last_release_is_refused(library: Path) -> None:
    _replace(library / "ivig_myositis" / "03_dosing.feature", INTERVAL_TEXT, "A longer interval is allowed.")
    _bump(library, "ivig_myositis", "1.1.0", "1.2.0", "2026-11-01")
    with pytest.raises(ReleaseError, match="before that of 1.1.0, 2026-12-01"):
        release(MYOSITIS, "1.2.0", "2026-11-01", library)


def test_amending_re_records_the_last_release_and_refuses_an_unchanged_one(library: Path) -> None:
    """--amend replaces the last entry with the current source; with nothing changed there is nothing to amend."""
    with pytest.raises(ReleaseError, match="nothing to amend"):
        release(MYOSITIS, "1.1.0", "2026-12-01", library, amend=True)
    _replace(library / "ivig_myositis" / "03_dosing.feature", INTERVAL_TEXT, "A longer interval is allowed.")
    entry, _changed, _path = release(MYOSITIS, "1.1.0", "2026-12-01", library, amend=True)
    assert [r.version for r in read_record(library / "ivig_myositis")] == ["1.0.0", "1.1.0"]
    assert entry.digest == bind(MYOSITIS, library).digest and _release_findings(library) == []


def test_a_policy_never_released_is_a_draft(library: Path) -> None:
    """No record: nothing to compare with, no effective date, nothing for the check to say about releases."""
    (library / "ivig_cidp" / "releases.json").unlink()
    _replace(library / "ivig_cidp" / "04_monitoring.feature", "is attempted periodically", "is tried periodically")
    assert effective(bind(CIDP, library)) is None
    assert not [m for m in _release_findings(library) if m.startswith("ivig_cidp/")]


def test_the_cli_refuses_a_release_of_an_unchanged_source() -> None:
    """`policy release` exits 2 and writes nothing when the version is the one already released."""
    record = source_root() / "ivig_myositis" / "releases.json"
    before = record.read_bytes()
    result = CliRunner().invoke(app, ["release", MYOSITIS, "--version", "1.1.0", "--effective", "2026-12-01"])
    assert result.exit_code == 2, result.output
    assert "not greater than the last release, 1.1.0" in result.output
    assert record.read_bytes() == before


def test_the_cli_refuses_an_unknown_policy() -> None:
    result = CliRunner().invoke(app, ["release", "no-such-policy", "--version", "1.0.0", "--effective", "2026-12-01"])
    assert result.exit_code == 2 and "no policy 'no-such-policy'" in result.output
