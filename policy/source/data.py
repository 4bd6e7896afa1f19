"""Policy data beside the feature files: identity, parameters, code groups, bibliography."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Set
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from policy.errors import Finding, PolicyDefinitionError
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
    """A bibliography entry: what the reference is and what it says, never how well it supports a statement.

    Support belongs to a statement–reference pair (a trial in one condition is
    direct for it and extrapolated for a related one), so it is
    graded per citation in the grade files `policy.provenance` reads. `url`
    is the link a reader follows: the one recorded, else the DOI's, else the
    PubMed record's; `doi` and `pmid` are kept as recorded.
    """

    key: str
    authors: str
    title: str
    published: str
    note: str
    url: str | None
    doi: str | None = None
    pmid: str | None = None
    # A name a compliance reviewer recognizes in a badge ("MIS-C guidance (ACR 2021)").
    short: str = ""


@frozen
class Release:
    """One entry of the policy's version history."""

    version: str
    date: str
    summary: str
    changes: tuple[str, ...]


# Something in a policy folder that keeps it from being a complete policy, with its place.
SourceProblem = Finding


@frozen
class SharedSource:
    """The statements, parameters and references several policies include, read once."""

    folder: Path
    statements: tuple[Statement, ...]
    loose_scenarios: tuple[ScenarioSource, ...]
    parameters: Mapping[str, Parameter]
    bibliography: Mapping[str, Reference]
    files: tuple[Path, ...]

    def statement(self, statement_id: str) -> Statement:
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise KeyError(statement_id)


@frozen
class PolicySource:
    """Everything a policy folder holds, with the shared statements it includes resolved."""

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
    # What the folder lacks or gets wrong about what it includes; `bind` refuses a
    # source with problems and `policy check` lists them.
    problems: tuple[SourceProblem, ...] = ()
    # The shared files the digest covers too (empty when nothing is included).
    shared_files: tuple[Path, ...] = ()

    @property
    def included(self) -> tuple[str, ...]:
        """IDs of the shared statements this policy includes, in its order."""
        return tuple(s.id for s in self.statements if s.shared)

    def statement(self, statement_id: str) -> Statement:
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise KeyError(statement_id)

    def digest(self) -> str:
        """sha256 over every file of the policy folder and of the shared source it includes (name and bytes)."""
        digest = hashlib.sha256()
        base = self.folder.parent
        for path in (*self.files, *self.shared_files):
            digest.update(path.relative_to(base).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
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


# Words an author writes for a field not known; shown, they look like data, so they are dropped.
PLACEHOLDERS = frozenset({"not stated", "not recorded", "not yet recorded", "unknown", "n/a", "na", "tbd", "none"})
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^[1-9]\d{0,8}$")


def _given(value: Any) -> str:
    """A text field as written, or '' when it is absent or a placeholder."""
    text = str(value).strip() if value is not None else ""
    return "" if text.rstrip(".").lower() in PLACEHOLDERS else text


def _bibliography(raw: Mapping[str, Any], where: str) -> dict[str, Reference]:
    """The references of a bibliography file. A `support` key is not read: support is graded per citation
    (policy.provenance), and `policy check` asks for it to be moved there."""
    references = {}
    for key, entry in raw.items():
        place = f"{where} [{key}]"
        doi = _given(entry.get("doi")) or None
        pmid = _given(entry.get("pmid")) or None
        url = _given(entry.get("url")) or None
        if doi is not None and not _DOI.match(doi):
            raise PolicyDefinitionError(f"{place}: doi must look like 10.<registrant>/<suffix>, got {doi!r}")
        if pmid is not None and not _PMID.match(pmid):
            raise PolicyDefinitionError(f"{place}: pmid must be the PubMed number alone, got {pmid!r}")
        if url is not None and not url.startswith(("https://", "http://")):
            raise PolicyDefinitionError(f"{place}: url must start with https:// or http://, got {url!r}")
        link = url or (f"https://doi.org/{doi}" if doi else None) or (
            f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None)
        references[key] = Reference(
            key=key,
            authors=_given(entry.get("authors")),
            title=_require(entry, "title", place),
            published=_given(entry.get("published")),
            note=_given(entry.get("note")),
            url=link,
            doi=doi,
            pmid=pmid,
            short=_given(entry.get("short")),
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


SHARED_FOLDER = "shared"
SHARED_DATA = "shared.toml"
POLICY_DATA = "policy.toml"
BIBLIOGRAPHY = "bibliography.toml"
# Files of a folder that are not source: caches the interpreter writes.
IGNORED = ("__pycache__",)


# The policy's release record (policy/releases.py): it records the digest of the source, so it is
# not part of the source that digest covers (writing it would change what it records).
RELEASE_RECORD = "releases.json"


def source_files(folder: Path) -> tuple[Path, ...]:
    """The files a digest covers: every file of the folder, sorted, caches and the release record left out."""
    return tuple(sorted(p for p in folder.iterdir()
                        if p.is_file() and not p.name.endswith((".pyc", ".pyo")) and p.name != RELEASE_RECORD))


def load_shared(root: Path | None = None) -> SharedSource | None:
    """The shared source beside the policy folders, or None when there is none."""
    folder = (root or source_root()) / SHARED_FOLDER
    if not folder.is_dir():
        return None
    data_file = folder / SHARED_DATA
    data = _read_toml(data_file, folder) if data_file.is_file() else {}
    bibliography_file = folder / BIBLIOGRAPHY
    references = _read_toml(bibliography_file, folder) if bibliography_file.is_file() else {}
    statements, loose = read_statements(folder, folder.parent)
    return SharedSource(
        folder=folder,
        statements=tuple(statements),
        loose_scenarios=tuple(loose),
        parameters=_parameters(data.get("parameters", {}), f"{SHARED_FOLDER}/{SHARED_DATA}"),
        bibliography=_bibliography(references, f"{SHARED_FOLDER}/{BIBLIOGRAPHY}"),
        files=source_files(folder),
    )


def _cited(statements: tuple[Statement, ...], parameters: Mapping[str, Parameter],
           groups: Mapping[str, CodeGroup]) -> set[str]:
    keys = {key for statement in statements for key in statement.citations}
    keys |= {key for parameter in parameters.values() for key in parameter.sources}
    keys |= {key for group in groups.values() for key in group.sources}
    return keys


def _resolve(
    statements: list[Statement], shared: SharedSource | None, problems: list[SourceProblem]
) -> tuple[Statement, ...]:
    """Placeholders replaced by the shared statements they name, placed where they stand."""
    resolved = []
    for statement in statements:
        if not statement.placeholder:
            if shared is not None and any(s.id == statement.id for s in shared.statements):
                problems.append(SourceProblem(statement.file, statement.line,
                                              f"statement {statement.id} is shared: include it with a Rule tagged "
                                              f"@{statement.id} @include instead of redefining it"))
            resolved.append(statement)
            continue
        if statement.text or statement.scenarios or statement.citations:
            problems.append(SourceProblem(statement.file, statement.line,
                                          f"the Rule including {statement.id} restates it: an @include Rule has "
                                          "no description, citations or scenarios (they live in the shared source)"))
        try:
            original = shared.statement(statement.id) if shared is not None else None
        except KeyError:
            original = None
        if original is None:
            problems.append(SourceProblem(statement.file, statement.line,
                                          f"includes {statement.id}, which is not a shared statement"))
            continue
        resolved.append(attrs.evolve(original, section=statement.section, shared=True,
                                     included_at=(statement.file, statement.line)))
    return tuple(resolved)


def load_source(name: str, root: Path | None = None,
                shared_uses: Mapping[str, Set[str]] | None = None) -> PolicySource:
    """Read the policy folder `name` (e.g. 'drug_condition') with the shared statements it includes.

    `shared_uses` maps a shared statement ID to the shared parameters its rules
    and derivation use: an included statement brings those parameters along.
    """
    base = root or source_root()
    folder = base / name
    if not folder.is_dir():
        raise PolicyDefinitionError(f"policy folder {folder} does not exist")
    policy_file = folder / POLICY_DATA
    bibliography_file = folder / BIBLIOGRAPHY
    for required in (policy_file, bibliography_file):
        if not required.is_file():
            raise PolicyDefinitionError(f"{name}/{required.name}:1: missing: a policy folder needs {required.name}")
    meta = _read_toml(policy_file, folder)
    identity = _require(meta, "policy", policy_file.name)
    own_statements, loose = read_statements(folder, base)
    shared = load_shared(base)
    problems: list[SourceProblem] = []
    statements = _resolve(own_statements, shared, problems)
    groups = {
        key: CodeGroup(
            key=key,
            label=entry["label"],
            prefixes=tuple(entry["prefixes"]),
            sources=tuple(entry.get("sources", ())),
        )
        for key, entry in meta.get("code_groups", {}).items()
    }
    where = f"{name}/{POLICY_DATA}"
    parameters = _parameters(meta.get("parameters", {}), where)
    references = _bibliography(_read_toml(bibliography_file, folder), f"{name}/{BIBLIOGRAPHY}")
    shared_parameters = dict(shared.parameters) if shared is not None else {}
    shared_references = dict(shared.bibliography) if shared is not None else {}
    for key in sorted(set(parameters) & set(shared_parameters)):
        problems.append(SourceProblem(where, _line_in(policy_file, rf"^\[parameters\.{re.escape(key)}\]"),
                                      f"parameter '{key}' is shared: include it instead of redefining it"))
    for key in sorted(set(references) & set(shared_references)):
        problems.append(SourceProblem(f"{name}/{BIBLIOGRAPHY}", _line_in(bibliography_file, rf"^\[{re.escape(key)}\]"),
                                      f"reference '{key}' is shared: cite it by its key instead of redefining it"))
    wanted = set(meta.get("include", {}).get("parameters", ()))
    for statement in statements:
        if statement.shared:
            wanted |= set((shared_uses or {}).get(statement.id, ()))
    for key in sorted(wanted - set(shared_parameters)):
        problems.append(SourceProblem(where, _line_in(policy_file, r"^\[include\]"),
                                      f"includes parameter '{key}', which is not a shared parameter"))
    for key in sorted(wanted & set(shared_parameters)):
        parameters.setdefault(key, shared_parameters[key])
    cited = _cited(statements, parameters, groups)
    for key in sorted(cited & set(shared_references)):
        references.setdefault(key, shared_references[key])
    return PolicySource(
        id=identity["id"],
        title=identity["title"],
        version=identity["version"],
        question=identity.get("question", ""),
        folder=folder,
        statements=statements,
        loose_scenarios=tuple(loose),
        parameters=parameters,
        code_groups=groups,
        bibliography=references,
        changelog=_changelog(meta.get("changelog", []), policy_file.name),
        files=source_files(folder),
        problems=tuple(problems),
        shared_files=shared.files if shared is not None and (wanted or any(s.shared for s in statements)) else (),
    )


def _line_in(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(pattern, line):
            return number
    return 1
