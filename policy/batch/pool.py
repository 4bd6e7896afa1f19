"""The worker processes of a batch, and the loop that keeps output in input order."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, BinaryIO

from attrs import define, field, frozen

from policy.assessment import assess as assess_request
from policy.batch.lines import Assess, BatchIOError, Outcome, internal_error, id_on_line, invalid, read_lines
from policy.batch.worker import STARTED, warm_up, work

TIMEOUT_SECONDS = 10.0  # about 10,000 times what one line takes
_POLL_SECONDS = 0.1
_RESTART_BUDGET = 25  # worker replacements in a row, with no chunk finished, before the run gives up


class BatchFailure(RuntimeError):
    """The run itself failed (not one record): workers cannot start or keep dying."""


@frozen
class Options:
    """How a batch runs. `assess` is what workers call per document (a seam for tests)."""

    workers: int = field(factory=lambda: os.cpu_count() or 1)
    timeout: float = TIMEOUT_SECONDS
    max_line_bytes: int = 1 << 20
    chunk_lines: int = 64
    chunk_bytes: int = 1 << 20
    window: int = 0  # chunks read ahead of the output; 0 means 4 per worker
    assess: Assess = assess_request
    start_method: str | None = None  # "fork" or "spawn"; default: fork where there is fork


@define
class Summary:
    """What a run produced, counted as the lines were written."""

    total: int = 0
    decisions: Counter[str] = field(factory=Counter)
    reasons: Counter[str] = field(factory=Counter)
    invalid: int = 0
    internal_errors: int = 0
    timed_out: int = 0
    bytes_read: int = 0
    elapsed: float = 0.0
    startup: float = 0.0  # of `elapsed`: loading the policy and starting the workers
    resumed: int = 0  # of `total`: lines an earlier, interrupted run had written
    resumed_bytes: int = 0  # of `bytes_read`: the input those lines cover

    @property
    def rate(self) -> float:
        """Lines per second once the workers were up (the lines assessed by this run)."""
        working = self.elapsed - self.startup
        return (self.total - self.resumed) / working if working > 0 else 0.0

    @property
    def byte_rate(self) -> float:
        """Input bytes per second once the workers were up (those assessed by this run)."""
        working = self.elapsed - self.startup
        return (self.bytes_read - self.resumed_bytes) / working if working > 0 else 0.0

    def count(self, outcome: Outcome) -> None:
        self.total += 1
        if outcome.kind == "determination":
            self.decisions[outcome.decision or ""] += 1
            self.reasons.update(outcome.reasons)
        elif outcome.kind == "invalid":
            self.invalid += 1
        else:
            self.internal_errors += 1


Item = tuple[int, int, bytes]  # position in its chunk, line number, the line's bytes


@define
class _Chunk:
    outcomes: list[Outcome | None]
    size: int  # bytes of input it covers
    missing: int


@define
class _Worker:
    process: BaseProcess
    conn: Connection
    position: Any
    task: tuple[int, list[Item]] | None = None
    seen: int = STARTED
    since: float = 0.0

    def stop(self, force: bool) -> None:
        if not force and self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


@frozen
class Progress:
    """How far a run is: lines written, input bytes they cover, lines and input bytes per second."""

    lines: int
    bytes: int
    rate: float
    byte_rate: float = 0.0


class _Run:
    """One run. `first_line` is the number of the first line `source` holds (a resumed run starts later)."""

    def __init__(self, source: BinaryIO, sink: BinaryIO, options: Options,
                 on_progress: Callable[[Progress], None] | None, first_line: int = 1) -> None:
        if options.workers < 1 or options.timeout <= 0 or options.chunk_lines < 1:
            raise ValueError("workers and chunk_lines must be at least 1, timeout above 0")
        if options.start_method not in (None, "fork", "spawn"):
            raise ValueError(f"start method {options.start_method!r}: expected 'fork' or 'spawn'")
        self.sink = sink
        self.options = options
        self.on_progress = on_progress
        self.lines = enumerate(read_lines(source, options.max_line_bytes), start=first_line)
        self.window = options.window or 4 * options.workers
        # fork shares the network already built here; the engine adapter re-creates its lock in the child.
        fork = options.start_method == "fork" or (
            options.start_method is None and "fork" in multiprocessing.get_all_start_methods())
        self.context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        self.chunks: dict[int, _Chunk] = {}
        self.tasks: deque[tuple[int, list[Item]]] = deque()
        self.read_chunks = self.written_chunks = 0
        self.eof = False
        self.summary = Summary()
        self.started = time.monotonic()
        self.workers: list[_Worker] = []
        self.fork = fork
        self.restarts = 0

    def _start_worker(self) -> _Worker:
        # A forked child inherits unwritten buffers and flushes the standard streams on exit.
        self._flush()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        parent, child = self.context.Pipe()
        position = self.context.RawValue("q", STARTED)
        # A forked child holds copies of the parent's pipe ends (its own and the other workers'):
        # it closes them, so that the parent's death is end of file to it. A spawned child has none.
        inherited = [parent, *(w.conn for w in self.workers)] if self.fork else []
        process = self.context.Process(target=work, args=(child, position, self.options.assess, os.getpid(), inherited),
                                       name="policy-batch-worker", daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent, position)

    def _flush(self) -> None:
        try:
            self.sink.flush()
        except OSError as error:
            raise BatchIOError(f"cannot write the output: {error.strerror or error}") from error

    def _read(self) -> None:
        """Read chunks until the window is full or the input ends."""
        options = self.options
        while not self.eof and self.read_chunks - self.written_chunks < self.window:
            outcomes: list[Outcome | None] = []
            items: list[Item] = []
            size = 0
            for line, (data, length) in self.lines:
                size += length
                if data is None:
                    message = f"line too long: a request line holds at most {options.max_line_bytes} bytes"
                    outcomes.append(invalid(line, None, [{"path": "", "message": message}]))
                else:
                    items.append((len(outcomes), line, data[:-1] if data.endswith(b"\n") else data))
                    outcomes.append(None)
                if len(outcomes) >= options.chunk_lines or size >= options.chunk_bytes:
                    break
            else:
                self.eof = True
            if not outcomes:
                break
            self.chunks[self.read_chunks] = _Chunk(outcomes, size, len(items))
            if items:
                self.tasks.append((self.read_chunks, items))
            self.read_chunks += 1

    def _dispatch(self) -> None:
        for worker in list(self.workers):
            if worker.task is None and self.tasks:
                worker.task = self.tasks.popleft()
                worker.position.value = STARTED
                worker.seen, worker.since = STARTED, time.monotonic()
                try:
                    worker.conn.send(worker.task)
                except OSError:  # it died while idle: its task goes to the one replacing it
                    self._replace(worker, "the worker process ended before it began")

    def _write(self) -> None:
        """Write every chunk that is complete and next in input order."""
        while (chunk := self.chunks.get(self.written_chunks)) is not None and chunk.missing == 0:
            try:
                for outcome in chunk.outcomes:
                    assert outcome is not None
                    self.sink.write(outcome.data)
                    self.summary.count(outcome)
            except OSError as error:
                raise BatchIOError(f"cannot write the output: {error.strerror or error}") from error
            self.summary.bytes_read += chunk.size
            del self.chunks[self.written_chunks]
            self.written_chunks += 1

    def _fill(self, chunk_id: int, results: list[tuple[int, Outcome]]) -> None:
        chunk = self.chunks[chunk_id]
        for slot, outcome in results:
            chunk.outcomes[slot] = outcome
        chunk.missing -= len(results)

    def _receive(self, worker: _Worker) -> bool:
        """Take a worker's message; False when the worker has gone."""
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            return False
        if message[0] == "failed":
            raise BatchFailure(f"a worker could not start: {message[1]}")
        _, chunk_id, results = message
        self._fill(chunk_id, results)
        worker.task = None
        self.restarts = 0
        return True

    def _replace(self, worker: _Worker, reason: str) -> None:
        """Stop a worker; the line it was on becomes an internal error, the rest of its task is redone."""
        index = worker.position.value
        worker.stop(force=True)
        self.restarts += 1
        if self.restarts > _RESTART_BUDGET:
            raise BatchFailure(f"workers keep ending without finishing any chunk; the last: {reason}")
        if worker.task is not None:
            chunk_id, items = worker.task
            rest = items
            if 0 <= index < len(items):  # else it ended between lines: redo the whole task
                slot, line, data = items[index]
                self._fill(chunk_id, [(slot, internal_error(line, reason, id_on_line(data)))])
                rest = items[:index] + items[index + 1:]
            if rest:
                self.tasks.appendleft((chunk_id, rest))
        self.workers[self.workers.index(worker)] = self._start_worker()

    def _wait(self) -> None:
        busy = [w for w in self.workers if w.task is not None]
        if not busy:
            return
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], _POLL_SECONDS)
        for worker in busy:
            if worker.conn in ready and self._receive(worker):
                continue
            if worker.conn in ready or worker.process.sentinel in ready:
                worker.process.join(1)  # for its exit code; `_replace` kills it if it still lingers
                self._replace(worker, f"the worker process ended (exit code {worker.process.exitcode}) on this line")
        now = time.monotonic()
        for worker in [w for w in self.workers if w.task is not None]:
            index = worker.position.value
            if index != worker.seen:
                worker.seen, worker.since = index, now
            elif index >= 0 and now - worker.since > self.options.timeout:
                self.summary.timed_out += 1
                self._replace(worker, f"no result within {self.options.timeout:g} s: the worker was stopped")

    def run(self) -> Summary:
        warm_up()  # a policy that does not load fails here, once; forked workers start warm
        try:
            for _ in range(self.options.workers):
                self.workers.append(self._start_worker())
            self.summary.startup = time.monotonic() - self.started
            last_report = 0.0
            while True:
                self._read()
                self._dispatch()
                self._write()
                now = time.monotonic()
                if self.on_progress is not None and now - last_report >= _POLL_SECONDS:
                    last_report, self.summary.elapsed = now, now - self.started
                    summary = self.summary
                    self.on_progress(Progress(summary.total, summary.bytes_read, summary.rate, summary.byte_rate))
                if self.eof and not self.chunks:
                    break
                self._wait()
            self._flush()
        except BaseException:
            for worker in self.workers:
                worker.stop(force=True)
            raise
        for worker in self.workers:
            worker.stop(force=False)
        self.summary.elapsed = time.monotonic() - self.started
        return self.summary


def run(source: BinaryIO, sink: BinaryIO, options: Options | None = None,
        on_progress: Callable[[Progress], None] | None = None) -> Summary:
    """Assess every line of `source` and write one output line each to `sink`, in order.

    Raises BatchIOError when the input cannot be read or the output written,
    BatchFailure when the run itself cannot go on (every line's own failure
    is written on its line instead).
    """
    return _Run(source, sink, options or Options(), on_progress).run()
