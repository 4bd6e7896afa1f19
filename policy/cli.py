"""The `policy` command line: assess request files and print determinations.

Exit codes: 0 every input was assessed; 2 some input is invalid (nothing is
printed on stdout, every problem goes to stderr as `FILE: PATH: MESSAGE`);
1 an internal error (a message on stderr, the traceback with --debug).
"""

from __future__ import annotations

import sys
import traceback
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from attrs import frozen

import policy
from policy.batch import TIMEOUT_SECONDS as BATCH_TIMEOUT
from policy.determination import Determination
from policy.documents import EXIT_BAD_INPUT as EXIT_INVALID
from policy.documents import EXIT_INTERNAL, InputError, parse_document, too_large
from policy.json_text import indented
from policy.limits import LIMITS
from policy.report import RENDERERS
from policy.report.escape import json_surrogates
from policy.report.values import plural

STDIN = "-"
DOCUMENT = "(document)"

app = typer.Typer(
    help="Policy-as-code for clinical coverage: assess prior-authorization requests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # tracebacks are shown only with --debug
)


def _version(value: bool) -> None:
    if not value:
        return
    from policy.binding import bound
    from policy.engine.session import engine_summary

    typer.echo(f"policy {policy.__version__}")
    typer.echo(f"engine {engine_summary()}")
    for policy_id in policy.policy_ids():
        try:
            found = bound(policy_id)
            typer.echo(f"{policy_id} {found.source.version} {found.digest}")
        except policy.PolicyDefinitionError as error:
            typer.echo(f"{policy_id} (incomplete: {_printable(str(error).splitlines()[0])})")
    raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Print the package version and each policy's id, version and digest."),
    ] = False,
) -> None:
    """Policy-as-code for clinical coverage: a library of prior-authorization policies."""
    # A callback keeps `assess` a named subcommand even while it is the only one.


POLICY_HELP = "The policy to assess against; without it, each request names its own in its `policy` field."


def _known_policy(value: str | None) -> str | None:
    """A --policy option: a policy this package holds, or a usage error listing them."""
    if value is not None and value not in policy.policy_ids():
        raise typer.BadParameter(f"no policy {value!r}; this package holds: {', '.join(policy.policy_ids())}")
    return value


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@frozen
class Problem:
    """One reason an input cannot be assessed, located in its file."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return _printable(f"{self.file}: {self.path or DOCUMENT}: {self.message}")


def _printable(text: str) -> str:
    # A field name or file name may hold line breaks or control characters: escaped,
    # each problem stays one readable line of stderr.
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _read_bytes(name: str, limit: int = LIMITS.request_bytes) -> bytes:
    """At most `limit` bytes of a file (or stdin for `-`); InputError when it holds more.

    One byte past the limit is read to tell a file of exactly `limit` bytes
    from a larger one: an endless input (/dev/zero, a pipe) costs no more.
    """
    try:
        if name == STDIN:
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with Path(name).open("rb") as file:
                data = file.read(limit + 1)
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or type(error).__name__}") from error
    if len(data) > limit:
        raise too_large(limit)
    return data


def read_document(name: str, limit: int = LIMITS.request_bytes) -> dict[str, Any]:
    """The JSON object in a file (or stdin for `-`) of at most `limit` bytes, or InputError saying why not."""
    return parse_document(_read_bytes(name, limit), limit)


# A request document and the determination it got: reports show both.
Assessed = tuple[dict[str, Any], Determination]


def _assess_all(files: list[str], debug: bool, policy_id: str | None = None,
                limit: int = LIMITS.request_bytes) -> tuple[list[Assessed], list[Problem], bool]:
    """Assess every input before anything is printed: (document, determination) pairs, problems, internal failure."""
    determinations: list[Assessed] = []
    problems: list[Problem] = []
    failed = False
    stdin_read = False
    for name in files:
        try:
            if name == STDIN:
                if stdin_read:
                    raise InputError("standard input holds one document; name '-' once")
                stdin_read = True
            document = read_document(name, limit)
            determinations.append((document, policy.assess(document, policy_id=policy_id)))
        except InputError as error:
            problems.append(Problem(name, "", str(error)))
        except policy.InvalidRequest as error:
            problems += [Problem(name, entry["path"], entry["message"]) for entry in error.errors]
        except Exception as error:  # noqa: BLE001 - any other failure is ours, reported as such
            failed = True
            typer.echo(_printable(f"{name}: internal error: {type(error).__name__}: {error}"), err=True)
            if debug:
                typer.echo(traceback.format_exc(), err=True, nl=False)
    return determinations, problems, failed


def _render(assessed: list[Assessed], output: Format) -> str:
    if output is Format.json:
        dicts = [d.to_dict() for _, d in assessed]
        text = indented(dicts[0] if len(dicts) == 1 else dicts) + "\n"
        return json_surrogates(text)  # a lone surrogate sent as `\ud800` is written back the same way
    render = RENDERERS[output.value]
    # A rule line between reports; in markdown it needs blank lines so it is not a heading underline.
    separator = "\n---\n\n" if output is Format.markdown else "\n" + "=" * 72 + "\n\n"
    return separator.join(render(d, request=document) for document, d in assessed)


def _print(report: str, output: Format) -> None:
    if output is Format.text and sys.stdout.isatty():
        # Colour only for a person at a terminal; piped output stays plain text.
        from rich.console import Console
        from rich.text import Text

        styled = Text(report)
        styled.highlight_regex(r"^Decision: [A-Z]+", "bold")
        Console(highlight=False).print(styled, end="")
        return
    typer.echo(report, nl=False)


@app.command()
def assess(
    files: Annotated[list[str], typer.Argument(metavar="FILE", help="Request JSON files; '-' reads stdin.")],
    output: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    policy_id: Annotated[
        str | None, typer.Option("--policy", "-p", help=POLICY_HELP, callback=_known_policy)
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="The most bytes a request file may have; a larger one is "
                          "refused unread.")
    ] = LIMITS.request_bytes,
) -> None:
    """Assess each request FILE and print its determination."""
    determinations, problems, failed = _assess_all(files, debug, policy_id, max_bytes)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if failed:
        raise typer.Exit(EXIT_INTERNAL)
    if problems:
        raise typer.Exit(EXIT_INVALID)
    try:
        report = _render(determinations, output)
    except Exception as error:  # noqa: BLE001 - a report that cannot be written is an internal error
        typer.echo(_printable(f"internal error while writing the report: {type(error).__name__}: {error}"), err=True)
        if debug:
            typer.echo(traceback.format_exc(), err=True, nl=False)
        raise typer.Exit(EXIT_INTERNAL) from error
    try:
        _print(report, output)
    except UnicodeError as error:  # a report is escaped so it can always be written; if not, no traceback
        typer.echo(_printable(f"internal error while printing the report: {type(error).__name__}"), err=True)
        raise typer.Exit(EXIT_INTERNAL) from error


@app.command()
def check(
    steps: Annotated[
        str, typer.Option(help="Package of step definitions every scenario step must match; '' skips it.")
    ] = "steps",
    policy_id: Annotated[str | None, typer.Option("--policy", "-p", help="Check only this policy.")] = None,
) -> None:
    """Check that every policy folder and the shared source agree with their rules, citations, tags,
    examples, steps and parameters.

    Prints each problem as FILE:LINE: MESSAGE and exits 1 when there is any.
    What cannot be checked where it runs (the step definitions, from an
    installed wheel) is skipped and named in one line.
    """
    from policy.check import check as find_drift
    from policy.check import steps_unavailable

    try:
        skipped = steps_unavailable(steps) if steps else None
        findings = find_drift(None if skipped else steps or None, policy_id=policy_id)
    except Exception as error:  # noqa: BLE001 - a check that cannot run is reported, never a traceback
        typer.echo(_printable(f"policy check: internal error: {type(error).__name__}: {error}"), err=True)
        raise typer.Exit(EXIT_INTERNAL) from error
    for finding in findings:
        typer.echo(str(finding), err=True)
    if skipped:
        typer.echo(f"skipped: {skipped}", err=True)
    if findings:
        typer.echo(f"{plural(len(findings), 'problem')} found", err=True)
        raise typer.Exit(1)
    typer.echo("policy source, rules and tests agree" + (" (except what was skipped)" if skipped else ""))


@app.command()
def schema(
    policy_id: Annotated[
        str, typer.Option("--policy", "-p", help="The policy whose request schema to print.", callback=_known_policy)
    ],
) -> None:
    """Print the JSON Schema of a request document of a policy."""
    from policy.schema import schema_text

    typer.echo(schema_text(policy_id), nl=False)


@app.command()
def new(
    policy_id: Annotated[str, typer.Argument(metavar="POLICY_ID", help="Id of the new policy, e.g. drug-condition.")],
) -> None:
    """Write a complete, runnable policy folder for POLICY_ID: one statement with its rule and
    examples, a request model, a bibliography entry and a source case.

    Right after it `policy check` passes and the acceptance suite runs the new
    policy's scenarios. Nothing outside the new files is changed.
    """
    from policy.scaffold import ScaffoldError, create

    try:
        written = create(policy_id)
    except ScaffoldError as error:
        typer.echo(f"policy new: {_printable(str(error))}", err=True)
        raise typer.Exit(EXIT_INVALID) from error
    for path in written:
        typer.echo(f"wrote {path}")


@app.command()
def release(
    policy_id: Annotated[str, typer.Argument(metavar="POLICY_ID", help="The policy to release.")],
    version: Annotated[str, typer.Option("--version", help="The version released, X.Y.Z (the version policy.toml names).")],
    effective: Annotated[str, typer.Option("--effective", help="The date it takes effect, YYYY-MM-DD.")],
    amend: Annotated[
        bool, typer.Option("--amend", help="Re-record the last release (same version) from the current source; "
                           "only for a release not yet in effect.")
    ] = False,
) -> None:
    """Record a release of POLICY_ID in its folder's releases.json: version, effective date, digest and a
    snapshot of what it releases, and print what changed since the last release.

    The source must say what is released: the policy's version in its
    policy.toml is the version, and its newest changelog entry has it, dated
    the effective date. Refused (exit 2): a policy whose drift check finds
    anything, a version not greater than the last release's, an unchanged
    source.
    """
    from policy.check import check as find_drift
    from policy.releases import ReleaseError
    from policy.releases import release as record_release

    if policy_id not in policy.policy_ids():
        typer.echo(f"policy release: no policy {policy_id!r}; this package holds: {', '.join(policy.policy_ids())}",
                   err=True)
        raise typer.Exit(EXIT_INVALID)
    findings = find_drift("steps", policy_id=policy_id, release_state=False)
    if findings:
        for finding in findings:
            typer.echo(str(finding), err=True)
        typer.echo(f"policy release: {plural(len(findings), 'problem')} found: a release records a source that "
                   "passes `policy check`", err=True)
        raise typer.Exit(EXIT_INVALID)
    try:
        entry, changed, path = record_release(policy_id, version, effective, amend=amend)
    except (ReleaseError, policy.PolicyDefinitionError) as error:
        typer.echo(f"policy release: {_printable(str(error))}", err=True)
        raise typer.Exit(EXIT_INVALID) from error
    typer.echo(f"{policy_id} {entry.version} effective {entry.effective}, {entry.digest}")
    for item in changed:
        typer.echo(f"  {item}")
    typer.echo(f"wrote {path}")


@app.command()
def mutate(
    policy_id: Annotated[
        str | None,
        typer.Option("--policy", "-p", callback=_known_policy, help="The policy to mutate; without it, every policy."),
    ] = None,
    statement: Annotated[
        str | None, typer.Option("--statement", "-s", help="Only the mutants of this statement (e.g. DOSE-TOTAL).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Mutants tried at once, each in its own copy.  [default: one per CPU]"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON instead of tables.")] = False,
    results: Annotated[
        Path | None,
        typer.Option("--results", help="Also write each policy's report to RESULTS/<policy-id>.json "
                     "(what the handbook shows; whole runs only)."),
    ] = None,
) -> None:
    """Mutate each policy's rules, derivations and parameters one small change at a time, run its
    acceptance scenarios against every mutant, and report per statement how many the examples kill.

    Each surviving mutant is listed with its place (file:line) and a request that would kill it.
    Mutants are applied in temporary copies; the source tree is never changed. Exit codes: 0 every
    mutant not declared equivalent was killed; 1 some survived, or a declaration is wrong; 2 the
    run could not be made; 130 interrupted.
    """
    from policy.mutate.command import command as run_mutation

    raise typer.Exit(run_mutation(policy_id, statement, workers, as_json, results))


@app.command()
def batch(
    source: Annotated[str, typer.Argument(metavar="IN", help="Requests, one JSON object per line; '-' reads stdin.")],
    target: Annotated[str, typer.Argument(metavar="OUT", help="One result line per input line; '-' writes stdout.")],
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Worker processes.  [default: one per CPU]")
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(min=0.001, help="Seconds one line may take; past it, its worker is stopped and the line "
                     "reported as an internal error."),
    ] = BATCH_TIMEOUT,
    policy_id: Annotated[
        str | None,
        typer.Option("--policy", "-p", callback=_known_policy,
                     help="The policy to assess every line against; without it, each line names its own."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback if the run fails.")] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue an interrupted run: keep OUT's lines if they answer the first "
                     "lines of IN (same line numbers and request ids), then append the rest; refuse otherwise."),
    ] = False,
    follow_symlink: Annotated[
        bool, typer.Option("--follow-symlink", help="Write through OUT when it is a symbolic link (refused otherwise).")
    ] = False,
) -> None:
    """Assess every line of IN, writing one JSON result line per input line to OUT, in input order.

    Each result carries `line`, `request_id` and one of `determination`,
    `errors` (the line is not a valid request) or `internal_error`. Shows
    progress on a terminal and ends with a summary table on stderr. Exit
    codes: 0 the run completed (invalid lines included); 1 the run itself
    failed; 2 IN cannot be read, OUT cannot be written, OUT is a symbolic
    link, or --resume finds OUT not to be this run's output; 130
    interrupted; 143 terminated (SIGTERM). Workers end with the command,
    however it ends.
    """
    from policy.batch import Options
    from policy.batch import command as run_batch

    settings: dict[str, Any] = {"timeout": timeout}
    if workers is not None:
        settings["workers"] = workers
    if policy_id is not None:
        settings["assess"] = partial(policy.assess, policy_id=policy_id)
    options = Options(**settings)
    raise typer.Exit(run_batch(source, target, options, debug, resuming=resume, follow_symlink=follow_symlink))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes, each with its own engine.")] = 1,
    tokens_file: Annotated[
        Path | None, typer.Option(help="Accepted bearer tokens, one a line (also: POLICY_API_TOKENS, comma-separated).")
    ] = None,
    insecure_no_auth: Annotated[
        bool, typer.Option("--insecure-no-auth", help="Serve without any token configured: no access control.")
    ] = False,
    decision_log: Annotated[
        Path | None, typer.Option(help="The decision log (JSON Lines), appended to.  [default: decisions.jsonl]")
    ] = None,
    decision_log_max_bytes: Annotated[
        int | None, typer.Option(min=1, help="Size past which the decision log is rotated to <name>.1.  "
                                 "[default: 64 MiB]")
    ] = None,
    log_requests: Annotated[
        bool, typer.Option("--log-requests", help="Write each request document into its decision log line.")
    ] = False,
    max_body_bytes: Annotated[
        int | None, typer.Option(min=1, help="Largest request body (and batch line) accepted.  [default: 1 MiB]")
    ] = None,
    cds_jwks: Annotated[
        Path | None, typer.Option(help="JWKS file: the keys CDS Hooks calls' JWTs are verified against.")
    ] = None,
    public_base_url: Annotated[
        str | None, typer.Option(help="The base URL EHRs call, when a proxy stands in front: CDS Hooks JWTs "
                                 "must name <base>/cds-services/<id> as their audience.")
    ] = None,
) -> None:
    """Serve the policy library over HTTP (FastAPI on uvicorn); see docs/service.md.

    Refuses to start (exit 2) without a token unless --insecure-no-auth is given.
    """
    from policy.server.serve import serve as run_server
    from policy.server.settings import Settings, SettingsError

    # Options not given keep the defaults the service's settings declare.
    given: dict[str, Any] = {"tokens_file": tokens_file, "decision_log": decision_log,
                             "decision_log_max_bytes": decision_log_max_bytes,
                             "max_body_bytes": max_body_bytes, "cds_jwks": cds_jwks,
                             "public_base_url": public_base_url}
    try:
        settings = Settings(insecure_no_auth=insecure_no_auth, log_requests=log_requests,
                            **{name: value for name, value in given.items() if value is not None})
    except SettingsError as error:
        typer.echo(f"policy serve: {error}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(run_server(host=host, port=port, workers=workers, settings=settings))


if __name__ == "__main__":
    app(prog_name="policy")
