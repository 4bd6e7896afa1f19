"""The printable policy: one page per policy holding the whole policy, for paper and PDF.

`<policy-id>/print.md` is a page of the site like the others, made of the
pages the site already renders for the policy's section: after a title page
(id, version, effective date, digest, last test run, last mutation run) and a table of
contents, every statement page (text, badges, parameters, how it is decided,
citations, examples with their last result) by section, then the decision
page, the parameters and code groups, the bibliography and the changelog.
Nothing is rendered a second way: each page is embedded as the site shows
it, its headings moved down under the document's parts, its anchors made
unique, and its links turned into links inside the document where the
target is in it, and into plain text where it is not (a printed copy cannot
follow them).

`tools/print-pdf` prints the built page with Chromium to
`build/pdf/<policy-id>.pdf` and copies it beside the page, as
`<policy-id>/<policy-id>.pdf` (`pdf_name`); the policy's home links both
(`print_links`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence

from attrs import frozen

from policy.binding import BoundPolicy
from policy.docs.library import PolicyDocs
from policy.docs.markdown import Pages, code, link_text, table
from policy.docs.marks import badge_html, effective_text, statement_badges
from policy.docs.mutation import MutationResults, load_mutation, policy_mutation_text, survivor_badge
from policy.docs.overview import every_scenario, feature_descriptions, sections
from policy.docs.paths import SECTION_INDEX, in_section, statement_path
from policy.docs.results import TestResults, summary
from policy.docs.statements import section_anchor

# The printable page, in the policy's section.
PRINT_PAGE = "print.md"
NOT_RELEASED = "not released"
# The anchor of the title page; every part's heading gets its own (`_Part.anchor`).
TOP = "policy-document"
FRONT_MATTER = "---\nsearch:\n  exclude: true\nhide:\n  - navigation\n  - toc\n---\n"
# Print layout: each part and each statement starts a page; rows, code and headings are kept
# with what follows; a table fits the page's width (a web address may wrap anywhere). On screen
# too, a long badge wraps (a table of contents holds many).
STYLE = """<style>
.md-typeset .policy-badge { white-space: normal; }
@media print {
  .md-typeset .print-part, .md-typeset .print-statement { break-before: page; }
  .md-typeset h1, .md-typeset h2, .md-typeset h3, .md-typeset h4, .md-typeset h5 { break-after: avoid; }
  .md-typeset h5 { text-transform: none; color: inherit; font-size: .9em; }
  .md-typeset tr, .md-typeset pre, .md-typeset blockquote, .md-typeset .admonition { break-inside: avoid; }
  .md-typeset a { color: inherit; text-decoration: none; }
  .md-typeset .print-screen-only, .md-typeset .md-code__nav { display: none; }
  .md-typeset__scrollwrap { overflow: visible; margin: 1em 0; }
  .md-typeset__table { padding: 0; }
  .md-typeset table:not([class]) { width: 100%; font-size: .62rem; }
  .md-typeset table:not([class]) td, .md-typeset table:not([class]) th { padding: .4em .6em; min-width: 0; }
  .md-typeset table:not([class]) td { overflow-wrap: break-word; }
  .md-typeset table:not([class]) td a[href^="http"] { overflow-wrap: anywhere; }
  .md-typeset .print-title-block code { word-break: break-all; }
}
</style>
"""
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})(\s+.*?)\s*$")
_ATTRS = re.compile(r"\s*\{:?\s*([^}]*)\}\s*$")
# A Markdown link (not an image): [text](target); link texts escape their brackets.
_LINK = re.compile(r"(?<!!)\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# What a table row's text may not be changed inside: code spans, link targets, autolinks and HTML tags.
_PROTECTED = re.compile(r"(`+[^`]*`+|\]\([^)]*\)|<[^>]*>)")
_JOINT = re.compile(r"(?<=[^\W\d_])([/_])(?=[^\W\d_])")


def pdf_name(policy_id: str) -> str:
    """The file name of the policy's PDF, beside its pages in the built site and in build/pdf/."""
    return f"{policy_id}.pdf"


def print_links(policy_id: str) -> str:
    """The paragraph a page of the policy's section (its home) shows to reach the printable forms.

    The PDF is written after the site is built (`make pdf`), so it is linked in raw HTML,
    which the strict build does not check.
    """
    return (f"**Printable policy:** [the whole policy on one page]({PRINT_PAGE}), "
            f'or as <a href="{pdf_name(policy_id)}">PDF</a> (made by `make pdf`).\n')


def with_print_links(home: str, policy_id: str) -> str:
    """The policy's home with `print_links` before its first section (at its end when it has none)."""
    at = home.find("\n## ")
    if at == -1:
        return home.rstrip("\n") + "\n\n" + print_links(policy_id)
    return home[: at + 1] + print_links(policy_id) + "\n" + home[at + 1:]


@frozen
class _Part:
    """A page of the policy's section embedded in the document."""

    path: str  # from the site's root
    anchor: str  # of its heading in the document
    markdown: str
    shift: int  # heading levels it moves down
    css: str = "print-part"


def _breakable(row: str) -> str:
    """A table row whose words joined by a slash or an underscore may break after it on paper ("a/b"
    and "a_b" are one word to a browser, and the widest word of each column sets how narrow the table
    can be); code, links and HTML are left as they are."""
    parts = _PROTECTED.split(row)
    return "".join(part if n % 2 else _JOINT.sub(r"\1<wbr>", part) for n, part in enumerate(parts))


def _split_attrs(text: str) -> tuple[str, str | None, list[str]]:
    """A heading's text without its attribute list, the id in it and the rest of it."""
    match = _ATTRS.search(text)
    if not match:
        return text, None, []
    anchor = None
    rest = []
    for item in match.group(1).split():
        if item.startswith("#") and anchor is None:
            anchor = item[1:]
        else:
            rest.append(item)
    return text[: match.start()], anchor, rest


def _outside_fences(markdown: str) -> Iterator[tuple[bool, str]]:
    """Each line, and whether it is outside a fenced code block."""
    fence: str | None = None
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * len(match.group(1))
            yield False, line
        elif fence is not None:
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            yield False, line
        else:
            yield True, line


def _strip_front_matter(markdown: str) -> str:
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            return markdown[end + 5:]
    return markdown


def _anchors(part: _Part) -> set[str]:
    """The explicit anchors of a part's headings (links may point to them)."""
    found = set()
    for outside, line in _outside_fences(part.markdown):
        heading = _HEADING.match(line) if outside else None
        if heading:
            anchor = _split_attrs(heading.group(2))[1]
            if anchor:
                found.add(anchor)
    return found


class _Document:
    """Where each link of an embedded page goes in the document."""

    def __init__(self, home: str, home_anchors: set[str], parts: Sequence[_Part]) -> None:
        self.home = home
        self.home_anchors = home_anchors
        self.parts = {part.path: part for part in parts}
        self.anchors = {part.path: _anchors(part) for part in parts}

    def anchor(self, part: _Part, anchor: str) -> str:
        return f"{part.anchor}--{anchor}"

    def target(self, path: str, fragment: str) -> str | None:
        """The anchor in the document for a page of the site and a fragment; None when not in it."""
        if path == self.home:
            return fragment if fragment in self.home_anchors else TOP
        part = self.parts.get(path)
        if part is None:
            return None
        return self.anchor(part, fragment) if fragment in self.anchors[path] else part.anchor

    def relink(self, source: str, line: str) -> str:
        """A line of the page at `source` with each relative link resolved into the document."""

        def replace(match: re.Match[str]) -> str:
            text, target = match.group(1), match.group(2)
            if _EXTERNAL.match(target):
                return match.group(0)
            page, _, fragment = target.partition("#")
            path = posixpath.normpath(posixpath.join(posixpath.dirname(source), page)) if page else source
            anchor = self.target(path, fragment)
            return f"[{text}](#{anchor})" if anchor is not None else text

        return _LINK.sub(replace, line)

    def embed(self, part: _Part) -> str:
        """The part's markdown with its headings moved down, its anchors unique and its links resolved."""
        out = []
        first = True
        for outside, line in _outside_fences(_strip_front_matter(part.markdown)):
            if not outside:
                out.append(line)
                continue
            heading = _HEADING.match(line)
            if heading:
                text, anchor, rest = _split_attrs(heading.group(2))
                level = min(len(heading.group(1)) + part.shift, 6)
                if first:
                    anchor, rest = part.anchor, [*rest, f".{part.css}"]
                elif anchor:
                    anchor = self.anchor(part, anchor)
                attrs = " ".join([*([f"#{anchor}"] if anchor else []), *rest])
                line = "#" * level + self.relink(part.path, text) + (f" {{{attrs}}}" if attrs else "")
                first = False
            else:
                line = self.relink(part.path, line)
                if line.lstrip().startswith("|"):
                    line = _breakable(line)
            out.append(line)
        return "\n".join(out).strip() + "\n"


def statement_anchor(statement_id: str) -> str:
    """The anchor of a statement's part of the printable document."""
    return f"statement-{statement_id}"


# The section's pages that follow the statements, in this order: (title, page in the section, anchor).
BACK = (
    ("How a decision is made", "decision.md", "decision"),
    ("Parameters and code groups", "parameters.md", "parameters"),
    ("Bibliography", "bibliography.md", "bibliography"),
    ("Changelog", "changelog.md", "changelog"),
)


def _marks(bound: BoundPolicy, statement_id: str, mutation: MutationResults) -> str:
    """A statement's badges and, when a mutant of its rule survived, that mark too."""
    badges = [badge_html(b, detail=False) for b in statement_badges(bound, statement_id)]
    return " ".join([*badges, *filter(None, [survivor_badge(mutation, statement_id)])])


def _contents(bound: BoundPolicy, back: Sequence[tuple[str, str]], mutation: MutationResults) -> str:
    """Every statement by section, with its marks when any statement has one, then the other parts."""
    marked = any(_marks(bound, s.id, mutation) for s in bound.source.statements)
    out = ["## Contents {#contents .print-part}\n"]
    for section, statements in sections(bound.source.statements):
        out.append(f"**[{link_text(section or 'Statements')}](#{section_anchor(section)})**\n")
        rows = [
            [f"[{s.id}](#{statement_anchor(s.id)})", s.title,
             *([_marks(bound, s.id, mutation)] if marked else [])]
            for s in statements
        ]
        out.append(table(["ID", "Statement", *(["Marked"] if marked else [])], rows))
    out += [f"- [{link_text(title)}](#{anchor})" for title, anchor in back]
    return "\n".join(out) + "\n"


def _title_page(policy: PolicyDocs, results: TestResults, mutation: MutationResults) -> str:
    bound = policy.bound
    source = bound.source
    counts = results.of_scenarios(every_scenario(bound))
    finished = f" (finished {results.finished})" if results.finished else ""
    included = len(source.included)
    rows = [
        ["Policy ID", code(source.id)],
        ["Version", source.version],
        ["Effective date", effective_text(bound)],
        ["Digest", code(bound.digest)],
        ["Statements", f"{len(source.statements)}" + (f" ({included} shared)" if included else "")],
        ["Last test run", summary(counts) + finished],
        ["Mutation testing", policy_mutation_text(mutation, bound.digest)],
    ]
    out = [
        f"# {source.title} {{#{TOP}}}\n",
        f"> {source.question}\n" if source.question else "",
        '<div class="print-title-block" markdown>\n',
        table(["Field", "Value"], rows),
        "</div>\n",
        "This document is the whole policy as the handbook shows it, generated from the policy source: "
        "every statement with its text, parameters, how it is decided, citations and examples with the "
        "result of the last test run, then how the findings combine into a decision, the "
        "parameters and code groups, the bibliography and the changelog. The digest identifies "
        "the exact source; every determination made with it names the same version and digest.\n",
        f'<p class="print-screen-only">Download it as <a href="{pdf_name(source.id)}">PDF</a> '
        "(made by <code>make pdf</code>), or print this page.</p>\n",
    ]
    return "\n".join(part for part in out if part)


def printable_page(policy: PolicyDocs, results: TestResults, section_pages: Mapping[str, str],
                   mutation: MutationResults | None = None) -> str:
    """The whole policy on one page, from the pages of its section (keyed relative to the section,
    as `policy_pages` renders them); `results` are the runs under this policy, `mutation` its last
    mutation run (default: the one recorded for it; its statement pages carry the same)."""
    bound = policy.bound
    mutation = mutation if mutation is not None else load_mutation(policy.id)
    source = bound.source
    groups = list(sections(source.statements))
    firsts = {statements[0].id for _section, statements in groups}
    statement_parts = {
        s.id: _Part(in_section(bound.id, statement_path(s.id)), statement_anchor(s.id),
                    section_pages[statement_path(s.id)], 2,
                    "print-first-statement" if s.id in firsts else "print-statement")
        for s in source.statements
    }
    back = [(title, _Part(in_section(bound.id, page), anchor, section_pages[page], 1))
            for title, page, anchor in BACK if page in section_pages]
    document = _Document(in_section(bound.id, SECTION_INDEX), {section_anchor(name) for name, _ in groups},
                         [*statement_parts.values(), *(part for _title, part in back)])
    descriptions = feature_descriptions(source.folder)
    out = [FRONT_MATTER, STYLE, _title_page(policy, results, mutation),
           _contents(bound, [(title, part.anchor) for title, part in back], mutation)]
    for section, statements in groups:
        out.append(f"## {section or 'Statements'} {{#{section_anchor(section)} .print-part}}\n")
        if descriptions.get(section):
            out.append(descriptions[section] + "\n")
        out += [document.embed(statement_parts[s.id]) for s in statements]
    out += [document.embed(part) for _title, part in back]
    return "\n".join(out)


def printable_pages(policy: PolicyDocs, results: TestResults, section_pages: Mapping[str, str],
                    mutation: MutationResults | None = None) -> Pages:
    """The printable page of a policy, keyed relative to its section like `section_pages`."""
    return {PRINT_PAGE: printable_page(policy, results, section_pages, mutation)}
