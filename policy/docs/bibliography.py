"""The bibliography: stable keys, full references, support level and who cites each."""

from __future__ import annotations

from policy.binding import BoundPolicy
from policy.docs.markdown import code, join, statement_link, table
from policy.source import Reference
from policy.source.data import SUPPORT_MEANING


def full_reference(reference: Reference) -> str:
    """Authors. Title. Where published. (each part ends with one full stop)"""
    parts = (reference.authors, reference.title, reference.published)
    text = " ".join(part.rstrip(".") + "." for part in parts if part.strip())
    return text + (f" <{reference.url}>" if reference.url else "")


def bibliography_page(bound: BoundPolicy) -> str:
    source = bound.source
    out = [
        "# Bibliography\n",
        "Each reference has a stable key; statements cite it with a tag `@cite.<key>`. "
        "Its support level says how directly it supports what cites it:\n",
        table(["Support", "Meaning"], [[f"**{k}**", v] for k, v in SUPPORT_MEANING.items()]),
    ]
    for key, reference in source.bibliography.items():
        citing = [s.id for s in source.statements if key in s.citations]
        parameters = [p.key for p in source.parameters.values() if key in p.sources]
        groups = [g.key for g in source.code_groups.values() if key in g.sources]
        out.append(f"## {key} {{#{key}}}\n")
        out.append(full_reference(reference) + "\n")
        out.append(table(
            ["Field", "Value"],
            [
                ["Support", f"**{reference.support}**"],
                ["Cited by statements", join(statement_link(i) for i in citing)],
                ["Source of parameters", join(code(p) for p in parameters)],
                ["Source of code groups", join(code(g) for g in groups)],
            ],
        ))
        if reference.note:
            out.append(f"{reference.note}\n")
    return "\n".join(out)
