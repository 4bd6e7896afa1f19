"""Temporary copies of the repository that mutants are applied to; the source tree is only read.

A run makes one scratch folder under the system's temporary directory
(`policy-mutate-*`) holding a copy of what the acceptance suite needs: the
package, the policy library, the step library, the example requests and the
pytest configuration. The package finds `features/` beside `policy/`, so a
process started in a copy (the copy first on PYTHONPATH) assesses with the
copy's policies. Each worker has its own copy; a mutant is written into it,
tested, and the file written back.

The scratch folder is removed when the run ends, is interrupted or is
terminated. A run killed outright cannot clean up: the next run removes
scratch folders whose owning process is gone. Either way nothing is ever
written to the source tree.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from policy.mutate.mutants import Mutant, applied
from policy.source import source_root

# What the acceptance suite needs from a checkout, copied into every workspace.
COPIED = ("policy", "features", "steps", "examples", "conftest.py", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
PREFIX = "policy-mutate-"
OWNER_FILE = "owner.pid"


class MutationError(RuntimeError):
    """The run cannot be made: no checkout, or the suite fails without any mutant."""


def checkout_root() -> Path:
    """The repository the package runs from; mutation needs its step library and examples."""
    features = source_root()
    root = features.parent
    if features.name != "features" or not (root / "steps").is_dir() or not (root / "examples").is_dir():
        raise MutationError(f"mutation testing runs in a checkout (features/, steps/ and examples/ beside policy/); "
                            f"this package reads its policies from {features}")
    return root


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_abandoned(base: Path | None = None) -> list[Path]:
    """Remove the scratch folders of runs whose process is gone (killed before it could clean up)."""
    removed = []
    for folder in Path(base or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue  # not ours, or being created right now
        if not _alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class Processes:
    """The child processes a run has started, so that an interrupted run can stop them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self.stopping = threading.Event()

    def run(self, args: Sequence[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str]:
        """Run a child to its end: (exit code, or None when it ran past `timeout`; its output)."""
        if self.stopping.is_set():
            raise KeyboardInterrupt
        process = subprocess.Popen(list(args), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, start_new_session=True)
        with self._lock:
            self._running.add(process)
        try:
            output, _ = process.communicate(timeout=timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            self._kill(process)
            output, _ = process.communicate()
            code = None
        except BaseException:
            # Interrupted while waiting (Ctrl-C, SIGTERM): the child must not outlive the run's copies.
            self._kill(process)
            process.wait()
            raise
        finally:
            with self._lock:
                self._running.discard(process)
        if self.stopping.is_set():
            raise KeyboardInterrupt
        return code, output

    def stop(self) -> None:
        """Stop every running child (the run was interrupted)."""
        self.stopping.set()
        with self._lock:
            running = list(self._running)
        for process in running:
            self._kill(process)

    @staticmethod
    def _kill(process: subprocess.Popen[str]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


class Workspace:
    """One copy of the repository; mutants are applied to it one at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of a child process working in this copy."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "POLICY_"))}
        env["PYTHONPATH"] = os.pathsep.join([str(self.root), *filter(None, [os.environ.get("PYTHONPATH")])])
        # A suite run records its example results in the copy, never in the checkout's build/.
        env["POLICY_TEST_RESULTS"] = str(self.root / "build" / "test-results" / "results.json")
        env.update(extra or {})
        return env

    @contextlib.contextmanager
    def applied(self, mutant: Mutant) -> Iterator[None]:
        """The copy with the mutant's edit made, put back afterwards."""
        path = self.root / mutant.edit.file
        original = path.read_bytes()
        try:
            self._write(path, applied(original, mutant.edit))
            yield
        finally:
            self._write(path, original)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.write_bytes(data)
        if path.suffix == ".py":
            # Bytecode is checked by the source's mtime and size, which a one-character edit
            # made within the same second can leave unchanged: drop it so the source is read.
            with contextlib.suppress(FileNotFoundError):
                os.remove(importlib.util.cache_from_source(str(path)))


class Scratch:
    """The run's scratch folder: a workspace per worker, and files such as the candidate requests."""

    def __init__(self, base: Path | None = None) -> None:
        sweep_abandoned(base)
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
        (self.folder / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")

    def workspace(self, name: str, source: Path) -> Workspace:
        """A fresh copy of the checkout at `source` (or of another workspace) named `name`."""
        target = self.folder / name
        target.mkdir()
        for entry in COPIED:
            origin = source / entry
            if origin.is_dir():
                shutil.copytree(origin, target / entry, ignore=IGNORED, symlinks=True)
            elif origin.is_file():
                shutil.copy2(origin, target / entry)
        return Workspace(target)

    def path(self, name: str) -> Path:
        return self.folder / name

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *_: object) -> None:
        self.remove()
