"""`policy batch`: one output line per input line, in order, whatever the lines hold."""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import policy
from documents import errors_of
from policy import batch
from policy.cli import app, read_document
from policy.documents import InputError
from policy.errors import EngineError

POLICY = "ivig-myositis"

EXAMPLES = Path(__file__).parent.parent / "examples" / POLICY
STUCK, CRASHING, BROKEN = "PA-TEST-STUCK", "PA-TEST-CRASHING", "PA-TEST-BROKEN"


def examples() -> list[dict[str, Any]]:
    """The shipped synthetic requests, one per decision path."""
    return [json.loads(path.read_text()) for path in sorted(EXAMPLES.glob("*.json"))]


def with_id(document: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    return {**document, "id": request_id}


def run(lines: list[bytes], **options: Any) -> tuple[list[dict[str, Any]], batch.Summary]:
    """Runs a batch over `lines` (each without its newline); the parsed output lines and the summary."""
    out = io.BytesIO()
    summary = batch.run(io.BytesIO(b"".join(line + b"\n" for line in lines)), out, batch.Options(**options))
    text = out.getvalue().decode("utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()], summary


def cli_message(tmp_path: Path, data: bytes) -> str:
    """What `policy assess` says about a file holding `data`: the wording batch must share."""
    path = tmp_path / "document.json"
    path.write_bytes(data)
    with pytest.raises(InputError) as raised:
        read_document(str(path))
    return str(raised.value)


# Test hooks: what a worker calls instead of policy.assess. Forked workers
# inherit them; each misbehaves only on its own request id.
def stuck_on_one(document: Mapping[str, Any]) -> policy.Determination:
    # Spins like the engine once did; gives up after a minute so a broken bound fails rather than hangs.
    give_up = time.monotonic() + 60
    while document.get("id") == STUCK and time.monotonic() < give_up:
        pass
    return policy.assess(document, policy_id=POLICY)


def crashing_on_one(document: Mapping[str, Any]) -> policy.Determination:
    if document.get("id") == CRASHING:
        os.kill(os.getpid(), signal.SIGKILL)
    return policy.assess(document, policy_id=POLICY)


def broken_on_one(document: Mapping[str, Any]) -> policy.Determination:
    if document.get("id") == BROKEN:
        raise EngineError("the network lost a derived fact")
    return policy.assess(document, policy_id=POLICY)


def test_every_line_gives_one_output_line_in_input_order(tmp_path: Path) -> None:
    """A few hundred mixed lines over two workers come back one each, in input order, each as it should."""
    rng = random.Random(20260)
    valid = examples()
    kinds = ["valid"] * 6 + ["invalid", "not json", "blank", "bytes", "array", "unknown field"]
    lines: list[bytes] = []
    expected: list[dict[str, Any]] = []
    for number in range(1, 321):
        kind = "huge" if number == 150 else rng.choice(kinds)
        request_id = f"PA-{number}"
        if kind == "valid":
            document = with_id(rng.choice(valid), request_id)
            lines.append(json.dumps(document).encode())
            result: dict[str, Any] = {"determination": policy.assess(document, policy_id=POLICY).to_dict()}
        elif kind in ("invalid", "unknown field"):
            document = with_id(rng.choice(valid), request_id)
            if kind == "invalid":
                document["regimen"] = {**document["regimen"], "days": [5, 2], "interval_days": 0}
            else:
                document["colour"] = "blue"
            lines.append(json.dumps(document).encode())
            result = {"errors": errors_of(document)}
        elif kind == "huge":
            lines.append(b'{"id": "' + b"x" * (2 << 20) + b'"}')
            request_id, result = None, {"errors": [
                {"path": "", "message": f"line too long: a request line holds at most {1 << 20} bytes"}]}
        else:
            # NUL first: never blank, and it sends JSON's encoding detection off to UTF-16.
            noise = b"\0" + bytes(rng.randrange(256) for _ in range(rng.randrange(200))).replace(b"\n", b"")
            data = {"not json": b'{"id": "PA-1", "type": ', "blank": b" \t ", "bytes": noise, "array": b'["PA-1"]'}[kind]
            lines.append(data)
            message = "blank line: no request document" if kind == "blank" else cli_message(tmp_path, data)
            request_id, result = None, {"errors": [{"path": "", "message": message}]}
        expected.append({"line": number, "request_id": request_id, **result})

    outputs, summary = run(lines, workers=2, chunk_lines=7)

    assert len(outputs) == len(lines) == summary.total
    assert [o["line"] for o in outputs] == list(range(1, len(lines) + 1))
    assert outputs == expected


def test_the_summary_counts_decisions_reasons_and_invalid_lines() -> None:
    """The summary counts what the library decides for each line, and every invalid line."""
    documents = examples() * 3
    lines = [json.dumps(d).encode() for d in documents] + [b"", b"{}", b"nope"]
    determinations = [policy.assess(d, policy_id=POLICY) for d in documents]

    outputs, summary = run(lines, workers=2, chunk_lines=4)

    assert summary.decisions == Counter(d.decision for d in determinations)
    assert summary.reasons == Counter(r.statement for d in determinations for r in d.reasons)
    assert summary.invalid == 3
    assert summary.internal_errors == summary.timed_out == 0
    assert summary.total == len(outputs) == len(lines)
    assert sum(summary.decisions.values()) == len(documents)


def test_a_stuck_line_becomes_an_internal_error_and_the_run_goes_on() -> None:
    """A line that never finishes gets its worker stopped; the lines around it, in the same chunk, are assessed."""
    documents = [with_id(d, f"PA-{n}") for n, d in enumerate(examples()[:6])]
    stuck = with_id(documents[0], STUCK)
    lines = [json.dumps(d).encode() for d in documents[:3] + [stuck] + documents[3:]]

    outputs, summary = run(lines, workers=1, chunk_lines=10, timeout=3, assess=stuck_on_one)

    assert len(outputs) == len(lines)
    assert outputs[3]["request_id"] == STUCK and "no result within 3 s" in outputs[3]["internal_error"]
    others = outputs[:3] + outputs[4:]
    assert [o["determination"] for o in others] == [policy.assess(d, policy_id=POLICY).to_dict() for d in documents]
    assert (summary.internal_errors, summary.timed_out) == (1, 1)


def test_a_worker_that_dies_costs_only_the_line_it_was_on() -> None:
    """A worker killed on one line reports that line as an internal error; every other line is assessed."""
    documents = [with_id(d, f"PA-{n}") for n, d in enumerate(examples()[:5])]
    lines = [json.dumps(d).encode() for d in documents[:2] + [with_id(documents[0], CRASHING)] + documents[2:]]

    outputs, summary = run(lines, workers=2, chunk_lines=10, assess=crashing_on_one)

    assert "exit code -9" in outputs[2]["internal_error"]
    assert [o["determination"]["request_id"] for o in outputs[:2] + outputs[3:]] == [d["id"] for d in documents]
    assert summary.internal_errors == 1 and summary.timed_out == 0


def test_an_exception_while_assessing_is_an_internal_error_on_that_line() -> None:
    """An engine failure on one request is reported on its line, with the request's id."""
    document = examples()[0]
    lines = [json.dumps(with_id(document, i)).encode() for i in ("PA-A", BROKEN, "PA-B")]

    outputs, summary = run(lines, workers=1, assess=broken_on_one)

    assert outputs[1] == {"line": 2, "request_id": BROKEN,
                          "internal_error": "EngineError: the network lost a derived fact"}
    assert [outputs[0]["request_id"], outputs[2]["request_id"]] == ["PA-A", "PA-B"]
    assert summary.internal_errors == 1


def test_line_ends_decide_what_a_line_is() -> None:
    """Empty input gives nothing; blank lines count; a last line without a newline counts; CRLF is fine."""
    document = json.dumps(examples()[0]).encode()
    cases = {b"": 0, b"\n": 1, b"\n\n": 2, document: 1, document + b"\r\n" + document: 2}
    for data, count in cases.items():
        out = io.BytesIO()
        summary = batch.run(io.BytesIO(data), out, batch.Options(workers=1))
        outputs = [json.loads(line) for line in out.getvalue().splitlines()]
        assert len(outputs) == summary.total == count, data[:20]
        assert all("determination" in o for o in outputs) or not data.strip()


def test_the_line_length_limit_is_inclusive() -> None:
    """A line of exactly the limit is read; one byte more is rejected without stopping the run."""
    limit = 64
    fits = b'{"id": "' + b"x" * (limit - 10) + b'"}'
    assert len(fits) == limit
    outputs, summary = run([fits, fits + b" ", fits], workers=1, max_line_bytes=limit)
    assert outputs[0]["request_id"] == outputs[2]["request_id"] == "x" * (limit - 10)
    assert outputs[1] == {"line": 2, "request_id": None, "errors": [
        {"path": "", "message": f"line too long: a request line holds at most {limit} bytes"}]}
    assert summary.invalid == 3


class CountingSource(io.BytesIO):
    """An input that records how many lines were read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.lines = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.lines += line.endswith(b"\n")
        return line


class CheckingSink(io.BytesIO):
    """An output that checks, at each write, how far reading has run ahead of writing."""

    def __init__(self, source: CountingSource) -> None:
        super().__init__()
        self.source = source
        self.written = 0
        self.most_ahead = 0

    def write(self, data: Any) -> int:
        self.written += 1
        self.most_ahead = max(self.most_ahead, self.source.lines - self.written)
        return super().write(data)


def test_reading_runs_at_most_a_window_of_chunks_ahead_of_writing() -> None:
    """However long the input, lines held between reading and writing stay within the window."""
    document = json.dumps(examples()[0]).encode()
    source = CountingSource(b"".join([document + b"\n", b"{}\n", b"nope\n"] * 300))
    sink = CheckingSink(source)

    summary = batch.run(source, sink, batch.Options(workers=2, chunk_lines=10, window=3))

    assert summary.total == sink.written == 900
    assert 0 < sink.most_ahead <= 3 * 10


def test_spawned_workers_give_the_same_results() -> None:
    """Without fork, workers start fresh and still give the library's determinations."""
    documents = examples()[:4]
    outputs, _ = run([json.dumps(d).encode() for d in documents], workers=1, start_method="spawn")
    assert [o["determination"] for o in outputs] == [policy.assess(d, policy_id=POLICY).to_dict() for d in documents]


def test_the_command_completes_with_invalid_lines_and_prints_a_summary(tmp_path: Path) -> None:
    """`policy batch` exits 0 when lines are invalid, writes one line each and sums up on stderr."""
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    documents = examples()[:3]
    source.write_bytes(b"".join(json.dumps(d).encode() + b"\n" for d in documents) + b"nope\n\n")

    result = CliRunner().invoke(app, ["batch", str(source), str(target), "--workers", "2"])

    assert result.exit_code == 0, result.stderr
    outputs = [json.loads(line) for line in target.read_text().splitlines()]
    assert [o["line"] for o in outputs] == [1, 2, 3, 4, 5]
    assert [o.get("request_id") for o in outputs] == [d["id"] for d in documents] + [None, None]
    assert re.search(r"invalid lines\W+2\b", result.stderr) and re.search(r"total\W+5\b", result.stderr)


def test_the_command_reads_stdin_and_writes_stdout() -> None:
    """With '-' for both files, requests come from stdin and results go to stdout."""
    document = examples()[0]
    result = CliRunner().invoke(app, ["batch", "-", "-", "-w", "1"], input=json.dumps(document) + "\n[]\n")
    assert result.exit_code == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert outputs[0]["determination"] == policy.assess(document, policy_id=POLICY).to_dict()
    assert outputs[1]["errors"] == [{"path": "", "message": "a request must be a JSON object, got an array"}]


def test_the_command_exits_2_when_it_cannot_read_or_would_overwrite_its_input(tmp_path: Path) -> None:
    """A missing input, an unwritable output, or the input named as output stop before any work."""
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n")
    runner = CliRunner()
    missing = runner.invoke(app, ["batch", str(tmp_path / "absent.jsonl"), str(tmp_path / "out.jsonl")])
    unwritable = runner.invoke(app, ["batch", str(source), str(tmp_path / "no" / "out.jsonl")])
    same = runner.invoke(app, ["batch", str(source), str(source)])

    assert (missing.exit_code, unwritable.exit_code, same.exit_code) == (2, 2, 2)
    assert "cannot read" in missing.stderr and "cannot write" in unwritable.stderr
    assert source.read_text() == "{}\n"


def _every_policys_examples() -> list[dict[str, Any]]:
    root = Path(__file__).parent.parent / "examples"
    return [json.loads(p.read_text()) for policy_id in policy.policy_ids()
            for p in sorted((root / policy_id).glob("*.json"))]


def test_one_file_can_mix_policies_each_line_naming_its_own(tmp_path: Path) -> None:
    """Lines naming different policies are each assessed under the policy they name."""
    documents = _every_policys_examples()
    assert len({d["policy"] for d in documents}) >= 2
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in documents))
    result = CliRunner().invoke(app, ["batch", str(source), str(target), "--workers", "2"])
    assert result.exit_code == 0, result.stderr
    outputs = [json.loads(line) for line in target.read_text().splitlines()]
    assert [o["determination"]["policy"]["id"] for o in outputs] == [d["policy"] for d in documents]
    assert [o["determination"] for o in outputs] == [policy.assess(d).to_dict() for d in documents]


def test_the_policy_option_assesses_every_line_against_that_policy(tmp_path: Path) -> None:
    """--policy ID: a line naming no policy is assessed under ID; a line naming another is invalid."""
    mine = dict(examples()[0])
    del mine["policy"]
    other = next(d for d in _every_policys_examples() if d["policy"] != POLICY)
    result = CliRunner().invoke(app, ["batch", "--policy", POLICY, "-", "-", "-w", "1"],
                                input=json.dumps(mine) + "\n" + json.dumps(other) + "\n" + json.dumps({"id": "x"}) + "\n")
    assert result.exit_code == 0, result.stderr
    first, second, third = (json.loads(line) for line in result.stdout.splitlines())
    assert first["determination"] == policy.assess(mine, policy_id=POLICY).to_dict()
    assert second["errors"][0]["path"] == "policy"  # and the other policy's fields, unknown here
    assert "determination" not in third and "errors" in third


def test_a_line_naming_no_policy_without_the_option_is_invalid_at_path_policy() -> None:
    """No default policy is guessed for a batch line either."""
    mine = dict(examples()[0])
    del mine["policy"]
    result = CliRunner().invoke(app, ["batch", "-", "-", "-w", "1"], input=json.dumps(mine) + "\n")
    assert result.exit_code == 0, result.stderr
    (line,) = (json.loads(text) for text in result.stdout.splitlines())
    assert [e["path"] for e in line["errors"]] == ["policy"]


def test_the_progress_bar_shows_records_per_second_and_the_time_left() -> None:
    """Records done, records per second and the time the rest of the input should take, at the run's speed."""
    from rich.console import Console

    from policy.batch.terminal import ProgressBar

    screen = io.StringIO()
    bar = ProgressBar(10_000, Console(file=screen, force_terminal=True, width=160, color_system=None))
    bar.update(batch.Progress(lines=1234, bytes=4_000, rate=617.0, byte_rate=2_000.0))
    bar.close()
    shown = screen.getvalue()
    assert "1,234 records" in shown and "617 records/s" in shown
    assert "0:00:03 left" in shown  # 6,000 bytes to go at 2,000 a second


def test_the_time_left_is_unknown_without_a_size_or_a_speed() -> None:
    """Reading stdin (no size) or before any speed is measured, the time left shows as unknown."""
    from policy.batch.terminal import time_left

    assert time_left(batch.Progress(lines=1, bytes=10, rate=1.0, byte_rate=5.0), None) == "-:--:--"
    assert time_left(batch.Progress(lines=0, bytes=0, rate=0.0, byte_rate=0.0), 100) == "-:--:--"
    assert time_left(batch.Progress(lines=9, bytes=100, rate=1.0, byte_rate=1.0), 100 + 3723) == "1:02:03"
