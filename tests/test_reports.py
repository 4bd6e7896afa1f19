"""The text and markdown reports read the way a reviewer acts on them, and cannot be forged by a request.

Expected readings and figures come from the briefs (`/work/shared/spec/ivig-myositis.md`,
`ivig-cidp.md`): the source case (M60.80, 2 g/kg over 2-3 days every 28 days,
nothing else known), the Devine dosing weight (a 177.8 cm man: 50 + 2.3 x 10 = 73.0 kg).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

import policy
from policy.cli import app
from policy.provenance import Badge
from policy.report import RENDERERS, render_markdown, render_text
from policy.report.escape import markdown as md_escape
from policy.report.escape import visible

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
MYOSITIS = EXAMPLES / "ivig-myositis"
CIDP = EXAMPLES / "ivig-cidp"
ALL_EXAMPLES = sorted(EXAMPLES.glob("*/*.json"))
SECTIONS = ["Medical necessity", "Standard of care", "Dosing", "Safety", "Monitoring", "Pitfalls", "Evidence"]


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def reports(document: dict[str, Any]) -> tuple[str, str]:
    determination = policy.assess(document)
    return render_text(determination, request=document), render_markdown(determination, request=document)


def text_block(report: str, heading: str) -> list[str]:
    """The lines of one block of the text report (blocks are separated by blank lines)."""
    for block in report.split("\n\n"):
        lines = block.splitlines()
        if lines and lines[0] == heading:
            return lines[1:]
    raise AssertionError(f"no block {heading!r} in:\n{report}")


def statement_line(markdown: str, statement_id: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"- **{statement_id}** "))


def statement_row(text: str, statement_id: str) -> str:
    return next(line.split(None, 1)[1] for line in text_block(text, "Statements") if line.split()[0] == statement_id)


# -- statement outcomes as a reviewer says them ---------------------------------------------------------


def test_an_exclusion_that_does_not_apply_reads_does_not_apply() -> None:
    """The source case (no IBM) reads "does not apply" for DX-IBM, never "met"; the JSON keeps `met`."""
    document = load(MYOSITIS / "source-case.json")
    text, markdown = reports(document)
    assert statement_line(markdown, "DX-IBM").startswith("- **DX-IBM** Inclusion body myositis is excluded: *does not apply*")
    assert statement_row(text, "DX-IBM") == "does not apply"
    assert policy.assess(document).statement("DX-IBM").outcome == "met"


def test_an_exclusion_that_applies_reads_applies_then_deny() -> None:
    """An IBM request reads "applies → deny" for DX-IBM, and its criterion DX-SPECTRUM reads "not met"."""
    text, markdown = reports(load(MYOSITIS / "deny-inclusion-body-myositis.json"))
    assert "*applies → deny*" in statement_line(markdown, "DX-IBM")
    assert statement_row(text, "DX-IBM") == "applies → deny"
    assert statement_row(text, "DX-SPECTRUM") == "not met"


def test_a_criterion_that_holds_reads_met() -> None:
    """The source case's M60.80 meets DX-SPECTRUM and SOC-STANDARD (brief, section 5)."""
    text, markdown = reports(load(MYOSITIS / "source-case.json"))
    assert statement_row(text, "DX-SPECTRUM") == "met"
    assert statement_row(text, "SOC-STANDARD") == "met"
    assert "*met*" in statement_line(markdown, "DX-SPECTRUM")


def test_a_pitfall_that_applies_reads_applies_then_pend() -> None:
    """Plasmapheresis 7 days after the course (within the 14-day window) reads "applies → pend"."""
    text, markdown = reports(load(MYOSITIS / "pend-plasmapheresis-7-days-after-course.json"))
    assert statement_row(text, "PIT-PLASMAPHERESIS") == "applies → pend"
    assert "*applies → pend*" in statement_line(markdown, "PIT-PLASMAPHERESIS")
    assert statement_row(text, "PIT-MONOTHERAPY") == "does not apply"


def test_a_limit_that_changes_the_request_reads_applies_then_change() -> None:
    """An interval of 21 days (below 28) reads "applies → change" for DOSE-INTERVAL."""
    text, _ = reports(load(MYOSITIS / "modify-interval-21-days.json"))
    assert statement_row(text, "DOSE-INTERVAL") == "applies → change"


def test_a_statement_without_its_data_says_what_is_missing() -> None:
    """Grams without a height: DOSE-TOTAL cannot be judged and the dosing weight cannot be computed, both for want of
    patient.height_cm."""
    text, markdown = reports(load(MYOSITIS / "pend-grams-without-height.json"))
    assert statement_row(text, "DOSE-TOTAL") == "cannot be judged: missing patient.height_cm"
    assert statement_row(text, "DOSE-WEIGHT") == "cannot be computed: missing patient.height_cm"
    assert "*cannot be judged: missing patient.height\\_cm*" in statement_line(markdown, "DOSE-TOTAL")


def test_attached_statements_read_applies_then_their_effect() -> None:
    """The source case's conditions, advice and monitoring read "applies → condition/advice/monitoring"."""
    text, _ = reports(load(MYOSITIS / "source-case.json"))
    assert statement_row(text, "SAFE-CARDIAC") == "applies → condition"
    assert statement_row(text, "SAFE-AE") == "applies → advice"
    assert statement_row(text, "MON-PLAN") == "applies → monitoring"
    assert statement_row(text, "SAFE-CARDIAC-DYSFUNCTION") == "does not apply"


# -- the request first ------------------------------------------------------------------------------------


def test_the_text_report_opens_with_the_decision_then_the_request() -> None:
    """The source case: decision line, then policy, request id and type, M60.80 in its group, the regimen requested."""
    document = load(MYOSITIS / "source-case.json")
    text, _ = reports(document)
    lines = text.splitlines()
    assert lines[0] == "Decision: APPROVE"
    assert lines[3] == "Request"
    request = text_block(text, "Request")
    version = policy.assessor("ivig-myositis").bound.source.version
    assert request[0].split(None, 1)[1].startswith(f"ivig-myositis {version}")
    assert request[1].split(None, 2)[2] == "PA-SOURCE-CASE"
    assert request[2].split() == ["Type", "initial"]
    assert text_block(text, "Diagnoses") == [
        "  - M60.80 Other myositis, unspecified site (code group: Idiopathic inflammatory", "    myopathies)"
    ]
    requested = {line.split("  ")[1].strip(): line.rsplit("  ", 1)[1].strip() for line in text_block(text, "Requested")}
    assert requested["Dose"] == "2.0 g/kg"
    assert requested["Days per course"] == "2–3 days"
    assert requested["Interval"] == "28 days"
    assert requested["Courses"] == "not stated"
    assert text.index("Requested") < text.index("Authorized regimen")


def test_the_markdown_report_opens_with_the_request_under_the_decision() -> None:
    """The markdown report: title, decision, then a Request section with the patient's figures as the request gives them."""
    _, markdown = reports(load(MYOSITIS / "approve-adult-complete-request.json"))
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings == ["Request", "Determination", *SECTIONS]
    assert markdown.index("**Decision: APPROVE**") < markdown.index("## Request")
    request = markdown.split("## Request")[1].split("## Determination")[0]
    for row in ("| Request id | PA-EX-APPROVE-ADULT |", "| Sex | male |", "| Age | 45 years |",
                "| Height | 177.8 cm |", "| Weight | 85 kg |", "| Product | Octagam 10% |",
                "| Course total | 146.0 g |", "| Days per course | 3–4 days |",
                "| M60.80 Other myositis, unspecified site | Idiopathic inflammatory myopathies |"):
        assert row in request, row


def test_a_diagnosis_outside_every_code_group_says_so() -> None:
    """E11.9 (type 2 diabetes) falls in no group of ivig-myositis and the report says so."""
    text, _ = reports(load(MYOSITIS / "deny-out-of-scope-type-2-diabetes.json"))
    diagnoses = " ".join(" ".join(text_block(text, "Diagnoses")).split())
    assert diagnoses == "- E11.9 Type 2 diabetes mellitus without complications (code group: no code group of this policy)"


def test_the_effective_date_is_shown_when_the_policy_has_one() -> None:
    """The policy line carries the effective date of the version assessed, when one is known."""
    from policy.releases import effective

    determination = policy.assess(load(MYOSITIS / "source-case.json"))
    date = getattr(determination.policy, "effective", None) or effective(policy.assessor("ivig-myositis").bound)
    policy_line = text_block(render_text(determination), "Request")[0]
    if date:
        assert policy_line.endswith(f"(effective {date})")
    else:
        assert "effective" not in policy_line


def test_without_the_request_a_report_says_what_it_cannot_know() -> None:
    """Rendered from the determination alone, the report still places the diagnoses and says the rest is not known."""
    determination = policy.assess(load(MYOSITIS / "source-case.json"))
    text = render_text(determination)
    assert text.splitlines()[0] == "Decision: APPROVE"
    assert "M60.80" in " ".join(text_block(text, "Diagnoses"))
    assert "not known to this report" in " ".join(text_block(text, "Patient and requested values"))
    assert "**Patient and requested values**: not known to this report" in render_markdown(determination)


def test_a_request_that_is_not_the_one_determined_is_refused() -> None:
    """Showing another request's values beside a decision would mislead: the report refuses it."""
    determination = policy.assess(load(MYOSITIS / "source-case.json"))
    other = load(MYOSITIS / "modify-8-courses.json")
    with pytest.raises(ValueError, match="not the one the determination answers"):
        render_text(determination, request=other)


# -- authorized only when something is ----------------------------------------------------------------


def test_a_denial_shows_no_authorization_and_no_conditions() -> None:
    """An IBM denial lists its reason and what would also need changing, and no regimen, condition or monitoring."""
    document = load(MYOSITIS / "deny-inclusion-body-myositis.json")
    document["regimen"]["interval_days"] = 21
    text, markdown = reports(document)
    for report in (text, markdown):
        assert "Authorized regimen" not in report
        assert "nothing is authorized" in report
        assert "SAFE-CARDIAC:" not in report and "**SAFE-CARDIAC**:" not in report
        assert "Monitoring (if" not in report
    assert text_block(text, "Would also need") == ["  - DOSE-INTERVAL: Interval: 21 days → 28 days"]
    assert "| DOSE-INTERVAL | Interval | 21 days | 28 days |" in markdown
    assert text_block(text, "Reasons, and what would be required instead")[0].startswith("  - DX-IBM: ")


def test_a_pend_shows_its_missing_data_and_conditions_only_as_if_approved_after_review() -> None:
    """Grams without a height pend on DOSE-WEIGHT missing patient.height_cm; conditions come as "if approved after review"."""
    text, markdown = reports(load(MYOSITIS / "pend-grams-without-height.json"))
    assert "Authorized regimen" not in text and "Authorized regimen" not in markdown
    reasons = text_block(text, "Reasons, and what would be required instead")
    assert reasons[0].startswith("  - DOSE-WEIGHT: ") and reasons[-1] == "    missing: patient.height_cm"
    assert text_block(text, "Conditions (if approved after review)")[0].startswith("  - SAFE-CARDIAC: ")
    assert "**Conditions if approved after review**" in markdown
    assert "\nConditions\n" not in text


def test_an_approval_shows_what_is_authorized_with_its_conditions() -> None:
    """The CIDP source case approves its regimen as requested: loading 2 g/kg over 2–5 days, 1 g/kg over 1–2 days every 21 days."""
    text, markdown = reports(load(CIDP / "source-case.json"))
    authorized = [line.split("  ")[1:] for line in text_block(text, "Authorized regimen")]
    rows = {cells[0].strip(): cells[-1].strip() for cells in authorized}
    assert rows["Loading dose"] == "2.0 g/kg" and rows["Days of the loading course"] == "2–5 days"
    assert rows["Maintenance dose"] == "1.0 g/kg" and rows["Days per maintenance course"] == "1–2 days"
    assert rows["Interval"] == "21 days"
    items = [line.split(":")[0] for line in text_block(text, "Conditions") if line.startswith("  - ")]
    assert items == ["  - SAFE-CARDIAC", "  - SAFE-HYDRATION"]
    assert "**Authorized regimen**" in markdown


# -- a figure that cannot be computed -------------------------------------------------------------------


def test_a_dosing_weight_that_cannot_be_computed_says_what_is_missing_and_the_check_made_instead() -> None:
    """The source case states no patient: no dosing weight (height, weight, sex missing), and the dose is checked per kg."""
    text, markdown = reports(load(MYOSITIS / "source-case.json"))
    dosing = text_block(text, "Dosing")
    weight = next(line for line in dosing if line.strip().startswith("Dosing weight"))
    assert weight.split(None, 2)[2] == "not computed (missing patient.height_cm, patient.weight_kg, patient.sex)"
    assert "  - DOSE-TOTAL/per-kg: request.dose_g_per_kg is stated: met" in dosing
    assert "- **DOSE-TOTAL/per-kg**: request.dose\\_g\\_per\\_kg is stated: *met*" in markdown
    assert "| Dosing weight | not computed (missing patient.height\\_cm, patient.weight\\_kg, patient.sex) |" in markdown


def test_computed_figures_show_no_missing_data() -> None:
    """A 177.8 cm, 85 kg man is dosed on his ideal body weight, 73.0 kg (Devine: 50 + 2.3 × 10), nothing missing."""
    text, _ = reports(load(MYOSITIS / "approve-adult-complete-request.json"))
    dosing = text_block(text, "Dosing")
    assert any(line.split() == ["Dosing", "weight", "73.0", "kg", "(ideal)"] for line in dosing)
    assert not any("missing" in line or "Checked without" in line for line in dosing)


# -- rows and sections from the policy's declarations ----------------------------------------------------


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_the_rows_come_from_the_policy_declarations(policy_id: str) -> None:
    """Every authorized field's label is a row of the requested and authorized blocks; every figure has a row."""
    found = policy.assessor(policy_id)
    code = found.code
    assert code.authorization is not None
    text, _ = reports(load(EXAMPLES / policy_id / "source-case.json"))
    for block in ("Requested", code.authorization.title):
        labels = [line.strip().split("  ")[0] for line in text_block(text, block)]
        assert labels[: len(code.authorization.fields)] == [f.label for f in code.authorization.fields]
    bases = {figure.basis for figure in code.figures}
    figures = [line.strip().split("  ")[0] for line in text_block(text, code.report_sections["figures"])]
    for figure in code.figures:
        if figure.key not in bases:
            assert figure.label[:1].upper() + figure.label[1:] in figures


def test_a_badge_of_a_statement_shows_in_the_markdown_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Provenance badges (extrapolated, ...) are written beside the statement's outcome."""
    import policy.report.markdown as markdown_module

    def badges(bound: Any, statement_id: str) -> tuple[Badge, ...]:
        if statement_id != "SAFE-CARDIAC":
            return ()
        return (Badge("extrapolated", "Extrapolated from MIS-C guidance", "detail"), Badge("choice", "Policy choice"))

    monkeypatch.setattr(markdown_module, "badges", badges)
    markdown = render_markdown(policy.assess(load(MYOSITIS / "source-case.json")))
    assert "(**Extrapolated from MIS-C guidance**; **Policy choice**)" in statement_line(markdown, "SAFE-CARDIAC")
    assert "**Extrapolated" not in statement_line(markdown, "SAFE-HYDRATION")


def test_a_badge_of_a_statement_shows_under_its_row_in_the_text_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text report writes each badge of a statement on the line below its reading."""
    import policy.report.text as text_module

    def badges(bound: Any, statement_id: str) -> tuple[Badge, ...]:
        return (Badge("extrapolated", "Extrapolated from MIS-C guidance"),) if statement_id == "SAFE-CARDIAC" else ()

    monkeypatch.setattr(text_module, "badges", badges)
    lines = text_block(render_text(policy.assess(load(MYOSITIS / "source-case.json"))), "Statements")
    row = next(index for index, line in enumerate(lines) if line.split()[0] == "SAFE-CARDIAC")
    assert lines[row + 1].strip() == "[Extrapolated from MIS-C guidance]"
    assert not lines[row + 2].strip().startswith("[")


# -- every example renders ---------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "markdown"])
@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_of_every_policy_renders_with_the_decision_first(path: Path, output: str) -> None:
    """`policy assess --format text|markdown` exits 0 on each bundled example and states the decision first."""
    result = CliRunner().invoke(app, ["assess", "-f", output, str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    decision = policy.assess(load(path)).decision.upper()
    lines = result.stdout.splitlines()
    if output == "text":
        assert lines[0] == f"Decision: {decision}"
    else:
        assert lines[0].startswith("# ") and lines[2].startswith(f"**Decision: {decision}**")
        assert result.stdout.index("**Decision:") < result.stdout.index("\n## Request")


# -- hostile request values -----------------------------------------------------------------------------------

FORGED_ID = "PA-7\n\nDecision: APPROVE\nApproved as requested."
HOSTILE = [
    FORGED_ID,
    "PA-8\r\rDecision: APPROVE",
    "PA-9\x00Decision: APPROVE",
    "## Decision: APPROVE",
    "<img src=x onerror=alert(1)>",
    "PA-11\u2028Decision: APPROVE\u2029\x1b[2J\x85- item",
    "1. Decision: APPROVE\n- [x](javascript:alert(1)) | cell | `code` *em* _em_ ~~del~~ &lt;b&gt; \\n",
]
PRODUCT = "Octagam <script>alert(1)</script> **10%** | [x](http://a)\n\n# Decision: APPROVE\n> quoted"


def hostile_request(value: str) -> dict[str, Any]:
    """A request denied for inclusion body myositis, with `value` as its id and in its product name."""
    document = copy.deepcopy(load(MYOSITIS / "deny-inclusion-body-myositis.json"))
    document["id"] = value
    document["regimen"]["product"] = value + " " + PRODUCT
    return document


def check_text(report: str) -> None:
    lines = report.splitlines()
    assert [line for line in lines if line.lstrip().startswith("Decision")] == ["Decision: DENY"]
    assert lines[0] == "Decision: DENY"
    assert all(line.isprintable() for line in lines), [line for line in lines if not line.isprintable()]
    forged = ("Approved", "#", "<", "-item", "- item", "1.")
    assert not any(line.startswith(forged) for line in lines)
    assert "\r" not in report and "\x00" not in report


def check_markdown(report: str) -> None:
    lines = report.splitlines()
    assert [line for line in lines if re.match(r"^\W*Decision", line)] == [lines[2]]
    assert lines[2].startswith("**Decision: DENY**")
    assert "<img" not in report and "<script" not in report
    assert all(line.isprintable() for line in lines)
    assert re.findall(r"^#+ .*$", report, re.M)[1:] == [f"## {name}" for name in ("Request", "Determination", *SECTIONS)]
    html = MarkdownIt("commonmark").enable("table").render(report)
    assert "<img" not in html and "<script" not in html and "<a " not in html.split("<h2>Evidence</h2>")[0]
    request = html.split("<h2>Request</h2>")[1].split("<h2>Determination</h2>")[0]
    assert "<blockquote>" not in html and "<code>" not in request and "<em>" not in request
    assert len(re.findall(r"<h1>", html)) == 1
    assert re.findall(r"<h2>(.*?)</h2>", html) == ["Request", "Determination", *SECTIONS]
    assert html.count("<strong>Decision: DENY</strong>") == 1 and "<strong>Decision: APPROVE" not in html


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_cannot_forge_either_report(value: str) -> None:
    """Through the render functions, a hostile id and product name leave one decision line, DENY, and no markup."""
    document = hostile_request(value)
    determination = policy.assess(document)
    assert determination.decision == "deny"
    for request in (document, None):
        check_text(render_text(determination, request=request))
        check_markdown(render_markdown(determination, request=request))


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_cannot_forge_the_command_output(value: str, tmp_path: Path) -> None:
    """Through `policy assess`, each format exits 0 without a traceback; the JSON gives back the exact values sent."""
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile_request(value)))  # ASCII JSON: a lone surrogate travels as its escape
    runner = CliRunner()
    for output, check in (("text", check_text), ("markdown", check_markdown)):
        result = runner.invoke(app, ["assess", "-f", output, str(path)], catch_exceptions=False)
        assert (result.exit_code, result.stderr) == (0, ""), result.stderr
        check(result.stdout)
    result = runner.invoke(app, ["assess", "-f", "json", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    determination = json.loads(result.stdout)
    assert determination["request_id"] == value
    assert determination["decision"] == "deny"


# A lone surrogate in a request is an invalid request, in every format (tests/test_hardening.py).


# -- the escapers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [("a\nb", "a\\nb"), ("a\rb", "a\\rb"), ("\x00", "\\x00"), ("\ud800", "\\ud800"), ("\t", "\\t"),
     ("a\\nb", "a\\\\nb"), ("\u2028", "\\u2028"), ("Octagam 10%", "Octagam 10%")],
)
def test_the_text_escape_writes_control_characters_out(value: str, shown: str) -> None:
    """Control characters become their visible escapes; a backslash is doubled so `\\n` always means a line break."""
    assert visible(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [("## Decision", "\\#\\# Decision"), ("<img>", "&lt;img&gt;"), ("a|b", "a\\|b"), ("*x* _y_", "\\*x\\* \\_y\\_"),
     ("[a](b)", "\\[a\\](b)"), ("1. x", "1\\. x"), ("- x", "\\- x"), ("&amp;", "&amp;amp;"), ("a\nb", "a\\\\nb"),
     ("2.0 g/kg", "2.0 g/kg"), ("1.1.0", "1.1.0"), ("~~x~~", "&#126;&#126;x&#126;&#126;")],
)
def test_the_markdown_escape_leaves_no_markup(value: str, shown: str) -> None:
    """Markdown and HTML characters are escaped; list markers only where a value starts."""
    assert md_escape(value) == shown


def test_the_renderers_take_the_request_as_an_option() -> None:
    """Every registered renderer takes a determination and, optionally, the request it answers."""
    document = load(CIDP / "source-case.json")
    determination = policy.assess(document)
    for render in RENDERERS.values():
        assert render(determination, request=document).startswith(("Decision: APPROVE", "# "))
        assert render(determination)
