"""The library's home page: every policy with its version, size and last test run, the
shared statements, the library-wide pages and how to read the rest.

It lists whatever `load_library` found, so adding a policy folder adds its row.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.docs.library import Library, PolicyDocs, Unbound
from policy.docs.markdown import code, join, link, status_badge, table
from policy.docs.overview import every_scenario
from policy.docs.marks import effective_text
from policy.docs.paths import API, CONTRACT, DECISION, policy_home, shared_home, shared_statement
from policy.docs.results import FAILED, NOT_RUN, PASSED, TestResults, overall, summary

INTRO = (
    "This handbook documents a library of prior-authorization policies written as code. "
    "Every page about a policy is generated at build time from the same source the rules engine "
    "and the acceptance tests read, so what you read here is what the engine decides and what "
    "the last test run checked.\n"
)
READING = "\n".join([
    "## Reading a statement page\n",
    "Each statement page shows the statement's stable ID and text, with a badge under its title when "
    "a reviewer must not miss something (its support is only extrapolated or unverified, or a number "
    "is the committee's own choice); its effect on a determination; the version it last changed in; "
    "the parameters its rules use (with their values and sources, or the committee's note when a "
    "value is a policy choice); how it is decided, in words, with the formulas of the figures it "
    "computes (the rules as the engine evaluates them are one click away); each citation with how "
    "directly it supports this statement (**direct**, **extrapolated** or **unverified**) and why; "
    "and its examples. Each example row carries the result of the last test run:\n",
    f"- {status_badge(PASSED)}: the row ran and every step held;",
    f"- {status_badge(FAILED)}: the row ran and a step failed;",
    f"- {status_badge(NOT_RUN)}: no result was recorded for the row (the suite was not run, "
    "or not all of it, before the site was built).\n",
    "A shared statement's rows run once under every policy that includes it: its page in the "
    "shared section shows one status per including policy. The examples start from the policy's "
    "source case; each policy's **Examples** pages show it and every other bundled request with "
    "the determination it gets.\n",
])
SOURCES = "\n".join([
    "## How the pages are made\n",
    table(["Generated page", "Comes from"], [
        ["Statement pages (ID, text, effect, citations, examples)",
         "the `Rule:` blocks of the policy's feature files, `features/<policy>/*.feature` "
         "(shared statements: `features/shared/*.feature`)"],
        ["Parameters, code groups, policy version, changelog", "the policy's `policy.toml` "
         "(shared parameters: `features/shared/shared.toml`)"],
        ["Bibliography", "the policy's `bibliography.toml` (and the shared one)"],
        ["Support of each citation, badges", "the grades of each statement–reference pair (`policy.provenance`)"],
        ["Effective date, version a statement last changed in", "the policy's recorded releases (`policy.releases`)"],
        ["Examples and their determinations", "`examples/<policy-id>/*.json`, assessed when the site is built"],
        ["Conditions in readable form, decision page, figures and authorization",
         "the declarations of the policy's Python, `POLICY = PolicyCode(...)`"],
        ["Contract and JSON Schema", "the policy's request model and the determination models"],
        ["Python API", "the docstrings of the `policy` package"],
        ["Last test run of each example", "`build/test-results/results.json`, written by the test suite"],
    ]),
    "Nothing on a generated page is typed by hand, and generated pages are never committed: "
    "change the source and rebuild (`make site`; the test suite records the results first).\n",
])


def _policy_row(policy: PolicyDocs, results: TestResults) -> list[str]:
    source = policy.bound.source
    runs = results.for_policy(policy.id)
    counts = runs.of_scenarios(every_scenario(policy.bound))
    stale = " (recorded against another source)" if runs.stale(policy.id, policy.bound.digest) else ""
    included = len(source.included)
    return [
        link(source.title, policy_home(policy.id)),
        code(policy.id),
        source.version,
        effective_text(policy.bound),
        f"{len(source.statements)}" + (f" ({included} shared)" if included else ""),
        f"{status_badge(overall(counts))} {summary(counts)}{stale}",
    ]


def _unbound_note(unbound: Sequence[Unbound]) -> str:
    if not unbound:
        return ""
    lines = ['!!! failure "Policies that do not bind yet (no pages until they do; `policy check` says more)"']
    for entry in unbound:
        lines.append(f"    - {code(entry.id)}:\n")
        lines.append("        ```text")
        lines += [f"        {line}" for line in entry.problem.splitlines()]
        lines.append("        ```\n")
    return "\n".join(lines) + "\n"


def _shared_part(library: Library) -> list[str]:
    statements = library.shared_statements
    out = ["## Shared statements\n"]
    if not statements:
        return out + ["The library has no shared statement.\n"]
    rows = [
        [link(s.id, shared_statement(s.id)), s.title,
         join((link(p.id, policy_home(p.id)) for p in library.including(s.id)), empty="no policy")]
        for s in statements
    ]
    return out + [
        f"{len(statements)} statements are written once and included by ID by the policies that "
        f"need them; see the {link('shared section', shared_home())}.\n",
        table(["ID", "Statement", "Included by"], rows),
    ]


def _pages_part(guides: Sequence[tuple[str, str]], extra: Sequence[tuple[str, str]],
                maintainers: Sequence[tuple[str, str]] = ()) -> list[str]:
    rows = [
        [link("Contract", CONTRACT), "what every request and determination holds, and each policy's contract page"],
        [link("How a decision is made", DECISION), "how findings become approve, modify, pend or deny"],
    ]
    rows += [[link(title, path), "guide"] for title, path in guides]
    rows += [[link(title, path), ""] for title, path in extra]
    kept = [*maintainers, ("Python API", API)]
    return [
        "## Guides and reference\n",
        table(["Page", "For"], rows),
        "For the library's maintainers (in the navigation under *Maintainers*): "
        + ", ".join(link(title, path) for title, path in kept) + ".\n",
    ]


def home_page(library: Library, results: TestResults, guides: Sequence[tuple[str, str]] = (),
              extra: Sequence[tuple[str, str]] = (), maintainers: Sequence[tuple[str, str]] = ()) -> str:
    """The site's index.md; `results` are the whole library's, read per policy."""
    finished = f" (finished {results.finished})" if results.finished else ""
    out = [
        "# Policy library\n",
        INTRO,
        "## Policies\n",
        f"Last test run{finished}, counted per example row as it ran under each policy.\n",
        table(["Policy", "ID", "Version", "Effective", "Statements", "Last test run"],
              [_policy_row(p, results) for p in library.policies])
        if library.policies else "No policy of the library binds yet.\n",
        _unbound_note(library.unbound),
        *_shared_part(library),
        *_pages_part(guides, extra, maintainers),
        READING,
        SOURCES,
    ]
    return "\n".join(part for part in out if part)
