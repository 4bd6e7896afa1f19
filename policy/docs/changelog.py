"""A policy's changelog page: per version, its effective date, the prose of its `[[changelog]]` entry and
what the release changed, computed from the release record (policy/releases.py).

The prose is written by a person in policy.toml; the statements, parameters,
code groups and shared statements a release changed, with their wording or
value before and after, are computed from the snapshots of two consecutive
releases, so the page cannot say that something changed when it did not, or
leave out a change. A source that differs from its last release is said to
be so at the top of the page.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

from policy.binding import BoundPolicy
from policy.docs.markdown import cell, code, heading, statement_link, table
from policy.releases import Changed, Difference, Release, changes, current, read_record, summary
from policy.source import PolicySource

NOT_RECORDED = "This version predates the release record: the prose above is all that is known of it."


def _anchor(version: str) -> str:
    return "release-" + version.replace(".", "-")


def _quote(label: str, text: str | None) -> str:
    return f"> **{label}:** {' '.join(text.split()) if text else '*(none)*'}"


def _lines_differ(difference: Difference, before: str, after: str) -> list[str]:
    """Rule cases that differ, one per line: those only in the old release, then those only in the new."""
    old = (difference.before or "").splitlines()
    new = (difference.after or "").splitlines()
    out = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        out += [f"    - {before}: {code(line)}" for line in old[i1:i2]]
        out += [f"    - {after}: {code(line)}" for line in new[j1:j2]]
    return out


def _statement(item: Changed, before: str, after: str, linked: set[str]) -> list[str]:
    name = statement_link(item.key) if item.key in linked else f"**{item.key}**"
    if item.what != "changed":
        text = item.differences[0].before if item.what == "removed" else item.differences[0].after
        return [f"- {name} {item.what}", "", "    " + _quote(before if item.what == "removed" else after, text), ""]
    out = [f"- {name}: {', '.join(d.field for d in item.differences)} changed", ""]
    for difference in item.differences:
        if difference.field == "rules":
            out += ["    Rules:", "", *_lines_differ(difference, before, after), ""]
        elif difference.field in ("title", "text"):
            out += [f"    {difference.field.capitalize()}:", "",
                    "    " + _quote(before, difference.before), "    >",
                    "    " + _quote(after, difference.after), ""]
        else:
            out += [f"    {difference.field.capitalize()}: {cell(difference.before or 'none')} → "
                    f"{cell(difference.after or 'none')}", ""]
    return out


def release_changes(found: Sequence[Changed], before: str, after: str, linked: set[str]) -> Iterator[str]:
    """What a release changed, as markdown: statements with their wording before and after, then tables."""
    statements = [c for c in found if c.kind == "statement"]
    if statements:
        yield "**Statements**\n"
        for item in statements:
            yield from _statement(item, before, after, linked)
        yield ""
    parameters = [c for c in found if c.kind == "parameter"]
    if parameters:
        yield "**Parameters**\n"
        yield table(["Parameter", "Change", before, after], [
            [code(c.key), c.what, _field(c, "value", "before"), _field(c, "value", "after")] for c in parameters])
        relabelled = [c for c in parameters if any(d.field == "label" for d in c.differences)]
        for item in relabelled:
            yield f"- {code(item.key)} label: {cell(_field(item, 'label', 'before'))} → {cell(_field(item, 'label', 'after'))}"
        if relabelled:
            yield ""
    groups = [c for c in found if c.kind == "code group"]
    if groups:
        yield "**Code groups**\n"
        yield table(["Code group", "Change", f"{before} prefixes", f"{after} prefixes"], [
            [code(c.key), c.what, _field(c, "prefixes", "before"), _field(c, "prefixes", "after")] for c in groups])
    for what in ("added", "removed"):
        included = [c.key for c in found if c.kind == "shared statement" and c.what == what]
        if included:
            verb = "now included from" if what == "added" else "no longer included from"
            yield f"**Shared statements** {verb} the shared source: {', '.join(included)}\n"
    files = [c for c in found if c.kind == "file"]
    if files:
        listed = "; ".join(f"{what} {', '.join(code(c.key) for c in files if c.what == what)}"
                           for what in ("changed", "added", "removed") if any(c.what == what for c in files))
        yield f"**Source files**: {listed}.\n"


def _field(item: Changed, name: str, side: str) -> str:
    for difference in item.differences:
        if difference.field == name:
            value = difference.before if side == "before" else difference.after
            return value if value is not None else "—"
    return "unchanged"


def _unreleased(source: PolicySource, bound: BoundPolicy | None, last: Release, linked: set[str]) -> list[str]:
    out = ['!!! warning "Unreleased changes"',
           f"    The policy source differs from release {last.version} (effective {last.effective}); "
           "what it says now has not taken effect.", ""]
    if bound is not None:
        found = changes(last.snapshot, current(bound))
        out += ["    " + line if line else "" for line in
                "\n".join(release_changes(found, last.version, "now", linked)).splitlines()]
        out.append("")
    return out


def changelog_page(source: PolicySource, bound: BoundPolicy | None = None) -> str:
    """A policy's releases, newest first: effective date, the changelog prose, and what each changed.

    `bound` (the policy bound to its rules) lets the page list what an
    unreleased source changed; without it the page only says that it did.
    """
    releases = read_record(source.folder)
    by_version = {r.version: r for r in releases}
    order = [r.version for r in releases]
    linked = {s.id for s in source.statements}
    released = next((r for r in releases if r.version == source.version and r.digest == source.digest()), None)
    out = ["# Changelog\n"]
    status = (f"effective **{released.effective}**" if released is not None
              else "**not released**: the source differs from every release recorded")
    out.append(f"Current policy version: **{source.version}**, {status}. Every determination names the policy's "
               "version, the date it took effect (`effective`, null for a source that is not a release) and a "
               "digest of the policy source it was made with.\n")
    if releases and released is None:
        out += _unreleased(source, bound, releases[-1], linked)
    entries = {entry.version: entry for entry in source.changelog}
    versions = list(dict.fromkeys([*(e.version for e in source.changelog), *reversed(order)]))
    for version in versions:
        entry, recorded = entries.get(version), by_version.get(version)
        date = entry.date if entry is not None else recorded.effective if recorded is not None else ""
        out.append(heading(f"{version} ({date})", _anchor(version)))
        if recorded is not None:
            out.append(f"Effective **{recorded.effective}** · digest {code(recorded.digest)}\n")
            if recorded.note:
                out.append(f"*{recorded.note}*\n")
        if entry is not None:
            out.append(entry.summary + "\n")
            out += [f"- {change}" for change in entry.changes]
            if entry.changes:
                out.append("")
        if recorded is None:
            out.append(f"*{NOT_RECORDED}*\n" if version != source.version else "*Not released yet.*\n")
            continue
        index = order.index(version)
        previous = releases[index - 1] if index else None
        if previous is None:
            snapshot = recorded.snapshot
            out.append(f"**First release**: {len(snapshot.statements)} statements "
                       f"({len(snapshot.included)} included from the shared source), {len(snapshot.parameters)} "
                       f"parameters, {len(snapshot.code_groups)} code groups.\n")
            continue
        found = changes(previous.snapshot, recorded.snapshot)
        out.append(heading(f"What changed since {previous.version}", _anchor(version) + "-changes", level=3))
        out.append(f"In short: {summary([c for c in found if c.kind != 'file'])}.\n")
        out += list(release_changes(found, previous.version, version, linked))
    return "\n".join(out)
