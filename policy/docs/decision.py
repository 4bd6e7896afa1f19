"""How the findings of every statement combine into one decision: a page per policy, and one for the library.

The statements listed under each decision are read from the policy's rule
declarations (which consequences each rule can have), so a policy's page
follows the policy. The order of the decisions is the engine's, the same for
every policy: the library page states it once and links each policy's page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from policy.binding import BoundPolicy
from policy.docs.markdown import code, join, link, statement_link, table
from policy.docs.paths import in_section
from policy.docs.plain import target_words
from policy.docs.rules import ATTACHED_AS, effect_name, policy_words
from policy.rules.declarations import Attach, Change, Consequence, Deny, Effect, Pend, StatementRule

PAGE = "decision.md"
INTRO = (
    "Every statement rule is evaluated for every request, whatever the others find: "
    "a reviewer sees every change, condition, advice, monitoring item and reason even when "
    "one finding already decides. The findings then combine into one decision, "
    "taking the first that holds:\n"
)
# (decision, when it is taken), in the order they are tried.
ORDER = (
    ("**deny**", "any statement with effect deny applies (is not met)"),
    ("**pend**", "otherwise, any statement pends: its effect is pend, or data the decision "
                 "needs is missing (the reason lists the missing document paths)"),
    ("**modify**", "otherwise, at least one change is needed: the request is approvable "
                   "once every listed change is applied"),
    ("**approve**", "otherwise"),
)


def _statements_with(bound: BoundPolicy, wanted: Callable[[StatementRule, Consequence], bool]) -> list[str]:
    found: list[str] = []
    for rule in bound.rules:
        if any(wanted(rule, c) for branch in rule.branches for c in branch.then) and rule.statement not in found:
            found.append(rule.statement)
    return found


def deniers(bound: BoundPolicy) -> list[str]:
    return _statements_with(bound, lambda r, c: isinstance(c, Deny))


def penders(bound: BoundPolicy) -> list[str]:
    return _statements_with(bound, lambda r, c: isinstance(c, Pend))


def changers(bound: BoundPolicy) -> list[str]:
    return _statements_with(bound, lambda r, c: isinstance(c, Change))


def _attached(bound: BoundPolicy, effect: Effect) -> list[str]:
    return _statements_with(bound, lambda r, c: isinstance(c, Attach) and r.effect is effect)


def _links(ids: list[str]) -> str:
    return join((statement_link(i) for i in ids), empty="no statement")


def _authorized_text(bound: BoundPolicy) -> str:
    authorization = bound.code.authorization
    if authorization is None:
        return "This policy declares no authorization: `authorized` is null whatever the decision.\n"
    words = policy_words(bound)
    defaults = join(
        (f"**{f.label}** becomes {target_words(f.default, words)}" for f in authorization.fields
         if f.default is not None),
        empty="none",
    )
    return (
        f"Only **approve** and **modify** carry an authorization: the fields of the request's "
        f"{code(authorization.source)} the policy declares (see the [contract](contract.md)), "
        "with every change applied. Fields the request did not state stay null, except: "
        f"{defaults}. For **pend** and **deny** it is null.\n"
    )


def decision_page(bound: BoundPolicy) -> str:
    """Which of the policy's statements can cause each decision, change a value or join the determination."""
    words = policy_words(bound)
    deny, pend, change = deniers(bound), penders(bound), changers(bound)
    pend_missing = _statements_with(bound, lambda r, c: isinstance(c, Pend) and c.missing is not None)
    change_rows = []
    for rule in bound.rules:
        for branch in rule.branches:
            for consequence in branch.then:
                if isinstance(consequence, Change):
                    label = words.changed.get(consequence.field, consequence.field)
                    change_rows.append([statement_link(rule.statement), f"{label} ({code(consequence.field)})",
                                        target_words(consequence.to, words)])
    attached = {effect: _attached(bound, effect) for effect in ATTACHED_AS}
    # Whatever can deny, pend, change or join the determination is listed above; the rest is reported only.
    acting = {*deny, *pend, *change, *(i for ids in attached.values() for i in ids)}
    silent = [s.id for s in bound.source.statements if s.id not in acting]
    causes = (_links(deny), _links(pend), _links(change), "no statement denies, pends or changes the request")
    source = bound.code.authorization.source if bound.code.authorization is not None else "request"
    return "\n".join([
        f"# How a decision is made: {code(bound.id)}\n",
        INTRO,
        table(["Decision", "When", "Statements that can cause it"],
              [[decision, when, cause] for (decision, when), cause in zip(ORDER, causes, strict=True)]),
        "Statements whose pend lists the missing data: " + _links(pend_missing) + ".\n",
        "## Reasons\n",
        "Each statement that denies or pends adds a reason: the statement ID, its text and, "
        "when data is missing, the list of missing paths.\n",
        "## Changes\n",
        f"A change names its statement, the field of the request's {code(source)}, the requested value "
        "and the authorized value. The changes the rules can make:\n",
        table(["Statement", "Field", "Authorized value"], change_rows),
        "## Authorization\n",
        _authorized_text(bound),
        "## Conditions, advice and monitoring\n",
        "These never change the decision; the statement text joins the determination when the statement applies.\n",
        table(
            ["Joins the determination as", "Statements"],
            [[ATTACHED_AS[effect], _links(ids)] for effect, ids in attached.items()],
        ),
        "## Reported only\n",
        "These statements are reported with their outcome (met, not met, not applicable, unknown) "
        "and citations in every determination; they cause no decision by themselves:\n",
        table(["Statement", "Effect"], [[statement_link(i), effect_name(bound.effects[i])] for i in silent]),
    ])


def library_decision_page(policies: Sequence[BoundPolicy]) -> str:
    """The order of the decisions, once, and each policy's page with how many statements can cause each."""
    rows = [
        [link(p.source.title, in_section(p.id, PAGE)), code(p.id),
         str(len(deniers(p))), str(len(penders(p))), str(len(changers(p)))]
        for p in policies
    ]
    return "\n".join([
        "# How a decision is made\n",
        "Every policy of the library decides the same way. " + INTRO,
        table(["Decision", "When"], [list(row) for row in ORDER]),
        "## Per policy\n",
        "Which statements can deny, pend or change a request is each policy's own; "
        "its decision page lists them, with the changes its rules can make:\n",
        table(["Policy", "ID", "Can deny", "Can pend", "Can change"], rows) if rows
        else "No policy of the library binds yet.\n",
    ])
