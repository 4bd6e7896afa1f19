"""Escaping of values that come from a request, one function per report format.

A request is written by someone else: its id, a product name or any string
can hold line breaks, control characters, lone surrogates, markdown or HTML.
Printed raw, such a value could start a line of its own ("Decision:
APPROVE") above the real decision, or become a heading, a link or an image.
So every value taken from a request passes through the escaper of its
format on its way into a report; the JSON output keeps it exactly.
"""

from __future__ import annotations

import re

# Characters that are markup anywhere in a line in CommonMark, GFM or
# Python-Markdown (with the attribute lists mkdocs enables), escaped with a
# backslash: every one of them is backslash-escapable in both dialects.
_BACKSLASHED = frozenset("\\`*_{}[]#|")
# These become character references: `\<` still reads as `<img` in the raw
# markdown, and `~` cannot be backslash-escaped in Python-Markdown.
_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "&#126;"}
# Markup only where a block starts (a list item, a table cell): a value may be
# put there, so a list, rule or definition marker it starts with is escaped too.
_LEADING_LIST = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_LEADING = re.compile(r"^([-+:])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _visible_char(char: str) -> str:
    if char == "\\":
        return "\\\\"  # doubled, so that a visible `\n` always means a line break was sent
    if char.isprintable():
        return char
    return char.encode("unicode_escape").decode("ascii")


def visible(value: object) -> str:
    """One printable line: `\\n`, `\\r`, `\\x00`, `\\ud800` written out, never acted on.

    Used as is by the text report; it is also the first step of the markdown
    escaping, so both reports show a control character the same way.
    """
    return "".join(_visible_char(char) for char in str(value))


def markdown(value: object) -> str:
    """Inline markdown text that renders as the value and never as markup or HTML."""
    text = visible(value)
    out = []
    for char in text:
        if char in _REFERENCES:
            out.append(_REFERENCES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        else:
            out.append(char)
    escaped = "".join(out)
    numbered = _LEADING_LIST.match(escaped)
    if numbered:
        return f"{numbered.group(1)}\\{numbered.group(2)}{escaped[numbered.end():]}"
    marker = _LEADING.match(escaped)
    if marker:
        return ("&#58;" if marker.group(1) == ":" else "\\" + marker.group(1)) + escaped[1:]
    return escaped


def json_surrogates(text: str) -> str:
    """JSON text whose lone surrogates are written as `\\udxxx` escapes.

    `json.dumps(..., ensure_ascii=False)` leaves a lone surrogate (valid in a
    JSON string as an escape) as a raw character no UTF-8 stream can encode;
    escaped, the output can be written and reads back to exactly the value sent.
    """
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
