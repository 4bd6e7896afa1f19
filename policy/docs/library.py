"""The library as the site shows it: every policy found, bound, with its contract
example; the shared source; the policies that could not be bound.

Everything comes from `policy_ids()`, `bound()`, `load_shared()` and the
shared declarations, so the site documents whatever policies the library
holds. A policy folder still being written (it does not bind) does not stop
the site: the home page lists it with what `bind` said, and it gets no
section until it binds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from policy.assessment import assess
from policy.binding import BoundPolicy, bound
from policy.errors import InvalidRequest, PolicyDefinitionError
from policy.library import policy_ids, shared_code
from policy.rules.declarations import Declarations
from policy.schema import request_schema
from policy.source import SharedSource, Statement, load_shared

# The request every scenario starts from ("a request like the source case", steps/given.py), and
# the continuation "like the source case", in examples/<policy-id>/ (docs/authors.md).
SOURCE_CASE = "source-case.json"
CONTINUED_CASE = "source-case-continued.json"
# The worked example of a policy's contract page, first found wins, in examples/<policy-id>/.
EXAMPLE_FILES = ("contract-example.json", SOURCE_CASE)


@frozen
class Example:
    """A request of the policy's examples folder and what the policy determines for it."""

    file: str
    request: Mapping[str, Any]
    determination: Mapping[str, Any] | None
    # Why no determination was made (an invalid request), one line a problem.
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The file's name without folder and `.json` ('source-case')."""
        return self.file.rpartition("/")[2].removesuffix(".json")


@frozen
class PolicyDocs:
    """One policy with what its pages need besides its source: the request schema, its contract
    example and every example request of its folder (the source case first), assessed."""

    bound: BoundPolicy
    schema: Mapping[str, Any]
    example: Example | None = None
    examples: tuple[Example, ...] = ()

    def example_named(self, file_name: str) -> Example | None:
        """The example request of that file name ('source-case.json'), if the folder has it."""
        return next((e for e in self.examples if e.file.rpartition("/")[2] == file_name), None)

    @property
    def id(self) -> str:
        return self.bound.id


@frozen
class Unbound:
    """A policy folder that does not bind yet, and why."""

    id: str
    problem: str


@frozen
class Library:
    """Every policy of the library the site documents, and the shared statements."""

    policies: tuple[PolicyDocs, ...]
    unbound: tuple[Unbound, ...] = ()
    shared: SharedSource | None = None
    shared_code: Declarations = field(factory=Declarations)

    @property
    def shared_statements(self) -> tuple[Statement, ...]:
        return self.shared.statements if self.shared is not None else ()

    def including(self, statement_id: str) -> tuple[PolicyDocs, ...]:
        """The policies that include a shared statement, in library order."""
        return tuple(p for p in self.policies if statement_id in p.bound.source.included)


def assessed(path: Path, policy_id: str) -> Example:
    """One example request file and what the policy determines for it (or why it is invalid)."""
    request = json.loads(path.read_text(encoding="utf-8"))
    try:
        determination: Mapping[str, Any] | None = assess(request, policy_id).to_dict()
        problems: tuple[str, ...] = ()
    except InvalidRequest as error:
        determination = None
        problems = tuple(f"{p.path}: {p.message}" for p in error.problems)
    return Example(file=f"{path.parent.name}/{path.name}", request=request, determination=determination,
                   problems=problems)


def read_examples(folder: Path, policy_id: str) -> tuple[Example, ...]:
    """Every example request of the folder, assessed: the source cases first, then by file name."""
    first = (SOURCE_CASE, CONTINUED_CASE)
    paths = sorted(folder.glob("*.json"), key=lambda p: (first.index(p.name) if p.name in first else len(first), p.name))
    return tuple(assessed(path, policy_id) for path in paths)


def load_library(examples: Path | None = None) -> Library:
    """Bind every policy of the library; `examples` holds a folder of example requests per policy id."""
    policies: list[PolicyDocs] = []
    unbound: list[Unbound] = []
    for policy_id in policy_ids():
        try:
            policy = bound(policy_id)
            schema = request_schema(policy_id)
        except PolicyDefinitionError as error:
            unbound.append(Unbound(policy_id, str(error)))
            continue
        every = read_examples(examples / policy_id, policy_id) if examples is not None else ()
        by_name = {e.file.rpartition("/")[2]: e for e in every}
        example = next((by_name[name] for name in EXAMPLE_FILES if name in by_name), None)
        policies.append(PolicyDocs(bound=policy, schema=schema, example=example, examples=every))
    return Library(policies=tuple(policies), unbound=tuple(unbound), shared=load_shared(),
                   shared_code=shared_code())
