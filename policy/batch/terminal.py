"""`policy batch` at the command line: files, progress bar, summary table, exit code."""

from __future__ import annotations

import os
import stat
import sys
import time
import traceback
from contextlib import ExitStack
from typing import Any, BinaryIO

from policy.batch.lines import BatchIOError
from policy.batch.pool import Options, Progress, Summary, _Run
from policy.determination import DECISIONS

from policy.documents import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK

EXIT_DONE, EXIT_FAILED, EXIT_IO = EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT
EXIT_INTERRUPTED = 130  # what a shell reports for Ctrl-C
STDIO = "-"


def summary_table(summary: Summary) -> Any:
    """The end-of-run table: counts per decision and per reason, errors, totals, speed."""
    from rich.table import Table

    table = Table(title="policy batch", show_header=True, title_justify="left")
    table.add_column("")
    table.add_column("lines", justify="right")
    for decision in DECISIONS:
        table.add_row(f"decision {decision}", str(summary.decisions[decision]))
    table.rows[-1].end_section = True
    for statement, count in sorted(summary.reasons.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(f"reason {statement}", str(count))
    if summary.reasons:
        table.rows[-1].end_section = True
    table.add_row("invalid lines", str(summary.invalid))
    timed_out = f" ({summary.timed_out} timed out)" if summary.timed_out else ""
    table.add_row("internal errors", f"{summary.internal_errors}{timed_out}", end_section=True)
    table.add_row("total", str(summary.total))
    table.add_row("elapsed", f"{summary.elapsed:.1f} s (start-up {summary.startup:.1f} s)")
    table.add_row("throughput", f"{summary.rate:,.0f} lines/s")
    return table


class ProgressBar:
    """A progress bar on stderr: bytes when the input's size is known, lines and rate always."""

    def __init__(self, total_bytes: int | None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        # No refresh thread: forking workers from a threaded process is unsafe.
        self._progress = Bar(
            BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[lines]:,} lines"),
            TextColumn("{task.fields[rate]:,.0f} lines/s"), TimeElapsedColumn(),
            console=Console(stderr=True), auto_refresh=False, transient=True,
        )
        self._task = self._progress.add_task("batch", total=total_bytes, lines=0, rate=0.0)
        self._progress.start()

    def update(self, done: Progress) -> None:
        self._progress.update(self._task, completed=done.bytes, lines=done.lines, rate=done.rate)
        self._progress.refresh()

    def close(self) -> None:
        self._progress.stop()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _open_input(name: str) -> tuple[BinaryIO, int | None]:
    if name == STDIO:
        return sys.stdin.buffer, None
    source = open(name, "rb")  # noqa: SIM115 - closed by the caller
    info = os.fstat(source.fileno())
    return source, info.st_size if stat.S_ISREG(info.st_mode) else None


def _same_file(source: str, target: str) -> bool:
    try:
        return STDIO not in (source, target) and os.path.samefile(source, target)
    except OSError:
        return False


def command(source_name: str, target_name: str, options: Options, debug: bool = False) -> int:
    """`policy batch`: open the files, show progress on a terminal, print the summary; the exit code."""
    from rich.console import Console

    if _same_file(source_name, target_name):
        _say(f"{target_name}: is the input file; writing it would destroy the input")
        return EXIT_IO
    with ExitStack() as files:
        try:
            source, size = _open_input(source_name)
            if source is not sys.stdin.buffer:
                files.enter_context(source)
        except OSError as error:
            _say(f"{source_name}: cannot read: {error.strerror or error}")
            return EXIT_IO
        try:
            sink = sys.stdout.buffer if target_name == STDIO else files.enter_context(open(target_name, "wb"))
        except OSError as error:
            _say(f"{target_name}: cannot write: {error.strerror or error}")
            return EXIT_IO
        batch = _Run(source, sink, options, None)
        code = _run_shown(batch, size, debug)
    Console(stderr=True).print(summary_table(batch.summary))
    return code


def _run_shown(batch: _Run, size: int | None, debug: bool) -> int:
    """Run with a progress bar on a terminal; the exit code, each failure said on stderr."""
    bar = ProgressBar(size) if sys.stderr.isatty() else None
    if bar is not None:
        batch.on_progress = bar.update
    try:
        batch.run()
        return EXIT_DONE
    except BatchIOError as error:
        _say(str(error))
        return EXIT_IO
    except KeyboardInterrupt:
        _say("interrupted: the output holds every line before the first unfinished one")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the run's own failure, not one line's
        _say(f"internal error: {type(error).__name__}: {error}; the output is incomplete")
        if debug:
            traceback.print_exc()
        return EXIT_FAILED
    finally:
        if bar is not None:
            bar.close()
        batch.summary.elapsed = time.monotonic() - batch.started
