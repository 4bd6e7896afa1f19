"""Which policies each scenario of the library runs under.

A scenario in a policy's folder runs under that policy. A scenario of a shared
statement runs under every policy that includes the statement, each time
from that policy's own source case.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from policy.errors import PolicyDefinitionError
from policy.library import folder_of, id_of, policy_ids
from policy.source import SHARED_FOLDER, load_source, source_root


@cache
def _included(policy_id: str) -> tuple[str, ...]:
    try:
        return load_source(folder_of(policy_id)).included
    except PolicyDefinitionError:
        return ()  # an incomplete policy folder: `policy check` reports it


def including(statement_id: str) -> tuple[str, ...]:
    """The policies that include a shared statement."""
    return tuple(policy_id for policy_id in policy_ids() if statement_id in _included(policy_id))


def policies_running(feature_file: str, statement_id: str | None) -> tuple[str, ...]:
    """The policies a scenario runs under, from its feature file and the statement it belongs to."""
    folder = Path(feature_file).resolve().relative_to(source_root().resolve()).parts[0]
    if folder != SHARED_FOLDER:
        return (id_of(folder),)
    if statement_id is None:  # a shared scenario outside any statement: under every policy including any
        return tuple(p for p in policy_ids() if _included(p))
    return including(statement_id)
