"""IVIG for chronic inflammatory demyelinating polyradiculoneuropathy (`ivig-cidp`): the policy's Python,
declared as `POLICY`."""

from __future__ import annotations

from policy.rules.declarations import PolicyCode

from .request import Request
from .rules import AUTHORIZATION, DERIVATIONS, GLOSSARY, FIGURES, REQUEST_ALWAYS_SET, RULES, request_fact

POLICY = PolicyCode(
    glossary=GLOSSARY,
    derivations=DERIVATIONS,
    rules=RULES,
    request_model=Request,
    request_fact=request_fact,
    always_set=REQUEST_ALWAYS_SET,
    figures=FIGURES,
    authorization=AUTHORIZATION,
    report_sections={"figures": "Dosing", "conditions": "Safety", "monitoring": "Monitoring"},
)
