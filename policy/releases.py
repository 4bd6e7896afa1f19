"""Released versions of each policy: what each release changed, and when it took effect.

A policy's version history has two parts, each written once:

- The release record, `releases.json` in the policy's folder, written only by
  `policy release <policy-id> --version X.Y.Z --effective YYYY-MM-DD`. Each
  entry holds a version, its effective date, the digest of the source it
  released and a snapshot of what it released: every statement's title,
  text, citations, section, rule cases and the parameters it uses; every
  parameter's value, unit and label; the code groups; the shared statements
  included; a digest per source file. What a release changed is computed
  from two consecutive snapshots whenever it is needed (the changelog page,
  `policy check`, the release command); it is never stored, so it cannot
  disagree with the snapshots. The record is left out of the digest it
  records (`policy.source.data.source_files`).
- The `[[changelog]]` entries of `policy.toml`: the prose (summary and
  changes) a person writes for each version. Their `date` is the version's
  effective date. `policy check` verifies that the two agree: every release
  has a changelog entry of the same version and date, and every changelog
  entry newer than the first release is released.

`policy check` fails when a released policy's source differs from its last
release while `[policy].version` still names that release (naming the
statements, parameters and code groups that changed), and when the version
was bumped but not released yet ("unreleased: run policy release"). A policy
with no record at all has never been released (a draft, such as one
`policy new` has just written): its determinations carry `effective: null`.
Since the digest of a policy covers the shared source it includes, a shared
statement's change needs a release of every including policy.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from attrs import frozen

from policy.binding import BoundPolicy, bind
from policy.errors import PolicyDefinitionError
from policy.library import folder_of
from policy.numbers import statement_parameters
from policy.rules.conditions import Field, Param, render
from policy.rules.declarations import Attach, Case, Change, Clamp, Deny, Derivation, Pend, StatementRule
from policy.source import PolicySource
from policy.source.data import RELEASE_RECORD, source_root

# The folder an installed wheel holds the policies in (read-only package data).
INSTALLED = "_source"
VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
ABOUT = ("Release record of the policy, written by `policy release`; do not edit by hand. Each release: its "
         "version, effective date, the digest of the source it released and a snapshot of what it released. "
         "This file is not part of the digest it records. The prose of each version is its [[changelog]] entry "
         "in policy.toml.")


class ReleaseError(Exception):
    """A release the command refuses, with what to do instead."""


# --- Snapshots -------------------------------------------------------------------------------------


@frozen
class StatementState:
    """A statement as a release published it."""

    id: str
    title: str
    text: str
    citations: tuple[str, ...]
    section: str
    shared: bool
    logic: tuple[str, ...]
    uses: tuple[str, ...]  # the parameters its numbers and rules depend on


@frozen
class ParameterState:
    value: float | int
    unit: str
    label: str

    def shown(self) -> str:
        return f"{_number(self.value)} {self.unit}"


@frozen
class GroupState:
    label: str
    prefixes: tuple[str, ...]


@frozen
class Snapshot:
    """What one release published."""

    statements: tuple[StatementState, ...]
    parameters: Mapping[str, ParameterState]
    code_groups: Mapping[str, GroupState]
    files: Mapping[str, str]

    @property
    def included(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.statements if s.shared)

    def statement(self, statement_id: str) -> StatementState | None:
        return next((s for s in self.statements if s.id == statement_id), None)


@frozen
class Release:
    """One entry of the release record."""

    version: str
    effective: str
    digest: str
    snapshot: Snapshot
    note: str | None = None


def _number(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _target(target: object) -> str:
    if isinstance(target, Param):
        return target.key
    if isinstance(target, Clamp):
        return f"between {target.low.key} and {target.high.key}"
    if isinstance(target, bool):
        return "true" if target else "false"
    return str(target)


def _consequence(consequence: object) -> str:
    if isinstance(consequence, Deny):
        return "deny"
    if isinstance(consequence, Pend):
        return "pend" + (f" (missing: {consequence.missing})" if isinstance(consequence.missing, Field) else "")
    if isinstance(consequence, Change):
        return f"change {consequence.field} to {_target(consequence.to)}"
    if isinstance(consequence, Attach):
        return "attach the statement"
    return type(consequence).__name__


def _rule_logic(rule: StatementRule) -> str:
    """A rule as one line: its effect, the facts it reads and its cases in order (parameters by key)."""
    cases = []
    for branch in rule.branches:
        head = f"if {render(branch.when)} then" if isinstance(branch, Case) else "otherwise"
        then = "".join(f", {_consequence(c)}" for c in branch.then)
        cases.append(f"{head} {branch.outcome.value}{then}")
    return f"rule {rule.name} ({rule.effect.value}; reads {', '.join(rule.facts)}): " + "; ".join(cases)


def _derivation_logic(derivation: Derivation) -> str:
    parameters = ", ".join(derivation.parameters) or "none"
    return (f"derivation {derivation.name}: {derivation.label} (reads {', '.join(derivation.reads)}; produces "
            f"{derivation.produces}; parameters {parameters})")


def snapshot(source: PolicySource, derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...]) -> Snapshot:
    """What the source publishes, in the form a release records it."""
    base = source.folder.parent
    statements = tuple(
        StatementState(
            id=s.id, title=s.title, text=s.text, citations=tuple(s.citations), section=s.section, shared=s.shared,
            logic=(*(_derivation_logic(d) for d in derivations if d.statement == s.id),
                   *(_rule_logic(r) for r in rules if r.statement == s.id)),
            uses=tuple(sorted(statement_parameters(s.id, derivations, rules))),
        )
        for s in source.statements
    )
    return Snapshot(
        statements=statements,
        parameters={k: ParameterState(p.value, p.unit, p.label) for k, p in source.parameters.items()},
        code_groups={k: GroupState(g.label, tuple(g.prefixes)) for k, g in source.code_groups.items()},
        files={path.relative_to(base).as_posix(): "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
               for path in (*source.files, *source.shared_files)},
    )


_snapshots: dict[tuple[Path, str], Snapshot] = {}


def current(bound: BoundPolicy) -> Snapshot:
    """The snapshot of a bound policy (computed once per source folder and digest: the docs ask per page)."""
    key = (bound.source.folder, bound.digest)
    found = _snapshots.get(key)
    if found is None:
        found = _snapshots[key] = snapshot(bound.source, bound.derivations, bound.rules)
    return found


# --- The record file --------------------------------------------------------------------------------


def _snapshot_json(state: Snapshot) -> dict[str, Any]:
    return {
        "statements": [
            {"id": s.id, "title": s.title, "text": s.text, "citations": list(s.citations), "section": s.section,
             "shared": s.shared, "logic": list(s.logic), "uses": list(s.uses)}
            for s in state.statements
        ],
        "parameters": {k: {"value": p.value, "unit": p.unit, "label": p.label} for k, p in state.parameters.items()},
        "code_groups": {k: {"label": g.label, "prefixes": list(g.prefixes)} for k, g in state.code_groups.items()},
        "files": dict(state.files),
    }


def _snapshot_of(raw: Mapping[str, Any]) -> Snapshot:
    return Snapshot(
        statements=tuple(
            StatementState(id=s["id"], title=s["title"], text=s["text"], citations=tuple(s["citations"]),
                           section=s["section"], shared=bool(s["shared"]), logic=tuple(s["logic"]),
                           uses=tuple(s["uses"]))
            for s in raw["statements"]
        ),
        parameters={k: ParameterState(p["value"], p["unit"], p["label"]) for k, p in raw["parameters"].items()},
        code_groups={k: GroupState(g["label"], tuple(g["prefixes"])) for k, g in raw["code_groups"].items()},
        files=dict(raw["files"]),
    )


def record_path(folder: Path) -> Path:
    return folder / RELEASE_RECORD


def read_record(folder: Path) -> tuple[Release, ...]:
    """The releases recorded in a policy folder, oldest first (none when it has no record)."""
    path = record_path(folder)
    if not path.is_file():
        return ()
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _read(path: Path, _mtime: int, _size: int) -> tuple[Release, ...]:
    where = f"{path.parent.name}/{path.name}"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return tuple(
            Release(version=str(entry["version"]), effective=str(entry["effective"]), digest=str(entry["digest"]),
                    snapshot=_snapshot_of(entry["snapshot"]), note=entry.get("note"))
            for entry in document["releases"]
        )
    except json.JSONDecodeError as error:
        raise PolicyDefinitionError(f"{where}:{error.lineno}: not valid JSON: {error.msg}") from error
    except (KeyError, TypeError, AttributeError) as error:
        raise PolicyDefinitionError(f"{where}:1: not a release record ({type(error).__name__}: {error}): "
                                    "it is written by `policy release`") from error


def write_record(folder: Path, policy_id: str, releases: Sequence[Release]) -> Path:
    path = record_path(folder)
    document = {
        "about": ABOUT,
        "policy": policy_id,
        "releases": [
            {"version": r.version, "effective": r.effective, "digest": r.digest,
             **({"note": r.note} if r.note else {}), "snapshot": _snapshot_json(r.snapshot)}
            for r in releases
        ],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --- What changed -----------------------------------------------------------------------------------


@frozen
class Difference:
    """One field of an item that differs between two releases: its wording or value before and after."""

    field: str
    before: str | None
    after: str | None


@frozen
class Changed:
    """A statement, parameter, code group, included shared statement or file that a release changed."""

    kind: str  # "statement", "parameter", "code group", "shared statement", "file"
    key: str
    what: str  # "added", "removed", "changed"
    differences: tuple[Difference, ...] = ()

    def __str__(self) -> str:
        fields = f" ({', '.join(d.field for d in self.differences)})" if self.what == "changed" and self.differences else ""
        return f"{self.kind} {self.key} {self.what}{fields}"


def _lines(items: Sequence[str]) -> str:
    return "\n".join(items)


def _placement(shared: bool) -> str:
    return "included from the shared source" if shared else "written in the policy"


def _statement_differences(old: StatementState, new: StatementState, before: Snapshot,
                           after: Snapshot) -> tuple[Difference, ...]:
    found = []
    for name, was, now in (("title", old.title, new.title), ("text", old.text, new.text),
                           ("citations", ", ".join(old.citations), ", ".join(new.citations)),
                           ("section", old.section, new.section),
                           ("rules", _lines(old.logic), _lines(new.logic))):
        if was != now:
            found.append(Difference(name, was, now))
    if old.shared != new.shared:
        found.append(Difference("placement", _placement(old.shared), _placement(new.shared)))
    for key in sorted(set(old.uses) | set(new.uses)):
        was_value = before.parameters[key].shown() if key in old.uses and key in before.parameters else None
        now_value = after.parameters[key].shown() if key in new.uses and key in after.parameters else None
        if was_value != now_value:
            found.append(Difference(f"parameter {key}", was_value, now_value))
    return tuple(found)


def changes(before: Snapshot | None, after: Snapshot) -> list[Changed]:
    """Everything `after` changed from `before` (everything is added when there is no `before`)."""
    empty = Snapshot(statements=(), parameters={}, code_groups={}, files={})
    old = before or empty
    found: list[Changed] = []
    for state in after.statements:
        previous = old.statement(state.id)
        if previous is None:
            found.append(Changed("statement", state.id, "added", (Difference("text", None, state.text),)))
        elif differences := _statement_differences(previous, state, old, after):
            found.append(Changed("statement", state.id, "changed", differences))
    new_ids = {s.id for s in after.statements}
    found += [Changed("statement", gone.id, "removed", (Difference("text", gone.text, None),))
              for gone in old.statements if gone.id not in new_ids]
    for key in dict.fromkeys([*after.parameters, *old.parameters]):
        was, now = old.parameters.get(key), after.parameters.get(key)
        if was == now:
            continue
        what = "added" if was is None else "removed" if now is None else "changed"
        differences = tuple(Difference(name, a, b) for name, a, b in (
            ("value", was.shown() if was else None, now.shown() if now else None),
            ("label", was.label if was else None, now.label if now else None)) if a != b)
        found.append(Changed("parameter", key, what, differences))
    for key in dict.fromkeys([*after.code_groups, *old.code_groups]):
        was_group, now_group = old.code_groups.get(key), after.code_groups.get(key)
        if was_group == now_group:
            continue
        what = "added" if was_group is None else "removed" if now_group is None else "changed"
        differences = tuple(Difference(name, a, b) for name, a, b in (
            ("prefixes", ", ".join(was_group.prefixes) if was_group else None,
             ", ".join(now_group.prefixes) if now_group else None),
            ("label", was_group.label if was_group else None, now_group.label if now_group else None)) if a != b)
        found.append(Changed("code group", key, what, differences))
    was_included, now_included = set(old.included), set(after.included)
    found += [Changed("shared statement", i, "added") for i in after.included if i not in was_included]
    found += [Changed("shared statement", i, "removed") for i in old.included if i not in now_included]
    for name in sorted(set(old.files) | set(after.files)):
        if old.files.get(name) != after.files.get(name):
            what = "added" if name not in old.files else "removed" if name not in after.files else "changed"
            found.append(Changed("file", name, what))
    return found


KINDS = ("statement", "parameter", "code group", "shared statement", "file")


def summary(found: Sequence[Changed]) -> str:
    """The changes in one line, grouped: "statements changed: DOSE-INTERVAL (title, text); parameters
    changed: min_interval_days (value); files changed: ivig_myositis/policy.toml"."""
    parts = []
    for kind in KINDS:
        for what in ("changed", "added", "removed"):
            items = [c for c in found if c.kind == kind and c.what == what]
            if items:
                named = ", ".join(c.key + (f" ({', '.join(d.field for d in c.differences)})"
                                           if what == "changed" and c.differences else "") for c in items)
                parts.append(f"{kind}s {what}: {named}")
    return "; ".join(parts) or "nothing the snapshot records"


# --- What the docs, reports and determinations read -------------------------------------------------


def released(bound: BoundPolicy) -> Release | None:
    """The release that published exactly this source (its version and digest), or None."""
    return next((r for r in read_record(bound.source.folder)
                 if r.version == bound.source.version and r.digest == bound.digest), None)


def effective(bound: BoundPolicy) -> str | None:
    """The effective date (YYYY-MM-DD) of the policy's current version, or None if it is not released.

    Only a source identical to what the release recorded (same version and
    digest) has the release's effective date: a source edited since then is
    not what took effect, so it has none (fail closed).
    """
    found = released(bound)
    return found.effective if found is not None else None


def last_changed(bound: BoundPolicy, statement_id: str) -> str | None:
    """The version in which a statement last changed (None when no release records it).

    A statement changes when its title, text, citations, rules or the values
    of the parameters it uses change; moving it to another section or into
    the shared source, word for word, does not change what it says (the
    changelog lists such moves all the same). None too when the statement
    differs from its wording in the last release (its change is not released
    yet).
    """
    releases = read_record(bound.source.folder)
    now = current(bound)
    state = now.statement(statement_id)
    if state is None or not releases:
        return None
    version: str | None = None
    previous: Release | None = None
    for entry in releases:
        recorded = entry.snapshot.statement(statement_id)
        if recorded is not None:
            before = previous.snapshot.statement(statement_id) if previous is not None else None
            if previous is None or before is None or _substantive(before, recorded, previous.snapshot,
                                                                  entry.snapshot):
                version = entry.version
        else:
            version = None
        previous = entry
    last = releases[-1]
    last_state = last.snapshot.statement(statement_id)
    if last_state is None or _substantive(last_state, state, last.snapshot, now):
        return None
    return version


# Differences that move a statement without changing what it says.
_PLACEMENT = ("section", "placement")


def _substantive(old: StatementState, new: StatementState, before: Snapshot, after: Snapshot) -> bool:
    return any(d.field not in _PLACEMENT for d in _statement_differences(old, new, before, after))


# --- The release command ----------------------------------------------------------------------------


def _version(text: str) -> tuple[int, ...]:
    match = VERSION.match(text)
    if match is None:
        raise ReleaseError(f"version {text!r} is not of the form X.Y.Z")
    return tuple(int(part) for part in match.groups())


def _date(text: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ReleaseError(f"effective date {text!r} is not a date YYYY-MM-DD") from None


def release(policy_id: str, version: str, effective_date: str, root: Path | None = None, *,
            amend: bool = False) -> tuple[Release, list[Changed], Path]:
    """Record a release of the policy's current source; return it, what it changed and the record's path.

    The source must already say what is released: `[policy].version` is
    `version` and the newest `[[changelog]]` entry has that version with
    `effective_date` as its date. Refused: a version not greater than the last
    release's, an effective date before it, a source identical to the last
    release. `amend` re-records the last release (same version) from the
    current source, for a release not yet in effect.
    """
    if root is None and source_root().name == INSTALLED:
        raise ReleaseError("policy release works in a checkout: an installed package's policies are read-only")
    _version(version)
    effective_date = _date(effective_date)
    bound = bind(policy_id, root)
    source = bound.source
    if source.version != version:
        raise ReleaseError(f"{folder_of(policy_id)}/policy.toml says version {source.version}: set [policy].version "
                           f"to {version} and add its [[changelog]] entry first")
    newest = source.changelog[0] if source.changelog else None
    if newest is None or newest.version != version or newest.date != effective_date:
        raise ReleaseError(f"the newest [[changelog]] entry of {folder_of(policy_id)}/policy.toml must be version "
                           f"{version} dated {effective_date} (its effective date), with a summary of the release")
    recorded = read_record(source.folder)
    if amend:
        if not recorded or recorded[-1].version != version:
            raise ReleaseError(f"--amend re-records the last release, and {version} is not it")
        previous = recorded[:-1]
    else:
        previous = recorded
    last = previous[-1] if previous else None
    if last is not None:
        if _version(version) <= _version(last.version):
            raise ReleaseError(f"version {version} is not greater than the last release, {last.version}")
        if effective_date < last.effective:
            raise ReleaseError(f"effective date {effective_date} is before that of {last.version}, {last.effective}")
        if bound.digest == last.digest:
            raise ReleaseError(f"the source is unchanged since {last.version} ({last.digest}): nothing to release")
    if amend and recorded[-1].digest == bound.digest and recorded[-1].effective == effective_date:
        raise ReleaseError(f"release {version} already records this source and date: nothing to amend")
    entry = Release(version=version, effective=effective_date, digest=bound.digest, snapshot=current(bound))
    path = write_record(source.folder, source.id, [*previous, entry])
    return entry, changes(last.snapshot if last else None, entry.snapshot), path


# --- What `policy check` verifies -------------------------------------------------------------------


@frozen
class ReleaseProblem:
    file: str
    line: int
    message: str


def _line(path: Path, pattern: str, after: int = 0) -> int:
    if not path.is_file():
        return 1
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number > after and re.search(pattern, text):
            return number
    return after or 1


def problems(source: PolicySource, derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...]
             ) -> Iterator[ReleaseProblem]:
    """Where a policy's source, version, changelog and release record disagree."""
    folder = source.folder
    data = folder / "policy.toml"
    relative = f"{folder.name}/policy.toml"
    record = f"{folder.name}/{RELEASE_RECORD}"
    try:
        releases = read_record(folder)
    except PolicyDefinitionError as error:
        where, _, message = str(error).partition(": ")
        yield ReleaseProblem(record, int(where.rpartition(":")[2] or 1), message)
        return
    if not releases:
        return
    order_ok = True
    for earlier, later in zip(releases, releases[1:], strict=False):
        try:
            ordered = _version(later.version) > _version(earlier.version) and later.effective >= earlier.effective
        except ReleaseError:
            ordered = False
        if not ordered:
            order_ok = False
            yield ReleaseProblem(record, _line(folder / RELEASE_RECORD, rf'"version": "{re.escape(later.version)}"'),
                                 f"release {later.version} ({later.effective}) does not follow {earlier.version} "
                                 f"({earlier.effective}): versions and effective dates only grow")
    yield from _changelog_agreement(source, releases, data, relative)
    last = releases[-1]
    version_line = _line(data, r"^version\s*=")
    if source.digest() == last.digest:
        return
    now = snapshot(source, derivations, rules)
    found = changes(last.snapshot, now)
    listed = summary(found)
    command = f"policy release {source.id} --version X.Y.Z --effective YYYY-MM-DD"
    if source.version == last.version:
        yield ReleaseProblem(relative, version_line,
                             f"{source.id} changed since release {last.version} (effective {last.effective}) but "
                             f"[policy].version is still {last.version}: {listed}. Set a new version, add its "
                             f"[[changelog]] entry and run `{command}`")
        for item in found:
            if item.kind == "statement" and item.what != "removed":
                statement = source.statement(item.key)
                yield ReleaseProblem(statement.file, statement.line,
                                     f"statement {item.key} {item.what} since release {last.version} of "
                                     f"{source.id} ({', '.join(d.field for d in item.differences)}) while the "
                                     "version is unchanged")
        return
    try:
        newer = _version(source.version) > _version(last.version)
    except ReleaseError as error:
        yield ReleaseProblem(relative, version_line, str(error))
        return
    if not newer:
        yield ReleaseProblem(relative, version_line, f"version {source.version} is not greater than the last "
                                                     f"release of {source.id}, {last.version}")
    elif order_ok:
        dated = next((e.date for e in source.changelog if e.version == source.version), "YYYY-MM-DD")
        yield ReleaseProblem(relative, version_line,
                             f"{source.id} {source.version} is unreleased: run `policy release {source.id} --version "
                             f"{source.version} --effective {dated}` (changed since {last.version}: {listed})")


def _changelog_agreement(source: PolicySource, releases: Sequence[Release], data: Path,
                         relative: str) -> Iterator[ReleaseProblem]:
    """Every release has its changelog entry, dated its effective date; no changelog version is left unreleased."""
    entries = {entry.version: entry for entry in source.changelog}
    by_version = {r.version: r for r in releases}
    for entry_release in releases:
        entry = entries.get(entry_release.version)
        if entry is None:
            yield ReleaseProblem(relative, _line(data, r"^\[\[changelog\]\]"),
                                 f"release {entry_release.version} (effective {entry_release.effective}) has no "
                                 "[[changelog]] entry: write its summary there")
        elif entry.date != entry_release.effective:
            at = _line(data, rf'^version\s*=\s*"{re.escape(entry.version)}"', after=_line(data, r"^\[\[changelog\]\]") - 1)
            yield ReleaseProblem(relative, _line(data, r"^date\s*=", after=at),
                                 f"[[changelog]] {entry.version} is dated {entry.date}, but release {entry.version} "
                                 f"took effect {entry_release.effective}: the changelog's date is the effective date")
    try:
        first = _version(releases[0].version)
    except ReleaseError:
        return
    for version in entries:
        if version in by_version or version == source.version:
            continue
        try:
            later = _version(version) > first
        except ReleaseError:
            later = True
        if later:
            at = _line(data, rf'^version\s*=\s*"{re.escape(version)}"', after=_line(data, r"^\[\[changelog\]\]") - 1)
            yield ReleaseProblem(relative, at, f"[[changelog]] {version} names a version the release record does "
                                               "not hold: it was never released")


__all__ = [
    "Changed",
    "Difference",
    "Release",
    "ReleaseError",
    "Snapshot",
    "changes",
    "effective",
    "last_changed",
    "read_record",
    "release",
    "released",
    "snapshot",
]
