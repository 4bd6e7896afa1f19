"""The drift check: every policy folder of the library, the shared source,
the rules, parameters, bibliography and step definitions must agree. Each
problem names a file and line (relative to the folder holding the library's
folders, or the package for its Python).

Every folder beside `shared/` is checked as a policy: a folder that is not a
complete policy is reported with its path, never skipped. Statement wording is
checked against the parameters and code groups its rules use
(policy/numbers.py), and a released policy's source against its release
record (policy/releases.py). Run as
`policy check [--policy ID]`; it exits non-zero when anything is found.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from attrs import frozen
from gherkin.parser import Parser

from policy import numbers, releases
from policy import provenance
from policy.binding import (
    assemble,
    binding_problems,
    default_parameters,
    shared_parameter_uses,
    used_parameters,
)
from policy.errors import Finding, PolicyDefinitionError
from policy.library import id_of, policy_code, policy_folders, shared_code
from policy.rules.conditions import Always
from policy.rules.declarations import Declarations, Derivation, PolicyCode, StatementRule
from policy.source import (
    SHARED_FOLDER,
    PolicySource,
    ScenarioSource,
    SharedSource,
    Statement,
    load_shared,
    load_source,
    source_root,
)
from policy.source.catalog import CITATION_PREFIX, INCLUDE_TAG, STATEMENT_TAG
from policy.source.data import POLICY_DATA, SHARED_DATA

# Tags a scenario may carry, with what they mean (pytest marks are declared from this).
SCENARIO_TAGS = {
    "source-case": "the request the source assessment answers",
    "boundary": "an example at the edge of a threshold",
}
STEP_KINDS = {"Given": "given", "When": "when", "Then": "then"}


def _line_of(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(pattern, line):
            return number
    return 0


def _python_line(folders: list[Path], pattern: str) -> tuple[str, int]:
    """Where a name first appears in the Python of the given folders: (file, line)."""
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            line = _line_of(path, pattern)
            if line:
                return f"{folder.name}/{path.name}", line
    return (f"{folders[0].name}/__init__.py" if folders else "?"), 1


def _expanded(scenario: ScenarioSource) -> Iterator[tuple[int, str, str]]:
    """Each step of each example row: (line, given/when/then, text with values filled in)."""
    for example in scenario.examples:
        values = dict(example.values)
        kind = "given"
        for line, keyword, text in scenario.steps:
            kind = STEP_KINDS.get(keyword, kind)
            for name, value in values.items():
                text = text.replace(f"<{name}>", value)
            yield line, kind, text


def _tag_sites(node: dict[str, Any], kind: str) -> Iterator[tuple[str, int, str, dict[str, Any]]]:
    """Every tag under a Gherkin node: (tag, line, kind of node it is on, that node)."""
    for tag in node.get("tags", []):
        yield tag["name"].lstrip("@"), tag["location"]["line"], kind, node
    for child in node.get("children", []):
        for child_kind in ("rule", "scenario"):
            if child_kind in child:
                yield from _tag_sites(child[child_kind], child_kind)
    for examples in node.get("examples", []):
        for tag in examples.get("tags", []):
            yield tag["name"].lstrip("@"), tag["location"]["line"], "examples", node


def _place(kind: str, node: dict[str, Any]) -> str:
    if kind == "examples":
        return f"the Examples of scenario '{node['name']}'"
    return {"feature": "Feature", "rule": "Rule", "scenario": "scenario"}[kind] + f" '{node['name']}'"


def _tags(source: PolicySource | SharedSource) -> Iterator[Finding]:
    """Tags on every Feature, Rule, scenario and Examples, against the controlled vocabulary:
    a Rule carries its statement ID and citations (or @include), everything else only SCENARIO_TAGS."""
    base = source.folder.parent
    for path in (p for p in source.files if p.suffix == ".feature"):
        relative = path.relative_to(base).as_posix()
        document: dict[str, Any] = dict(Parser().parse(path.read_text(encoding="utf-8")))
        feature = document.get("feature")
        if feature is None:
            continue
        for tag, line, kind, node in _tag_sites(feature, "feature"):
            if tag.startswith(CITATION_PREFIX) and tag[len(CITATION_PREFIX) :] not in source.bibliography:
                yield Finding(relative, line, f"citation '{tag}' resolves to no bibliography entry")
            elif kind == "rule" and (STATEMENT_TAG.match(tag) or tag.startswith(CITATION_PREFIX) or tag == INCLUDE_TAG):
                continue
            elif kind != "rule" and tag in SCENARIO_TAGS:
                continue
            elif kind == "rule":
                yield Finding(relative, line, f"tag '@{tag}' on {_place(kind, node)} is outside the vocabulary "
                                              f"(its statement ID and @cite.<key> tags, or @{INCLUDE_TAG})")
            else:
                yield Finding(relative, line, f"tag '@{tag}' on {_place(kind, node)} is outside the vocabulary "
                                              f"({', '.join(SCENARIO_TAGS)}; statement IDs and citations go on a Rule)")


def _sources_line(path: Path, table: str) -> int:
    """The line of `sources` in a TOML table, or the table's header line."""
    header = _line_of(path, rf"^\[{re.escape(table)}\]\s*$")
    if not header:
        return 1
    lines = path.read_text(encoding="utf-8").splitlines()
    for number in range(header, len(lines)):
        if lines[number].startswith("["):
            break
        if re.match(r"^sources\s*=", lines[number]):
            return number + 1
    return header


def _data_citations(source: PolicySource) -> Iterator[Finding]:
    """The sources named by parameters and code groups must be bibliography keys."""
    policy_file = source.folder / "policy.toml"
    relative = f"{source.folder.name}/policy.toml"
    entries = [(f"parameters.{k}", f"parameter '{k}'", p.sources) for k, p in source.parameters.items()]
    entries += [(f"code_groups.{k}", f"code group '{k}'", g.sources) for k, g in source.code_groups.items()]
    for table, what, sources in entries:
        for key in sources:
            if key not in source.bibliography:
                yield Finding(relative, _sources_line(policy_file, table),
                              f"source '{key}' of {what} resolves to no bibliography entry")


def _always_applies(rules: tuple[StatementRule, ...], statement_id: str) -> bool:
    rules = tuple(r for r in rules if r.statement == statement_id)
    return bool(rules) and all(
        len(r.branches) == 1 and isinstance(getattr(r.branches[0], "when", None), Always) for r in rules
    )


def _examples(statements: tuple[Statement, ...], rules: tuple[StatementRule, ...]) -> Iterator[Finding]:
    for statement in statements:
        applies = does_not = False
        for scenario in statement.scenarios:
            for _line, _kind, text in _expanded(scenario):
                applies |= text == f"{statement.id} applies"
                does_not |= text == f"{statement.id} does not apply"
        if not applies:
            yield Finding(statement.file, statement.line,
                          f"statement {statement.id} has no example where it applies")
        if not does_not and not _always_applies(rules, statement.id):
            yield Finding(statement.file, statement.line,
                          f"statement {statement.id} has no example where it does not apply")


def _parameters(source: PolicySource, derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...],
                defaults: set[str], python: list[Path]) -> Iterator[Finding]:
    policy_file = source.folder / "policy.toml"
    relative = f"{source.folder.name}/policy.toml"
    used = used_parameters(derivations, rules) | defaults
    for key in sorted(set(source.parameters) - used):
        yield Finding(relative, _line_of(policy_file, rf"^\[parameters\.{re.escape(key)}\]")
                      or _line_of(policy_file, r"^\[include\]") or 1,
                      f"parameter '{key}' is declared or included but no rule or derivation uses it")
    for key in sorted(used - set(source.parameters)):
        file, line = _python_line(python, rf"\bP\.{re.escape(key)}\b")
        if line == 1:
            file, line = _python_line(python, rf"\b{re.escape(key)}\b")
        yield Finding(file, line, f"parameter '{key}' is used but not declared in {relative}")


def steps_unavailable(package: str) -> str | None:
    """Why the step definitions of `package` cannot be checked here, or None when they can.

    An installed wheel ships neither the step library nor pytest-bdd (a test
    dependency): the drift check then checks everything else and says what
    it skipped. A step library that is there but fails to import is not
    skipped: that failure is raised.
    """
    root = package.partition(".")[0]
    try:
        step_definitions(package)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing.partition(".")[0] not in ("pytest_bdd", root):
            raise
        return (f"the step definitions of every scenario step (no module named {missing!r}; they are checked in "
                "a checkout of the repository with the test extras installed)")
    return None


def step_definitions(package: str) -> list[Any]:
    """Every pytest-bdd step definition found in the modules of `package`."""
    from pytest_bdd.steps import step_function_context_registry

    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__, f"{package}."):
        # Test modules collect scenarios and need a running pytest; definitions don't.
        if not info.name.rpartition(".")[2].startswith("test_"):
            importlib.import_module(info.name)
    return list(step_function_context_registry.values())


def _steps(source: PolicySource | SharedSource, definitions: list[Any]) -> Iterator[Finding]:
    scenarios = [*source.loose_scenarios, *(s for st in source.statements for s in st.scenarios)]
    reported: set[tuple[str, int]] = set()
    for scenario in scenarios:
        for line, kind, text in _expanded(scenario):
            if (scenario.file, line) in reported:
                continue
            if not any(d.type in (kind, None) and d.parser.is_matching(text) for d in definitions):
                reported.add((scenario.file, line))
                yield Finding(scenario.file, line, f"no step definition matches {kind} step '{text}'")


def _binding(source: PolicySource, derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...],
             python: list[Path]) -> Iterator[Finding]:
    """Statements without rules at their Rule line; rules and derivations naming no
    statement at their declaration. Undeclared parameters are left to _parameters,
    which names the line that uses them."""
    by_id: dict[str, list[Statement]] = {}
    for statement in source.statements:
        by_id.setdefault(statement.id, []).append(statement)
    for message in binding_problems(source, derivations, rules):
        if " uses undeclared parameter " in message:
            continue
        if match := re.match(r"statement (\S+) \(\S+\) has no rule$", message):
            statement = by_id[match.group(1)][0]
            file, line = statement.included_at or (statement.file, statement.line)
            yield Finding(file, line, f"statement {statement.id} has no rule")
        elif match := re.match(r"statement (\S+) is declared by more than one Rule$", message):
            for statement in by_id[match.group(1)][1:]:
                yield Finding(statement.file, statement.line, message)
        elif match := re.match(r"(?:rule|derivation) (\S+) (?:names unknown statement|reads)", message):
            yield Finding(*_python_line(python, rf"[\"']{re.escape(match.group(1))}[\"']"), message)
        elif match := re.match(r"statement (\S+) has rules with different effects$", message):
            yield Finding(*_python_line(python, rf"[\"']{re.escape(match.group(1))}[\"']"), message)
        else:
            yield Finding(*_python_line(python, r"POLICY"), message)


def _located(error: PolicyDefinitionError, folder: str) -> Finding:
    """A load error as a finding: its own `file:line: message`, or the folder's path."""
    where, _, message = str(error).partition(": ")
    file, _, line = where.partition(":")
    if message and line.isdigit():
        return Finding(file, int(line), message)
    return Finding(f"{folder}/", 1, f"not a complete policy: {error}")


def _disagreements(sources: list[PolicySource]) -> Iterator[Finding]:
    """A statement two policies each write for themselves is a copy that drifts: it belongs in the shared source.

    Statement IDs are per policy (DX-SCOPE of one policy is not DX-SCOPE of
    another), so an ID alone proves nothing; the same ID under the same title
    is the same statement written twice. Identical, it should be shared;
    different, the two policies disagree on it.
    """
    seen: dict[tuple[str, str], Statement] = {}
    for source in sources:
        for statement in source.statements:
            if statement.shared:
                continue
            first = seen.setdefault((statement.id, statement.title), statement)
            if first is statement:
                continue
            if (first.text, first.citations) != (statement.text, statement.citations):
                message = (f"statement {statement.id} disagrees with {first.file}:{first.line}: the same statement "
                           "written in two policies with different text or citations (share it, or name it apart)")
            else:
                message = (f"statement {statement.id} is written again as at {first.file}:{first.line}: move it to "
                           "the shared source and include it in both")
            yield Finding(statement.file, statement.line, message)


def _own_rules_on_shared(source: PolicySource, code: PolicyCode, python: list[Path]) -> Iterator[Finding]:
    """A shared statement is decided by its shared rules only: a policy's own rule for it would make the
    including policies disagree on it."""
    included = set(source.included)
    items: tuple[StatementRule | Derivation, ...] = (*code.rules, *code.derivations)
    for item in items:
        if item.statement in included:
            yield Finding(*_python_line(python, rf"[\"']{re.escape(item.statement)}[\"']"),
                          f"{item.name} of {source.id} decides shared statement {item.statement}: its rules and "
                          "derivations live in the shared source, so every including policy decides it alike")


def _shared(shared: SharedSource, declarations: Declarations, sources: list[PolicySource],
            definitions: list[Any] | None) -> Iterator[Finding]:
    """The shared source on its own: tags, examples, steps, rules bound to its statements."""
    yield from _tags(shared)
    yield from _examples(shared.statements, declarations.rules)
    if definitions is not None:
        yield from _steps(shared, definitions)
    ids = {statement.id for statement in shared.statements}
    python = [shared.folder]
    items: tuple[StatementRule | Derivation, ...] = (*declarations.rules, *declarations.derivations)
    for item in items:
        if item.statement not in ids:
            yield Finding(*_python_line(python, rf"[\"']{re.escape(item.statement)}[\"']"),
                          f"{item.name} names {item.statement}, which is not a shared statement")
    for statement in shared.statements:
        if not any(r.statement == statement.id for r in declarations.rules):
            yield Finding(statement.file, statement.line, f"shared statement {statement.id} has no rule")
        if not any(statement.id in source.included for source in sources):
            yield Finding(statement.file, statement.line, f"shared statement {statement.id} is included by no policy")


# --- Every number once (issue 8): statement wording against the parameters and code groups -----------


def _numbers(source: PolicySource, derivations: tuple[Derivation, ...],
             rules: tuple[StatementRule, ...]) -> Iterator[Finding]:
    """Numbers and codes of a policy's own statements that disagree with what their rules use
    (policy/numbers.py says how they are read and what an author declares)."""
    data_path = source.folder / POLICY_DATA
    data = tomllib.loads(data_path.read_text(encoding="utf-8"))  # load_source has read it: valid TOML
    own = tuple(s for s in source.statements if not s.shared)
    for problem in numbers.verify(own, source.parameters, source.code_groups, derivations, rules, data, data_path,
                                  source.folder.parent):
        yield Finding(problem.file, problem.line, problem.message)


def _shared_numbers(shared: SharedSource, declarations: Declarations) -> Iterator[Finding]:
    """The same for the shared statements, against the shared parameters their shared rules use."""
    data_path = shared.folder / SHARED_DATA
    data = tomllib.loads(data_path.read_text(encoding="utf-8")) if data_path.is_file() else {}
    for problem in numbers.verify(shared.statements, shared.parameters, {}, declarations.derivations,
                                  declarations.rules, data, data_path, shared.folder.parent):
        yield Finding(problem.file, problem.line, problem.message)


# --- Released versions (issue 8): source, version, changelog and release record agree ---------------


def _releases(source: PolicySource, derivations: tuple[Derivation, ...],
              rules: tuple[StatementRule, ...]) -> Iterator[Finding]:
    """A released policy whose source changed under the same version, an unreleased version, a changelog
    that disagrees with the release record (policy/releases.py)."""
    for problem in releases.problems(source, derivations, rules):
        yield Finding(problem.file, problem.line, problem.message)


def check(steps_package: str | None = "steps", root: Path | None = None,
          policy_id: str | None = None, *, release_state: bool = True) -> list[Finding]:
    """Every drift problem across the policy library (or the one policy `policy_id`).

    `release_state=False` leaves out whether each source is released (what
    `policy release` checks before it records a release).
    """
    base = root or source_root()
    findings: list[Finding] = []
    definitions = step_definitions(steps_package) if steps_package else None
    folders = policy_folders(base)
    if policy_id is not None:
        folders = [f for f in folders if id_of(f.name) == policy_id]
        if not folders:
            return [Finding(f"{policy_id.replace('-', '_')}/", 1, f"no policy {policy_id} in {base}")]
    try:
        shared = load_shared(base)
        declarations = shared_code(root)
    except PolicyDefinitionError as error:
        return [_located(error, SHARED_FOLDER)]
    sources: list[PolicySource] = []
    for folder in folders:
        try:
            source = load_source(folder.name, root, shared_parameter_uses(declarations))
            code = policy_code(id_of(folder.name), root)
        except PolicyDefinitionError as error:
            findings.append(_located(error, folder.name))
            continue
        sources.append(source)
        if source.id != id_of(folder.name):
            findings.append(Finding(f"{folder.name}/policy.toml", _line_of(folder / "policy.toml", r"^id\s*=") or 1,
                                    f"policy id {source.id} does not match its folder {folder.name}/ "
                                    f"(expected {id_of(folder.name)})"))
        findings += source.problems
        derivations, rules = assemble(source, code, declarations)
        python = [folder, *([shared.folder] if shared is not None else [])]
        findings += _binding(source, derivations, rules, python)
        findings += _own_rules_on_shared(source, code, python)
        findings += _tags(source)
        findings += _data_citations(source)
        findings += _examples(tuple(s for s in source.statements if not s.shared), rules)
        findings += _parameters(source, derivations, rules, default_parameters(code), python)
        if definitions is not None:
            findings += _steps(source, definitions)
        findings += _numbers(source, derivations, rules)
        if release_state:
            findings += _releases(source, derivations, rules)
    findings += _disagreements(sources)
    findings += provenance.findings(root, policy_id)
    if shared is not None and policy_id is None:
        findings += _shared(shared, declarations, sources, definitions)
    if shared is not None and (policy_id is None or any(source.included for source in sources)):
        findings += _shared_numbers(shared, declarations)
    return findings
