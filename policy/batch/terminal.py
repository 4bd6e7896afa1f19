"""`policy batch` at the command line: files, progress bar, summary table, exit code."""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import FrameType
from typing import Any, BinaryIO

from policy.batch import resume
from policy.batch.lines import BatchIOError
from policy.batch.pool import Options, Progress, Summary, _Run
from policy.determination import DECISIONS

from policy.documents import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK

EXIT_DONE, EXIT_FAILED, EXIT_IO = EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT
EXIT_INTERRUPTED = 130  # what a shell reports for Ctrl-C
EXIT_TERMINATED = 143  # and for SIGTERM
STDIO = "-"
_STOPPED = "the output holds every line before the first unfinished one; --resume continues the run"


class Terminated(BaseException):
    """SIGTERM arrived: the run stops as it does for Ctrl-C (workers stopped, output flushed)."""


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
    if summary.resumed:
        table.add_row("resumed after", f"{summary.resumed} lines written before")
    table.add_row("elapsed", f"{summary.elapsed:.1f} s (start-up {summary.startup:.1f} s)")
    table.add_row("throughput", f"{summary.rate:,.0f} lines/s")
    return table


def time_left(done: Progress, total_bytes: int | None) -> str:
    """The time the rest of the input should take at the run's speed so far, as H:MM:SS ("-:--:--" unknown)."""
    if total_bytes is None or done.byte_rate <= 0:
        return "-:--:--"
    seconds = max(0, round((total_bytes - done.bytes) / done.byte_rate))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """A progress bar on stderr: bytes when the input's size is known; records, records per second, time left."""

    def __init__(self, total_bytes: int | None, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._total = total_bytes
        # No refresh thread: forking workers from a threaded process is unsafe.
        self._progress = Bar(
            BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[lines]:,} records"),
            TextColumn("{task.fields[rate]:,.0f} records/s"), TimeElapsedColumn(),
            TextColumn("{task.fields[left]} left"),
            console=console or Console(stderr=True), auto_refresh=False, transient=True,
        )
        self._task = self._progress.add_task("batch", total=total_bytes, lines=0, rate=0.0, left="-:--:--")
        self._progress.start()

    def update(self, done: Progress) -> None:
        self._progress.update(self._task, completed=done.bytes, lines=done.lines, rate=done.rate,
                              left=time_left(done, self._total))
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


def _open_output(name: str, keep: bool, follow_symlink: bool) -> BinaryIO:
    """OUT for writing: emptied, or kept to be checked and appended to (`keep`); a symlink only if followed.

    O_NOFOLLOW makes the refusal part of the opening itself: a link put in
    place after any earlier check is refused too.
    """
    flags = os.O_CREAT | (os.O_RDWR if keep else os.O_WRONLY | os.O_TRUNC)
    if not follow_symlink:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(name, flags, 0o666)
    return os.fdopen(descriptor, "r+b" if keep else "wb")


def _same_file(source: str, target: str) -> bool:
    try:
        return STDIO not in (source, target) and os.path.samefile(source, target)
    except OSError:
        return False


def _refusal(source_name: str, target_name: str, resuming: bool, follow_symlink: bool) -> str | None:
    """Why the run must not start, said before any file is opened for writing."""
    if _same_file(source_name, target_name):
        return f"{target_name}: is the input file; writing it would destroy the input"
    if resuming and target_name == STDIO:
        return "--resume needs OUT to be a file: it continues the lines already there"
    if not follow_symlink and target_name != STDIO and os.path.islink(target_name):
        return f"{target_name}: is a symbolic link; pass --follow-symlink to write to the file it points to"
    return None


def command(source_name: str, target_name: str, options: Options, debug: bool = False,
            resuming: bool = False, follow_symlink: bool = False) -> int:
    """`policy batch`: open the files, show progress on a terminal, print the summary; the exit code.

    With `resuming`, OUT's lines are checked against IN and kept, and the run
    goes on after them (`resume.py`); OUT is left untouched when they do not fit.
    """
    from rich.console import Console

    refusal = _refusal(source_name, target_name, resuming, follow_symlink)
    if refusal is not None:
        _say(refusal)
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
            sink = sys.stdout.buffer if target_name == STDIO else files.enter_context(
                _open_output(target_name, resuming, follow_symlink))
        except OSError as error:
            if error.errno == errno.ELOOP and not follow_symlink:
                _say(f"{target_name}: is a symbolic link; pass --follow-symlink to write to the file it points to")
            else:
                _say(f"{target_name}: cannot write: {error.strerror or error}")
            return EXIT_IO
        summary = Summary()
        first_line = 1
        if resuming:
            try:
                done = resume.check(source, sink, options.max_line_bytes, summary)
                sink.seek(done.output_bytes)
                sink.truncate()
            except resume.ResumeRefused as error:
                _say(f"{target_name}: cannot resume from it: {error}; it was left as it is")
                return EXIT_IO
            except OSError as error:
                _say(f"cannot resume: {error.strerror or error}")
                return EXIT_IO
            first_line = done.lines + 1
            _say(f"{target_name}: resuming at line {first_line}: the {done.lines} lines before it are kept")
        batch = _Run(source, sink, options, None, first_line=first_line)
        batch.summary = summary
        code = _run_shown(batch, size, debug)
    Console(stderr=True).print(summary_table(batch.summary))
    return code


@contextmanager
def _sigterm_stops_the_run() -> Iterator[None]:
    """While the run goes on, SIGTERM raises Terminated (in the main thread, where Python takes signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_shown(batch: _Run, size: int | None, debug: bool) -> int:
    """Run with a progress bar on a terminal; the exit code, each failure said on stderr."""
    bar = ProgressBar(size) if sys.stderr.isatty() else None
    if bar is not None:
        batch.on_progress = bar.update
    try:
        with _sigterm_stops_the_run():
            batch.run()
        return EXIT_DONE
    except BatchIOError as error:
        _say(str(error))
        return EXIT_IO
    except KeyboardInterrupt:
        _say(f"interrupted: {_STOPPED}")
        return EXIT_INTERRUPTED
    except Terminated:
        _say(f"terminated: {_STOPPED}")
        return EXIT_TERMINATED
    except Exception as error:  # noqa: BLE001 - the run's own failure, not one line's
        _say(f"internal error: {type(error).__name__}: {error}; the output is incomplete")
        if debug:
            traceback.print_exc()
        return EXIT_FAILED
    finally:
        if bar is not None:
            bar.close()
        batch.summary.elapsed = time.monotonic() - batch.started
