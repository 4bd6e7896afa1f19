"""Every number once: the numbers and ICD-10-CM codes a statement states are checked against its rules.

A statement keeps the author's words ("Courses are given every 28 days"), and
its rules name parameters (`P.min_interval_days`). Rendering `{parameter}`
placeholders into the text would make every reader of the text (pages,
reports, determinations, letters) depend on a renderer; verifying the words
instead keeps the text plain and catches every stale number at its line.
So `policy check` reads every number with its unit in a statement's title
and text, and every ICD-10-CM code, and fails unless each one agrees with
the statement's own parameters and code groups:

- A number with a unit ("2 to 5 days", "80 g", "26 weeks", "152.4 cm",
  "1 point") must equal, after unit conversion (weeks to days, inches to
  centimetres, ...), the value of a parameter of a compatible unit that the
  statement uses: its rules' parameters, its derivations', and those of the
  derivations whose facts its rules read (a rule comparing with the course
  maximum uses the vial rounding that maximum is computed with). Signs are
  not compared: "lower by at least 1 point" states the parameter -1 points.
- A number the check cannot tie to one of those parameters is declared by
  the author in the policy's data file (`policy.toml`; `shared.toml` for a
  shared statement), under `[numbers_in_text.<STATEMENT-ID>]`: either as an
  expression of parameters it states (`"20 days" = "min_interval_days - 1"`,
  `"5 days" = "max_course_days"`), which is then evaluated and compared (in
  the unit of the first parameter it names; a number of another kind, such
  as "0.4 g/kg per day" = "max_dose_g_per_kg / max_course_days", as written), or
  as a literal that is not a parameter, with the reason
  (`"1 g/kg" = { literal = "the source's daily limit; no rule tests it" }`). A
  number without a unit the check knows (a year in a guideline's name) must
  be declared too. A declaration the text no longer needs is reported.
- A code (`G72.49`, `M60.8x` for the group prefix M60.8, `M33.x` for M33) must
  belong to a code group of the policy, and to one the statement's rules test
  when they test group fields (the diagnosis derivations produce one field
  per group, named after it). A statement naming a code of a group names
  every prefix of that group, and every group is named by some statement. A
  code named for another reason (a diagnosis outside the policy) is declared
  as a literal, as above.

Scenario titles and example rows are not read: they are the tests, and a
changed parameter is meant to make them fail.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from policy.binding import used_parameters
from policy.rules.conditions import fields_of
from policy.rules.declarations import Case, Derivation, StatementRule
from policy.source import CodeGroup, Parameter, Statement

# The table of `policy.toml` / `shared.toml` where authors declare numbers the check cannot tie by itself.
DECLARATIONS = "numbers_in_text"

# Unit words as they are written, each with the dimension it measures and its size in that
# dimension's base unit: "26 weeks" is 182 days, "60 inches" is 152.4 cm.
UNITS: Mapping[str, tuple[str, float]] = {
    "g/kg per day": ("g/kg/day", 1.0), "g/kg/day": ("g/kg/day", 1.0),
    "g/kg": ("g/kg", 1.0), "mg/kg": ("g/kg", 0.001),
    "kg/in": ("kg/in", 1.0),
    "g": ("g", 1.0), "gram": ("g", 1.0), "grams": ("g", 1.0), "mg": ("g", 0.001),
    "kg": ("kg", 1.0), "kilogram": ("kg", 1.0), "kilograms": ("kg", 1.0),
    "cm": ("length", 1.0), "mm": ("length", 0.1),
    "in": ("length", 2.54), "inch": ("length", 2.54), "inches": ("length", 2.54),
    "day": ("days", 1.0), "days": ("days", 1.0), "week": ("days", 7.0), "weeks": ("days", 7.0),
    "hour": ("hours", 1.0), "hours": ("hours", 1.0),
    "month": ("months", 1.0), "months": ("months", 1.0),
    "year": ("years", 1.0), "years": ("years", 1.0),
    "course": ("courses", 1.0), "courses": ("courses", 1.0),
    "point": ("points", 1.0), "points": ("points", 1.0),
    "%": ("percent", 1.0), "percent": ("percent", 1.0),
}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
# Words that never stand between a number and its unit ("2 to 5 consecutive days" has one that may).
_STOP = ("to", "or", "and", "of", "the", "a", "an", "is", "are", "was", "be", "by", "for", "with", "from",
         "per", "than", "that", "this", "it", "as", "after", "before", "not", "no", "more", "less", "most",
         "least", "each", "every", "which", "when", "may", "must", "on", "at", "in", "up")
_NUMBER = r"(?:\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")"
_SEPARATOR = r"\s*(?:to|or|and|–|—|-)\s*"
# ICD-10-CM as statements write it: a code, or a group prefix followed by x (M60.8x, M33.x).
CODE = re.compile(r"(?<![\w.])([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:x|\.x)?(?![\w])")
_DIGITS = re.compile(r"^\d")


@frozen
class NumberProblem:
    """A number or code that disagrees with what the statement uses, at its file and line."""

    file: str
    line: int
    message: str


@frozen
class Quantity:
    """One number of a statement's wording with its unit: `phrase` as written ("5 days" of "2 to 5 days")."""

    value: float
    dimension: str | None  # None: no unit the check knows
    scale: float
    phrase: str
    context: str
    start: int

    def same(self, value: float, dimension: str, scale: float) -> bool:
        return self.dimension == dimension and math.isclose(self.value * self.scale, abs(value) * scale,
                                                            rel_tol=1e-9, abs_tol=1e-9)


@frozen
class CodeMention:
    code: str  # normalized: M60.8x -> M60.8
    written: str
    start: int


@frozen
class Declaration:
    """An author's word on a number or code of a statement: the expression it states, or why it is literal."""

    statement: str
    phrase: str
    expression: str | None
    literal: str | None
    line: int


# --- Reading the wording -------------------------------------------------------------------------


def _unit_table(extra_units: Iterable[str] = ()) -> dict[str, tuple[str, float]]:
    """The unit words known: the table above and the units the policy's parameters are given in."""
    table = dict(UNITS)
    for unit in extra_units:
        if unit.lower() not in table:
            dimension = unit.lower().removesuffix("s")
            table[unit.lower()] = (dimension, 1.0)
            table[dimension] = (dimension, 1.0)
    return table


def dimension_of(unit: str, table: Mapping[str, tuple[str, float]]) -> tuple[str, float]:
    """The dimension and scale of a parameter's unit (an unknown unit is a dimension of its own)."""
    return table.get(unit.lower(), (unit.lower().removesuffix("s"), 1.0))


def _mention_pattern(table: Mapping[str, tuple[str, float]]) -> re.Pattern[str]:
    words = sorted(table, key=len, reverse=True)
    units = "|".join(r"in(?=\s*(?:[).,;:]|$))" if w == "in" else re.escape(w) + (r"(?![\w/])" if w[-1].isalnum() else "")
                     for w in words)
    stop = "|".join(_STOP)
    return re.compile(
        rf"(?<![\w.,])(?P<numbers>{_NUMBER}(?:{_SEPARATOR}{_NUMBER})*)"
        rf"(?:(?:-|\s*)(?P<between>(?:(?!(?:{stop})\b)[a-z]+\s+){{0,2}}?)(?P<unit>{units}))?"
        r"(?![\w/])",
        re.IGNORECASE,
    )


def _value(word: str) -> float:
    return float(NUMBER_WORDS[word.lower()]) if word.lower() in NUMBER_WORDS else float(word)


def codes(text: str) -> list[CodeMention]:
    """The ICD-10-CM codes a text names, group prefixes written with x normalized to the prefix."""
    return [CodeMention(m.group(1), m.group(0), m.start()) for m in CODE.finditer(text)]


def quantities(text: str, table: Mapping[str, tuple[str, float]] | None = None) -> list[Quantity]:
    """Every number of a text that must be accounted for, each with its unit (a range gives one per number).

    Codes are skipped; a number spelled as a word counts only with a unit ("two to five courses"),
    a number in digits always (one with no unit the check knows has dimension None).
    """
    table = table if table is not None else _unit_table()
    blanked = CODE.sub(lambda m: " " * len(m.group(0)), text)
    found: list[Quantity] = []
    for match in _mention_pattern(table).finditer(blanked):
        unit = match.group("unit")
        numbers = re.findall(_NUMBER, match.group("numbers"), re.IGNORECASE)
        numbers = [n for n in numbers if _DIGITS.match(n) or n.lower() in NUMBER_WORDS]
        if unit is None and not any(_DIGITS.match(n) for n in numbers):
            continue
        dimension, scale = table[unit.lower()] if unit else (None, 1.0)
        context = text[match.start():match.end()]
        offset = match.start()
        for number in numbers:
            if unit is None and not _DIGITS.match(number):
                continue
            at = blanked.index(number, offset) if number in blanked[offset:] else match.start()
            offset = at + len(number)
            phrase = f"{number} {unit}" if unit else number
            found.append(Quantity(_value(number), dimension, scale, phrase, context, at))
    return found


# --- What a statement uses -----------------------------------------------------------------------


def statement_parameters(statement_id: str, derivations: tuple[Derivation, ...],
                         rules: tuple[StatementRule, ...]) -> frozenset[str]:
    """The parameters a statement's numbers may state: its rules', its derivations', and those of the
    derivations producing the facts its rules read (one step: the figures it compares with)."""
    own = tuple(r for r in rules if r.statement == statement_id)
    used = used_parameters((), own)
    used |= {key for d in derivations if d.statement == statement_id for key in d.parameters}
    read = {fact for rule in own for fact in rule.facts}
    used |= {key for d in derivations if d.produces in read for key in d.parameters}
    return frozenset(used)


def tested_groups(statement_id: str, rules: tuple[StatementRule, ...], groups: Mapping[str, CodeGroup]) -> set[str]:
    """The code groups a statement's rules test: fields named after a group (as diagnosis derivations write them)."""
    names: set[str] = set()
    for rule in rules:
        if rule.statement != statement_id:
            continue
        for branch in rule.branches:
            if isinstance(branch, Case):
                names |= {name for _fact, name in fields_of(branch.when)}
    return names & set(groups)


# --- Declarations --------------------------------------------------------------------------------


def _line_of(lines: list[str], pattern: str, after: int = 0) -> int:
    for number, line in enumerate(lines, start=1):
        if number > after and re.search(pattern, line):
            return number
    return after or 1


def declarations(data: Mapping[str, Any], path: Path, relative: str) -> tuple[list[Declaration], list[NumberProblem]]:
    """The `[numbers_in_text.<ID>]` tables of a data file, each entry with its line."""
    table = data.get(DECLARATIONS, {})
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    found: list[Declaration] = []
    problems: list[NumberProblem] = []
    if not isinstance(table, Mapping):
        return [], [NumberProblem(relative, _line_of(lines, rf"^\[?{DECLARATIONS}\b"),
                                  f"[{DECLARATIONS}] must hold one table per statement ID")]
    for statement_id, entries in table.items():
        header = _line_of(lines, rf"^\[{DECLARATIONS}\.{re.escape(statement_id)}\]\s*$")
        if not isinstance(entries, Mapping):
            problems.append(NumberProblem(relative, header, f"[{DECLARATIONS}.{statement_id}] must be a table"))
            continue
        for phrase, meaning in entries.items():
            line = _line_of(lines, rf"^\s*\"?{re.escape(phrase)}\"?\s*=", after=header)
            if isinstance(meaning, str):
                found.append(Declaration(statement_id, phrase, meaning, None, line))
            elif isinstance(meaning, Mapping) and isinstance(meaning.get("literal"), str) and meaning["literal"].strip():
                found.append(Declaration(statement_id, phrase, None, meaning["literal"], line))
            else:
                problems.append(NumberProblem(relative, line, f"'{phrase}' of {statement_id}: give the expression of "
                                              "parameters it states (a string), or { literal = \"why it is not "
                                              "a parameter\" }"))
    return found, problems


_OPERATORS: Mapping[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}


def evaluate(expression: str, parameters: Mapping[str, Parameter]) -> tuple[float, str]:
    """An expression of parameters and numbers (+ - * /, parentheses): its value, in the unit of the
    first parameter it names. Raises ValueError for anything else."""
    units: list[str] = []

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in parameters:
                raise ValueError(f"names no parameter of the policy: {node.id}")
            units.append(parameters[node.id].unit)
            return float(parameters[node.id].value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError("only parameters, numbers, + - * / and parentheses are allowed")

    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not an expression: {error.msg}") from error
    value = walk(tree)
    if not units:
        raise ValueError("names no parameter: a number that is not a parameter is declared { literal = \"why\" }")
    return value, units[0]


# --- The check -----------------------------------------------------------------------------------


def _description(base: Path, statement: Statement) -> tuple[str, list[tuple[int, int]]]:
    """The statement's text as its feature file spreads it over lines: (text, [(offset, line)])."""
    path = base / statement.file
    if not path.is_file():
        return statement.text, [(0, statement.line)]
    lines = path.read_text(encoding="utf-8").splitlines()
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for number in range(statement.line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped.startswith(("Scenario", "Background", "Example", "@", "Rule:", "Feature:")):
            break
        if not stripped or stripped.startswith("#"):
            continue
        starts.append((offset, number))
        parts.append(stripped)
        offset += len(stripped) + 1
    text = " ".join(parts)
    if text != statement.text:  # a layout this reader does not follow: every number at the Rule line
        return statement.text, [(0, statement.line)]
    return text, starts


def _line_at(starts: list[tuple[int, int]], offset: int) -> int:
    line = starts[0][1]
    for start, number in starts:
        if start <= offset:
            line = number
    return line


@frozen
class _Site:
    """Where a statement's wording is checked: its title or its text, with the line of any offset."""

    name: str
    text: str
    starts: list[tuple[int, int]]


def _sites(base: Path, statement: Statement) -> list[_Site]:
    text, starts = _description(base, statement)
    return [_Site("title", statement.title, [(0, statement.line)]), _Site("text", text, starts)]


def _quantity_of(phrase: str, table: Mapping[str, tuple[str, float]]) -> Quantity | None:
    found = quantities(phrase, table)
    return found[0] if len(found) == 1 else None


def _shown(value: float) -> str:
    return f"{value:g}"


def verify(
    statements: Iterable[Statement],
    parameters: Mapping[str, Parameter],
    groups: Mapping[str, CodeGroup],
    derivations: tuple[Derivation, ...],
    rules: tuple[StatementRule, ...],
    data: Mapping[str, Any],
    data_path: Path,
    base: Path,
) -> Iterator[NumberProblem]:
    """Every number and code of the statements' titles and texts that disagrees with what they use.

    `data` is the parsed data file at `data_path` (the policy's policy.toml, or shared.toml for the
    shared statements), where the `[numbers_in_text]` declarations are read; `base` is the folder
    the statements' file names are relative to.
    """
    relative = data_path.relative_to(base).as_posix() if data_path.is_relative_to(base) else data_path.name
    declared, problems = declarations(data, data_path, relative)
    yield from problems
    statements = tuple(statements)
    ids = {s.id for s in statements}
    for stray in declared:
        if stray.statement not in ids:
            yield NumberProblem(relative, stray.line, f"[{DECLARATIONS}.{stray.statement}] names no "
                                                      "statement written here")
    table = _unit_table(p.unit for p in parameters.values())
    used_declarations: set[Declaration] = set()
    named_groups: set[str] = set()
    for statement in statements:
        own = [d for d in declared if d.statement == statement.id]
        candidates = {key: parameters[key] for key in sorted(statement_parameters(statement.id, derivations, rules))
                      if key in parameters}
        for site in _sites(base, statement):
            for problem, applied in _check_numbers(statement, site, candidates, parameters, own, table, relative):
                if applied is not None:
                    used_declarations.add(applied)
                if problem is not None:
                    yield problem
            for problem, applied, group in _check_codes(statement, site, groups, rules, own):
                if applied is not None:
                    used_declarations.add(applied)
                if group is not None:
                    named_groups.add(group)
                if problem is not None:
                    yield problem
    for declaration in declared:
        if declaration.statement in ids and declaration not in used_declarations:
            yield NumberProblem(relative, declaration.line, f"'{declaration.phrase}' is declared for "
                                f"{declaration.statement}, whose title and text no longer state it: remove it")
    if groups:
        lines = data_path.read_text(encoding="utf-8").splitlines() if data_path.is_file() else []
        for key in sorted(set(groups) - named_groups):
            yield NumberProblem(relative, _line_of(lines, rf"^\[code_groups\.{re.escape(key)}\]"),
                                f"code group '{key}' ({', '.join(groups[key].prefixes)}) is named in no statement: "
                                "the statement deciding it names its codes")


def _check_numbers(
    statement: Statement, site: _Site, candidates: Mapping[str, Parameter], parameters: Mapping[str, Parameter],
    own: list[Declaration], table: Mapping[str, tuple[str, float]], relative: str,
) -> Iterator[tuple[NumberProblem | None, Declaration | None]]:
    where = f"in its {site.name}"
    for quantity in quantities(site.text, table):
        line = _line_at(site.starts, quantity.start)
        said = f'"{quantity.phrase}"' + (f' (in "{quantity.context}")' if quantity.context != quantity.phrase else "")
        declaration = next((d for d in own if (q := _quantity_of(d.phrase, table)) is not None
                            and q.dimension is not None and quantity.same(q.value, q.dimension, q.scale)), None)
        if declaration is None and quantity.dimension is None:
            declaration = next((d for d in own if d.phrase.strip() == quantity.phrase), None)
        if declaration is not None:
            yield _declared(statement, quantity, declaration, parameters, table, relative, line, said, where)
            continue
        if quantity.dimension is None:
            yield NumberProblem(statement.file, line, f"statement {statement.id} states the number {said} {where} "
                                "with no unit the check knows: write its unit, or declare it under "
                                f"[{DECLARATIONS}.{statement.id}] in {relative}"), None
            continue
        if any(quantity.same(p.value, *dimension_of(p.unit, table)) for p in candidates.values()):
            yield None, None
            continue
        alike = [p for p in candidates.values() if dimension_of(p.unit, table)[0] == quantity.dimension]
        listed = ", ".join(f"{p.key} = {_shown(p.value)} {p.unit}" for p in (alike or candidates.values()))
        yield NumberProblem(statement.file, line, f"statement {statement.id} says {said} {where}, but no parameter its "
                            f"rules use has that value ({listed or 'it uses none'}): correct the wording, or declare "
                            f"what it states under [{DECLARATIONS}.{statement.id}] in {relative}"), None


def _declared(
    statement: Statement, quantity: Quantity, declaration: Declaration, parameters: Mapping[str, Parameter],
    table: Mapping[str, tuple[str, float]], relative: str, line: int, said: str, where: str,
) -> tuple[NumberProblem | None, Declaration]:
    if declaration.expression is None:
        return None, declaration
    try:
        value, unit = evaluate(declaration.expression, parameters)
    except ValueError as error:
        return NumberProblem(relative, declaration.line,
                             f"'{declaration.phrase}' of {statement.id} = \"{declaration.expression}\": {error}"), declaration
    dimension, scale = dimension_of(unit, table)
    if quantity.dimension == dimension and quantity.same(value, dimension, scale):
        return None, declaration
    if quantity.dimension != dimension and math.isclose(quantity.value, abs(value), rel_tol=1e-9, abs_tol=1e-9):
        # Of another kind than its first parameter ("g/kg per day" from g/kg over days): as written.
        return None, declaration
    return NumberProblem(statement.file, line, f"statement {statement.id} says {said} {where}, but what it is declared "
                         f"to state, {declaration.expression}, is {_shown(value)} {unit} now: correct the wording"), declaration


def _code_of(phrase: str) -> str | None:
    match = CODE.fullmatch(phrase.strip())
    return match.group(1) if match else None


def _check_codes(
    statement: Statement, site: _Site, groups: Mapping[str, CodeGroup], rules: tuple[StatementRule, ...],
    own: list[Declaration],
) -> Iterator[tuple[NumberProblem | None, Declaration | None, str | None]]:
    tested = tested_groups(statement.id, rules, groups)
    named: dict[str, set[str]] = {}
    first_line = 0
    for mention in codes(site.text):
        line = _line_at(site.starts, mention.start)
        declaration = next((d for d in own if _code_of(d.phrase) == mention.code), None)
        if declaration is not None:
            yield None, declaration, None
            continue
        holding = [key for key, group in groups.items() if mention.code in group.prefixes or group.contains(mention.code)]
        if not holding:
            yield (NumberProblem(statement.file, line, f"statement {statement.id} names ICD-10-CM code "
                                 f"{mention.written} in its {site.name}, which no code group of the policy holds: "
                                 f"correct it, or declare it under [{DECLARATIONS}.{statement.id}] as a literal"),
                   None, None)
            continue
        if tested and not set(holding) & tested:
            yield (NumberProblem(statement.file, line, f"statement {statement.id} names {mention.written} in its "
                                 f"{site.name}, which is in code group {', '.join(holding)}, but its rules test "
                                 f"{', '.join(sorted(tested))}"), None, None)
            continue
        first_line = first_line or line
        for key in holding:
            named.setdefault(key, set()).add(mention.code)
            yield None, None, key
    for key, mentioned in sorted(named.items()):
        missing = [prefix for prefix in groups[key].prefixes if prefix not in mentioned]
        if missing:
            yield (NumberProblem(statement.file, first_line, f"statement {statement.id} names codes of code group "
                                 f"'{key}' in its {site.name} but not {', '.join(missing)}: a statement naming a "
                                 "group's codes names every prefix the group holds"), None, None)
