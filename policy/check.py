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

from policy.binding import binding_problems, used_parameters
from policy.errors import PolicyDefinitionError
from policy.policies import MODULES
from policy.rules.conditions import Always
from policy.source import PolicySource, ScenarioSource, Statement, load_source
from policy.source.catalog import CITATION_PREFIX, STATEMENT_TAG

SCENARIO_TAGS = ("source-case", "boundary")
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
    return 1


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


def _tags(source: PolicySource) -> Iterator[Finding]:
    for statement in source.statements:
        for tag, line in statement.tags:
            if STATEMENT_TAG.match(tag):
                continue
            if tag.startswith(CITATION_PREFIX):
                if tag[len(CITATION_PREFIX) :] not in source.bibliography:
                    yield Finding(statement.file, line, f"citation '{tag}' resolves to no bibliography entry")
                continue
            yield Finding(statement.file, line, f"tag '@{tag}' on Rule {statement.id} is outside the vocabulary")
        for scenario in statement.scenarios:
            yield from _scenario_tags(scenario)
    for scenario in source.loose_scenarios:
        yield from _scenario_tags(scenario)


def _scenario_tags(scenario: ScenarioSource) -> Iterator[Finding]:
    for tag in scenario.tags:
        if tag not in SCENARIO_TAGS:
            yield Finding(scenario.file, scenario.line,
                          f"tag '@{tag}' on scenario '{scenario.name}' is outside the vocabulary "
                          f"({', '.join(SCENARIO_TAGS)})")


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
        yield Finding(relative, _line_of(policy_file, rf"^\[parameters\.{re.escape(key)}\]"),
                      f"parameter '{key}' is declared but no rule or derivation uses it")
    module_file = Path(module.__file__ or "")
    for key in sorted(used - set(source.parameters)):
        yield Finding(module_file.name, _line_of(module_file, rf"\b{re.escape(key)}\b"),
                      f"parameter '{key}' is used but not declared in {relative}")


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
    module_file = Path(module.__file__ or "").name
    by_id: dict[str, Statement] = {s.id: s for s in source.statements}
    for message in binding_problems(source, tuple(module.DERIVATIONS), tuple(module.RULES)):
        match = re.match(r"statement (\S+) \(", message)
        if match and match.group(1) in by_id:
            statement = by_id[match.group(1)]
            yield Finding(statement.file, statement.line, message)
        else:
            yield Finding(module_file, 1, message)


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
        findings += _examples(source, module)
        findings += _parameters(source, module)
        if definitions is not None:
            findings += _steps(source, definitions)
    return findings
