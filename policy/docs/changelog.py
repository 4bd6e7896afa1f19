"""The changelog page, from the `[[changelog]]` entries of the policy's policy.toml."""

from __future__ import annotations

import tomllib
from typing import Any

from attrs import frozen

from policy.errors import PolicyDefinitionError
from policy.source import PolicySource


@frozen
class Release:
    version: str
    date: str
    summary: str
    changes: tuple[str, ...]


def releases(source: PolicySource) -> list[Release]:
    """The policy's version history, newest first as written."""
    meta: dict[str, Any] = tomllib.loads((source.folder / "policy.toml").read_text(encoding="utf-8"))
    found = []
    for number, entry in enumerate(meta.get("changelog", []), start=1):
        missing = [key for key in ("version", "date", "summary") if key not in entry]
        if missing:
            raise PolicyDefinitionError(f"policy.toml [[changelog]] entry {number}: missing {', '.join(missing)}")
        found.append(Release(
            version=str(entry["version"]), date=str(entry["date"]), summary=str(entry["summary"]),
            changes=tuple(str(c) for c in entry.get("changes", ())),
        ))
    return found


def changelog_page(source: PolicySource) -> str:
    out = [
        "# Changelog\n",
        f"Current policy version: **{source.version}**. Every determination names the policy "
        "version and a digest of the policy source it was made with.\n",
    ]
    for release in releases(source):
        out.append(f"## {release.version} ({release.date})\n")
        out.append(release.summary + "\n")
        out += [f"- {change}" for change in release.changes]
        if release.changes:
            out.append("")
    return "\n".join(out)
