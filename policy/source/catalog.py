"""Statements read from Gherkin: one `Rule:` is one statement.

The rule's tags carry its ID and citation keys (`@DOSE-TOTAL @cite.octagam-label`),
its description is the statement text, its scenarios are the examples.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from attrs import frozen
from gherkin.parser import Parser

from policy.errors import PolicyDefinitionError

STATEMENT_TAG = re.compile(r"^[A-Z]+(?:-[A-Z0-9]+)+$")
CITATION_PREFIX = "cite."
# A Rule tagged with a statement ID and this tag stands for the shared statement
# of that ID: it places the statement in the policy (its section and order)
# without restating it.
INCLUDE_TAG = "include"


@frozen
class Example:
    """One row of an Examples table (or the single run of a plain scenario)."""

    line: int
    values: tuple[tuple[str, str], ...]


@frozen
class ScenarioSource:
    """A scenario as written: its name, tags, steps and example rows."""

    name: str
    file: str
    line: int
    tags: tuple[str, ...]
    steps: tuple[tuple[int, str, str], ...]  # (line, keyword, text)
    examples: tuple[Example, ...]
    statement: str | None  # the rule it belongs to, if any


@frozen
class Statement:
    """A guideline statement: stable ID, wording, citations and examples."""

    id: str
    title: str
    text: str
    citations: tuple[str, ...]
    section: str
    file: str
    line: int
    tags: tuple[tuple[str, int], ...]  # every tag with its line, for checks
    scenarios: tuple[ScenarioSource, ...]
    # A placeholder Rule tagged @include, not yet resolved to the shared statement.
    placeholder: bool = False
    # Resolved from the shared source; `file` and `line` are then the shared Rule's,
    # `section` the including policy's, `included_at` the placeholder's place.
    shared: bool = False
    included_at: tuple[str, int] | None = None


def _tags(node: dict[str, Any]) -> list[tuple[str, int]]:
    return [(t["name"].lstrip("@"), t["location"]["line"]) for t in node.get("tags", [])]


def _text(description: str) -> str:
    return " ".join(line.strip() for line in description.strip().splitlines() if line.strip())


def _scenario(node: dict[str, Any], file: str, statement: str | None) -> ScenarioSource:
    steps = tuple(
        (s["location"]["line"], s["keyword"].strip(), s["text"]) for s in node.get("steps", [])
    )
    examples: list[Example] = []
    for table in node.get("examples", []):
        header = [c["value"] for c in table.get("tableHeader", {}).get("cells", [])]
        for row in table.get("tableBody", []):
            values = tuple(zip(header, (c["value"] for c in row["cells"]), strict=True))
            examples.append(Example(line=row["location"]["line"], values=values))
    if not node.get("examples"):
        examples.append(Example(line=node["location"]["line"], values=()))
    return ScenarioSource(
        name=node["name"],
        file=file,
        line=node["location"]["line"],
        tags=tuple(t for t, _ in _tags(node)),
        steps=steps,
        examples=tuple(examples),
        statement=statement,
    )


def parse_feature(path: Path, relative: str) -> tuple[list[Statement], list[ScenarioSource]]:
    """Read one feature file: its statements and the scenarios outside any rule."""
    try:
        document: dict[str, Any] = dict(Parser().parse(path.read_text(encoding="utf-8")))
    except Exception as error:  # gherkin raises its own composite errors
        raise PolicyDefinitionError(f"{relative}: cannot parse Gherkin: {error}") from error
    feature = document.get("feature")
    if feature is None:
        return [], []
    statements: list[Statement] = []
    loose: list[ScenarioSource] = []
    for child in feature["children"]:
        if "scenario" in child:
            loose.append(_scenario(child["scenario"], relative, None))
        elif "rule" in child:
            rule = child["rule"]
            tags = _tags(rule)
            ids = [t for t, _ in tags if STATEMENT_TAG.match(t)]
            line = rule["location"]["line"]
            if len(ids) != 1:
                raise PolicyDefinitionError(
                    f"{relative}:{line}: a Rule needs exactly one statement ID tag, found {ids or 'none'}"
                )
            statement_id = ids[0]
            scenarios = tuple(
                _scenario(c["scenario"], relative, statement_id)
                for c in rule["children"]
                if "scenario" in c
            )
            statements.append(
                Statement(
                    placeholder=any(t == INCLUDE_TAG for t, _ in tags),
                    id=statement_id,
                    title=rule["name"],
                    text=_text(rule.get("description", "")),
                    citations=tuple(
                        t[len(CITATION_PREFIX) :] for t, _ in tags if t.startswith(CITATION_PREFIX)
                    ),
                    section=feature["name"],
                    file=relative,
                    line=line,
                    tags=tuple(tags),
                    scenarios=scenarios,
                )
            )
    return statements, loose


def read_statements(folder: Path, base: Path) -> tuple[list[Statement], list[ScenarioSource]]:
    """Every statement of a policy folder, in file order then rule order."""
    statements: list[Statement] = []
    loose: list[ScenarioSource] = []
    for path in sorted(folder.glob("*.feature")):
        found, outside = parse_feature(path, path.relative_to(base).as_posix())
        statements.extend(found)
        loose.extend(outside)
    return statements, loose
