"""Human-readable reports of a determination: plain text and markdown.

    >>> from policy.report import render_markdown
    >>> print(render_markdown(policy.assess(request)))
"""

from __future__ import annotations

from collections.abc import Callable

from policy.determination import Determination
from policy.report.markdown import render_markdown
from policy.report.text import render_text

Renderer = Callable[[Determination], str]

# Report formats by the name the CLI's --format takes.
RENDERERS: dict[str, Renderer] = {"text": render_text, "markdown": render_markdown}

__all__ = ["RENDERERS", "Renderer", "render_markdown", "render_text"]
