"""The example that would kill a surviving mutant: the first candidate request it decides differently.

The request is written the way an example is: the source case (or the
continued source case, whichever is nearer) and the fields set or left out
to get from it to the request, then what the original policy says that the
mutant does not. Pasted into a scenario under the statement, with the
original's outcome asserted, it kills the mutant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from policy.mutate.candidates import FIRST_BASES, NOT_STATED

STARTS = {FIRST_BASES[0]: "a request like the source case",
          FIRST_BASES[1]: "a continuation request like the source case"}
OUTCOME_WORDS = {"met": "met", "not_met": "not met", "not_applicable": "not applicable", "unknown": "unknown"}


# A string the step library reads as it stands ("And sex is female"), not as JSON.
_BARE = re.compile(r"[A-Za-z][A-Za-z0-9_.%-]*(?: [A-Za-z0-9_.%-]+)*")


def step_value(value: Any) -> str:
    """A value as a Given step writes it: a bare word for a plain string, JSON otherwise."""
    if value == NOT_STATED:
        return "not stated"
    if isinstance(value, str) and _BARE.fullmatch(value) and value not in ("true", "false", "null", "not stated"):
        return value
    return json.dumps(value)


@frozen
class Difference:
    """One thing the original and the mutant decide differently (`statements.DOSE-TOTAL`, `decision`, ...)."""

    what: str
    original: Any
    mutant: Any

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "original": self.original, "mutant": self.mutant}


@frozen
class Witness:
    """A request telling a mutant apart: where it starts, the fields changed, and what differs."""

    example: str  # the example request it was derived from
    start: str  # the source case it is written from
    changes: tuple[tuple[str, Any], ...]  # (dotted path, value), or NOT_STATED
    differences: tuple[Difference, ...]

    def gherkin(self) -> list[str]:
        """The example as scenario steps, asserting what the original policy decides."""
        lines = [f"Given {STARTS.get(self.start, 'a request like ' + self.start)}"]
        for path, value in self.changes:
            lines.append(f"And {path} is {step_value(value)}")
        lines.append("When the request is assessed")
        thens = []
        for difference in self.differences:
            if difference.what == "decision":
                thens.append(f"the decision is {difference.original}")
            elif difference.what.startswith("statements.") and difference.original in OUTCOME_WORDS:
                thens.append(f"{difference.what.partition('.')[2]} is {OUTCOME_WORDS[difference.original]}")
            else:
                thens.append(f"{difference.what} is {json.dumps(difference.original)} "
                             f"(the mutant: {json.dumps(difference.mutant)})")
        lines += [("Then " if n == 0 else "And ") + text for n, text in enumerate(thens)]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "example": self.example,
            "start": self.start,
            "changes": [{"path": path, **({"not_stated": True} if value == NOT_STATED else {"value": value})}
                        for path, value in self.changes],
            "differences": [d.to_dict() for d in self.differences],
            "gherkin": self.gherkin(),
        }


def _flat(document: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> value for every leaf (a list is one value)."""
    if isinstance(document, Mapping) and (document or not prefix):
        out: dict[str, Any] = {}
        for key, value in document.items():
            out.update(_flat(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"))
        return out
    return {prefix: document}


def _present(document: Mapping[str, Any], path: str) -> bool:
    node: Any = document
    for name in path.split("."):
        if not isinstance(node, Mapping) or name not in node:
            return False
        node = node[name]
    return True


def changes_from(start: Mapping[str, Any], request: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The steps from one request to another: each field the target leaves out (a whole object at once),
    then each leaf it sets differently, in the target's order."""
    before, after = _flat(start), _flat(request)
    steps: list[tuple[str, Any]] = []
    for path in before:
        if path in after or any(p.startswith(path + ".") for p in after):
            continue
        parts = path.split(".")
        # The outermost object the target does not have goes as a whole ("response.strength is not stated" when there is no response).
        gone = next(".".join(parts[:n]) for n in range(1, len(parts) + 1) if not _present(request, ".".join(parts[:n])))
        if (gone, NOT_STATED) not in steps:
            steps.append((gone, NOT_STATED))
    for path, value in after.items():
        if path not in before or before[path] != value:
            steps.append((path, value))
    return steps


def nearest_start(starts: Mapping[str, Mapping[str, Any]], request: Mapping[str, Any]) -> tuple[str, list[tuple[str, Any]]]:
    """The source case the request is the fewest steps from, and those steps."""
    options = [(name, changes_from(document, request)) for name, document in starts.items()]
    return min(options, key=lambda option: len(option[1]))


def differences(original: Mapping[str, Any], mutant: Mapping[str, Any]) -> list[Difference]:
    """What the mutant decides differently, most telling first: decision, statements, then the rest."""
    if "decision" not in original or "decision" not in mutant:
        return [Difference("outcome", dict(original), dict(mutant))]
    found = []
    if original["decision"] != mutant["decision"]:
        found.append(Difference("decision", original["decision"], mutant["decision"]))
    for statement, outcome in original["statements"].items():
        if mutant["statements"].get(statement) != outcome:
            found.append(Difference(f"statements.{statement}", outcome, mutant["statements"].get(statement)))
    for key in sorted(set(original) | set(mutant)):
        if key in ("decision", "statements"):
            continue
        if isinstance(original.get(key), Mapping) and isinstance(mutant.get(key), Mapping):
            for name in original[key].keys() | mutant[key].keys():
                if original[key].get(name) != mutant[key].get(name):
                    found.append(Difference(f"{key}.{name}", original[key].get(name), mutant[key].get(name)))
        elif original.get(key) != mutant.get(key):
            found.append(Difference(key, original.get(key), mutant.get(key)))
    return found


def with_changes(start: Mapping[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    """The request the steps make from a source case: each dotted path set, or left out."""
    request: dict[str, Any] = json.loads(json.dumps(start))
    for path, value in changes:
        *parents, leaf = path.split(".")
        node = request
        for name in parents:
            if not isinstance(node.get(name), dict):
                node[name] = {}
            node = node[name]
        if value == NOT_STATED:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return request


def witness(found: Mapping[str, Any], candidate: Mapping[str, Any]) -> Witness:
    """The witness from what the probe found (`start`, `changes`, `original`, `mutant`) for a candidate."""
    start = found.get("start")
    changes = found.get("changes") if start else candidate["changes"]
    return Witness(example=str(candidate["base"]), start=str(start or candidate["base"]),
                   changes=tuple((str(path), value) for path, value in changes or ()),
                   differences=tuple(differences(found.get("original") or {}, found.get("mutant") or {})))
