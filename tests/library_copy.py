"""A throwaway copy of the whole policy library, for tests that break one thing in it."""

from __future__ import annotations

import shutil
from pathlib import Path

from policy.source import source_root

# Interpreter caches are not source: a copy without them binds from the copied files.
IGNORED = shutil.ignore_patterns("__pycache__")


def copy_library(tmp_path: Path) -> Path:
    """The library (every policy, the shared source, release records) copied under `tmp_path/features`."""
    root = tmp_path / "features"
    shutil.copytree(source_root(), root, ignore=IGNORED)
    return root


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file; `old` must be there, so a stale edit fails the test."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
