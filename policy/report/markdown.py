"""The markdown report: a determination laid out like the source assessment.

The decision comes first; then the request it answers (policy, id, facts,
diagnoses with their code groups, patient, what was requested); then the
determination: reasons and missing data, and what is authorized only when
something is (a pend or denial shows what would be required instead). Then
one section per feature of the policy (medical necessity, standard of care,
dosing, safety, monitoring, pitfalls, in the order of the policy's feature
files, which follow the source assessment), each statement with its outcome
as a reviewer reads it and its provenance badges; then the evidence,
numbered in order of first citation.

Every value that comes from the request passes through `escape.markdown`:
no line break, markdown or HTML in a request can become a heading, a list,
a link or a tag of the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from policy.binding import BoundPolicy
from policy.determination import Determination, Note
from policy.provenance import badges
from policy.report.escape import markdown as md
from policy.report.reading import checks_without, figure_missing, outcome_words, statement_reading
from policy.report.request import NOT_GIVEN, RequestSummary, diagnosis_text, group_text, summarize
from policy.report.text import figure_rows
from policy.report.values import (
    ATTACHED_HEADING,
    DENIED_ATTACHMENTS,
    assessor_of,
    authorized_rows,
    decision_summary,
    field_label,
    format_authorized_value,
    section_names,
)
from policy.rules.declarations import PolicyCode
from policy.source import Reference, Statement

REQUEST = "Request"
DETERMINATION = "Determination"
EVIDENCE = "Evidence"


class Citations:
    """Numbers references in order of first citation, the way a paper does."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def markers(self, keys: Iterable[str]) -> str:
        return " ".join(f"[{self.numbers.setdefault(key, len(self.numbers) + 1)}]" for key in keys)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A table of cells escaped with `md` (a `|` in a value is escaped there, once)."""

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cells) + " |"

    return "\n".join([line(header), line(tuple("---" for _ in header)), *(line(row) for row in rows)])


def _escaped(rows: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [tuple(md(cell) for cell in row) for row in rows]


def _ids(notes: Sequence[Note]) -> str:
    return ", ".join(note.statement for note in notes)


class MarkdownReport:
    """One report being written: the source it quotes and the citations so far."""

    def __init__(self, determination: Determination, bound: BoundPolicy, summary: RequestSummary) -> None:
        self.determination = determination
        self.bound = bound
        self.code: PolicyCode = bound.code
        self.summary = summary
        named = section_names(self.code)
        self.figures_section = named["figures"]
        self.conditions_section = named["conditions"]
        self.monitoring_section = named["monitoring"]
        self.source = bound.source
        self.citations = Citations()
        self.section_of = {statement.id: statement.section for statement in self.source.statements}

    def _cite(self, statement_id: str) -> str:
        statement = next((s for s in self.source.statements if s.id == statement_id), None)
        markers = self.citations.markers(statement.citations) if statement else ""
        return f" {markers}" if markers else ""

    # -- top ------------------------------------------------------------------
    def head(self) -> list[str]:
        determination, policy = self.determination, self.determination.policy
        blocks = [
            f"# {self.source.title}: request {md(determination.request_id)}",
            f"**Decision: {determination.decision.upper()}**. {decision_summary(determination)}",
        ]
        if self.source.question:
            blocks.append(f"*{self.source.question}*")
        effective = f" (effective {md(self.summary.effective)})" if self.summary.effective else ""
        blocks.append(f"Policy `{policy.id}` {md(policy.version)}{effective}, digest `{policy.digest}`.")
        return blocks

    def request(self) -> list[str]:
        summary = self.summary
        rows = [("Request id", summary.request_id), *((row.label, row.value) for row in summary.stated)]
        if summary.unstated:
            rows.append(("Not stated", ", ".join(summary.unstated)))
        blocks = [f"## {REQUEST}", _table(("Field", "Value"), _escaped(rows))]
        if summary.diagnoses:
            diagnoses = [(diagnosis_text(d), group_text(d)) for d in summary.diagnoses]
            blocks.append("**Diagnoses**\n\n" + _table(("Code", "Code group"), _escaped(diagnoses)))
        else:
            blocks.append("**Diagnoses**: none placed in a code group.")
        if not summary.from_document:
            blocks.append(f"**Patient and requested values**: {NOT_GIVEN}.")
            return blocks
        for found in summary.objects:
            rows = [(row.label, row.value) for row in found.rows]
            blocks.append(f"**{md(found.title)}**\n\n" + _table(("Field", "Value"), _escaped(rows)))
        if summary.requested is not None:
            rows = [(row.label, row.value) for row in summary.requested.rows]
            blocks.append(f"**{summary.requested.title}**\n\n" + _table(("Field", "Requested"), _escaped(rows)))
        return blocks

    # -- the determination --------------------------------------------------------
    def _reasons(self, heading: str) -> str:
        lines = [f"**{heading}**", ""]
        for reason in self.determination.reasons:
            lines.append(f"- **{reason.statement}**: {reason.text}{self._cite(reason.statement)}")
            if reason.missing is not None:
                lines.append("  - Missing: " + ", ".join(md(path) for path in reason.missing))
        return "\n".join(lines) if self.determination.reasons else f"**{heading}**: none."

    def _changes(self, heading: str) -> str:
        rows = [
            (
                c.statement,
                field_label(self.code, c.field),
                format_authorized_value(self.code, c.field, c.requested),
                format_authorized_value(self.code, c.field, c.authorized),
            )
            for c in self.determination.changes
        ]
        return f"**{heading}**\n\n" + _table(("Statement", "Field", "Requested", "Authorized"), _escaped(rows))

    def _notes(self, heading: str, notes: Sequence[Note]) -> str:
        if not notes:
            return f"**{heading}**: none."
        return "\n".join([f"**{heading}**", "", *(f"- **{n.statement}**: {n.text}" for n in notes)])

    def decision(self) -> list[str]:
        determination = self.determination
        decision = determination.decision
        blocks = [f"## {DETERMINATION}"]
        if decision in ("approve", "modify"):
            blocks.append(self._reasons("Reasons"))
            if self.code.authorization is not None:
                rows = _escaped(authorized_rows(determination, self.code))
                blocks.append(f"**{self.code.authorization.title}**\n\n" + _table(("Field", "Authorized"), rows))
            blocks.append(self._changes("Changes") if determination.changes
                          else "**Changes**: none; what is authorized is what was requested.")
        else:
            blocks.append(self._reasons("Reasons, and what would be required instead"))
            if determination.changes:
                blocks.append(self._changes("Would also need"))
        heading = ATTACHED_HEADING.get(decision)
        if heading is None:
            blocks.append(DENIED_ATTACHMENTS)
        else:
            suffix = f" {heading}" if heading else ""
            blocks += [
                self._notes(f"Conditions{suffix}", determination.conditions),
                self._notes(f"Advice{suffix}", determination.advice),
                self._notes(f"Monitoring{suffix}", determination.monitoring),
            ]
        return blocks

    # -- findings placed in a section -------------------------------------------
    def _figures(self) -> list[str]:
        determination = self.determination
        gaps = figure_missing(determination, self.bound)
        figures = figure_rows(determination, self.code, gaps)
        blocks = [_table(("Figure", "Value"), _escaped(figures))] if figures else []
        checks = checks_without(determination, self.bound)
        if checks:
            lines = ["**Checked without them** (the case each rule took):", ""]
            lines += [f"- **{md(c.rule)}**: {md(c.when)}: *{outcome_words(c.outcome)}*" for c in checks]
            blocks.append("\n".join(lines))
        return blocks

    def findings(self, section: str) -> list[str]:
        determination = self.determination
        blocks: list[str] = []
        if section == self.figures_section:
            blocks += self._figures()
        heading = ATTACHED_HEADING.get(determination.decision)
        if heading is None:  # a denial lists no conditions (see values.ATTACHED_HEADING)
            return blocks
        suffix = f" {heading}" if heading else ""
        if section == self.conditions_section and determination.conditions:
            blocks.append(f"**Conditions{suffix}**: {_ids(determination.conditions)}.")
        if section == self.monitoring_section and determination.monitoring:
            blocks.append(f"**Monitoring{suffix}**: {_ids(determination.monitoring)}.")
        # Advice belongs to the section of the statement that gives it.
        advice = [n for n in determination.advice
                  if self.section_of.get(n.statement, self.monitoring_section) == section]
        if advice:
            blocks.append(f"**Advice{suffix}**: {_ids(advice)}.")
        return blocks

    def _badges(self, statement_id: str) -> str:
        """The statement's provenance badges by their labels; the handbook carries their details."""
        shown = [f"**{md(badge.label)}**" for badge in badges(self.bound, statement_id)]
        return f" ({'; '.join(shown)})" if shown else ""

    def statement(self, statement: Statement) -> str:
        reading = md(statement_reading(self.determination, self.bound, statement.id))
        return (
            f"- **{statement.id}** {statement.title}: *{reading}*{self._badges(statement.id)}"
            f"{self._cite(statement.id)}\n\n  {statement.text}"
        )

    def section(self, name: str) -> list[str]:
        statements = [s for s in self.source.statements if s.section == name]
        return [f"## {name}", *self.findings(name), *(self.statement(s) for s in statements)]

    # -- evidence ---------------------------------------------------------------
    def evidence(self) -> list[str]:
        entries = []
        for key, number in self.citations.numbers.items():
            reference = self.source.bibliography.get(key)
            entries.append(f"{number}. {_reference(reference) if reference else f'`{key}` (not in the bibliography)'}")
        return [f"## {EVIDENCE}", "\n".join(entries) or "No references cited."]

    def render(self) -> str:
        sections = list(dict.fromkeys(s.section for s in self.source.statements))
        named = (self.figures_section, self.conditions_section, self.monitoring_section)
        sections += [name for name in dict.fromkeys(named) if name not in sections]
        blocks = [*self.head(), *self.request(), *self.decision()]
        for name in sections:
            blocks += self.section(name)
        blocks += self.evidence()  # last: it lists what the sections above cited
        return "\n\n".join(blocks) + "\n"


def _reference(reference: Reference) -> str:
    parts = [reference.authors, f"*{reference.title}*", reference.published]
    text = ". ".join(part.rstrip(".") for part in parts if part) + "."
    if reference.note:
        text += f" {reference.note}"
    if reference.url:
        text += f" <{reference.url}>"
    return text


def render_markdown(determination: Determination, *, request: Any = None) -> str:
    """The determination as a markdown report; `request` (the request document) adds the requested values."""
    bound = assessor_of(determination).bound
    return MarkdownReport(determination, bound, summarize(determination, request)).render()
