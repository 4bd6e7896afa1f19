"""Write the generated pages of the site (run by mkdocs-gen-files at build time).

Every page comes from `policy.docs.build_pages`: every policy the library
holds (`policy.docs.load_library`: bound source, rules, request schema and
every example request of examples/<policy-id>/, assessed now), the shared
statements, and the last test results in build/test-results/results.json
(or the file $POLICY_TEST_RESULTS names; rows without a result show as "not
run"). When those results were recorded against another version of a
policy's source, the warning goes into `config.extra.stale_results`, which
the theme override (docs/overrides/main.html) shows on every page, the
hand-written ones included. This script names no policy.
"""

from __future__ import annotations

import os
from pathlib import Path

import mkdocs_gen_files
from mkdocs.structure.files import InclusionLevel
from mkdocs_gen_files.editor import FilesEditor

from policy.docs import build_pages, load_library, load_results, stale_policies
from policy.docs.paths import NAV_FILE
from policy.docs.results import RESULTS_ENV, RESULTS_FILE, stale_html

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
# Pages other people write by hand, listed when present: guides for reviewers and integrators,
# pages for the library's maintainers, then any other page.
GUIDES = (("Integrators", "integrators.md"), ("Decision service", "service.md"))
MAINTAINERS = (("Policy authors", "authors.md"), ("Benchmarks", "benchmarks.md"))
OPTIONAL: tuple[tuple[str, str], ...] = ()


def present(pages: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(title, path) for title, path in pages if (DOCS / path).is_file()]


library = load_library(EXAMPLES)
results = load_results(Path(os.environ.get(RESULTS_ENV) or ROOT / RESULTS_FILE))
pages = build_pages(library, results, guides=present(GUIDES), maintainers=present(MAINTAINERS),
                    extra=present(OPTIONAL))
for path, text in pages.items():
    with mkdocs_gen_files.open(path, "w") as page:
        page.write(text)
    if path != NAV_FILE:
        mkdocs_gen_files.set_edit_path(path, Path("..") / "docs" / "gen_pages.py")
editor = FilesEditor.current()
editor.config.extra["stale_results"] = stale_html(stale_policies(library, results))
# The nav file feeds literate-nav; it is not a page of its own.
nav_file = editor.files.get_file_from_path(NAV_FILE)
if nav_file is not None:
    nav_file.inclusion = InclusionLevel.EXCLUDED
