"""Measure the assessment speed and memory on the full policy (issue 4).

Run with `make bench`, `python -m bench.run` or `python bench/run.py`;
`--quick` for a short run. Results go to bench/results.json and the page
docs/benchmarks.md. What is measured, on a fixed seeded mix of synthetic
requests (bench/requests.py):

- assess: `policy.assess(document)`, a request document in, a Determination out.
- bare network: `Assessor.run(request)` on an already validated `Request`:
  the request fact built and asserted, every rule firing run, the derived
  facts and the branch each statement rule took returned. The wrapper is
  everything else (validation, determination); its overhead is
  assess / bare network, both timed in the same loop.
- breakdown: validation (`parse_request`), network (`Assessor.run`),
  determination (`Assessor.determine`), `Determination.to_dict()` and
  `json.dumps` of it, each timed on its own.
- batch: determinations as JSON lines per second with 1 and 2 worker
  processes (`policy.batch` when present, else a process pool over
  `policy.assess`), network build excluded.
- memory: resident set size over many assessments in one process, growth
  counted from the end of a warm-up.

Times are from `time.perf_counter_ns`, one call per sample.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

import policy
from bench.requests import synthetic_requests
from policy.assessment import assessor
from policy.validation import parse_request

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
BASELINE = ROOT / "bench" / "baseline.json"
PAGE = ROOT / "docs" / "benchmarks.md"
SEED = 2026
MIX = 2000

# Targets of issue 4: (what, limit, direction).
TARGETS = {
    "assess_median_us": (200.0, "max"),
    "assess_p99_us": (1000.0, "max"),
    "wrapper_overhead": (1.3, "max"),
    "batch_speedup": (1.7, "min"),
    "memory_growth_mb": (10.0, "max"),
}


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(samples_ns: Sequence[int]) -> dict[str, float]:
    micro = [s / 1000 for s in samples_ns]
    return {
        "median_us": round(percentile(micro, 0.5), 1),
        "p99_us": round(percentile(micro, 0.99), 1),
        "mean_us": round(sum(micro) / len(micro), 1),
        "samples": len(micro),
    }


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = bool(subprocess.run(
            ["git", "status", "--porcelain", "--", "policy"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip())
    except OSError:
        commit, dirty = "", False
    from importlib.metadata import version

    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "durable_rules": version("durable-rules"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": commit + (" (with uncommitted changes in policy/)" if dirty else ""),
    }


# -- single process ----------------------------------------------------------------


def time_calls(documents: list[dict[str, Any]], samples: int) -> dict[str, Any]:
    """assess, bare network and the breakdown, interleaved request by request."""
    engine = assessor()
    requests = [parse_request(d) for d in documents]
    for document in documents:  # warm-up: code tables, caches, allocator
        policy.assess(document)
    timers: dict[str, list[int]] = {
        k: [] for k in ("assess", "network", "validation", "determination", "to_dict", "json", "pipeline")
    }
    clock = time.perf_counter_ns
    for number in range(samples):
        document, request = documents[number % len(documents)], requests[number % len(requests)]
        start = clock()
        policy.assess(document)
        timers["assess"].append(clock() - start)

        start = clock()
        engine.run(request)
        timers["network"].append(clock() - start)

        t0 = clock()
        parsed = parse_request(document)
        t1 = clock()
        derived, branches = engine.run(parsed)
        t2 = clock()
        determination = engine.determine(parsed, derived, branches)
        t3 = clock()
        plain = determination.to_dict()
        t4 = clock()
        json.dumps(plain)
        t5 = clock()
        timers["validation"].append(t1 - t0)
        timers["determination"].append(t3 - t2)
        timers["to_dict"].append(t4 - t3)
        timers["json"].append(t5 - t4)
        timers["pipeline"].append(t5 - t0)
    result = {name: summary(values) for name, values in timers.items()}
    result["wrapper_overhead"] = round(result["assess"]["median_us"] / result["network"]["median_us"], 2)
    return result


# -- batch -------------------------------------------------------------------------


def _warm_worker() -> None:
    assessor()


def _assess_line(document: dict[str, Any]) -> str:
    return json.dumps(policy.assess(document).to_dict())


def _pool_rate(documents: list[dict[str, Any]], workers: int, chunk: int) -> float:
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_warm_worker) as pool:
        # Every worker builds its network before the clock starts.
        pool.map(_assess_line, documents[: workers * chunk], chunksize=chunk)
        start = time.perf_counter_ns()
        for _ in pool.imap(_assess_line, documents, chunksize=chunk):
            pass
        elapsed = time.perf_counter_ns() - start
    return len(documents) / (elapsed / 1e9)


def _batch_rate(documents: list[dict[str, Any]], workers: int) -> float:
    """Records per second of `policy.batch.run`, its start-up taken out.

    Start-up (forking the workers) is what a run of a few chunks costs; the
    rate is the extra records over the extra time of the full run.
    """
    import io

    from policy import batch as batch_module

    options = batch_module.Options(workers=workers)
    data = "".join(json.dumps(d) + "\n" for d in documents).encode()
    small_count = 2 * workers * options.chunk_lines
    small = b"".join(data.splitlines(keepends=True)[:small_count])

    def once(source: bytes) -> float:
        sink = io.BytesIO()
        start = time.perf_counter_ns()
        summary = batch_module.run(io.BytesIO(source), sink, options)
        elapsed = (time.perf_counter_ns() - start) / 1e9
        if summary.internal_errors or summary.invalid:
            raise RuntimeError(f"batch run reported {summary.internal_errors} internal errors, {summary.invalid} invalid")
        return elapsed

    overhead = min(once(small) for _ in range(3))
    return (len(documents) - small_count) / max(once(data) - overhead, 1e-9)


def batch(documents: list[dict[str, Any]], records: int) -> dict[str, Any]:
    corpus = [documents[i % len(documents)] for i in range(records)]
    how = "a process pool over policy.assess (policy.batch is not present)"
    rates: dict[int, float] = {}
    if importlib.util.find_spec("policy.batch") is not None and os.environ.get("BENCH_POOL") is None:
        how = "`policy.batch.run` (what `policy batch` runs), worker start-up taken out"
        try:
            for workers in (1, 2):
                rates[workers] = _batch_rate(corpus, workers)
        except Exception as error:  # noqa: BLE001 - another module's failure is reported, not fatal
            how = f"a process pool over policy.assess (policy.batch failed: {error!r})"
            rates = {}
    if not rates:
        for workers in (1, 2):
            rates[workers] = _pool_rate(corpus, workers, chunk=200)
    return {
        "how": how,
        "records": records,
        "per_second": {str(k): round(v) for k, v in rates.items()},
        "speedup": round(rates[2] / rates[1], 2),
    }


# -- memory ------------------------------------------------------------------------


def memory(documents: list[dict[str, Any]], total: int, warmup: int) -> dict[str, Any]:
    """RSS over `total` assessments (each also turned into its dict) in this process."""
    process = psutil.Process()
    count = len(documents)
    for number in range(warmup):
        policy.assess(documents[number % count]).to_dict()
    gc.collect()
    start_rss = process.memory_info().rss
    points = [(0, 0.0)]
    step = max(1, total // 10)
    started = time.perf_counter()
    for number in range(1, total + 1):
        policy.assess(documents[number % count]).to_dict()
        if number % step == 0:
            points.append((number, round((process.memory_info().rss - start_rss) / 2**20, 2)))
    elapsed = time.perf_counter() - started
    gc.collect()
    growth = (process.memory_info().rss - start_rss) / 2**20
    return {
        "assessments": total,
        "warmup": warmup,
        "rss_after_warmup_mb": round(start_rss / 2**20, 1),
        "growth_mb": round(growth, 2),
        "curve_mb": points,
        "seconds": round(elapsed, 1),
    }


# -- report ------------------------------------------------------------------------


def verdicts(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    single = results["single"]
    figures = {
        "assess_median_us": single["assess"]["median_us"],
        "assess_p99_us": single["assess"]["p99_us"],
        "wrapper_overhead": single["wrapper_overhead"],
        "batch_speedup": results.get("batch", {}).get("speedup"),
        "memory_growth_mb": results.get("memory", {}).get("growth_mb"),
    }
    out: dict[str, dict[str, Any]] = {}
    for name, (limit, direction) in TARGETS.items():
        value = figures[name]
        if value is None:
            out[name] = {"value": None, "target": limit, "direction": direction, "met": None}
            continue
        met = value <= limit if direction == "max" else value >= limit
        by = value / limit if direction == "max" else limit / value
        out[name] = {"value": value, "target": limit, "direction": direction, "met": met,
                     "factor": round(by, 2)}
    return out


LABELS = {
    "assess_median_us": ("assess, median", "µs", "≤"),
    "assess_p99_us": ("assess, p99", "µs", "≤"),
    "wrapper_overhead": ("assess / bare network (medians)", "×", "≤"),
    "batch_speedup": ("batch speed-up, 1 → 2 workers", "×", "≥"),
    "memory_growth_mb": ("memory growth after warm-up", "MB", "<"),
}


def _verdict_text(verdict: dict[str, Any]) -> str:
    if verdict["met"] is None:
        return "not measured"
    if verdict["met"]:
        return "met"
    return f"missed ({verdict['factor']}× the target)"


def render_page(results: dict[str, Any], baseline: dict[str, Any] | None, notes: str) -> str:
    m = results["machine"]
    single = results["single"]
    lines = [
        "# Benchmarks",
        "",
        "A measurement record, not a test: the test suite makes no timing assertions.",
        "Reproduce with `make bench` (about 20 minutes with the one-million memory run)",
        "or `make bench BENCH_ARGS=--quick`; the figures below come from",
        "`bench/results.json`, written by the same run.",
        "",
        "## Machine",
        "",
        f"- date: {m['date']}",
        f"- CPU: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB",
        f"- OS: {m['os']}",
        f"- Python {m['python']}, durable-rules {m['durable_rules']}",
        f"- code: commit {m['commit']}",
        f"- load average at start (1, 5, 15 min): {m.get('load_average_at_start')}; each section below gives",
        "  the 1-minute load before and after it: on 2 cores anything running beside the benchmark",
        "  shows in the p99 and in the batch speed-up",
        "",
        "## What is measured",
        "",
        f"A fixed mix of {results['settings']['mix']} synthetic requests (seed {results['settings']['seed']},",
        "`bench/requests.py`): every field of the request contract varied, codes drawn from the",
        "policy's own code groups and from outside them, so every decision occurs.",
        f"Decisions in the mix: {', '.join(f'{k} {v}' for k, v in results['settings']['decisions'].items())}.",
        "",
        "- **assess**: `policy.assess(document)`, one call per sample (`time.perf_counter_ns`).",
        "- **bare network**: `Assessor.run(request)` on an already validated request: the request",
        "  fact built and asserted, every rule firing run, the derived facts and the branch of every",
        "  statement rule returned (request facts in, findings out). Timed in the same loop as assess,",
        "  request by request, so their ratio is the wrapper's overhead.",
        "- the **breakdown** times each stage of the same pipeline on its own.",
        "",
        "## Targets",
        "",
        "| measure | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    for name, verdict in results["verdicts"].items():
        label, unit, sign = LABELS[name]
        value = "—" if verdict["value"] is None else f"{verdict['value']} {unit}"
        lines.append(f"| {label} | {sign} {verdict['target']} {unit} | {value} | {_verdict_text(verdict)} |")
    lines += [
        "",
        f"## One process ({single['assess']['samples']} samples each)",
        "",
        "| stage | median µs | p99 µs | mean µs |",
        "|---|---|---|---|",
    ]
    names = {
        "assess": "assess (whole call)",
        "network": "bare network (`Assessor.run`)",
        "validation": "validation (`parse_request`)",
        "determination": "determination (`Assessor.determine`)",
        "to_dict": "`Determination.to_dict()`",
        "json": "`json.dumps` of the dict",
        "pipeline": "validation, network, determination, to_dict and json in one pass",
    }
    for key, text in names.items():
        s = single[key]
        lines.append(f"| {text} | {s['median_us']} | {s['p99_us']} | {s['mean_us']} |")
    if "load_average_1min" in single:
        lines.append(f"\n1-minute load average before and after: {single['load_average_1min']}.")
    if "batch" in results:
        b = results["batch"]
        lines += [
            "",
            "## Batch",
            "",
            f"{b['records']} records, {b['how']}; each record assessed and written as a JSON line.",
            "",
            "| workers | records per second |",
            "|---|---|",
            *[f"| {k} | {v} |" for k, v in b["per_second"].items()],
            "",
            f"Speed-up from 1 to 2 workers: {b['speedup']}×; 1-minute load average before and after: "
            f"{b.get('load_average_1min')}.",
        ]
    if "memory" in results:
        mem = results["memory"]
        curve = ", ".join(f"{n:,}: {mb:+} MB" for n, mb in mem["curve_mb"])
        lines += [
            "",
            "## Memory",
            "",
            *([f"(From the run of {mem['reused_from']}.)"] if "reused_from" in mem else []),
            f"{mem['assessments']:,} assessments in one process after a warm-up of {mem['warmup']:,}",
            f"({mem['seconds']} s): RSS {mem['rss_after_warmup_mb']} MB after warm-up, growth",
            f"**{mem['growth_mb']} MB**. Growth by assessments done: {curve}.",
            f"1-minute load average before and after: {mem.get('load_average_1min')}.",
        ]
    if baseline is not None:
        before, after = baseline["single"], single
        lines += [
            "",
            "## Before and after the optimisations",
            "",
            f"Same script and settings; before: {baseline['machine']['date']}, commit "
            f"{baseline['machine']['commit']}.",
            "",
            "| stage | median µs before | median µs after | p99 µs before | p99 µs after |",
            "|---|---|---|---|---|",
        ]
        for key, text in names.items():
            if key in before and key in after:
                lines.append(
                    f"| {text} | {before[key]['median_us']} | {after[key]['median_us']} | "
                    f"{before[key]['p99_us']} | {after[key]['p99_us']} |"
                )
        lines.append(
            f"| assess / bare network | {before['wrapper_overhead']}× | {after['wrapper_overhead']}× | | |"
        )
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, a 20,000-assessment memory run")
    parser.add_argument("--samples", type=int, help="timed calls per measure (default 20,000; quick 3,000)")
    parser.add_argument("--memory", type=int, help="assessments in the memory run (default 1,000,000)")
    parser.add_argument("--batch-records", type=int, help="records per batch run (default 20,000)")
    parser.add_argument("--skip", action="append", default=[], choices=("batch", "memory"))
    parser.add_argument("--reuse", action="append", default=[], choices=("batch", "memory"),
                        help="take this section from the existing results file instead of measuring it")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--page", type=Path, default=PAGE, help="markdown page to write ('-' for none)")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="an earlier results.json to compare")
    args = parser.parse_args(argv)
    samples = args.samples or (3000 if args.quick else 20000)
    total = args.memory or (20000 if args.quick else 1_000_000)
    records = args.batch_records or (4000 if args.quick else 20000)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    say("building the network and the request mix")
    assessor()
    documents = synthetic_requests(MIX, SEED)
    decisions: dict[str, int] = {}
    for document in documents:
        decision = policy.assess(document).decision
        decisions[decision] = decisions.get(decision, 0) + 1
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {"seed": SEED, "mix": MIX, "samples": samples, "quick": args.quick,
                     "decisions": dict(sorted(decisions.items()))},
    }
    steps: list[tuple[str, Callable[[], Any]]] = [("single", lambda: time_calls(documents, samples))]
    if "batch" not in args.skip:
        steps.append(("batch", lambda: batch(documents, records)))
    if "memory" not in args.skip:
        steps.append(("memory", lambda: memory(documents, total, warmup=min(20000, max(2000, total // 20)))))
    earlier = json.loads(args.results.read_text()) if args.reuse and args.results.exists() else {}
    for name in args.reuse:
        if name in earlier:
            results[name] = {**earlier[name], "reused_from": earlier["machine"]["date"]}
    steps = [(name, step) for name, step in steps if name not in results]
    for name, step in steps:
        say(f"measuring: {name}")
        load = os.getloadavg()[0]
        results[name] = step()
        results[name]["load_average_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
        say(json.dumps(results[name]))
    results["verdicts"] = verdicts(results)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    if str(args.page) != "-":
        baseline = json.loads(args.baseline.read_text()) if args.baseline.exists() else None
        notes_file = ROOT / "bench" / "notes.md"
        notes = notes_file.read_text() if notes_file.exists() else ""
        args.page.write_text(render_page(results, baseline, notes))
    for name, verdict in results["verdicts"].items():
        say(f"{name}: {verdict['value']} (target {verdict['target']}): {_verdict_text(verdict)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
