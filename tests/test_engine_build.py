"""The engine builder applies its patch strictly: each hunk to exactly one place, or nothing is built.

Building the real engine from the release's source is tested in test_wheel.py
(it downloads from the package index); here the patching is tested on files
written for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.engine.build import PATCH, PatchError, apply_patch

SOURCE = "int a = 1;\nint b = 2;\nint c = 3;\n"
PATCH_TEXT = """Some words above the diff are ignored.

--- a/src/x.c
+++ b/src/x.c
@@ -1,3 +1,4 @@
 int a = 1;
-int b = 2;
+int b = 20;
+int d = 4;
 int c = 3;
"""


def _tree(tmp_path: Path, text: str = SOURCE) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "x.c").write_text(text)
    return tmp_path


def test_a_patch_changes_exactly_the_lines_its_hunk_names(tmp_path: Path) -> None:
    """Context stays, removed lines go, added lines come, in place."""
    tree = _tree(tmp_path)
    assert apply_patch(tree, PATCH_TEXT) == ["src/x.c"]
    assert (tree / "src" / "x.c").read_text() == "int a = 1;\nint b = 20;\nint d = 4;\nint c = 3;\n"


def test_a_patch_applied_twice_is_refused(tmp_path: Path) -> None:
    """The second time the hunk's old text is gone: an error, not a silent second change."""
    tree = _tree(tmp_path)
    apply_patch(tree, PATCH_TEXT)
    with pytest.raises(PatchError, match="occurs 0 times"):
        apply_patch(tree, PATCH_TEXT)


def test_a_hunk_whose_text_occurs_twice_is_refused(tmp_path: Path) -> None:
    """Where the old text could be either of two places, nothing is guessed."""
    tree = _tree(tmp_path, SOURCE + SOURCE)
    with pytest.raises(PatchError, match="occurs 2 times"):
        apply_patch(tree, PATCH_TEXT)


def test_the_shipped_patch_names_the_three_files_it_fixes() -> None:
    """The engine's retraction fix, the call Python 3.13 removed, and the version that marks the build."""
    text = PATCH.read_text()
    changed = sorted(line[6:].strip() for line in text.splitlines() if line.startswith("+++ b/"))
    assert changed == ["setup.py", "src/rules/state.c", "src/rulespy/rules.c"]
    assert "+    version = '2.0.28+policy.1'," in text
    assert "+    if (!targetNode->isActive) {\n+        return ERR_NODE_DELETED;" in text
