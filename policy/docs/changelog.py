"""A policy's changelog page, from the `[[changelog]]` entries of its policy.toml."""

from __future__ import annotations

from policy.source import PolicySource


def changelog_page(source: PolicySource) -> str:
    """A policy's releases, newest first as its policy.toml lists them."""
    out = [
        "# Changelog\n",
        f"Current policy version: **{source.version}**. Every determination names the policy "
        "version and a digest of the policy source it was made with.\n",
    ]
    for release in source.changelog:
        out.append(f"## {release.version} ({release.date})\n")
        out.append(release.summary + "\n")
        out += [f"- {change}" for change in release.changes]
        if release.changes:
            out.append("")
    return "\n".join(out)
