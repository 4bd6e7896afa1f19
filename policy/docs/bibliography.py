"""A bibliography page: stable keys, full references, support level and who cites each.

Each policy has one (its own references and the shared ones it cites), and so
does the shared source (the references its statements and parameters cite).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from policy.docs.markdown import code, join, statement_link, table
from policy.source import CodeGroup, Parameter, Reference, Statement
from policy.source.data import SUPPORT_MEANING


def full_reference(reference: Reference) -> str:
    """Authors. Title. Where published. (each part ends with one full stop)"""
    parts = (reference.authors, reference.title, reference.published)
    text = " ".join(part.rstrip(".") + "." for part in parts if part.strip())
    return text + (f" <{reference.url}>" if reference.url else "")


def bibliography_page(
    references: Mapping[str, Reference],
    statements: Sequence[Statement],
    parameters: Mapping[str, Parameter],
    code_groups: Mapping[str, CodeGroup],
    intro: str = "",
) -> str:
    """Every reference of `references`, with the statements, parameters and code groups citing it."""
    out = [
        "# Bibliography\n",
        intro,
        "Each reference has a stable key; statements cite it with a tag `@cite.<key>`. "
        "Its support level says how directly it supports what cites it:\n",
        table(["Support", "Meaning"], [[f"**{k}**", v] for k, v in SUPPORT_MEANING.items()]),
    ]
    for key, reference in references.items():
        citing = [s.id for s in statements if key in s.citations]
        sourced = [p.key for p in parameters.values() if key in p.sources]
        groups = [g.key for g in code_groups.values() if key in g.sources]
        rows = [
            ["Support", f"**{reference.support}**"],
            ["Cited by statements", join(statement_link(i) for i in citing)],
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
