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

# The worked example of a policy's contract page, first found wins, in examples/<policy-id>/.
EXAMPLE_FILES = ("contract-example.json", "source-case.json")


@frozen
class Example:
    """A request of the policy's examples folder and what the policy determines for it."""

    file: str
    request: Mapping[str, Any]
    determination: Mapping[str, Any] | None
    # Why no determination was made (an invalid request), one line a problem.
    problems: tuple[str, ...] = ()


@frozen
class PolicyDocs:
    """One policy with what its pages need besides its source: the request schema and an example."""

    bound: BoundPolicy
    schema: Mapping[str, Any]
    example: Example | None = None

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


def read_example(folder: Path, policy_id: str) -> Example | None:
    """The first example file of the policy's folder, assessed; None when there is none."""
    for name in EXAMPLE_FILES:
        path = folder / name
        if path.is_file():
            request = json.loads(path.read_text(encoding="utf-8"))
            try:
                determination: Mapping[str, Any] | None = assess(request, policy_id).to_dict()
                problems: tuple[str, ...] = ()
            except InvalidRequest as error:
                determination = None
                problems = tuple(f"{p.path}: {p.message}" for p in error.problems)
            return Example(file=f"{folder.name}/{name}", request=request, determination=determination,
                           problems=problems)
    return None


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
        example = read_example(examples / policy_id, policy_id) if examples is not None else None
        policies.append(PolicyDocs(bound=policy, schema=schema, example=example))
    return Library(policies=tuple(policies), unbound=tuple(unbound), shared=load_shared(),
                   shared_code=shared_code())
