"""Policy data beside the feature files: identity, parameters, code groups, bibliography."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from policy.errors import PolicyDefinitionError
from policy.source.catalog import ScenarioSource, Statement, read_statements

# How directly a reference supports the statements citing it, and what each level means.
SUPPORT_MEANING = {
    "direct": "the reference states what the statements citing it say",
    "extrapolated": "the reference says so for another condition or population; applied here by extrapolation",
    "unverified": "the claim the source attributes to it could not be checked; no figure from it is relied on",
}
SUPPORT_LEVELS = tuple(SUPPORT_MEANING)


@frozen
class Parameter:
    """A named threshold: its value, unit, sources, and the committee's note if it is a choice."""

    key: str
    value: float | int
    unit: str
    label: str
    sources: tuple[str, ...]
    policy_choice: str | None


@frozen
class CodeGroup:
    """A group of ICD-10-CM codes, matched by dotted prefix."""

    key: str
    label: str
    prefixes: tuple[str, ...]
    sources: tuple[str, ...]

    def contains(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.prefixes)


@frozen
class Reference:
    """A bibliography entry and how directly it supports the statements citing it."""

    key: str
    authors: str
    title: str
    published: str
    support: str
    note: str
    url: str | None


@frozen
class Release:
    """One entry of the policy's version history."""

    version: str
    date: str
    summary: str
    changes: tuple[str, ...]


@frozen
class PolicySource:
    """Everything a policy folder holds, read once."""

    id: str
    title: str
    version: str
    question: str
    folder: Path
    statements: tuple[Statement, ...]
    loose_scenarios: tuple[ScenarioSource, ...]
    parameters: Mapping[str, Parameter]
    code_groups: Mapping[str, CodeGroup]
    bibliography: Mapping[str, Reference]
    changelog: tuple[Release, ...]
    files: tuple[Path, ...]

    def statement(self, statement_id: str) -> Statement:
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise KeyError(statement_id)

    def digest(self, *extra: bytes) -> str:
        """sha256 over every source file (name and bytes) plus any extra content."""
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.relative_to(self.folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        for chunk in extra:
            digest.update(chunk + b"\0")
        return "sha256:" + digest.hexdigest()


def source_root() -> Path:
    """The folder holding every policy's source folder, installed or in a checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_source"
    if installed.is_dir():
        return installed
    checkout = package.parent / "features"
    if checkout.is_dir():
        return checkout
    raise PolicyDefinitionError(f"no policy source found in {installed} or {checkout}")


def _require(table: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise PolicyDefinitionError(f"{where}: missing '{key}'")
    return table[key]


def _parameters(raw: Mapping[str, Any], where: str) -> dict[str, Parameter]:
    parameters = {}
    for key, entry in raw.items():
        value = _require(entry, "value", f"{where} [parameters.{key}]")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PolicyDefinitionError(f"{where} [parameters.{key}]: value must be a number")
        parameters[key] = Parameter(
            key=key,
            value=value,
            unit=_require(entry, "unit", f"{where} [parameters.{key}]"),
            label=_require(entry, "label", f"{where} [parameters.{key}]"),
            sources=tuple(entry.get("sources", ())),
            policy_choice=entry.get("policy_choice"),
        )
    return parameters


def _bibliography(raw: Mapping[str, Any], where: str) -> dict[str, Reference]:
    references = {}
    for key, entry in raw.items():
        support = _require(entry, "support", f"{where} [{key}]")
        if support not in SUPPORT_LEVELS:
            raise PolicyDefinitionError(
                f"{where} [{key}]: support must be one of {', '.join(SUPPORT_LEVELS)}, got {support!r}"
            )
        references[key] = Reference(
            key=key,
            authors=entry.get("authors", ""),
            title=_require(entry, "title", f"{where} [{key}]"),
            published=entry.get("published", ""),
            support=support,
            note=entry.get("note", ""),
            url=entry.get("url"),
        )
    return references


def _read_toml(path: Path, folder: Path) -> dict[str, Any]:
    """A TOML file of the policy folder; a syntax error names the file and line."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        # Python < 3.14 gives the position only inside the message.
        match = re.match(r"(.*?)\s*\(at line (\d+)", str(error))
        line, message = (match.group(2), match.group(1)) if match else ("1", str(error))
        raise PolicyDefinitionError(f"{folder.name}/{path.name}:{line}: invalid TOML: {message}") from error


def _changelog(raw: list[Mapping[str, Any]], where: str) -> tuple[Release, ...]:
    releases = []
    for number, entry in enumerate(raw, start=1):
        place = f"{where} [[changelog]] entry {number}"
        releases.append(Release(
            version=str(_require(entry, "version", place)),
            date=str(_require(entry, "date", place)),
            summary=str(_require(entry, "summary", place)),
            changes=tuple(str(change) for change in entry.get("changes", ())),
        ))
    return tuple(releases)


def load_source(name: str, root: Path | None = None) -> PolicySource:
    """Read the policy folder `name` (e.g. 'ivig_myositis')."""
    base = root or source_root()
    folder = base / name
    if not folder.is_dir():
        raise PolicyDefinitionError(f"policy folder {folder} does not exist")
    policy_file = folder / "policy.toml"
    bibliography_file = folder / "bibliography.toml"
    meta = _read_toml(policy_file, folder)
    identity = _require(meta, "policy", policy_file.name)
    statements, loose = read_statements(folder, base)
    groups = {
        key: CodeGroup(
            key=key,
            label=entry["label"],
            prefixes=tuple(entry["prefixes"]),
            sources=tuple(entry.get("sources", ())),
        )
        for key, entry in meta.get("code_groups", {}).items()
    }
    return PolicySource(
        id=identity["id"],
        title=identity["title"],
        version=identity["version"],
        question=identity.get("question", ""),
        folder=folder,
        statements=tuple(statements),
        loose_scenarios=tuple(loose),
        parameters=_parameters(meta.get("parameters", {}), policy_file.name),
        code_groups=groups,
        bibliography=_bibliography(_read_toml(bibliography_file, folder), bibliography_file.name),
        changelog=_changelog(meta.get("changelog", []), policy_file.name),
        files=tuple(sorted(p for p in folder.iterdir() if p.is_file())),
    )
