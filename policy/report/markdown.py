"""The markdown report: a determination laid out like the source assessment.

The decision and its reasons come first; then one section per feature of the
policy (medical necessity, standard of care, dosing, safety, monitoring,
pitfalls, in the order of the policy's feature files, which follow the
source assessment), each listing its statements with their outcome; then the
evidence, numbered in order of first citation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from policy.assessment import assessor
from policy.determination import Determination, Note
from policy.report.text import (
    authorized_rows,
    code_of,
    decision_summary,
    dosing_figures,
    field_label,
    format_authorized_value,
)
from policy.rules.declarations import Effect, PolicyCode
from policy.source import PolicySource, Reference, Statement

# The findings that are not tied to one section's statements go in the section
# the policy names for them (`PolicyCode.report_sections`), else in one of
# these. A policy whose features lack that section still gets it, so no
# finding is ever left out of the report.
DEFAULT_SECTIONS = {"figures": "Dosing", "conditions": "Safety", "monitoring": "Monitoring"}
EVIDENCE = "Evidence"

# Effects whose outcome alone says it all: the arrow is for what a statement does.
_QUIET_EFFECTS = (Effect.CRITERION, Effect.INFORMATIONAL, Effect.FIGURE)


class Citations:
    """Numbers references in order of first citation, the way a paper does."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def markers(self, keys: Iterable[str]) -> str:
        return " ".join(f"[{self.numbers.setdefault(key, len(self.numbers) + 1)}]" for key in keys)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), line(tuple("---" for _ in header)), *(line(row) for row in rows)])


def _ids(notes: Sequence[Note]) -> str:
    return ", ".join(note.statement for note in notes)


class MarkdownReport:
    """One report being written: the source it quotes and the citations so far."""

    def __init__(self, determination: Determination, source: PolicySource, effects: dict[str, Effect],
                 code: PolicyCode) -> None:
        self.determination = determination
        self.code = code
        named = {**DEFAULT_SECTIONS, **code.report_sections}
        self.figures_section = named["figures"]
        self.conditions_section = named["conditions"]
        self.monitoring_section = named["monitoring"]
        self.source = source
        self.effects = effects
        self.citations = Citations()
        self.outcomes = {result.id: result.outcome for result in determination.statements}
        self.section_of = {statement.id: statement.section for statement in source.statements}

    def _cite(self, statement_id: str) -> str:
        statement = next((s for s in self.source.statements if s.id == statement_id), None)
        markers = self.citations.markers(statement.citations) if statement else ""
        return f" {markers}" if markers else ""

    def _outcome(self, statement_id: str) -> str:
        outcome = self.outcomes.get(statement_id, "unknown")
        shown = f"*{outcome.replace('_', ' ')}*"
        effect = self.effects.get(statement_id)
        if effect is not None and effect not in _QUIET_EFFECTS and effect.applies(outcome):
            return f"{shown} → **{effect.value}**"
        return shown

    # -- top ------------------------------------------------------------------
    def head(self) -> list[str]:
        determination, policy = self.determination, self.determination.policy
        blocks = [
            f"# {self.source.title}: request {determination.request_id}",
            f"**Decision: {determination.decision.upper()}**. {decision_summary(determination)}",
        ]
        if self.source.question:
            blocks.append(f"*{self.source.question}*")
        blocks.append(f"Policy `{policy.id}` {policy.version}, digest `{policy.digest}`.")
        if determination.reasons:
            lines = ["**Reasons**", ""]
            for reason in determination.reasons:
                lines.append(f"- **{reason.statement}**: {reason.text}{self._cite(reason.statement)}")
                if reason.missing is not None:
                    lines.append("  - Missing: " + ", ".join(f"`{path}`" for path in reason.missing))
            blocks.append("\n".join(lines))
        return blocks

    # -- findings placed in a section -------------------------------------------
    def _dosing_findings(self) -> list[str]:
        determination = self.determination
        figures = dosing_figures(determination, self.code)
        blocks = [_table(("Figure", "Value"), figures)] if figures else []
        authorized = authorized_rows(determination, self.code)
        if authorized:
            blocks.append(f"**{self.code.authorization.title}**\n\n"  # type: ignore[union-attr]
                          + _table(("Field", "Authorized"), authorized))
        elif self.code.authorization is not None:
            blocks.append(f"**{self.code.authorization.title}**: nothing is authorized ({determination.decision}).")
        if determination.changes:
            rows = [
                (
                    c.statement,
                    field_label(self.code, c.field),
                    format_authorized_value(self.code, c.field, c.requested),
                    format_authorized_value(self.code, c.field, c.authorized),
                )
                for c in determination.changes
            ]
            blocks.append("**Changes**\n\n" + _table(("Statement", "Field", "Requested", "Authorized"), rows))
        else:
            blocks.append("**Changes**: none; what is authorized is what was requested."
                          if authorized else "**Changes**: none.")
        return blocks

    def findings(self, section: str) -> list[str]:
        determination = self.determination
        blocks: list[str] = []
        if section == self.figures_section:
            blocks += self._dosing_findings()
        if section == self.conditions_section:
            blocks.append(f"**Conditions**: {_ids(determination.conditions) or 'none'}.")
        if section == self.monitoring_section:
            blocks.append(f"**Monitoring**: {_ids(determination.monitoring) or 'none'}.")
        # Advice belongs to the section of the statement that gives it.
        advice = [n for n in determination.advice
                  if self.section_of.get(n.statement, self.monitoring_section) == section]
        if advice:
            blocks.append(f"**Advice**: {_ids(advice)}.")
        return blocks

    def statement(self, statement: Statement) -> str:
        return (
            f"- **{statement.id}** {statement.title}: {self._outcome(statement.id)}"
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
        blocks = self.head()
        for name in sections:
            blocks += self.section(name)
        blocks += self.evidence()  # last: it lists what the sections above cited
        return "\n\n".join(blocks) + "\n"


def _reference(reference: Reference) -> str:
    parts = [reference.authors, f"*{reference.title}*", reference.published]
    text = ". ".join(part.rstrip(".") for part in parts if part) + "."
    text += f" Support: **{reference.support}**."
    if reference.note:
        text += f" {reference.note}"
    if reference.url:
        text += f" <{reference.url}>"
    return text


def render_markdown(determination: Determination) -> str:
    """The determination as a markdown report in the source assessment's order."""
    bound = assessor(determination.policy.id).bound
    return MarkdownReport(determination, bound.source, dict(bound.effects), code_of(determination)).render()
