"""A bibliography page: stable keys, full references, and who cites each, with how directly.

Each policy has one (its own references and the shared ones it cites), and so
does the shared source (the references its statements and parameters cite).
A reference keeps what it is and says; how directly it supports a statement
belongs to the statement–reference pair (`policy.provenance` grades), shown
beside each citing statement when the grades are given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from policy.docs.markdown import code, join, statement_link, table
from policy.provenance import Grade
from policy.source import CodeGroup, Parameter, Reference, Statement
from policy.source.data import SUPPORT_MEANING


def full_reference(reference: Reference) -> str:
    """Authors. Title. Where published. DOI, PubMed ID and link when recorded (each part ends with one full stop)."""
    parts = (reference.authors, reference.title, reference.published)
    text = " ".join(part.rstrip(".") + "." for part in parts if part.strip())
    ids = []
    if reference.doi:
        ids.append(f"DOI {reference.doi}")
    if reference.pmid:
        ids.append(f"PMID {reference.pmid}")
    if ids:
        text += " " + ", ".join(ids) + "."
    return text + (f" <{reference.url}>" if reference.url else "")


def _citing(statement_id: str, key: str, grades: Mapping[tuple[str, str], Grade] | None) -> str:
    grade = grades.get((statement_id, key)) if grades is not None else None
    return statement_link(statement_id) + (f" ({grade.support})" if grade is not None else "")


def bibliography_page(
    references: Mapping[str, Reference],
    statements: Sequence[Statement],
    parameters: Mapping[str, Parameter],
    code_groups: Mapping[str, CodeGroup],
    intro: str = "",
    grades: Mapping[tuple[str, str], Grade] | None = None,
) -> str:
    """Every reference of `references`, with the statements (and how directly it supports each, from
    `grades` keyed by (statement, reference)), parameters and code groups citing it."""
    out = [
        "# Bibliography\n",
        intro,
        "Each reference has a stable key; statements cite it with a tag `@cite.<key>`. How directly a "
        "reference supports a statement is graded for each citation (a trial can support one diagnosis "
        "directly and another only by extrapolation); the statement's page says why:\n",
        table(["Support", "Meaning"], [[f"**{k}**", v] for k, v in SUPPORT_MEANING.items()]),
    ]
    for key, reference in references.items():
        citing = [s.id for s in statements if key in s.citations]
        sourced = [p.key for p in parameters.values() if key in p.sources]
        groups = [g.key for g in code_groups.values() if key in g.sources]
        rows = [
            ["Cited by statements", join(_citing(i, key, grades) for i in citing)],
            ["Source of parameters", join(code(p) for p in sourced)],
        ]
        if code_groups:
            rows.append(["Source of code groups", join(code(g) for g in groups)])
        out.append(f"## {key} {{#{key}}}\n")
        out.append(full_reference(reference) + "\n")
        out.append(table(["Field", "Value"], rows))
        if reference.note:
            out.append(f"{reference.note}\n")
    return "\n".join(part for part in out if part)
