"""Every mutant of one policy, from its folder and the shared statements it includes.

The policy is bound from the tree given (a copy of the repository), so its
statements come in the policy's order and each parameter is known with the
statements that use it. The Python read for mutation points is every module
of the policy's folder and of the shared folder; points of a shared
statement the policy does not include are left out.
"""

from __future__ import annotations

from pathlib import Path

from attrs import frozen

from policy.binding import BoundPolicy, bind
from policy.library import folder_of
from policy.mutate.equivalents import Declaration, declarations
from policy.mutate.mutants import Mutant, numbered
from policy.mutate.parameters import parameter_mutants
from policy.mutate.module import Scope
from policy.mutate.points import module_mutants
from policy.source import SHARED_FOLDER

FEATURES = "features"
POLICY_DATA = "policy.toml"
SHARED_DATA = "shared.toml"


@frozen
class PolicyMutants:
    """A policy's mutants and the equivalents its modules declare."""

    bound: BoundPolicy
    mutants: tuple[Mutant, ...]
    declarations: tuple[Declaration, ...]
    # Ids of the mutants the modules read have outside the policy (of shared statements it does not
    # include): a declaration naming one is another policy's, not an unmatched one of this policy.
    elsewhere: frozenset[str] = frozenset()

    def unmatched(self) -> tuple[Declaration, ...]:
        """The declarations that name no mutant of the modules read."""
        ids = {m.id for m in self.mutants} | self.elsewhere
        return tuple(d for d in self.declarations if d.id not in ids)

    @property
    def statements(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.bound.source.statements)


def _modules(root: Path, folder: str) -> list[tuple[Path, str]]:
    """The policy's Python modules, then the shared ones: (path, name relative to the repository root)."""
    found = []
    for name in (folder, SHARED_FOLDER):
        base = root / FEATURES / name
        found += [(path, path.relative_to(root).as_posix()) for path in sorted(base.glob("*.py"))]
    return found


def _parameter_users(bound: BoundPolicy) -> dict[str, list[str]]:
    """Parameter key -> the statements whose rules or derivations use it, in the policy's order."""
    users: dict[str, list[str]] = {}
    for rule in bound.rules:
        for key in sorted(rule.parameters):
            users.setdefault(key, []).append(rule.statement)
    for derivation in bound.derivations:
        for key in derivation.parameters:
            users.setdefault(key, []).append(derivation.statement)
    return {key: users[key] for key in bound.source.parameters if key in users}


def find_mutants(policy_id: str, root: Path) -> PolicyMutants:
    """The mutants of a policy in the repository tree at `root`, in the policy's statement order."""
    bound = bind(policy_id, root / FEATURES)
    scope = Scope(tuple(s.id for s in bound.source.statements))
    modules = _modules(root, folder_of(policy_id))
    mutants: list[Mutant] = []
    everywhere: list[Mutant] = []
    for path, file in modules:
        mutants += module_mutants(path, file, scope)
        everywhere += module_mutants(path, file, Scope(scope.statements, everything=True))
    data = [(root / FEATURES / folder_of(policy_id) / POLICY_DATA, f"{FEATURES}/{folder_of(policy_id)}/{POLICY_DATA}"),
            (root / FEATURES / SHARED_FOLDER / SHARED_DATA, f"{FEATURES}/{SHARED_FOLDER}/{SHARED_DATA}")]
    mutants += parameter_mutants([(p, n) for p, n in data if p.is_file()], _parameter_users(bound), scope)
    order = {statement: index for index, statement in enumerate(scope.statements)}

    def key(m: Mutant) -> tuple[int, str, int, str]:
        return (order.get(m.statement, len(order)), m.file, m.edit.start, m.id)

    mine = tuple(numbered(sorted(mutants, key=key)))
    others = {m.id for m in numbered(sorted(everywhere, key=key))} - {m.id for m in mine}
    return PolicyMutants(bound=bound, mutants=mine, declarations=tuple(declarations(modules)),
                         elsewhere=frozenset(others))
