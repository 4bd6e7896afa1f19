"""Install durable-rules 2.0.28 with this package's fix into the running interpreter's environment.

    python -m policy.engine.build          # with the package installed
    python policy/engine/build.py          # by path: from a checkout before anything is installed,
                                           # or when the installed engine does not import at all

Downloads the release's source from the package index, checks it against the
digest below, applies `durable-rules-2.0.28.patch` (beside this file; what it
changes and why is written at its top), then builds and installs it as
`2.0.28+policy.1`, which satisfies the package's `durable-rules==2.0.28` and
tells `policy.engine` that sessions can be kept. Needs a C compiler. Nothing
is written outside a temporary folder, removed afterwards, and the
environment. This module imports nothing of the package, so that it runs
before the package's own dependencies are installed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

RELEASE = "durable_rules-2.0.28"
SOURCE_SHA256 = "053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
PATCH = Path(__file__).resolve().with_name("durable-rules-2.0.28.patch")
LABEL = "+policy.1"  # the local version the patch gives setup.py; policy.engine.session reads it


class PatchError(Exception):
    """The patch does not apply to the source exactly as written."""


def _hunks(lines: list[str]) -> list[tuple[str, str]]:
    """(text before, text after) of each hunk of one file's part of a unified diff."""
    hunks: list[tuple[str, str]] = []
    before: list[str] | None = None
    after: list[str] = []
    for line in lines:
        if line.startswith("@@"):
            if before is not None:
                hunks.append(("".join(before), "".join(after)))
            before, after = [], []
        elif before is not None:
            kind, text = line[:1], line[1:]
            if kind in (" ", "-"):
                before.append(text)
            if kind in (" ", "+"):
                after.append(text)
    if before is not None:
        hunks.append(("".join(before), "".join(after)))
    return hunks


def apply_patch(tree: Path, patch: str) -> list[str]:
    """Apply a unified diff (paths a/… b/…) to the files under `tree`; the files it changed.

    Strict on purpose: each hunk's old text must occur exactly once in its file.
    """
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in patch.splitlines(keepends=True):
        if line.startswith("+++ b/"):
            current = files.setdefault(line[6:].strip(), [])
        elif line.startswith("--- "):
            current = None
        elif current is not None:
            current.append(line)
    for name, lines in files.items():
        path = tree / name
        text = path.read_text(encoding="utf-8")
        for old, new in _hunks(lines):
            if text.count(old) != 1:
                raise PatchError(f"{name}: a hunk's text occurs {text.count(old)} times, expected once")
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return sorted(files)


def _run(*command: str) -> None:
    """Run a step; its output (the compiler's and setuptools' chatter) is shown only when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout[-6000:], done.stderr[-6000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"build: {' '.join(command)} exited {done.returncode}")


def main() -> int:
    pip = (sys.executable, "-m", "pip")
    with tempfile.TemporaryDirectory(prefix="policy-engine-build-") as work:
        folder = Path(work)
        _run(*pip, "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--no-cache-dir",
             "--dest", str(folder), "durable-rules==2.0.28")
        archive = folder / f"{RELEASE}.tar.gz"
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != SOURCE_SHA256:
            print(f"build: {archive.name} has sha256 {digest}, expected {SOURCE_SHA256}", file=sys.stderr)
            return 1
        with tarfile.open(archive) as source:
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
                source.extractall(folder, filter="data")
            else:
                source.extractall(folder)  # noqa: S202 - the archive's digest was checked above
        tree = folder / RELEASE
        apply_patch(tree, PATCH.read_text(encoding="utf-8"))
        _run(*pip, "install", "--quiet", "--no-cache-dir", "--force-reinstall", "--no-deps", str(tree))
    installed = version("durable-rules")
    print(f"build: durable-rules {installed} installed")
    return 0 if installed.endswith(LABEL) else 1


if __name__ == "__main__":
    sys.exit(main())
