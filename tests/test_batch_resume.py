"""`policy batch IN OUT --resume`: an interrupted run, continued, ends as if it had never stopped."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.generators import ivig_cidp, ivig_myositis
from policy.cli import app

SEED = 20261201


def request_lines(count: int, seed: int) -> list[bytes]:
    """Generated requests of both policies, with invalid lines of every kind among them."""
    rng = random.Random(seed)
    documents = ivig_cidp.synthetic_requests(count // 2, seed) + ivig_myositis.synthetic_requests(count - count // 2, seed)
    rng.shuffle(documents)
    lines = [json.dumps(d).encode() for d in documents]
    for index in rng.sample(range(count), count // 20):
        lines[index] = rng.choice([
            b"", b"   ", b"not json", b"[1, 2]", b'{"id": 7, "policy": "ivig-cidp"}',
            json.dumps({**documents[index], "colour": "blue"}).encode(),  # invalid, with its id
        ])
    return lines


def write_input(folder: Path, lines: list[bytes]) -> Path:
    path = folder / "in.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def batch(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["batch", *args])
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """300 lines and the output of an uninterrupted run over them."""
    folder = tmp_path_factory.mktemp("small")
    source = write_input(folder, request_lines(300, SEED))
    code, stderr = batch(str(source), str(folder / "reference.jsonl"), "-w", "2")
    assert code == 0, stderr
    return source, (folder / "reference.jsonl").read_bytes()


def test_output_cut_at_seeded_random_points_resumes_to_the_uninterrupted_output(
    small: tuple[Path, bytes], tmp_path: Path
) -> None:
    """Whatever prefix of the output is left (none, whole lines, a line cut short, all), resuming completes it byte for byte."""
    source, reference = small
    rng = random.Random(SEED)
    boundaries = [i + 1 for i, byte in enumerate(reference) if byte == ord("\n")]
    cuts = [0, len(reference), boundaries[10], boundaries[10] + 1, *rng.sample(range(1, len(reference)), 5)]
    target = tmp_path / "out.jsonl"
    for cut in cuts:
        target.write_bytes(reference[:cut])
        code, stderr = batch(str(source), str(target), "--resume", "-w", "2")
        assert code == 0, (cut, stderr)
        assert target.read_bytes() == reference, cut
        kept = reference[:cut].count(b"\n")
        assert f"resuming at line {kept + 1}: the {kept} lines before it are kept" in stderr


def _interrupted(source: Path, target: Path, threshold: int, how: signal.Signals) -> tuple[int, str]:
    """Starts `policy batch` on its own, stops it with `how` once OUT holds `threshold` bytes; its exit code, stderr."""
    process = subprocess.Popen([sys.executable, "-m", "policy", "batch", str(source), str(target), "-w", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        give_up = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < give_up:
            if target.exists() and target.stat().st_size >= threshold:
                process.send_signal(how)
                break
            time.sleep(0.005)
        _, stderr = process.communicate(timeout=60)
        return process.returncode, stderr.decode(errors="replace")[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_a_run_stopped_at_seeded_random_points_resumes_to_the_uninterrupted_output(tmp_path: Path) -> None:
    """SIGKILL or SIGTERM mid-run, then --resume: the output equals a run that was never stopped."""
    source = write_input(tmp_path, request_lines(1500, SEED + 1))
    reference = tmp_path / "reference.jsonl"
    code, stderr = batch(str(source), str(reference), "-w", "2")
    assert code == 0, stderr
    expected = reference.read_bytes()
    rng = random.Random(SEED)
    target = tmp_path / "out.jsonl"
    for how in (signal.SIGKILL, signal.SIGTERM, signal.SIGKILL):
        target.unlink(missing_ok=True)
        threshold = rng.randrange(len(expected) // 10, len(expected) * 7 // 10)
        status, said = _interrupted(source, target, threshold, how)
        assert status == (-signal.SIGKILL if how == signal.SIGKILL else 143), (status, said)  # stopped, not finished
        assert 0 < target.stat().st_size < len(expected), (target.stat().st_size, len(expected), said)
        kept = target.read_bytes().count(b"\n")
        code, stderr = batch(str(source), str(target), "--resume", "-w", "2")
        assert code == 0, (how, threshold, stderr)
        assert target.read_bytes() == expected, (how, threshold)
        assert f"resuming at line {kept + 1}: the {kept} lines before it are kept" in stderr


def _refused(source: Path, target: Path, *options: str) -> str:
    before = target.read_bytes()
    code, stderr = batch(str(source), str(target), "--resume", "-w", "1", *options)
    assert code == 2, stderr
    assert target.read_bytes() == before
    return stderr


def test_output_of_another_run_is_refused_and_left_as_it_is(small: tuple[Path, bytes], tmp_path: Path) -> None:
    """Lines out of order, another request's id, a foreign line: refused with a message, OUT untouched."""
    source, reference = small
    lines = reference.splitlines(keepends=True)[:20]
    target = tmp_path / "out.jsonl"

    target.write_bytes(b"".join(lines[:5] + [lines[6], lines[5]] + lines[7:]))
    assert "line 6 of OUT answers input line 7" in _refused(source, target)

    entry = json.loads(lines[3])
    entry["request_id"] = "PA-SOMEONE-ELSE"
    target.write_bytes(b"".join(lines[:3] + [json.dumps(entry).encode() + b"\n"] + lines[4:]))
    assert "line 4 of OUT is for request 'PA-SOMEONE-ELSE'" in _refused(source, target)

    target.write_bytes(b"".join(lines[:3]) + b"hello\n" + b"".join(lines[4:]))
    assert "line 4 of OUT is not a result line" in _refused(source, target)


def test_output_longer_than_the_input_is_refused(small: tuple[Path, bytes], tmp_path: Path) -> None:
    """OUT with more lines than IN is not a prefix of IN's output."""
    source, reference = small
    shorter = tmp_path / "short.jsonl"
    shorter.write_bytes(b"".join(source.read_bytes().splitlines(keepends=True)[:10]))
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"".join(reference.splitlines(keepends=True)[:11]))
    assert "more lines than IN" in _refused(shorter, target)


def test_resuming_needs_a_file_and_starts_afresh_when_there_is_none(small: tuple[Path, bytes], tmp_path: Path) -> None:
    """OUT '-' cannot be resumed; a missing OUT is a run that had written nothing yet."""
    source, reference = small
    code, stderr = batch(str(source), "-", "--resume")
    assert code == 2 and "--resume needs OUT to be a file" in stderr
    target = tmp_path / "absent.jsonl"
    code, stderr = batch(str(source), str(target), "--resume", "-w", "2")
    assert code == 0, stderr
    assert target.read_bytes() == reference


def test_a_symlink_at_out_is_refused_unless_followed(small: tuple[Path, bytes], tmp_path: Path) -> None:
    """OUT that is a symbolic link is left alone, and so is its target, unless --follow-symlink."""
    source, reference = small
    real = tmp_path / "real.jsonl"
    real.write_bytes(b"precious\n")
    link = tmp_path / "link.jsonl"
    os.symlink(real, link)
    for resume in ((), ("--resume",)):
        code, stderr = batch(str(source), str(link), "-w", "1", *resume)
        assert code == 2 and "is a symbolic link; pass --follow-symlink" in stderr
        assert link.is_symlink() and real.read_bytes() == b"precious\n"
    code, stderr = batch(str(source), str(link), "-w", "2", "--follow-symlink")
    assert code == 0, stderr
    assert link.is_symlink() and real.read_bytes() == reference
    real.write_bytes(reference[: len(reference) // 2])
    code, stderr = batch(str(source), str(link), "-w", "2", "--follow-symlink", "--resume")
    assert code == 0, stderr
    assert real.read_bytes() == reference


def test_a_dangling_symlink_at_out_is_refused_too(small: tuple[Path, bytes], tmp_path: Path) -> None:
    """A link to nowhere would create its target: refused the same way."""
    source, _ = small
    link = tmp_path / "link.jsonl"
    os.symlink(tmp_path / "nowhere.jsonl", link)
    code, stderr = batch(str(source), str(link), "-w", "1")
    assert code == 2 and "symbolic link" in stderr
    assert not (tmp_path / "nowhere.jsonl").exists()
