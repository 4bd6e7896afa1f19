"""The decision page: how the findings of every statement combine into one decision.

The statements listed under each decision are read from the rule declarations
(which consequences each rule can have), so the page follows the policy.
"""

from __future__ import annotations

from collections.abc import Callable

from policy.binding import BoundPolicy
from policy.docs.markdown import code, join, statement_link, table
from policy.docs.rules import ATTACHED_AS, effect_name, target_text
from policy.rules.declarations import Attach, Change, Consequence, Deny, Effect, Pend, StatementRule


def _statements_with(bound: BoundPolicy, wanted: Callable[[StatementRule, Consequence], bool]) -> list[str]:
    found: list[str] = []
    for rule in bound.rules:
        if any(wanted(rule, c) for branch in rule.branches for c in branch.then) and rule.statement not in found:
            found.append(rule.statement)
    return found


def _attached(bound: BoundPolicy, effect: Effect) -> list[str]:
    return _statements_with(bound, lambda r, c: isinstance(c, Attach) and r.effect is effect)


def _links(ids: list[str]) -> str:
    return join((statement_link(i) for i in ids), empty="no statement")


def decision_page(bound: BoundPolicy) -> str:
    params = bound.params
    deny = _statements_with(bound, lambda r, c: isinstance(c, Deny))
    pend = _statements_with(bound, lambda r, c: isinstance(c, Pend))
    pend_missing = _statements_with(bound, lambda r, c: isinstance(c, Pend) and c.missing is not None)
    change = _statements_with(bound, lambda r, c: isinstance(c, Change))
    change_rows = []
    for rule in bound.rules:
        for branch in rule.branches:
            for consequence in branch.then:
                if isinstance(consequence, Change):
                    change_rows.append([statement_link(rule.statement), code(consequence.field),
                                        target_text(consequence.to, params)])
    attached = {effect: _attached(bound, effect) for effect in ATTACHED_AS}
    # Whatever can deny, pend, change or join the determination is listed above; the rest is reported only.
    acting = {*deny, *pend, *change, *(i for ids in attached.values() for i in ids)}
    silent = [s.id for s in bound.source.statements if s.id not in acting]
    defaults = getattr(bound.module, "AUTHORIZED_DEFAULTS", {})
    default_text = join(f"{code(field)} becomes {target_text(target, params)}" for field, target in defaults.items())
    return "\n".join([
        "# How a decision is made\n",
        "Every statement rule is evaluated for every request, whatever the others find: "
        "a reviewer sees every change, condition, advice, monitoring item and reason even when "
        "one finding already decides. The findings then combine into one decision, "
        "taking the first that holds:\n",
        table(
            ["Decision", "When", "Statements that can cause it"],
            [
                ["**deny**", "any statement with effect deny applies (is not met)", _links(deny)],
                ["**pend**", "otherwise, any statement pends: its effect is pend, or data the decision "
                 "needs is missing (the reason lists the missing document paths)", _links(pend)],
                ["**modify**", "otherwise, at least one change is needed: the request is approvable "
                 "once every listed change is applied", _links(change)],
                ["**approve**", "otherwise", "no statement denies, pends or changes the request"],
            ],
        ),
        "Statements whose pend lists the missing data: " + _links(pend_missing) + ".\n",
        "## Reasons\n",
        "Each statement that denies or pends adds a reason: the statement ID, its text and, "
        "when data is missing, the list of missing paths.\n",
        "## Changes\n",
        "A change names its statement, the regimen field, the requested value and the authorized value. "
        "The changes the rules can make:\n",
        table(["Statement", "Field", "Authorized value"], change_rows),
        "## Authorized regimen\n",
        "Only **approve** and **modify** carry an authorized regimen: the requested regimen with every "
        "change applied. Fields the request did not state stay null, except: " + default_text + ". "
        "For **pend** and **deny** it is null.\n",
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
