"""A policy's example requests on the site, each with the determination this version of the policy makes.

Every JSON file of `examples/<policy-id>/` is assessed when the site is
built (policy.docs.library), so a page shows what the engine decides today,
never a copy: the request, then the decision, its reasons, the changes, the
figures, what is authorized, and the conditions, advice and monitoring. The
source case ("Given a request like the source case") comes first; statement
pages link it. A file named after a decision (`modify-...json`) whose
request now gets another decision is flagged on its page and in the list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from policy.binding import BoundPolicy
from policy.determination import DECISIONS
from policy.docs.library import CONTINUED_CASE, SOURCE_CASE, Example, PolicyDocs
from policy.docs.markdown import Pages, cell, code, link, table
from policy.docs.plain import outcome_words, value_text
from policy.docs.words import number, sentence_start
from policy.rules.declarations import Effect, Outcome
from policy.spec import field_spec

FOLDER = "examples"
INDEX = f"{FOLDER}/index.md"
# From an example's page to the policy's section.
UP = "../"


def example_path(name: str) -> str:
    """An example's page, relative to its policy's section ('examples/source-case.md')."""
    return f"{FOLDER}/{name}.md"


def source_case_path() -> str:
    return example_path(SOURCE_CASE.removesuffix(".json"))


def continued_case_path() -> str:
    return example_path(CONTINUED_CASE.removesuffix(".json"))


def claimed_decision(example: Example) -> str | None:
    """The decision a file's name announces ('modify-course-over-cap' -> 'modify'), if any."""
    first = example.name.split("-", 1)[0]
    return first if first in DECISIONS else None


def example_title(example: Example) -> str:
    """'Modify: course over cap' from modify-course-over-cap.json; 'Source case' from source-case.json."""
    claimed = claimed_decision(example)
    if claimed is not None:
        rest = example.name.split("-", 1)[1] if "-" in example.name else ""
        return f"{sentence_start(claimed)}: {rest.replace('-', ' ')}" if rest else sentence_start(claimed)
    return sentence_start(example.name.replace("-", " "))


def decision_mark(decision: str) -> str:
    """A decision as a coloured word (the site's CSS colours it)."""
    return f'<span class="decision decision-{decision}">{decision.upper()}</span>'


def _statement(statement_id: str, prefix: str) -> str:
    return link(statement_id, f"{prefix}statements/{statement_id}.md")


def _notes(entries: Sequence[Mapping[str, Any]], prefix: str) -> str:
    return "\n".join(f"- {_statement(str(e['statement']), prefix)}: {e['text']}" for e in entries) + "\n"


def _unit(bound: BoundPolicy, path: str) -> str | None:
    authorization = bound.code.authorization
    if authorization is None:
        return None
    spec = field_spec(bound.code.request_model, f"{authorization.source}.{path}")
    return spec.unit if spec is not None else None


def _field_label(bound: BoundPolicy, path: str) -> str:
    authorization = bound.code.authorization
    if authorization is not None:
        for declared in authorization.fields:
            if declared.path == path:
                return declared.label
    return path


def figures_markdown(bound: BoundPolicy, dosing: Mapping[str, Any]) -> str:
    """The determination's figures, labelled and with units, as the policy declares them."""
    figures = bound.code.figures
    if not figures:
        return ""
    rows = []
    by_key = {f.key: f for f in figures}
    for figure in figures:
        value = dosing.get(figure.key)
        if value is None:
            shown = figure.absent
        else:
            shown = value_text(value, figure.unit) if not isinstance(value, str) else value
            basis = by_key.get(figure.basis) if figure.basis else None
            if basis is not None and dosing.get(basis.key) is not None:
                shown += f" ({dosing[basis.key]})"
        rows.append([sentence_start(figure.label), shown])
    return table(["Figure", "Value"], rows)


def authorized_markdown(bound: BoundPolicy, authorized: Mapping[str, Any] | None) -> str:
    """What an approval authorizes, field by field; a pend or denial authorizes nothing."""
    authorization = bound.code.authorization
    if authorization is None:
        return "This policy declares no authorization.\n"
    if authorized is None:
        return "Nothing is authorized: a pended or denied request carries no authorization.\n"
    rows = []
    for declared in authorization.fields:
        value: Any = authorized
        for part in declared.path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        rows.append([declared.label, value_text(value, _unit(bound, declared.path))])
    return table(["Field", "Authorized"], rows)


def determination_markdown(bound: BoundPolicy, determination: Mapping[str, Any], prefix: str = UP,
                           level: int = 2) -> str:
    """A determination as a reviewer reads it: decision, reasons, changes, figures, authorized, notes.

    `prefix` leads from the page to the policy's section (statement links);
    `level` is the level of its headings.
    """
    heading = "#" * level
    decision = str(determination["decision"])
    out = [f"**Decision:** {decision_mark(decision)}\n"]
    reasons = determination.get("reasons") or []
    out.append(f"{heading} Reasons\n")
    if reasons:
        out.append("\n".join(
            f"- {_statement(str(r['statement']), prefix)}: {r['text']}"
            + (f" Missing: {', '.join(code(m) for m in r['missing'])}." if r.get("missing") else "")
            for r in reasons) + "\n")
    else:
        out.append("No statement denies or pends this request.\n")
    changes = determination.get("changes") or []
    out.append(f"{heading} Changes\n")
    if changes:
        out.append(table(["Statement", "Field", "Requested", "Authorized"], [
            [_statement(str(c["statement"]), prefix), _field_label(bound, str(c["field"])),
             value_text(c["requested"], _unit(bound, str(c["field"]))),
             value_text(c["authorized"], _unit(bound, str(c["field"])))]
            for c in changes
        ]))
    else:
        out.append("Nothing requested is changed.\n")
    figures = figures_markdown(bound, determination.get("dosing") or {})
    if figures:
        out += [f"{heading} Figures\n", figures]
    title = bound.code.authorization.title if bound.code.authorization is not None else "Authorized"
    out += [f"{heading} {title}\n", authorized_markdown(bound, determination.get("authorized"))]
    for key, name in (("conditions", "Conditions"), ("advice", "Advice"), ("monitoring", "Monitoring")):
        entries = determination.get(key) or []
        if entries:
            out += [f"{heading} {name}\n", _notes(entries, prefix)]
    return "\n".join(out)


def outcomes_markdown(bound: BoundPolicy, determination: Mapping[str, Any], prefix: str = UP) -> str:
    """Every statement's outcome for the request, in the words of the statement pages."""
    rows = []
    for result in determination.get("statements") or []:
        statement_id = str(result["id"])
        effect = bound.effects.get(statement_id, Effect.INFORMATIONAL)
        try:
            words = outcome_words(effect, Outcome(result["outcome"]))
        except ValueError:
            words = str(result["outcome"])
        rows.append([_statement(statement_id, prefix), words])
    return table(["Statement", "Outcome"], rows)


def json_text(value: Any, indent: int = 0) -> str:
    """JSON indented by two spaces, with a list of plain values kept on one line ([3, 5])."""
    pad = "  " * (indent + 1)
    if isinstance(value, Mapping) and value:
        items = [f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {json_text(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list | tuple) and value:
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return json.dumps(list(value), ensure_ascii=False)
        return "[\n" + ",\n".join(f"{pad}{json_text(v, indent + 1)}" for v in value) + "\n" + "  " * indent + "]"
    return json.dumps(value, ensure_ascii=False)


def request_markdown(request: Mapping[str, Any]) -> str:
    """The request exactly as sent, as a JSON block."""
    return "```json\n" + json_text(request) + "\n```\n"


def _json_block(title: str, document: Mapping[str, Any]) -> str:
    text = json_text(document)
    return f'??? abstract "{title}"\n    ```json\n' + "\n".join(f"    {line}" for line in text.splitlines()) + "\n    ```\n"


def _mismatch(example: Example) -> str:
    claimed = claimed_decision(example)
    decision = example.determination.get("decision") if example.determination is not None else None
    if claimed is None or decision is None or decision == claimed:
        return ""
    return (f'!!! warning "The file name says {claimed}; this version of the policy decides {decision}"\n'
            "    Either the example or the policy changed; one of them needs a look.\n")


def example_page(policy: PolicyDocs, example: Example) -> str:
    """One example: the request, then what this version of the policy determines for it."""
    bound = policy.bound
    out = [f"# {example_title(example)}\n"]
    role = ""
    if example.file.endswith("/" + SOURCE_CASE):
        role = ("Every scenario of this policy starts from this request (\"Given a request like the source "
                "case\") and changes only what its steps say.\n")
    elif example.file.endswith("/" + CONTINUED_CASE):
        role = ("Scenarios about continuing therapy start from this request (\"Given a continuation request "
                "like the source case\").\n")
    out += [
        role,
        f"File {code('examples/' + example.file)}, assessed with {code(bound.id)} {bound.source.version} "
        f"when this site was built. [All examples]({UP}{INDEX}).\n",
        _mismatch(example),
        "## Request\n",
        request_markdown(example.request),
        "## Determination\n",
    ]
    if example.determination is None:
        out.append('!!! failure "The request is invalid: no determination"\n' + "".join(
            f"    - {code(problem)}\n" for problem in example.problems))
        return "\n".join(part for part in out if part)
    out += [
        determination_markdown(bound, example.determination, UP, level=3),
        "### Every statement's outcome\n",
        outcomes_markdown(bound, example.determination, UP),
        _json_block("The determination as JSON (the contract)", example.determination),
    ]
    return "\n".join(part for part in out if part)


def _summary(example: Example) -> str:
    determination = example.determination
    if determination is None:
        return "invalid request: " + "; ".join(example.problems)
    parts = [f"{r['statement']}" for r in determination.get("reasons") or []]
    parts += [f"{c['statement']}: {c['field']} {number(c['requested'])} → {number(c['authorized'])}"
              for c in determination.get("changes") or []
              if not isinstance(c["requested"], list | dict)]
    parts += [f"{c['statement']}" for c in determination.get("changes") or [] if isinstance(c["requested"], list | dict)]
    return ", ".join(dict.fromkeys(parts)) or "none"


def examples_index(policy: PolicyDocs) -> str:
    """Every example of the policy with its decision and the statements behind it."""
    bound = policy.bound
    rows = []
    for example in policy.examples:
        decision = example.determination.get("decision") if example.determination is not None else None
        flag = " (file name says otherwise)" if _mismatch(example) else ""
        rows.append([
            link(example_title(example), example.name + ".md"),
            code(str(example.request.get("id", ""))),
            cell(example.request.get("type", "")),
            (decision_mark(str(decision)) if decision else "invalid") + flag,
            _summary(example),
        ])
    return "\n".join([
        "# Example requests\n",
        f"The requests bundled with {code(bound.id)} in {code('examples/' + bound.id + '/')}, each assessed with "
        f"version {bound.source.version} of the policy when this site was built. The source case is the "
        "request every scenario starts from; the others show each decision. Each page shows the request, "
        "then the determination: decision, reasons, changes, figures and what is authorized.\n",
        table(["Example", "Request id", "Type", "Decision", "Reasons and changes (statements)"], rows)
        if rows else "This policy has no example request.\n",
    ])


def example_pages(policy: PolicyDocs) -> Pages:
    """The examples list and a page per example, keyed relative to the policy's section; none without examples."""
    if not policy.examples:
        return {}
    pages: Pages = {INDEX: examples_index(policy)}
    pages.update({example_path(e.name): example_page(policy, e) for e in policy.examples})
    return pages
