"""Assess candidate requests in a workspace, as a child process of `policy mutate`.

    python -m policy.mutate.probe generate POLICY CANDIDATES BASELINE
    python -m policy.mutate.probe diff POLICY CANDIDATES BASELINE PRISTINE

`generate` (in an unmutated copy) writes the candidate requests
(`policy.mutate.candidates`) and, one line each, what the original policy
makes of them. `diff` (in a copy with a mutant applied) assesses the same
candidates in the same order and prints, as JSON, the first whose outcome
differs from the baseline line, shrunk to as few changes from a source case
as still tell the two apart (the original policy, bound from the unmutated
copy PRISTINE, assesses the shrunk requests in the same process: each
policy version's network has a name of its own), or `{"index": null}` when
no candidate differs. An outcome is what a reviewer reads in a
determination: the decision, every statement's outcome, the changes,
reasons, conditions, advice, monitoring, figures and the authorization; or
the paths of the problems of a rejected request; or the error an
assessment raised.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


Assess = Callable[[Any], Any]


def outcome(assess: Assess, request: Any) -> dict[str, Any]:
    """What a reviewer reads in the determination `assess` makes of the request."""
    import policy

    try:
        found = assess(request).to_dict()
    except policy.InvalidRequest as error:
        return {"invalid": sorted({e["path"] for e in error.errors})}
    except Exception as error:  # noqa: BLE001 - a mutant may break the assessment: that is an outcome too
        return {"error": f"{type(error).__name__}: {error}"}
    return {
        "decision": found["decision"],
        "statements": {entry["id"]: entry["outcome"] for entry in found["statements"]},
        "changes": found["changes"],
        "reasons": [{"statement": r["statement"], "missing": r.get("missing", [])} for r in found["reasons"]],
        **{kind: [entry["statement"] for entry in found[kind]] for kind in ("conditions", "advice", "monitoring")},
        "dosing": found["dosing"],
        "authorized": found["authorized"],
    }


def installed(policy_id: str) -> Assess:
    """The policy of this process's copy (the mutant, in a mutated one)."""
    import policy

    return lambda request: policy.assess(request, policy_id=policy_id)


def line(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True)


def generate(policy_id: str, candidates_file: Path, baseline_file: Path) -> None:
    from policy.binding import bound
    from policy.mutate.candidates import candidates, example_files
    from policy.schema import request_schema

    bases = [(path.name, json.loads(path.read_text(encoding="utf-8")))
             for path in example_files(ROOT / "examples" / policy_id)]
    figures = {name: outcome(installed(policy_id), document).get("dosing") for name, document in bases}
    parameters = [p.value for p in bound(policy_id).source.parameters.values()]
    found = candidates(bases, request_schema(policy_id), parameters, figures)
    candidates_file.write_text(json.dumps(found), encoding="utf-8")
    with baseline_file.open("w", encoding="utf-8") as out:
        for candidate in found:
            out.write(line(outcome(installed(policy_id), candidate["request"])) + "\n")


def _starts(pristine: Path, policy_id: str) -> dict[str, Any]:
    from policy.mutate.candidates import FIRST_BASES

    folder = pristine / "examples" / policy_id
    return {name: json.loads((folder / name).read_text(encoding="utf-8"))
            for name in FIRST_BASES if (folder / name).is_file()}


def shrink(request: dict[str, Any], starts: dict[str, Any], original: Assess, mutant: Assess) -> tuple[
    str | None, list[tuple[str, Any]], dict[str, Any]
]:
    """The fewest changes from a source case that still tell the mutant apart: (start, changes, request).

    Changes are dropped one at a time, each kept out when the two policies still differ without it.
    """
    from policy.mutate.witness import changes_from, nearest_start, with_changes

    if not starts:
        return None, [], request
    start, changes = nearest_start(starts, request)
    if with_changes(starts[start], changes) != request:
        return None, [], request  # not written as steps from a source case: shown as found
    dropped = True
    while dropped:
        dropped = False
        for index in range(len(changes)):
            fewer = changes[:index] + changes[index + 1:]
            trial = with_changes(starts[start], fewer)
            if line(outcome(original, trial)) != line(outcome(mutant, trial)):
                changes, dropped = fewer, True
                break
    shrunk = with_changes(starts[start], changes)
    return start, changes_from(starts[start], shrunk), shrunk


def diff(policy_id: str, candidates_file: Path, baseline_file: Path, pristine: Path) -> dict[str, Any]:
    from policy.assessment import Assessor
    from policy.binding import bind

    mutant = installed(policy_id)
    found = json.loads(candidates_file.read_text(encoding="utf-8"))
    with baseline_file.open(encoding="utf-8") as baseline:
        for index, (candidate, expected) in enumerate(zip(found, baseline, strict=True)):
            if line(outcome(mutant, candidate["request"])) != expected.rstrip("\n"):
                break
        else:
            return {"index": None}
    original = Assessor(bind(policy_id, pristine / "features")).assess
    start, changes, request = shrink(candidate["request"], _starts(pristine, policy_id), original, mutant)
    return {"index": index, "start": start, "changes": changes,
            "original": outcome(original, request), "mutant": outcome(mutant, request)}


def main(argv: list[str]) -> int:
    mode, policy_id, candidates_file, baseline_file, *pristine = argv
    if mode == "generate":
        generate(policy_id, Path(candidates_file), Path(baseline_file))
        return 0
    try:
        import policy

        policy.assessor(policy_id)
    except Exception as error:  # noqa: BLE001 - the mutant does not even load: every request tells it apart
        print(json.dumps({"index": 0, "start": None, "changes": [], "original": None,
                          "mutant": {"error": f"{type(error).__name__}: {error}"}}))
        return 0
    print(json.dumps(diff(policy_id, Path(candidates_file), Path(baseline_file), Path(pristine[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
