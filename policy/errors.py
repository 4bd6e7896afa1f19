"""The errors the package raises: each says what went wrong and where."""

from __future__ import annotations

from typing import Any

from attrs import frozen

from policy.limits import LIMITS


@frozen
class Problem:
    """One problem with a request: where it is in the document and what is wrong."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


@frozen
class Finding:
    """A problem with a policy's source, at its place: printed `file:line: message` (paths
    relative to the folder holding the policy library)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class InvalidRequest(ValueError):
    """The request cannot be assessed; `.errors` lists every problem found.

    At most `LIMITS.problems` of them, then one saying how many more there
    were: a document of many bad values cannot make its error report larger
    than a few hundred lines.
    """

    def __init__(self, problems: list[Problem]) -> None:
        most = LIMITS.problems
        if len(problems) > most:
            problems = [*problems[:most], Problem("", f"{len(problems) - most} more problems not listed "
                                                      f"(at most {most} are)")]
        self.problems = tuple(problems)
        lines = "; ".join(f"{p.path or '(document)'}: {p.message}" for p in problems)
        super().__init__(f"invalid request ({len(problems)} problem(s)): {lines}")

    @property
    def errors(self) -> list[dict[str, str]]:
        """Every problem as `{"path": ..., "message": ...}`: field problems in document order, then problems that span several fields."""
        return [p.to_dict() for p in self.problems]


class PolicyDefinitionError(RuntimeError):
    """The policy source and its rule declarations do not fit together."""


class EngineError(RuntimeError):
    """The rules network failed to produce a complete, consistent result."""

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.detail = detail
