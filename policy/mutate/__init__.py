"""Mutation testing of a policy: would a wrong rule make one of its examples fail?

`policy mutate` changes the policy's rule declarations, derivations and
parameters one small step at a time (a mutant), runs the policy's
acceptance scenarios against each mutant in a temporary copy of the
repository, and reports per statement how many mutants the examples killed.
For each survivor it looks for the request that would kill it. Modules:

- `mutants`: what a mutant is, its stable id;
- `points`, `parameters`, `find`: the mutation points of a policy's Python and TOML;
- `equivalents`: the equivalent mutants authors declare in `EQUIVALENT_MUTANTS`;
- `workspace`, `suite`, `selection`: the copies, the pytest runs, the scenarios selected;
- `candidates`, `probe`, `witness`: the search for a request telling a mutant apart;
- `run`, `report`, `terminal`, `command`: the run, its results, the command line.

The core names no policy: every point is found from the declarations' shape.
"""

from __future__ import annotations

from policy.mutate.find import PolicyMutants, find_mutants
from policy.mutate.mutants import Kind, Mutant
from policy.mutate.report import MutantResult, PolicyReport, Status, reports_document
from policy.mutate.run import Options, mutate_policy
from policy.mutate.workspace import MutationError

__all__ = [
    "Kind",
    "Mutant",
    "MutantResult",
    "MutationError",
    "Options",
    "PolicyMutants",
    "PolicyReport",
    "Status",
    "find_mutants",
    "mutate_policy",
    "reports_document",
]
