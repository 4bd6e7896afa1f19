"""Parameter mutants: each parameter a policy uses, moved by its smallest step down and up.

The step comes from the value as written in the TOML file (`28` moves by 1,
`2.0` and `152.4` by 0.1), so a mutant is always the nearest value the
author could have typed instead. The edit replaces the literal on the
`value =` line of the parameter's table, in the policy's `policy.toml` or
the shared `shared.toml`, wherever it is declared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from policy.mutate.mutants import Edit, Kind, Mutant, mutant_id
from policy.mutate.module import Scope, step_of

_TABLE = re.compile(rb"^\[\s*parameters\.([A-Za-z0-9_]+)\s*\]\s*$", re.M)
_NEXT_TABLE = re.compile(rb"^\s*\[", re.M)
_VALUE = re.compile(rb"^value\s*=\s*(?P<number>[+-]?[0-9][0-9_]*(?:\.[0-9_]+)?)\s*(?:#.*)?$", re.M)


def _declared(data: bytes) -> dict[str, tuple[int, int]]:
    """Parameter key -> byte span of its numeric value literal."""
    found: dict[str, tuple[int, int]] = {}
    for table in _TABLE.finditer(data):
        following = _NEXT_TABLE.search(data, table.end())
        end = following.start() if following else len(data)
        value = _VALUE.search(data, table.end(), end)
        if value is not None:
            found[table.group(1).decode("ascii")] = value.span("number")
    return found


def parameter_mutants(files: Sequence[tuple[Path, str]], users: Mapping[str, Sequence[str]],
                      scope: Scope) -> list[Mutant]:
    """Two mutants per parameter in `users` (key -> the statements using it), from the first file declaring it.

    `files` are (path, name relative to the repository root), the policy's own first.
    """
    declared = [(path, name, path.read_bytes()) for path, name in files]
    spans = [(path, name, data, _declared(data)) for path, name, data in declared]
    mutants: list[Mutant] = []
    for key, statements in users.items():
        place = next(((name, data, found[key]) for _path, name, data, found in spans if key in found), None)
        if place is None or not statements:
            continue
        name, data, (start, end) = place
        written = data[start:end].decode("ascii").replace("_", "")
        statement, also = scope.first(statements)
        step = step_of(written)
        for moved in (Decimal(written) - step, Decimal(written) + step):
            text = str(moved)
            mutants.append(Mutant(
                id=mutant_id(key, Kind.PARAMETER, written, text), statement=statement,
                kind=Kind.PARAMETER, file=name, line=data.count(b"\n", 0, start) + 1, original=f"{key} = {written}",
                mutated=f"{key} = {text}", edit=Edit(name, start, end, text), also=also,
            ))
    return mutants
