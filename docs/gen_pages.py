"""Write the generated pages of the site (run by mkdocs-gen-files at build time).

Every page comes from `policy.docs.build_pages`: the policy source, its rule
declarations, the request schema and the last test results in
build/test-results/results.json (rows without a result show as "not run").
"""

from __future__ import annotations

import json
from pathlib import Path

import mkdocs_gen_files
from mkdocs_gen_files.editor import FilesEditor
from mkdocs.structure.files import InclusionLevel

import policy
from policy.docs import build_pages, load_results
from policy.docs.results import RESULTS_FILE
from policy.schema import request_schema

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "examples" / "contract-example.json"
GUIDES = (("Policy authors", "authors.md"), ("Integrators", "integrators.md"))
NAV_FILE = "SUMMARY.md"
# Pages other people write by hand; listed when present.
OPTIONAL = (("Benchmarks", "benchmarks.md"),)

example = json.loads(EXAMPLE.read_text(encoding="utf-8")) if EXAMPLE.is_file() else None
pages = build_pages(
    policy.assessor().bound,
    load_results(ROOT / RESULTS_FILE),
    request_schema(),
    example=example,
    determination=policy.assess(example).to_dict() if example is not None else None,
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
