"""A policy module as mutation reads it: its bytes, its syntax tree, the core's builders in it.

Edits are made to the bytes (`ast` gives UTF-8 offsets), so each mutant
changes exactly the characters of its point and nothing else in the file.
The builders of the rule language are recognised by the names they are
imported under from `policy.rules` (a module that renames one on import is
read the same); `Scope` says which of a module's statements belong to the
policy being mutated, in the policy's order.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from attrs import frozen

from policy.rules.declarations import Outcome

RULES_PACKAGE = "policy.rules"
BUILDERS = ("rule", "StatementRule", "case", "otherwise", "all_of", "any_of", "Derivation", "Outcome")


@frozen
class Scope:
    """What of a module belongs to the policy being mutated, and in which order its statements come."""

    statements: Sequence[str]  # the policy's statements, in its order
    everything: bool = False  # every statement a module declares, the policy's or not

    def includes(self, statement: str) -> bool:
        return self.everything or statement in self.statements

    def first(self, statements: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        ordered = sorted(dict.fromkeys(statements), key=self._position)
        return ordered[0], tuple(ordered[1:])

    def _position(self, statement: str) -> int:
        return self.statements.index(statement) if statement in self.statements else len(self.statements)


class Module:
    """A module's bytes, syntax tree and the local names of the core's builders."""

    def __init__(self, path: Path, file: str) -> None:
        self.file = file
        self.data = path.read_bytes()
        self.tree = ast.parse(self.data, filename=file)
        self._starts = [0]
        for line in self.data.split(b"\n")[:-1]:
            self._starts.append(self._starts[-1] + len(line) + 1)
        self.names = self._builder_names()
        self.outcome_aliases = self._outcome_aliases()
        self.assignments = {
            node.targets[0].id: node
            for node in self.tree.body
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        }
        self.functions = {node.name: node for node in self.tree.body if isinstance(node, ast.FunctionDef)}

    def _builder_names(self) -> dict[str, str]:
        """Local name -> builder, for the builders imported from the core's rule language."""
        found = {name: name for name in BUILDERS}
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(RULES_PACKAGE):
                for alias in node.names:
                    if alias.name in BUILDERS and alias.asname:
                        # Imported under another name: the builder's own name means something else here.
                        found.pop(alias.name, None)
                        found[alias.asname] = alias.name
        return found

    def _outcome_aliases(self) -> dict[str, str]:
        """Module-level names bound to an outcome (`MET, NOT_MET = Outcome.MET, Outcome.NOT_MET`)."""
        aliases: dict[str, str] = {}
        for node in self.tree.body:
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target, value = node.targets[0], node.value
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                     else [(target, value)])
            for name, expression in pairs:
                member = self.outcome_member(expression, aliases)
                if isinstance(name, ast.Name) and member is not None:
                    aliases[name.id] = member
        return aliases

    def builder(self, node: ast.AST) -> str | None:
        """Which builder a call calls, if any."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self.names.get(node.func.id)
        return None

    def outcome_member(self, node: ast.AST, aliases: Mapping[str, str] | None = None) -> str | None:
        """The `Outcome` member an expression names (`Outcome.MET`, or an alias of it), if any."""
        known = self.outcome_aliases if aliases is None else aliases
        if isinstance(node, ast.Name):
            return known.get(node.id)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and self.names.get(node.value.id) == "Outcome" and node.attr in Outcome.__members__):
            return node.attr
        return None

    def outcome_text(self, member: str) -> str:
        """How the module writes an outcome: its alias when it has one, else `Outcome.X`."""
        for alias, named in self.outcome_aliases.items():
            if named == member:
                return alias
        local = next((name for name, builder in self.names.items() if builder == "Outcome"), "Outcome")
        return f"{local}.{member}"

    def offset(self, line: int, column: int) -> int:
        return self._starts[line - 1] + column

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def line_of(self, offset: int) -> int:
        return self.data.count(b"\n", 0, offset) + 1


def string_of(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def keyword_of(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)



def step_of(written: str) -> Decimal:
    """The smallest step of a number as written: 1 for `28`, 0.1 for `2.0` or `152.4`, 0.05 for `0.05`."""
    exponent = Decimal(written).as_tuple().exponent
    return Decimal(1).scaleb(min(int(exponent), 0))
