"""How directly each statement is supported: grades of statement–reference pairs and the badges they give.

Support is not a property of a reference. A trial in one condition supports a
statement directly for that condition and only by extrapolation for a related
one; one policy's source document supports a shared statement directly for
that policy and by extrapolation for another. So every (statement,
cited reference) pair is graded, with a note saying why, in a grade file
beside the statements (`citations.toml`):

- `features/shared/citations.toml` grades the shared statements' citations,
  as they hold in every including policy;
- `features/<policy>/citations.toml` grades the policy's own statements and
  re-grades any shared pair whose support its condition changes (a quote it
  does not restate is kept: the reference's sentence does not change).

A grade file holds two kinds of table::

    [grade.<STATEMENT-ID>.<reference-key>]
    support = "direct" | "extrapolated" | "unverified"
    note = "why"                        # required
    direct_for = ["M33.1"]              # codes for which support is direct although `support` is not
    extrapolated_from = "MIS-C guidance" # extrapolated only: what the badge names (default: the reference's short name)
    quote = "..." | ["...", "..."]      # the sentence(s) of the reference the statement encodes, verbatim

    [statement.<STATEMENT-ID>]
    quote = ...              # the sentence(s) of the policy's source document the statement encodes without citing it
    not_in_source = "..."    # the source document does not contain the statement: where it comes from instead
    policy_choice = "..."    # the statement's decision is the committee's own (a badge), with
    policy_choice_note = "..."

A policy names the document it was encoded from in `policy.toml`
(`[policy] source_document = "<reference-key>"`); each of its statements then
quotes that document or says it is not in it. The document itself is not
shipped, so the quotes are stored and only their presence is checked.

`grades` and `badges` are what the handbook, the printable policy and the
reports show; `findings` is what `policy check` reports, as (file, line,
message) with files relative to the folder holding the policy folders.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from attrs import evolve, frozen

from policy.binding import BoundPolicy, used_parameters
from policy.errors import Finding as Problem
from policy.errors import PolicyDefinitionError
from policy.library import policy_folders
from policy.source import (
    SHARED_FOLDER,
    Parameter,
    PolicySource,
    Reference,
    Statement,
    load_shared,
    load_source,
    source_root,
)

GRADES_FILE = "citations.toml"
POLICY_FILE = "policy.toml"
BIBLIOGRAPHY_FILE = "bibliography.toml"
SOURCE_KEY = "source_document"

# What each level means for one statement–reference pair (shown beside every grade).
LEVELS = {
    "direct": "the reference states what the statement says (or the part of it the note names), "
              "for this policy's condition",
    "extrapolated": "the reference says so for another condition, population, figure or scope, "
                    "and the policy carries it over",
    "unverified": "the reference is cited for the claim, but the claim could not be found in it or checked; "
                  "nothing rests on it",
}
DIRECT, EXTRAPOLATED, UNVERIFIED = LEVELS

# Badge kinds: what a reviewer must not miss about a statement.
BADGE_EXTRAPOLATED = "extrapolated"
BADGE_UNVERIFIED = "unverified"
BADGE_POLICY_CHOICE = "policy-choice"
BADGE_NOT_IN_SOURCE = "not-in-source"

# Sentences of a quote are shown joined by an elision mark: they are separate sentences of the document.
QUOTE_JOIN = " […] "
_GRADE_KEYS = ("support", "note", "direct_for", "extrapolated_from", "quote")
_STATEMENT_KEYS = ("quote", "not_in_source", "policy_choice", "policy_choice_note")
_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")


@frozen
class Grade:
    """How directly one reference supports one statement, and why; `quote` is the sentence it encodes."""

    statement: str
    reference: str
    support: str  # direct | extrapolated | unverified
    note: str = ""
    quote: str | None = None
    # The sentences of `quote`, one by one (`quote` joins them with an elision mark).
    quotes: tuple[str, ...] = ()
    # Codes for which the support is direct although `support` is not (a dermatomyositis trial: M33.1).
    direct_for: tuple[str, ...] = ()
    # What an extrapolated grade is extrapolated from, as a badge names it.
    extrapolated_from: str = ""
    # Read from the shared source's grades rather than re-graded by the policy.
    shared: bool = False
    file: str = ""
    line: int = 0


@frozen
class Badge:
    """A visible mark on a statement a reviewer must not miss (extrapolated, unverified, policy choice, ...)."""

    kind: str
    label: str
    detail: str = ""


@frozen
class StatementNotes:
    """What a grade file says of a statement beyond its citations."""

    statement: str
    quotes: tuple[str, ...] = ()
    not_in_source: str = ""
    policy_choice: str = ""
    policy_choice_note: str = ""
    file: str = ""
    line: int = 0


@frozen
class GradeFile:
    """One grade file as read: its grades, its statement notes and what is wrong in it."""

    file: str
    exists: bool
    grades: Mapping[tuple[str, str], Grade]
    statements: Mapping[str, StatementNotes]
    problems: tuple[Problem, ...]


_CACHE: dict[tuple[str, int, int, str], GradeFile] = {}


# --- Reading ----------------------------------------------------------------------------------------


def _keys(header: str) -> tuple[str, ...]:
    """The dotted key of a TOML table header, quotes removed."""
    return tuple(a or b or c for a, b, c in re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', header))


def _table_lines(text: str) -> dict[tuple[str, ...], int]:
    """Each table header's line, and each `key =` line under it as (*table, key)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$", line)
        if header:
            table = _keys(header.group(1))
            lines.setdefault(table, number)
            continue
        key = re.match(r'^\s*("[^"]*"|[A-Za-z0-9_-]+)\s*=', line)
        if key and table:
            lines.setdefault((*table, key.group(1).strip('"')), number)
    return lines


def _texts(value: Any) -> tuple[str, ...] | None:
    """A quote as its sentences, or None when it is neither a text nor a list of texts."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return tuple(v.strip() for v in value)


def read_grades(path: Path, base: Path) -> GradeFile:
    """The grade file at `path` (absent: no grades), read once per version of the file."""
    relative = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.as_posix()
    if not path.is_file():
        return GradeFile(relative, False, {}, {}, ())
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, relative)
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _parse(path.read_text(encoding="utf-8"), relative)
    return found


def _parse(text: str, relative: str) -> GradeFile:
    problems: list[Problem] = []
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.match(r"(.*?)\s*\(at line (\d+)", str(error))
        line, message = (int(match.group(2)), match.group(1)) if match else (1, str(error))
        return GradeFile(relative, True, {}, {}, (Problem(relative, line, f"invalid TOML: {message}"),))
    lines = _table_lines(text)

    def at(*table: str) -> int:
        return lines.get(table, lines.get(table[:-1], 1) if len(table) > 1 else 1)

    grades: dict[tuple[str, str], Grade] = {}
    notes: dict[str, StatementNotes] = {}
    for top, value in raw.items():
        if top == "grade" and isinstance(value, dict):
            for statement, references in value.items():
                if not isinstance(references, dict):
                    problems.append(Problem(relative, at("grade", statement),
                                            f"[grade.{statement}] must hold one table per cited reference"))
                    continue
                for reference, entry in references.items():
                    grade = _grade(statement, reference, entry, relative, at, problems)
                    if grade is not None:
                        grades[(statement, reference)] = grade
        elif top == "statement" and isinstance(value, dict):
            for statement, entry in value.items():
                note = _statement_notes(statement, entry, relative, at, problems)
                if note is not None:
                    notes[statement] = note
        else:
            problems.append(Problem(relative, at(top), f"unknown table [{top}]: a grade file holds "
                                                       "[grade.<ID>.<reference>] and [statement.<ID>] tables"))
    return GradeFile(relative, True, grades, notes, tuple(problems))


# Where a table or key of the file being read is: at("grade", ID, reference, "support").
Place = Callable[..., int]


def _grade(statement: str, reference: str, entry: Any, relative: str, at: Place,
           problems: list[Problem]) -> Grade | None:
    """One [grade.<ID>.<reference>] table; None (with its problems recorded) when its level is unusable."""
    name = f"[grade.{statement}.{reference}]"
    line = at("grade", statement, reference)
    if not isinstance(entry, dict):
        problems.append(Problem(relative, line, f"{name} must be a table with support and note"))
        return None
    for key in sorted(set(entry) - set(_GRADE_KEYS)):
        problems.append(Problem(relative, at("grade", statement, reference, key),
                                f"{name} has unknown key '{key}' (expected {', '.join(_GRADE_KEYS)})"))
    support = entry.get("support")
    usable = True
    if support not in LEVELS:
        problems.append(Problem(relative, at("grade", statement, reference, "support"),
                                f"{name} support {support!r} is not one of {', '.join(LEVELS)}"
                                if support is not None else f"{name} has no support level ({', '.join(LEVELS)})"))
        usable = False
    note = entry.get("note")
    if not isinstance(note, str) or not note.strip():
        problems.append(Problem(relative, line, f"{name} has no note saying why the support is {support}"))
        note = ""
    direct_for = entry.get("direct_for", [])
    if not isinstance(direct_for, list) or not all(isinstance(c, str) and _CODE.match(c) for c in direct_for):
        problems.append(Problem(relative, at("grade", statement, reference, "direct_for"),
                                f"{name} direct_for must list ICD-10-CM codes or categories (e.g. \"M33.1\")"))
        direct_for = []
    elif direct_for and support == DIRECT:
        problems.append(Problem(relative, at("grade", statement, reference, "direct_for"),
                                f"{name} is direct for every code: direct_for belongs to a grade that is not direct"))
    source = entry.get("extrapolated_from", "")
    if not isinstance(source, str) or (source and support != EXTRAPOLATED):
        problems.append(Problem(relative, at("grade", statement, reference, "extrapolated_from"),
                                f"{name} extrapolated_from is a text, and only for an extrapolated grade"))
        source = ""
    quotes: tuple[str, ...] = ()
    if "quote" in entry:
        quotes = _texts(entry["quote"]) or ()
        if not quotes:
            problems.append(Problem(relative, at("grade", statement, reference, "quote"),
                                    f"{name} quote must be the sentence, or a list of sentences, it encodes"))
    if not usable:
        return None
    return Grade(statement=statement, reference=reference, support=str(support), note=note.strip(),
                 quote=QUOTE_JOIN.join(quotes) or None, quotes=quotes, direct_for=tuple(direct_for),
                 extrapolated_from=source.strip(), file=relative, line=line)


def _statement_notes(statement: str, entry: Any, relative: str, at: Place,
                     problems: list[Problem]) -> StatementNotes | None:
    name = f"[statement.{statement}]"
    line = at("statement", statement)
    if not isinstance(entry, dict):
        problems.append(Problem(relative, line, f"{name} must be a table"))
        return None
    for key in sorted(set(entry) - set(_STATEMENT_KEYS)):
        problems.append(Problem(relative, at("statement", statement, key),
                                f"{name} has unknown key '{key}' (expected {', '.join(_STATEMENT_KEYS)})"))
    quotes: tuple[str, ...] = ()
    if "quote" in entry:
        quotes = _texts(entry["quote"]) or ()
        if not quotes:
            problems.append(Problem(relative, at("statement", statement, "quote"),
                                    f"{name} quote must be the sentence, or a list of sentences, it encodes"))
    texts = {}
    for key in _STATEMENT_KEYS[1:]:
        value = entry.get(key, "")
        if not isinstance(value, str) or (key in entry and not value.strip()):
            problems.append(Problem(relative, at("statement", statement, key), f"{name} {key} must be a text"))
            value = ""
        texts[key] = value.strip()
    if texts["policy_choice_note"] and not texts["policy_choice"]:
        problems.append(Problem(relative, at("statement", statement, "policy_choice_note"),
                                f"{name} has a policy_choice_note but no policy_choice"))
    return StatementNotes(statement=statement, quotes=quotes, not_in_source=texts["not_in_source"],
                          policy_choice=texts["policy_choice"], policy_choice_note=texts["policy_choice_note"],
                          file=relative, line=line)


_IDENTITIES: dict[tuple[str, int, int], Mapping[str, Any]] = {}


def _policy_identity(folder: Path) -> Mapping[str, Any]:
    """The [policy] table of a policy folder, read once per version of the file (empty when unreadable:
    loading the policy reports that)."""
    path = folder / POLICY_FILE
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _IDENTITIES:
            identity = tomllib.loads(path.read_text(encoding="utf-8")).get("policy", {})
            _IDENTITIES[key] = identity if isinstance(identity, dict) else {}
        return _IDENTITIES[key]
    except (OSError, tomllib.TOMLDecodeError):
        return {}


# --- What the handbook and the reports read ---------------------------------------------------------


def _files(source: PolicySource) -> tuple[GradeFile, GradeFile]:
    base = source.folder.parent
    return read_grades(source.folder / GRADES_FILE, base), read_grades(base / SHARED_FOLDER / GRADES_FILE, base)


def _short(reference: Reference | None, key: str) -> str:
    return (reference.short or reference.title) if reference is not None else key


def _resolved(statement: Statement, source: PolicySource, own: GradeFile, shared: GradeFile) -> list[Grade]:
    """The grades of a statement's citations under a policy, in citation order (ungraded ones left out)."""
    out = []
    for key in statement.citations:
        grade = own.grades.get((statement.id, key))
        fallback = shared.grades.get((statement.id, key)) if statement.shared else None
        if grade is None and fallback is not None:
            grade = evolve(fallback, shared=True)
        elif grade is not None and fallback is not None and not grade.quotes:
            grade = evolve(grade, quotes=fallback.quotes, quote=fallback.quote)
        if grade is None:
            continue
        if grade.support == EXTRAPOLATED and not grade.extrapolated_from:
            grade = evolve(grade, extrapolated_from=_short(source.bibliography.get(key), key))
        out.append(grade)
    return out


def grades(bound: BoundPolicy, statement_id: str) -> tuple[Grade, ...]:
    """The grade of each citation of a statement, under this policy."""
    source = bound.source
    own, shared = _files(source)
    return tuple(_resolved(source.statement(statement_id), source, own, shared))


def source_document(bound: BoundPolicy) -> Reference | None:
    """The reference the policy was encoded from (`[policy] source_document`), if it names one."""
    key = _policy_identity(bound.source.folder).get(SOURCE_KEY)
    return bound.source.bibliography.get(key) if isinstance(key, str) else None


def source_quote(bound: BoundPolicy, statement_id: str) -> tuple[str, ...]:
    """The sentences of the policy's source document a statement encodes (none: not in it, or no document)."""
    document = source_document(bound)
    if document is None:
        return ()
    for grade in grades(bound, statement_id):
        if grade.reference == document.key and grade.quotes:
            return grade.quotes
    own, _shared = _files(bound.source)
    notes = own.statements.get(statement_id)
    return notes.quotes if notes is not None else ()


def _sentence_list(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c', each item once."""
    unique = list(dict.fromkeys(items))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _support_badge(gs: list[Grade], bibliography: Mapping[str, Reference]) -> Badge | None:
    if any(g.support == DIRECT for g in gs):
        return None
    extrapolated = [g for g in gs if g.support == EXTRAPOLATED]
    detail = " ".join(f"{_short(bibliography.get(g.reference), g.reference)}: {g.note}" for g in gs)
    if extrapolated:
        codes = sorted({code for g in gs for code in g.direct_for})
        label = "Extrapolated from " + _sentence_list(g.extrapolated_from for g in extrapolated)
        if codes:
            label += f" (direct only for {', '.join(codes)})"
        return Badge(BADGE_EXTRAPOLATED, label, detail)
    if gs:
        return Badge(BADGE_UNVERIFIED, "Unverified: "
                     + _sentence_list(_short(bibliography.get(g.reference), g.reference) for g in gs), detail)
    return Badge(BADGE_UNVERIFIED, "No graded support", "No citation of this statement is graded.")


def _number(value: float | int) -> str:
    return f"{value:g}"


def _lowered(label: str) -> str:
    """A label inside a sentence: its first word lowercased unless it is a name or an acronym."""
    first = label.split(" ", 1)[0]
    return label[0].lower() + label[1:] if first[1:].islower() else label


def _parameter_badge(parameter: Parameter) -> Badge:
    return Badge(BADGE_POLICY_CHOICE,
                 f"Policy choice: {_number(parameter.value)} {parameter.unit}, {_lowered(parameter.label)}",
                 parameter.policy_choice or "")


def statement_parameters(bound: BoundPolicy, statement_id: str) -> set[str]:
    """The parameters a statement's rules and derivations use."""
    derivations = tuple(d for d in bound.derivations if d.statement == statement_id)
    return used_parameters(derivations, bound.rules_for(statement_id))


def badges(bound: BoundPolicy, statement_id: str) -> tuple[Badge, ...]:
    """The badges of a statement under this policy (none when its support is direct and no number is a choice)."""
    source = bound.source
    own, _shared = _files(source)
    out: list[Badge] = []
    support = _support_badge(list(grades(bound, statement_id)), source.bibliography)
    if support is not None:
        out.append(support)
    document = source_document(bound)
    notes = own.statements.get(statement_id)
    if document is not None and not source_quote(bound, statement_id):
        out.append(Badge(BADGE_NOT_IN_SOURCE, f"Not in {_short(document, document.key)}",
                         notes.not_in_source if notes is not None else ""))
    if notes is not None and notes.policy_choice:
        out.append(Badge(BADGE_POLICY_CHOICE, f"Policy choice: {notes.policy_choice}", notes.policy_choice_note))
    for key in sorted(statement_parameters(bound, statement_id)):
        parameter = source.parameters.get(key)
        if parameter is not None and parameter.policy_choice:
            out.append(_parameter_badge(parameter))
    return tuple(out)


# --- What `policy check` reports --------------------------------------------------------------------


def _rule_place(statement: Statement) -> tuple[str, int]:
    return statement.included_at or (statement.file, statement.line)


def _missing(statements: Iterable[Statement], graded: Iterable[tuple[str, str]], file: str) -> Iterator[Problem]:
    known = set(graded)
    for statement in statements:
        for key in statement.citations:
            if (statement.id, key) not in known:
                yield Problem(*_rule_place(statement),
                              f"{statement.id} cites {key} but {file} does not grade the pair: add "
                              f"[grade.{statement.id}.{key}] with support ({', '.join(LEVELS)}) and a note saying why")


def _uncited(grade_file: GradeFile, statements: Mapping[str, Statement], owner: str,
             shared_ids: set[str]) -> Iterator[Problem]:
    for (statement_id, key), grade in grade_file.grades.items():
        statement = statements.get(statement_id)
        if statement is None:
            what = ("a shared statement this policy does not include" if statement_id in shared_ids
                    else f"not a statement of {owner}")
            yield Problem(grade_file.file, grade.line, f"[grade.{statement_id}.{key}] grades a pair that is not "
                                                       f"cited: {statement_id} is {what}")
        elif key not in statement.citations:
            yield Problem(grade_file.file, grade.line, f"[grade.{statement_id}.{key}] grades a pair that is not "
                                                       f"cited: {statement_id} does not cite {key}")


def _codes(grade_file: GradeFile, source: PolicySource) -> Iterator[Problem]:
    prefixes = [p for group in source.code_groups.values() for p in group.prefixes]
    for (statement_id, key), grade in grade_file.grades.items():
        for code in grade.direct_for:
            if not any(code.startswith(p) or p.startswith(code) for p in prefixes):
                yield Problem(grade_file.file, grade.line, f"[grade.{statement_id}.{key}] direct_for {code} is in "
                                                           f"none of the code groups of {source.id}")


def _bibliography_support(folder: Path, base: Path) -> Iterator[Problem]:
    """A `support` key left in a bibliography: support is graded per citation now."""
    path = folder / BIBLIOGRAPHY_FILE
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    relative = path.relative_to(base).as_posix()
    for (*table, key), line in sorted(_table_lines(text).items(), key=lambda item: item[1]):
        if key == "support" and len(table) == 1:
            yield Problem(relative, line, f"[{table[0]}] support is no longer read here: support belongs to each "
                                          f"citation; grade it in {GRADES_FILE} ([grade.<ID>.{table[0]}]) and remove it")


def _source_document(source: PolicySource, own: GradeFile, shared: GradeFile, base: Path) -> Iterator[Problem]:
    """Each statement of a policy with a source document quotes it or says it is not in it."""
    key = _policy_identity(source.folder).get(SOURCE_KEY)
    policy_file = f"{source.folder.name}/{POLICY_FILE}"
    for statement_id, notes in own.statements.items():
        if key is None and (notes.quotes or notes.not_in_source):
            yield Problem(own.file, notes.line, f"[statement.{statement_id}] quotes or sets not_in_source, but "
                                                f"{policy_file} names no {SOURCE_KEY}")
    if key is None:
        return
    line = _table_lines((source.folder / POLICY_FILE).read_text(encoding="utf-8")).get(("policy", SOURCE_KEY), 1)
    if not isinstance(key, str) or key not in source.bibliography:
        yield Problem(policy_file, line, f"{SOURCE_KEY} {key!r} is not a reference this policy cites")
        return
    for statement in source.statements:
        graded = _resolved(statement, source, own, shared)
        cited_quote = any(g.reference == key and g.quotes for g in graded)
        notes = own.statements.get(statement.id) or StatementNotes(statement.id)
        if notes.quotes and key in statement.citations:
            yield Problem(own.file, notes.line, f"[statement.{statement.id}] quote: {statement.id} cites {key}, "
                                                f"so the quote belongs in [grade.{statement.id}.{key}]")
        quoted = cited_quote or bool(notes.quotes)
        if quoted and notes.not_in_source:
            yield Problem(own.file, notes.line, f"[statement.{statement.id}] says not_in_source but "
                                                f"{statement.id} quotes {key}")
        elif not quoted and not notes.not_in_source:
            yield Problem(*_rule_place(statement),
                          f"{statement.id} neither quotes {key} nor says it is not in it: add the sentence it "
                          f"encodes as quote (in [grade.{statement.id}.{key}] or [statement.{statement.id}]) or "
                          f"[statement.{statement.id}] not_in_source = \"where it comes from\"")


def findings(root: Path | None = None, policy_id: str | None = None) -> list[Problem]:
    """Every provenance problem of the library (or of one policy): ungraded citations, grades of pairs that
    are not cited, unknown levels, missing notes, statements that neither quote the source document nor
    say they are not in it. A folder that does not load is left to the rest of `policy check`."""
    base = root or source_root()
    problems: list[Problem] = []
    shared_grades = read_grades(base / SHARED_FOLDER / GRADES_FILE, base)
    shared_source = None
    try:
        shared_source = load_shared(base)
    except PolicyDefinitionError:
        pass
    shared_ids = {s.id for s in shared_source.statements} if shared_source is not None else set()
    if policy_id is None and shared_source is not None:
        problems += shared_grades.problems
        problems += _missing(shared_source.statements, shared_grades.grades, shared_grades.file)
        problems += _uncited(shared_grades, {s.id: s for s in shared_source.statements}, "the shared source", set())
        for statement_id, notes in shared_grades.statements.items():
            if notes.quotes or notes.not_in_source:
                problems.append(Problem(shared_grades.file, notes.line,
                                        f"[statement.{statement_id}] quote and not_in_source are per policy: put "
                                        "them in the including policy's grade file"))
        problems += _bibliography_support(shared_source.folder, base)
    for folder in policy_folders(base):
        if policy_id is not None and folder.name != policy_id.replace("-", "_"):
            continue
        try:
            source = load_source(folder.name, root)
        except PolicyDefinitionError:
            continue
        own = read_grades(folder / GRADES_FILE, base)
        statements = {s.id: s for s in source.statements}
        problems += own.problems
        problems += _missing((s for s in source.statements if not s.shared), own.grades, own.file)
        if policy_id is not None:  # the shared pass is skipped: check the included pairs here
            included = [s for s in source.statements if s.shared]
            graded = set(own.grades) | set(shared_grades.grades)
            problems += _missing(included, graded, f"{own.file} or {shared_grades.file}")
        problems += _uncited(own, statements, source.id, shared_ids)
        problems += _codes(own, source)
        for statement_id, notes in own.statements.items():
            if statement_id not in statements:
                problems.append(Problem(own.file, notes.line,
                                        f"[statement.{statement_id}]: {statement_id} is not a statement of {source.id}"))
        problems += _source_document(source, own, shared_grades, base)
        problems += _bibliography_support(folder, base)
    return problems


__all__ = [
    "BADGE_EXTRAPOLATED", "BADGE_NOT_IN_SOURCE", "BADGE_POLICY_CHOICE", "BADGE_UNVERIFIED", "Badge", "Grade",
    "GRADES_FILE", "LEVELS", "Problem", "badges", "findings", "grades", "read_grades", "source_document",
    "source_quote", "statement_parameters",
]
