"""Write the generated pages of the site (run by mkdocs-gen-files at build time).

Every page comes from `policy.docs.build_pages`: every policy the library
holds (`policy.docs.load_library`: bound source, rules, request schema and
the worked example in examples/<policy-id>/), the shared statements, and the
last test results in build/test-results/results.json (rows without a result
show as "not run"). This script names no policy.
"""

from __future__ import annotations

from pathlib import Path

import mkdocs_gen_files
from mkdocs.structure.files import InclusionLevel
from mkdocs_gen_files.editor import FilesEditor

from policy.docs import build_pages, load_library, load_results
from policy.docs.paths import NAV_FILE
from policy.docs.results import RESULTS_FILE

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
# Pages other people write by hand, listed when present: guides, then extra pages.
GUIDES = (("Policy authors", "authors.md"), ("Integrators", "integrators.md"))
OPTIONAL = (("Benchmarks", "benchmarks.md"),)

pages = build_pages(
    load_library(EXAMPLES),
    load_results(ROOT / RESULTS_FILE),
    guides=[(title, path) for title, path in GUIDES if (DOCS / path).is_file()],
    extra=[(title, path) for title, path in OPTIONAL if (DOCS / path).is_file()],
)
for path, text in pages.items():
    with mkdocs_gen_files.open(path, "w") as page:
        page.write(text)
    if path != NAV_FILE:
        mkdocs_gen_files.set_edit_path(path, Path("..") / "docs" / "gen_pages.py")
# The nav file feeds literate-nav; it is not a page of its own.
nav_file = FilesEditor.current().files.get_file_from_path(NAV_FILE)
if nav_file is not None:
    nav_file.inclusion = InclusionLevel.EXCLUDED
