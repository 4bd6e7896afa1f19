"""`policy new`: write a complete, runnable policy folder from the templates below.

`create("demo-policy")` writes `features/demo_policy/` (feature file,
`policy.toml`, `bibliography.toml`, `__init__.py`, `request.py`, `rules.py`)
and `examples/demo-policy/source-case.json`, and nothing else. The new policy
is small but whole: a request of `id`, `type`, `diagnoses` and `units`; one
code group and the statement that denies a request outside it; one
parameter and the statement that pends a request above it; examples on both
sides of each; one reference cited by all of them. Right after it
`policy check` passes, the acceptance suite runs its scenarios and
`policy assess` takes its source case. It includes no shared statement
(docs/authors.md, "Share a statement", says how to).

It works in a checkout only, where the policy library is `features/` with
`examples/` beside it; an installed wheel's library is read-only package data.
"""

from __future__ import annotations

import keyword
import re
import shutil
from datetime import date
from pathlib import Path
from string import Template

from policy.docs.paths import SITE_NAMES
from policy.errors import PolicyDefinitionError
from policy.library import folder_of
from policy.source import SHARED_FOLDER, source_root

# Lowercase words of letters and digits joined by single hyphens, starting with a letter.
POLICY_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 40
# The folder an installed wheel keeps the policy library in (policy/_source).
INSTALLED_FOLDER = "_source"
EXAMPLES_FOLDER = "examples"
DOCS_FOLDER = "docs"
# Pages and folders at the top of the handbook (policy.docs.paths.SITE_NAMES): a
# policy's section, under its id, would land on them. A hand-written page of
# docs/ is checked in `planned`.
SOURCE_CASE = "source-case.json"
FEATURE_FILE = "01_coverage.feature"


class ScaffoldError(Exception):
    """The policy cannot be created; nothing was written."""


def check_id(policy_id: str) -> None:
    """Raise ScaffoldError unless `policy_id` can name a new policy."""
    if not POLICY_ID.fullmatch(policy_id):
        raise ScaffoldError(
            f"invalid policy id {policy_id!r}: use lowercase letters, digits and single hyphens, "
            "starting with a letter (e.g. drug-condition)"
        )
    if len(policy_id) > MAX_ID_LENGTH:
        raise ScaffoldError(f"invalid policy id {policy_id!r}: at most {MAX_ID_LENGTH} characters, got {len(policy_id)}")
    folder = folder_of(policy_id)
    if folder == SHARED_FOLDER:
        raise ScaffoldError(f"invalid policy id {policy_id!r}: features/{SHARED_FOLDER}/ holds the shared statements")
    if keyword.iskeyword(folder):
        raise ScaffoldError(f"invalid policy id {policy_id!r}: its folder {folder}/ would be a Python keyword")
    if policy_id in SITE_NAMES:
        raise ScaffoldError(f"invalid policy id {policy_id!r}: the handbook uses {policy_id}/ for its own pages")


def title_of(policy_id: str) -> str:
    """A first title from the id: `demo-policy` is "Demo policy" (the author edits it in policy.toml)."""
    words = policy_id.split("-")
    return " ".join([words[0].capitalize(), *words[1:]])


def statement_ids(policy_id: str) -> dict[str, str]:
    """The new policy's statement IDs, unique to it: `DX-DEMO-POLICY` and `UNITS-DEMO-POLICY`."""
    suffix = policy_id.upper()
    return {"dx_id": f"DX-{suffix}", "units_id": f"UNITS-{suffix}"}


def library_root() -> Path:
    """The policy library `policy new` writes into: `features/` of the checkout this package runs from."""
    try:
        root = source_root()
    except PolicyDefinitionError as error:
        raise ScaffoldError(f"no policy library found: {error}") from error
    if root.name == INSTALLED_FOLDER:
        raise ScaffoldError(
            f"policy new works in a checkout of the policy library (features/ beside examples/); "
            f"this package is installed from a wheel, whose policies in {root} are read-only"
        )
    return root


def _statement_ids_in_use(root: Path, wanted: set[str]) -> set[str]:
    """Which of `wanted` some feature file of the library already tags a Rule with."""
    found: set[str] = set()
    for path in sorted(root.rglob("*.feature")):
        text = path.read_text(encoding="utf-8")
        found |= {i for i in wanted if re.search(rf"@{re.escape(i)}(?![A-Za-z0-9_.-])", text)}
    return found


def _shown(path: Path, base: Path) -> str:
    """A path as messages name it: from the checkout's root."""
    return path.relative_to(base).as_posix()


def planned(policy_id: str, root: Path | None = None, today: date | None = None) -> dict[Path, str]:
    """Every file `create` would write (absolute path to text), after every refusal check."""
    check_id(policy_id)
    library = root if root is not None else library_root()
    folder = library / folder_of(policy_id)
    examples = library.parent / EXAMPLES_FOLDER / policy_id
    base = library.parent
    for taken in (folder, examples):
        if taken.exists() or taken.is_symlink():
            raise ScaffoldError(f"{_shown(taken, base)}/ already exists: policy {policy_id} is taken; pick another id")
    docs = base / DOCS_FOLDER
    for page in (docs / f"{policy_id}.md", docs / policy_id):
        if page.exists():
            raise ScaffoldError(f"invalid policy id {policy_id!r}: the handbook's page {_shown(page, base)} has that name")
    ids = statement_ids(policy_id)
    in_use = _statement_ids_in_use(library, set(ids.values()))
    if in_use:
        raise ScaffoldError(f"statement ID(s) {', '.join(sorted(in_use))} already exist in "
                            f"{_shown(library, base)}/; pick another id")
    values = {
        "policy_id": policy_id,
        "title": title_of(policy_id),
        "reference": f"{policy_id}-guideline",
        "request_id": f"{policy_id.upper()}-SOURCE-CASE",
        "today": (today or date.today()).isoformat(),
        **ids,
    }
    files = {folder / name: Template(text).substitute(values) for name, text in FEATURE_FOLDER.items()}
    files[examples / SOURCE_CASE] = Template(SOURCE_CASE_JSON).substitute(values)
    return files


def create(policy_id: str, root: Path | None = None) -> list[Path]:
    """Write the new policy `policy_id`; return the files written, relative to the checkout.

    `root` is the policy library (default: the `features/` folder of the
    checkout this package runs from); examples go to `examples/` beside it.
    Raises ScaffoldError, having written nothing, when the id is invalid or
    taken, or when the package is not running from a checkout.
    """
    library = root if root is not None else library_root()
    files = planned(policy_id, library)
    base = library.parent
    created: list[Path] = []  # the two folders, removed again if writing fails
    try:
        for path, text in files.items():
            if not path.parent.exists():
                missing = path.parent
                while not missing.parent.exists():
                    missing = missing.parent
                path.parent.mkdir(parents=True)
                created.append(missing)
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
    except OSError as error:
        for made in created:
            shutil.rmtree(made, ignore_errors=True)
        raise ScaffoldError(f"cannot write the policy {policy_id}: {error}") from error
    return [path.relative_to(base) for path in files]


# --- Templates ---------------------------------------------------------------------
# string.Template: $name is replaced, $$ is a dollar sign.

INIT_PY = '''\
"""$title (`$policy_id`): the policy's Python, declared as `POLICY`."""

from __future__ import annotations

from policy.rules.declarations import PolicyCode

from .request import Request
from .rules import DERIVATIONS, REQUEST_ALWAYS_SET, RULES, request_fact

POLICY = PolicyCode(
    derivations=DERIVATIONS,
    rules=RULES,
    request_model=Request,
    request_fact=request_fact,
    always_set=REQUEST_ALWAYS_SET,
)
'''

REQUEST_PY = '''\
"""The $title request: a frozen attrs model whose field specs are the single
declaration of its contract (validation and JSON Schema)."""

from __future__ import annotations

from attrs import frozen

from policy.spec import Spec, spec


@frozen
class Request:
    """A prior-authorization request under $title."""

    id: str = spec("string", "Request identifier, echoed in the determination.", required=True)
    type: str = spec("string", "Initial request or continuation of therapy.", required=True, enum=("initial", "continuation"))
    diagnoses: tuple[str, ...] = spec(
        "array", "Billable ICD-10-CM codes, with or without the dot.", required=True,
        min_items=1, items=Spec(types=("string",), description="ICD-10-CM code", format="icd10-cm"),
    )
    units: int = spec("integer", "Units of the treatment requested.", required=True, minimum=1, maximum=1000, unit="units")
'''

RULES_PY = '''\
"""$title: facts, derivations and statement rules.

Statement text, citations and examples live in the feature files beside this
module; numbers and code groups in its `policy.toml`. This module only says
how the request becomes facts, how derived facts are computed, and which case
of each statement holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy.rules.declarations import (
    Deny,
    Derivation,
    Effect,
    Fact,
    Outcome,
    P,
    Pend,
    StatementRule,
    case,
    otherwise,
)

from .request import Request

MET, NOT_MET = Outcome.MET, Outcome.NOT_MET

request = Fact("request")
diagnosis = Fact("diagnosis")

# Fields of the request fact that every valid request sets.
REQUEST_ALWAYS_SET = ("type", "units")


def request_fact(request: Request) -> dict[str, Any]:
    """The request as one flat fact; unstated fields are left out."""
    fact: dict[str, Any] = {"type": request.type, "units": request.units}
    return {key: value for key, value in fact.items() if value is not None}


# --- Derivations -------------------------------------------------------------


def covered_diagnoses(
    request: Request, facts: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Which diagnoses of the request are in the code group of covered diagnoses."""
    group = params["code_groups"]["covered"]
    codes = [code for code in request.diagnoses if group.contains(code)]
    return {"covered": bool(codes), "codes": codes}


DERIVATIONS = (
    Derivation(
        name="covered_diagnoses", statement="$dx_id", label="Covered diagnoses of the request",
        reads=("request",), produces="diagnosis", fields=("covered",), parameters=(),
        compute=covered_diagnoses,
    ),
)

# --- Statement rules -----------------------------------------------------------
# Cases are tried in order, the first that holds is taken, `otherwise` covers the rest.

RULES = (
    StatementRule(
        name="$dx_id", statement="$dx_id", effect=Effect.DENY, facts=("diagnosis",),
        cases=(case(diagnosis.covered == False, NOT_MET, Deny()),),  # noqa: E712
        otherwise=otherwise(MET),
    ),
    StatementRule(
        name="$units_id", statement="$units_id", effect=Effect.PEND, facts=("request",),
        cases=(case(request.units > P.max_units, NOT_MET, Pend()),),
        otherwise=otherwise(MET),
    ),
)
'''

POLICY_TOML = '''\
# The policy's identity, its parameters and its diagnosis code groups.
# Written by `policy new`: replace the statements, codes, numbers and the
# reference with those of the guideline this policy encodes.
# Statement text, citations and examples live in the .feature files beside
# this one; rules live in rules.py beside it and name the parameters below by
# key. Every value carries where it comes from; a value that is the
# committee's own choice says so in `policy_choice`.

[policy]
id = "$policy_id"
title = "$title"
version = "0.1.0"
question = "Is the treatment, as requested, covered for this patient?"

[parameters.max_units]
value = 6
unit = "units"
label = "Most units one request covers"
sources = ["$reference"]

# ICD-10-CM code groups: a code belongs to a group when it starts with one of
# the group's prefixes (dotted form).
[code_groups.covered]
label = "Diagnoses the policy covers"
prefixes = ["D69.3"]
sources = ["$reference"]

# Version history of the policy, newest first. The docs site's changelog is
# generated from these entries; `version` of the newest one equals [policy].version.
[[changelog]]
version = "0.1.0"
date = "$today"
summary = "First draft of the policy: which diagnoses it covers, and how many units one request covers."
changes = [
    "Written by `policy new`: one code group, one parameter, one reference and a statement on each.",
]
'''

BIBLIOGRAPHY_TOML = '''\
# References cited by the statements of the $policy_id policy.
# Each table is one reference under a stable key; the .feature files cite it
# with a tag @cite.<key> on the statement's Rule, parameters and code groups
# in policy.toml through their `sources`. How directly it supports each
# statement citing it is graded in citations.toml.

[$reference]
title = "The guideline $title encodes"
short = "the $policy_id guideline"
note = "Written by `policy new` in place of the guideline's reference: replace it with the guideline's authors, title, publication and DOI, PubMed number or URL."
'''

CITATIONS_TOML = '''\
# How directly each reference supports each statement citing it: one grade per
# (statement, cited reference) pair (format: features/shared/citations.toml).
# support: direct (the reference states what the statement says),
#          extrapolated (it says so for another condition, population or figure),
#          unverified (the claim could not be found in it or checked).

[grade.$dx_id.$reference]
support = "unverified"
note = "Written by `policy new`: the stand-in reference has not been checked. Grade the real guideline for this statement and say why."

[grade.$units_id.$reference]
support = "unverified"
note = "Written by `policy new`: the stand-in reference has not been checked. Grade the real guideline for this statement and say why."
'''

FEATURE = '''\
Feature: Coverage
  Which diagnoses $title covers, and how many units one request covers.

  @source-case
  Scenario: The source case is approved
    Given a request like the source case
    When the request is assessed
    Then the decision is approve
    And $dx_id does not apply
    And $units_id does not apply
    And there are no reasons

  @$dx_id @cite.$reference
  Rule: Only the diagnoses the policy lists are covered
    $title covers a request only for a diagnosis it lists: immune thrombocytopenic purpura (D69.3). A request with none of the listed diagnoses is denied.

    Scenario Outline: A request with a listed diagnosis is not denied
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then $dx_id does not apply
      And the decision is approve

      Examples:
        | diagnoses          |
        | ["D69.3"]          |
        | ["E11.9", "D69.3"] |

    Scenario Outline: A request without a listed diagnosis is denied
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then $dx_id applies
      And the decision is deny
      And the reasons are $dx_id

      Examples:
        | diagnoses |
        | ["D69.6"] |
        | ["E11.9"] |

  @$units_id @cite.$reference
  Rule: One request covers at most 6 units
    One request covers at most 6 units of the treatment. A request for more units needs clinical review.

    @boundary
    Scenario Outline: A request for at most 6 units needs no review
      Given a request like the source case
      And units is <units>
      When the request is assessed
      Then $units_id does not apply
      And the decision is approve

      Examples:
        | units |
        | 1     |
        | 6     |

    @boundary
    Scenario Outline: A request for more than 6 units is pended for clinical review
      Given a request like the source case
      And units is <units>
      When the request is assessed
      Then $units_id applies
      And the decision is pend
      And the reasons are $units_id

      Examples:
        | units |
        | 7     |
        | 20    |
'''

SOURCE_CASE_JSON = '''\
{
  "policy": "$policy_id",
  "id": "$request_id",
  "type": "initial",
  "diagnoses": [
    "D69.3"
  ],
  "units": 4
}
'''

# The files of the policy folder, by name.
FEATURE_FOLDER = {
    FEATURE_FILE: FEATURE,
    "policy.toml": POLICY_TOML,
    "bibliography.toml": BIBLIOGRAPHY_TOML,
    "citations.toml": CITATIONS_TOML,
    "__init__.py": INIT_PY,
    "request.py": REQUEST_PY,
    "rules.py": RULES_PY,
}

__all__ = ["ScaffoldError", "check_id", "create", "library_root", "planned", "statement_ids", "title_of"]
