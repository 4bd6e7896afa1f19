"""Loopback load test of `policy serve` (issue 9): requests per second, latency, errors, and the
throughput each worker serves against what `policy.assess` does in-process, all in one run.

Run with `make bench` (after bench.run), `python -m bench.serve` or `python bench/serve.py`;
`--quick` for short phases. Results go to bench/results-serve.json.

- in-process: `policy.assess(document)` in a loop over the bundled examples of every policy, for
  a fixed time, in this process: assessments per second of one core.
- served: `policy serve --workers N` (N = 1, then 2) on a free 127.0.0.1 port, with a tokens file
  and a decision log in a temporary folder (so authentication and logging are paid, as in
  production). A small asyncio HTTP/1.1 client (keep-alive, one request in flight per
  connection, `--connections` connections per worker) posts the same documents to
  `/v1/assess` for a warm-up, then for `--seconds`; each answer's status and bytes are checked
  against the in-process determination (any difference is an error). Latency is from writing
  the request to reading the whole answer.
- ratio: served requests per second / N / in-process assessments per second (target >= 0.6).

The client runs in this process, on the same machine: on 2 cores, with 2 workers, it takes CPU
the workers would otherwise have. Its CPU time is recorded beside each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/serve.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

import policy
from bench.run import machine, percentile

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results-serve.json"
POLICY_COMMAND = Path(sys.executable).parent / "policy"
TOKEN = "bench-token-" + "0123456789abcdefABCDEF"
TARGET_RATIO = 0.6
START_SECONDS = 120.0


def documents() -> list[dict[str, Any]]:
    """Every bundled example of every policy the package holds."""
    found = []
    for policy_id in policy.policy_ids():
        for path in sorted((ROOT / "examples" / policy_id).glob("*.json")):
            found.append(json.loads(path.read_text()))
    if not found:
        raise SystemExit("no examples found under examples/<policy-id>/")
    return found


def expected_answer(document: dict[str, Any]) -> bytes:
    return json.dumps(policy.assess(document).to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


def in_process_rate(docs: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Assessments per second of `policy.assess` in this process, after a warm-up (per wall and per CPU second)."""
    for document in docs * 3:
        policy.assess(document)
    count = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for document in docs:
            policy.assess(document)
        count += len(docs)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"assessments": count, "seconds": round(elapsed, 2), "per_second": round(count / elapsed, 1),
            "cpu_seconds": round(cpu, 2), "per_cpu_second": round(count / cpu, 1)}


# -- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the server process and its workers so far."""
    parent = psutil.Process(pid)
    total = 0.0
    for process in (parent, *parent.children(recursive=True)):
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


@contextlib.contextmanager
def running(workers: int, folder: Path) -> Iterator[tuple[int, int]]:
    """`policy serve --workers N` on a free loopback port, ready; its port and pid. Stopped on leaving."""
    port = free_port()
    (folder / "tokens").write_text(TOKEN + "\n")
    environment = {k: v for k, v in os.environ.items() if k != "POLICY_API_TOKENS" and not k.startswith("POLICY_SERVER_")}
    command = [str(POLICY_COMMAND), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--tokens-file", str(folder / "tokens"), "--decision-log", str(folder / "decisions.jsonl")]
    with open(folder / "server.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=folder)
    try:
        asyncio.run(_wait_ready(port, process, workers))
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


async def _wait_ready(port: int, process: subprocess.Popen[bytes], workers: int) -> None:
    """Until /ready has said true `4 * workers` times in a row (each worker answers some of them)."""
    deadline = time.monotonic() + START_SECONDS
    in_a_row = 0
    while time.monotonic() < deadline and in_a_row < 4 * workers:
        if process.poll() is not None:
            raise SystemExit(f"policy serve ended with status {process.returncode}")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            await writer.drain()
            answer = await reader.read()
            writer.close()
            in_a_row = in_a_row + 1 if answer.startswith(b"HTTP/1.1 200") else 0
        except OSError:
            in_a_row = 0
        await asyncio.sleep(0.05)
    if in_a_row < 4 * workers:
        raise SystemExit(f"policy serve was not ready within {START_SECONDS} s")


# -- the client ----------------------------------------------------------------------------------


def request_bytes(document: dict[str, Any]) -> bytes:
    body = json.dumps(document).encode()
    head = (f"POST /v1/assess HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _connection(port: int, requests: Sequence[tuple[bytes, bytes]], offset: int, stop_at: float,
                      record_from: float, latencies: list[int], errors: list[str], counts: list[int],
                      index: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    clock = time.perf_counter_ns
    number = offset
    try:
        while True:
            now = time.monotonic()
            if now >= stop_at:
                return
            request, expected = requests[number % len(requests)]
            number += 1
            started = clock()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            elapsed = clock() - started
            counts[index] += 1
            if now >= record_from:
                if not head.startswith(b"HTTP/1.1 200") or body != expected:
                    errors.append(head.split(b"\r\n", 1)[0].decode(errors="replace"))
                latencies.append(elapsed)
    finally:
        writer.close()


async def _load(port: int, requests: Sequence[tuple[bytes, bytes]], connections: int, warmup: float,
                seconds: float) -> tuple[list[int], list[str], float, int]:
    """Latencies and errors of the measured window, its length, and the requests of the whole load."""
    latencies: list[int] = []
    errors: list[str] = []
    counts = [0] * connections
    start = time.monotonic()
    record_from, stop_at = start + warmup, start + warmup + seconds
    await asyncio.gather(*(_connection(port, requests, i * 7, stop_at, record_from, latencies, errors, counts, i)
                           for i in range(connections)))
    return latencies, errors, seconds, sum(counts)


def served(workers: int, requests: Sequence[tuple[bytes, bytes]], connections: int, warmup: float,
           seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as folder:
        with running(workers, Path(folder)) as (port, pid):
            load_before = os.getloadavg()[0]
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            server_before = server_cpu_seconds(pid)
            latencies, errors, measured, total = asyncio.run(_load(port, requests, connections, warmup, seconds))
            server_cpu = server_cpu_seconds(pid) - server_before
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        logged = sum(1 for _ in open(Path(folder) / "decisions.jsonl", "rb"))
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    milliseconds = [value / 1e6 for value in latencies]
    return {
        "workers": workers,
        "connections": connections,
        "seconds": measured,
        "requests": len(latencies),
        "per_second": round(len(latencies) / measured, 1),
        "p50_ms": round(percentile(milliseconds, 0.5), 2) if milliseconds else None,
        "p99_ms": round(percentile(milliseconds, 0.99), 2) if milliseconds else None,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "decision_log_lines": logged,
        "client_cpu_seconds": round(client_cpu, 2),
        # Warm-up included: the server's CPU over the whole load, against the requests of the whole load.
        "server_cpu_seconds": round(server_cpu, 2),
        "requests_per_server_cpu_second": round(total / server_cpu, 1) if server_cpu else None,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s phases instead of 10 s")
    parser.add_argument("--seconds", type=float, help="measured seconds per phase (default 10; quick 3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring")
    parser.add_argument("--connections", type=int, default=4, help="client connections per worker")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 10.0)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    docs = documents()
    requests = [(request_bytes(document), expected_answer(document)) for document in docs]
    say(f"in-process policy.assess over {len(docs)} examples, {seconds} s")
    local = in_process_rate(docs, seconds)
    say(f"  {local['per_second']} assessments/s")
    phases = []
    for workers in args.workers:
        say(f"policy serve --workers {workers}: {args.connections * workers} connections, {seconds} s")
        phase = served(workers, requests, args.connections * workers, args.warmup, seconds)
        phase["per_worker_ratio"] = round(phase["per_second"] / workers / local["per_second"], 3)
        phase["ratio_met"] = phase["per_worker_ratio"] >= TARGET_RATIO
        if phase["requests_per_server_cpu_second"]:
            phase["cpu_ratio"] = round(phase["requests_per_server_cpu_second"] / local["per_cpu_second"], 3)
        phases.append(phase)
        say(f"  {phase['per_second']} requests/s, p50 {phase['p50_ms']} ms, p99 {phase['p99_ms']} ms, "
            f"errors {phase['errors']}, per worker / in-process {phase['per_worker_ratio']}, "
            f"per CPU second / in-process {phase.get('cpu_ratio')}")
    results = {
        "machine": machine(),
        "settings": {"seconds": seconds, "warmup": args.warmup, "connections_per_worker": args.connections,
                     "documents": len(docs), "quick": args.quick, "target_ratio": TARGET_RATIO},
        "in_process": local,
        "served": phases,
    }
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    say(f"wrote {args.results}")
    return 1 if any(phase["errors"] for phase in phases) else 0


if __name__ == "__main__":
    sys.exit(main())
