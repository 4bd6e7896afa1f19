"""Equivalent mutants, declared by the policy's authors next to the rules they concern.

A mutant no request can tell from the original is not a gap in the
examples. Its author says so in the module holding the rule (the policy's
`rules.py`, or `features/shared/rules.py` for a shared statement), with one
line of reason per mutant id:

    EQUIVALENT_MUTANTS: dict[str, str] = {
        "DOSE-TOTAL/grams case 2 outcome: UNKNOWN -> NOT_APPLICABLE":
            "DOSE-WEIGHT pends for the missing weight and ...",
    }

The declaration is read from the module's text, never run: a dict whose
keys and values are strings, written as literals, joined with `+`, or named
by module-level strings (a reason several mutants share). A declared mutant is still run: it is reported as equivalent, with its
reason, only when the examples do not kill it and no candidate request tells
it apart; otherwise the declaration is wrong and the report says so. A
declaration naming no mutant of the policy is reported too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from attrs import frozen

DECLARATION_NAME = "EQUIVALENT_MUTANTS"


@frozen
class Declaration:
    """One mutant declared equivalent: its id, the author's reason, and where it is declared."""

    id: str
    reason: str
    file: str
    line: int

    @property
    def place(self) -> str:
        return f"{self.file}:{self.line}"


class DeclarationError(ValueError):
    """A declaration that is not a literal dict of one-line strings."""


def _value(node: ast.stmt) -> ast.expr | None:
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == DECLARATION_NAME for t in node.targets):
        return node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == DECLARATION_NAME:
        return node.value
    return None


def _string(node: ast.expr, constants: dict[str, ast.expr], file: str) -> str:
    """The string an expression writes: a literal, a module-level string's name, or `+` of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return _string(constants.pop(node.id), constants, file)  # popped: a name defined by itself fails
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _string(node.left, constants, file) + _string(node.right, constants, file)
    raise DeclarationError(f"{file}:{node.lineno}: {DECLARATION_NAME}: write each id and reason as a string "
                           "(literals, module-level strings, joined with +)")


def module_declarations(path: Path, file: str) -> list[Declaration]:
    """The equivalent mutants one module declares, in the order written."""
    tree = ast.parse(path.read_bytes(), filename=file)
    constants = {
        node.targets[0].id: node.value for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    }
    found: list[Declaration] = []
    for node in tree.body:
        value = _value(node)
        if value is None:
            continue
        if not isinstance(value, ast.Dict):
            raise DeclarationError(f"{file}:{node.lineno}: {DECLARATION_NAME} must be a dict written out")
        for key, reason in zip(value.keys, value.values, strict=True):
            if key is None:
                raise DeclarationError(f"{file}:{reason.lineno}: {DECLARATION_NAME}: no ** in the declaration")
            mutant = _string(key, dict(constants), file)
            why = _string(reason, dict(constants), file).strip()
            if not why or "\n" in why:
                raise DeclarationError(f"{file}:{reason.lineno}: {DECLARATION_NAME}: each mutant id needs a "
                                       "one-line reason")
            found.append(Declaration(mutant, why, file, key.lineno))
    return found


def declarations(modules: Iterable[tuple[Path, str]]) -> list[Declaration]:
    """Every declaration of the modules given as (path, name relative to the repository root)."""
    return [d for path, file in modules for d in module_declarations(path, file)]
