"""Human-readable reports of a determination: plain text and markdown.

    >>> from policy.report import render_markdown
    >>> print(render_markdown(policy.assess(document), request=document))

`request`, the document the determination answers, is optional: with it a
report shows the patient and what was requested; without it, what the
determination alone tells (diagnosis groups, the derived figures).
"""

from __future__ import annotations

from typing import Any, Protocol

from policy.determination import Determination
from policy.report.markdown import render_markdown
from policy.report.text import render_text


class Renderer(Protocol):
    def __call__(self, determination: Determination, *, request: Any = None) -> str: ...


# Report formats by the name the CLI's --format takes.
RENDERERS: dict[str, Renderer] = {"text": render_text, "markdown": render_markdown}

__all__ = ["RENDERERS", "Renderer", "render_markdown", "render_text"]
