"""The policy source: feature files, parameters and bibliography, read as data.

The source folder of a policy is `features/<policy>/` in a checkout and
`policy/_source/<policy>/` in an installed wheel (the build copies it there),
so the package and its tests read the very same files.
"""

from __future__ import annotations

from policy.source.catalog import Example, ScenarioSource, Statement, read_statements
from policy.source.data import (
    SHARED_FOLDER,
    CodeGroup,
    Parameter,
    PolicySource,
    Reference,
    Release,
    SharedSource,
    SourceProblem,
    load_shared,
    load_source,
    source_root,
)

__all__ = [
    "CodeGroup",
    "Example",
    "Parameter",
    "PolicySource",
    "Reference",
    "Release",
    "SHARED_FOLDER",
    "SharedSource",
    "SourceProblem",
    "load_shared",
    "ScenarioSource",
    "Statement",
    "load_source",
    "read_statements",
    "source_root",
]
