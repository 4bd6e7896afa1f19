"""Workers of `policy batch` end when the command ends, however it ends."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from bench.generators import ivig_cidp, ivig_myositis

WORKERS = 2
# Runs the command in-process, so that the test can take parts of it away or crash it.
WRAPPER = textwrap.dedent(
    """
    import os, sys, threading, time
    from pathlib import Path
    import policy.batch.worker as worker
    from policy.cli import app

    source, target, crash, guard, signal_file = sys.argv[1:6]
    if guard == "without the kernel's death signal":
        worker.die_with_parent = lambda: None

    def crash_when_told():
        while not Path(signal_file).exists():
            time.sleep(0.005)
        os._exit(70)  # no cleanup at all, as a crash

    if crash == "crash":
        threading.Thread(target=crash_when_told, daemon=True).start()
    app(["batch", source, target, "-w", "%d"])
    """ % WORKERS
)


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough requests that the run is still going when it is stopped."""
    documents = ivig_cidp.synthetic_requests(2000, 5) + ivig_myositis.synthetic_requests(2000, 5)
    random.Random(5).shuffle(documents)
    path = tmp_path_factory.mktemp("lifecycle") / "in.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in documents))
    return path


def _workers_of(process: subprocess.Popen[bytes], target: Path) -> list[psutil.Process]:
    """The command's worker processes, once they are up and output is being written."""
    parent = psutil.Process(process.pid)
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up and process.poll() is None:
        children = parent.children(recursive=True)
        if len(children) >= WORKERS and target.exists() and target.stat().st_size > 0:
            return children
        time.sleep(0.01)
    raise AssertionError(f"the workers never started (exit code {process.poll()})")


def _still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:
            pass
    return running


def _left_after(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """The processes still running after up to `seconds` (an exited, unreaped one has ended)."""
    give_up = time.monotonic() + seconds
    while (running := _still_running(processes)) and time.monotonic() < give_up:
        time.sleep(0.05)
    return running


@pytest.mark.parametrize(
    ("ending", "guard", "status"),
    [
        ("SIGTERM", "all", 143),
        ("SIGKILL", "all", -signal.SIGKILL),
        ("crash", "all", 70),
        ("SIGKILL", "without the kernel's death signal", -signal.SIGKILL),
        ("crash", "without the kernel's death signal", 70),
    ],
)
def test_no_worker_outlives_the_command(big_input: Path, tmp_path: Path, ending: str, guard: str, status: int) -> None:
    """The command is stopped mid-run; within a few seconds none of its workers is left running."""
    target, crash_now = tmp_path / "out.jsonl", tmp_path / "crash-now"
    process = subprocess.Popen([sys.executable, "-c", WRAPPER, str(big_input), str(target), ending, guard, str(crash_now)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[psutil.Process] = []
    try:
        workers = _workers_of(process, target)
        if ending == "SIGTERM":
            process.send_signal(signal.SIGTERM)
        elif ending == "SIGKILL":
            process.kill()
        else:
            crash_now.touch()
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == status, stderr.decode(errors="replace")[-2000:]
        assert _left_after(workers, seconds=5) == []
    finally:
        for left in _still_running(workers):
            left.kill()
        if process.poll() is None:
            process.kill()
        process.communicate()
