"""The drift check: the policy source, rules, parameters, bibliography and
step definitions must agree. Each problem names a file and line.

Run as `policy check`; it exits non-zero when anything is found.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from attrs import frozen
from gherkin.parser import Parser

import policy

from policy.binding import binding_problems, used_parameters
from policy.errors import PolicyDefinitionError
from policy.policies import MODULES
from policy.rules.conditions import Always
from policy.source import PolicySource, ScenarioSource, Statement, load_source
from policy.source.catalog import CITATION_PREFIX, STATEMENT_TAG

# Tags a scenario may carry, with what they mean (pytest marks are declared from this).
SCENARIO_TAGS = {
    "source-case": "the request the source assessment answers",
    "boundary": "an example at the edge of a threshold",
}
STEP_KINDS = {"Given": "given", "When": "when", "Then": "then"}


@frozen
class Finding:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _line_of(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(pattern, line):
            return number
    return 0


def _module_file(module: Any) -> tuple[Path, str]:
    """A rules module's file and its name relative to the folder holding the package."""
    path = Path(module.__file__ or "").resolve()
    base = Path(policy.__file__).resolve().parent.parent
    return path, (path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name)


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


def _tags(source: PolicySource) -> Iterator[Finding]:
    """Tags on every Feature, Rule, scenario and Examples, against the controlled vocabulary:
    a Rule carries its statement ID and citations, everything else only SCENARIO_TAGS."""
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
            elif kind == "rule" and (STATEMENT_TAG.match(tag) or tag.startswith(CITATION_PREFIX)):
                continue
            elif kind != "rule" and tag in SCENARIO_TAGS:
                continue
            elif kind == "rule":
                yield Finding(relative, line, f"tag '@{tag}' on {_place(kind, node)} is outside the vocabulary "
                                              "(its statement ID and @cite.<key> tags)")
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


def _always_applies(module: Any, statement_id: str) -> bool:
    rules = [r for r in module.RULES if r.statement == statement_id]
    return bool(rules) and all(
        len(r.branches) == 1 and isinstance(getattr(r.branches[0], "when", None), Always) for r in rules
    )


def _examples(source: PolicySource, module: Any) -> Iterator[Finding]:
    for statement in source.statements:
        applies = does_not = False
        for scenario in statement.scenarios:
            for _line, _kind, text in _expanded(scenario):
                applies |= text == f"{statement.id} applies"
                does_not |= text == f"{statement.id} does not apply"
        if not applies:
            yield Finding(statement.file, statement.line,
                          f"statement {statement.id} has no example where it applies")
        if not does_not and not _always_applies(module, statement.id):
            yield Finding(statement.file, statement.line,
                          f"statement {statement.id} has no example where it does not apply")


def _parameters(source: PolicySource, module: Any) -> Iterator[Finding]:
    policy_file = source.folder / "policy.toml"
    relative = f"{source.folder.name}/policy.toml"
    used = used_parameters(tuple(module.DERIVATIONS), tuple(module.RULES))
    used |= {target.key for target in getattr(module, "AUTHORIZED_DEFAULTS", {}).values()}
    for key in sorted(set(source.parameters) - used):
        yield Finding(relative, _line_of(policy_file, rf"^\[parameters\.{re.escape(key)}\]") or 1,
                      f"parameter '{key}' is declared but no rule or derivation uses it")
    module_file, module_name = _module_file(module)
    for key in sorted(used - set(source.parameters)):
        line = _line_of(module_file, rf"\bP\.{re.escape(key)}\b") or _line_of(module_file, rf"\b{re.escape(key)}\b")
        yield Finding(module_name, line or 1, f"parameter '{key}' is used but not declared in {relative}")


def step_definitions(package: str) -> list[Any]:
    """Every pytest-bdd step definition found in the modules of `package`."""
    from pytest_bdd.steps import step_function_context_registry

    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__, f"{package}."):
        # Test modules collect scenarios and need a running pytest; definitions don't.
        if not info.name.rpartition(".")[2].startswith("test_"):
            importlib.import_module(info.name)
    return list(step_function_context_registry.values())


def _steps(source: PolicySource, definitions: list[Any]) -> Iterator[Finding]:
    scenarios = [*source.loose_scenarios, *(s for st in source.statements for s in st.scenarios)]
    reported: set[tuple[str, int]] = set()
    for scenario in scenarios:
        for line, kind, text in _expanded(scenario):
            if (scenario.file, line) in reported:
                continue
            if not any(d.type in (kind, None) and d.parser.is_matching(text) for d in definitions):
                reported.add((scenario.file, line))
                yield Finding(scenario.file, line, f"no step definition matches {kind} step '{text}'")


def _binding(source: PolicySource, module: Any) -> Iterator[Finding]:
    """Statements without rules at their Rule line; rules and derivations naming no
    statement at their declaration. Undeclared parameters are left to _parameters,
    which names the line that uses them."""
    module_file, module_name = _module_file(module)
    by_id: dict[str, list[Statement]] = {}
    for statement in source.statements:
        by_id.setdefault(statement.id, []).append(statement)
    for message in binding_problems(source, tuple(module.DERIVATIONS), tuple(module.RULES)):
        if " uses undeclared parameter " in message:
            continue
        if match := re.match(r"statement (\S+) \(\S+\) has no rule$", message):
            statement = by_id[match.group(1)][0]
            yield Finding(statement.file, statement.line, f"statement {statement.id} has no rule")
        elif match := re.match(r"statement (\S+) is declared by more than one Rule$", message):
            for statement in by_id[match.group(1)][1:]:
                yield Finding(statement.file, statement.line, message)
        elif match := re.match(r"(?:rule|derivation) (\S+) names unknown statement", message):
            yield Finding(module_name, _line_of(module_file, rf"[\"']{re.escape(match.group(1))}[\"']") or 1, message)
        elif match := re.match(r"statement (\S+) has rules with different effects$", message):
            yield Finding(module_name, _line_of(module_file, rf"[\"']{re.escape(match.group(1))}[\"']") or 1, message)
        else:
            yield Finding(module_name, 1, message)


def check(steps_package: str | None = "steps", root: Path | None = None) -> list[Finding]:
    """Every drift problem across all shipped policies."""
    findings: list[Finding] = []
    definitions = step_definitions(steps_package) if steps_package else None
    for module in MODULES.values():
        try:
            source = load_source(module.FOLDER, root)
        except PolicyDefinitionError as error:
            where, _, message = str(error).partition(": ")
            file, _, line = where.partition(":")
            findings.append(Finding(file, int(line) if line.isdigit() else 1, message or str(error)))
            continue
        findings += _binding(source, module)
        findings += _tags(source)
        findings += _data_citations(source)
        findings += _examples(source, module)
        findings += _parameters(source, module)
        if definitions is not None:
            findings += _steps(source, definitions)
    return findings
