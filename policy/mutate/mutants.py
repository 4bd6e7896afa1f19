"""A mutant: one small change to a policy's source, named so that it is the same from run to run.

The id says where and what, without line numbers (an edit elsewhere in the
file does not rename it): `<where> <kind>: <original> -> <mutated>`, where
`<where>` is a rule and its branch (`DOSE-TOTAL/grams case 2`,
`DX-SCOPE otherwise`), a derivation's function (`course_figures`), a
module-level name (`CONTINUATION`, `FEWEST_COURSES`) or a parameter
(`max_courses`); a deleted case is `<rule> case <n> deleted`. An id that
would repeat gets ` #2`, ` #3`, ... in the order the points occur. Authors
copy ids into `EQUIVALENT_MUTANTS` (see `policy.mutate.equivalents`).
"""

from __future__ import annotations

from enum import Enum

from attrs import frozen


class Kind(str, Enum):
    """What a mutant changes."""

    COMPARE = "compare"  # a rule's comparison operator, on its boundary or negated
    OUTCOME = "outcome"  # the outcome a branch of a rule gives
    COMBINATOR = "combinator"  # all_of <-> any_of
    DELETE = "delete"  # a case of a rule removed
    PARAMETER = "parameter"  # a parameter moved by its smallest step
    DERIVATION_COMPARE = "derivation-compare"  # a comparison inside a derivation's Python
    DERIVATION_CONSTANT = "derivation-constant"  # a number inside a derivation's Python, by one step


@frozen
class Edit:
    """Bytes `start:end` of a file replaced by `text` (UTF-8 offsets: the file is edited as bytes)."""

    file: str  # relative to the repository root, with `/`
    start: int
    end: int
    text: str


@frozen
class Mutant:
    """One change to the policy source and the statement it belongs to.

    `statement` is the statement whose rule or derivation holds the point
    (for a parameter or a condition several statements share: the first of
    them in the policy's order); `also` names the others it touches. `line`
    is the line of the point in `file`.
    """

    id: str
    statement: str
    kind: Kind
    file: str
    line: int
    original: str
    mutated: str
    edit: Edit
    also: tuple[str, ...] = ()

    @property
    def place(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def statements(self) -> tuple[str, ...]:
        return (self.statement, *self.also)

    @property
    def mutation(self) -> str:
        """What changed, in the words of the source: `request.courses > P.max_courses -> ... >= ...`."""
        return f"{self.original} -> {self.mutated}"


def mutant_id(where: str, kind: Kind, original: str, mutated: str) -> str:
    if kind is Kind.DELETE:
        return f"{where} deleted"
    return f"{where} {kind.value}: {original} -> {mutated}"


def numbered(mutants: list[Mutant]) -> list[Mutant]:
    """The mutants with repeated ids told apart by ` #n` (n from 2, in the order given)."""
    seen: dict[str, int] = {}
    out = []
    for mutant in mutants:
        count = seen[mutant.id] = seen.get(mutant.id, 0) + 1
        if count > 1:
            mutant = Mutant(id=f"{mutant.id} #{count}", statement=mutant.statement, kind=mutant.kind,
                            file=mutant.file, line=mutant.line, original=mutant.original,
                            mutated=mutant.mutated, edit=mutant.edit, also=mutant.also)
        out.append(mutant)
    return out


def applied(source: bytes, edit: Edit) -> bytes:
    """The file's bytes with the edit made."""
    return source[: edit.start] + edit.text.encode("utf-8") + source[edit.end:]
