"""Mutation points of a policy's Python, found with `ast` in the module's own text.

A module declares statement rules with the core's builders (`rule(...)`,
`StatementRule(...)`, their `case(...)`/`otherwise(...)` branches, `all_of`,
`any_of`) and derivations with `Derivation(..., compute=f)`. Each point
becomes one mutant: one edit of the file's bytes.

- In a rule's branches: each comparison (`>`/`>=`, `<`/`<=`, `==`/`!=`),
  each outcome (every other `Outcome`), each `all_of`/`any_of`, each case
  deleted. A module-level condition a rule names (`CONTINUATION = ...`) is
  mutated once, for the first statement whose rule uses it.
- In a derivation's compute function, and the module's functions it calls:
  each comparison (also `in`/`not in`, `is`/`is not`) and each number, one
  step up and down (the step from its written decimals); a module-level
  number such a function reads is mutated at its assignment.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from attrs import frozen

from policy.mutate.module import Module, Scope, keyword_of, step_of, string_of
from policy.mutate.mutants import Edit, Kind, Mutant, mutant_id
from policy.rules.declarations import Outcome

# The comparison each operator is swapped for: its boundary twin, or its negation for (in)equality.
RULE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
}
PYTHON_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    **RULE_SWAPS, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
OPERATOR_TEXT = {
    ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}
# An operator token between two operands (the operands' own closing parentheses may precede it).
_OPERATOR = re.compile(rb"(<=|>=|==|!=|<|>|\bnot\s+in\b|\bin\b|\bis\s+not\b|\bis\b)")


@frozen
class _Rule:
    name: str
    statement: str
    call: ast.Call
    cases: tuple[ast.Call, ...]
    siblings: tuple[ast.expr, ...]  # the expressions the cases are listed among (for deleting one)
    otherwise: ast.Call | None


def _rules(module: Module) -> Iterator[_Rule]:
    for node in ast.walk(module.tree):
        builder = module.builder(node)
        if builder not in ("rule", "StatementRule"):
            continue
        assert isinstance(node, ast.Call)
        if builder == "rule":
            name = string_of(node.args[0]) if node.args else string_of(keyword_of(node, "name"))
            branches: Sequence[ast.expr] = node.args[3:]
            siblings: tuple[ast.expr, ...] = tuple(node.args)
            otherwise = next((b for b in branches if module.builder(b) == "otherwise"), None)
        else:
            name = string_of(keyword_of(node, "name"))
            listed = keyword_of(node, "cases")
            branches = listed.elts if isinstance(listed, ast.Tuple | ast.List) else ()
            siblings = tuple(branches)
            otherwise = keyword_of(node, "otherwise")
        if name is None:
            continue
        statement = string_of(keyword_of(node, "statement")) or name
        cases = tuple(b for b in branches if module.builder(b) == "case")
        yield _Rule(name, statement, node, cases, siblings,  # type: ignore[arg-type]
                    otherwise if isinstance(otherwise, ast.Call) else None)


class _Points:
    """Collects the mutants of one module."""

    def __init__(self, module: Module, scope: Scope) -> None:
        self.module = module
        self.scope = scope
        self.mutants: list[Mutant] = []

    def add(self, where: str, kind: Kind, statement: str, also: tuple[str, ...], original: str, mutated: str,
            start: int, end: int, text: str) -> None:
        self.mutants.append(Mutant(
            id=mutant_id(where, kind, original, mutated), statement=statement, kind=kind, file=self.module.file,
            line=self.module.line_of(start), original=original, mutated=mutated,
            edit=Edit(self.module.file, start, end, text), also=also,
        ))

    # --- comparisons, combinators, outcomes, deleted cases ------------------------------------

    def comparisons(self, node: ast.AST, where: str, kind: Kind, statement: str, also: tuple[str, ...],
                    swaps: Mapping[type[ast.cmpop], type[ast.cmpop]]) -> None:
        for compare in (n for n in ast.walk(node) if isinstance(n, ast.Compare)):
            operands = [compare.left, *compare.comparators]
            for index, op in enumerate(compare.ops):
                swapped = swaps.get(type(op))
                if swapped is None:
                    continue
                after = self.module.span(operands[index])[1]
                before = self.module.span(operands[index + 1])[0]
                found = _OPERATOR.search(self.module.data, after, before)
                if found is None:
                    continue
                ops = list(compare.ops)
                ops[index] = swapped()
                mutated = ast.Compare(left=compare.left, ops=ops, comparators=compare.comparators)
                self.add(where, kind, statement, also, ast.unparse(compare), ast.unparse(mutated),
                         found.start(), found.end(), OPERATOR_TEXT[swapped])

    def combinators(self, node: ast.AST, where: str, statement: str, also: tuple[str, ...]) -> None:
        for call in ast.walk(node):
            builder = self.module.builder(call)
            if builder not in ("all_of", "any_of"):
                continue
            assert isinstance(call, ast.Call)
            other = "any_of" if builder == "all_of" else "all_of"
            local = next((name for name, b in self.module.names.items() if b == other), other)
            start, end = self.module.span(call.func)
            self.add(where, Kind.COMBINATOR, statement, also, builder, other, start, end, local)

    def outcome(self, node: ast.expr, where: str, statement: str) -> None:
        member = self.module.outcome_member(node)
        if member is None:
            return
        start, end = self.module.span(node)
        for other in Outcome.__members__:
            if other != member:
                self.add(where, Kind.OUTCOME, statement, (), member, other, start, end,
                         self.module.outcome_text(other))

    def deletion(self, rule: _Rule, case: ast.Call, number: int) -> None:
        siblings = list(rule.siblings)
        index = next(i for i, node in enumerate(siblings) if node is case)
        start, end = self.module.span(case)
        if index + 1 < len(siblings):
            end = self.module.span(siblings[index + 1])[0]
        elif index > 0:
            start = self.module.span(siblings[index - 1])[1]
        else:  # the only case of a tuple: its trailing comma goes with it
            rest = re.match(rb"\s*,", self.module.data[end:])
            end += rest.end() if rest else 0
        condition = ast.unparse(case.args[0]) if case.args else "?"
        self.add(f"{rule.name} case {number}", Kind.DELETE, rule.statement, (),
                 f"case {number} ({condition})", "no such case", start, end, "")

    def rule(self, rule: _Rule) -> None:
        for number, case in enumerate(rule.cases, start=1):
            where = f"{rule.name} case {number}"
            if case.args:
                self.comparisons(case.args[0], where, Kind.COMPARE, rule.statement, (), RULE_SWAPS)
                self.combinators(case.args[0], where, rule.statement, ())
            outcome = case.args[1] if len(case.args) > 1 else keyword_of(case, "outcome")
            if outcome is not None:
                self.outcome(outcome, where, rule.statement)
            self.deletion(rule, case, number)
        if rule.otherwise is not None:
            outcome = rule.otherwise.args[0] if rule.otherwise.args else keyword_of(rule.otherwise, "outcome")
            if outcome is not None:
                self.outcome(outcome, f"{rule.name} otherwise", rule.statement)

    def shared_conditions(self, rules: Sequence[_Rule]) -> None:
        """Module-level conditions the rules name, each mutated once (for the first statement using it)."""
        users: dict[str, list[str]] = {}
        for rule in rules:
            for case in rule.cases:
                for node in ast.walk(case.args[0]) if case.args else ():
                    if isinstance(node, ast.Name) and node.id in self.module.assignments:
                        users.setdefault(node.id, []).append(rule.statement)
        for name, statements in users.items():
            value = self.module.assignments[name].value
            if not any(isinstance(n, ast.Compare) or self.module.builder(n) in ("all_of", "any_of")
                       for n in ast.walk(value)):
                continue
            statement, also = self.scope.first(statements)
            self.comparisons(value, name, Kind.COMPARE, statement, also, RULE_SWAPS)
            self.combinators(value, name, statement, also)

    # --- derivations -------------------------------------------------------------------------

    def derivations(self) -> None:
        """Comparisons and numbers of each in-scope derivation's compute function and what it calls."""
        reached: dict[str, list[str]] = {}
        for node in ast.walk(self.module.tree):
            if self.module.builder(node) != "Derivation":
                continue
            assert isinstance(node, ast.Call)
            statement = string_of(keyword_of(node, "statement"))
            compute = keyword_of(node, "compute")
            if statement is None or not self.scope.includes(statement) or not isinstance(compute, ast.Name):
                continue
            for function in self._called_from(compute.id):
                reached.setdefault(function, []).append(statement)
        constants: dict[str, list[str]] = {}
        for function, statements in reached.items():
            statement, also = self.scope.first(statements)
            body = self.module.functions[function]
            where = function
            for part in body.body:
                self.comparisons(part, where, Kind.DERIVATION_COMPARE, statement, also, PYTHON_SWAPS)
                self._numbers(part, where, statement, also)
                for name in (n.id for n in ast.walk(part) if isinstance(n, ast.Name)):
                    if _number(self.module.assignments[name].value if name in self.module.assignments else None):
                        constants.setdefault(name, []).extend(statements)
        for name, statements in constants.items():
            statement, also = self.scope.first(statements)
            self._numbers(self.module.assignments[name].value, name, statement, also)

    def _called_from(self, function: str) -> list[str]:
        """The function and the module's functions it calls, directly or not, in the order first met."""
        order: list[str] = []
        waiting = [function]
        while waiting:
            name = waiting.pop(0)
            if name in order or name not in self.module.functions:
                continue
            order.append(name)
            for node in ast.walk(self.module.functions[name]):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    waiting.append(node.func.id)
        return order

    def _numbers(self, node: ast.AST, where: str, statement: str, also: tuple[str, ...]) -> None:
        for constant in (n for n in ast.walk(node) if _number(n)):
            assert isinstance(constant, ast.Constant)
            start, end = self.module.span(constant)
            written = self.module.data[start:end].decode("utf-8")
            for moved in _steps(written):
                self.add(where, Kind.DERIVATION_CONSTANT, statement, also, written, moved, start, end, moved)


def _number(node: ast.AST | None) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool))


def _steps(written: str) -> list[str]:
    """The number one step down and one step up, written with the same decimals."""
    plain = written.replace("_", "")
    try:
        value = Decimal(plain)
    except ArithmeticError:
        return []  # hex, octal: no step is obvious
    step = step_of(plain)
    return [str(value - step), str(value + step)]


def module_mutants(path: Path, file: str, scope: Scope,
                   accept: Callable[[str], bool] | None = None) -> list[Mutant]:
    """Every mutant of one module of a policy (its rules and derivations within `scope`)."""
    module = Module(path, file)
    points = _Points(module, scope)
    rules = [rule for rule in _rules(module) if scope.includes(rule.statement)]
    for rule in rules:
        points.rule(rule)
    points.shared_conditions(rules)
    points.derivations()
    return [m for m in points.mutants if accept is None or accept(m.statement)]
