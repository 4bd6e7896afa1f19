"""A worker process of a batch: assess the chunks it is sent, and never outlive the run.

A worker must end when its parent ends, however the parent ends: a SIGKILL
or a crash runs no cleanup in the parent. Three things see to it:

- on Linux the kernel sends the worker SIGKILL when the thread that started
  it ends (`prctl(PR_SET_PDEATHSIG)`); the parent may already be gone by
  then, so the worker checks its parent's pid once after asking;
- a forked worker closes every pipe end it inherited that belongs to the
  parent (its own pipe's other end, and those of the workers started before
  it), so the parent's death is end of file on its pipe;
- while waiting, and between lines, it checks that its parent is still its
  parent (the only guard where there is no `prctl`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Iterable
from multiprocessing.connection import Connection
from typing import Any

from policy import icd10
from policy.assessment import assessor
from policy.batch.lines import Assess, assess_line
from policy.library import policy_ids

STARTED, DONE = -1, -2  # worker positions that are not a line being assessed
_PR_SET_PDEATHSIG = 1
_WAIT_SECONDS = 1.0  # how often an idle worker looks for its parent


def warm_up() -> None:
    """Build every policy's network and load the ICD-10-CM table, so no line's time bound pays for them."""
    for policy_id in policy_ids():
        assessor(policy_id)
    icd10.load()


def die_with_parent() -> None:
    """Ask the kernel to kill this process when the thread that started it ends (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc to ask: the pid checks remain
        pass


def work(conn: Connection, position: Any, assess: Assess, parent: int, inherited: Iterable[Connection]) -> None:
    """A worker's life: build the network once, then assess chunks until told to stop or orphaned.

    `parent` is the pid of the process that started it; `inherited` the
    parent's pipe ends a forked worker holds copies of (closed at once).
    """
    for end in inherited:
        end.close()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was asked
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    try:
        warm_up()
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which fails the run
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    while True:
        try:
            while not conn.poll(_WAIT_SECONDS):
                if os.getppid() != parent:
                    return
            task = conn.recv()
        except (EOFError, OSError):  # the parent's end is closed: it stopped or died
            return
        if task is None:
            return
        chunk_id, items = task
        results = []
        for index, (slot, line, data) in enumerate(items):
            if os.getppid() != parent:
                return
            position.value = index
            results.append((slot, assess_line(line, data, assess)))
        position.value = DONE
        try:
            conn.send(("done", chunk_id, results))
        except OSError:
            return
