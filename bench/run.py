"""Measure the assessment speed and memory of every policy of the library (issue 4).

Run with `make bench`, `python -m bench.run` or `python bench/run.py`;
`--quick` for a short run. Results go to bench/results.json and the page
docs/benchmarks.md. Every policy `policy.policy_ids()` returns is measured,
on a fixed seeded mix from its generator in bench/generators/ or, for a
policy without one, on its bundled examples (bench/requests.py):

- assess: `policy.assess(document)`, a request document (naming its policy)
  in, a Determination out.
- bare network: `Assessor.run(request)` on an already validated request:
  the request fact built and asserted, every rule firing run, the derived
  facts and the branch each statement rule took returned. The wrapper is
  everything else (choosing the policy, validation, determination); its
  overhead is assess / bare network, both timed in the same loop.
- breakdown: validation (`Assessor.parse`), network (`Assessor.run`),
  determination (`Assessor.determine`), `Determination.to_dict()`,
  `json.dumps` of it (how the JSON was written before issue 10) and
  `Determination.to_json()` (how it is written now), each timed on its own.
- plain Python: the same declarations (derivations and statement rules)
  evaluated by the naive forward chainer of the tests (tests/naive_chainer.py)
  on the same validated request: what the network computes, without an engine.
- one batch line: `policy.batch.lines.assess_line` (a line's bytes in, its
  output line out), and the output line alone, written from a determination.
- batch: determinations as JSON lines per second with 1 and 2 worker
  processes (`policy.batch.run`, else a process pool over `policy.assess`),
  network build excluded.
- memory: resident set size over many assessments in one process, growth
  counted from the end of a warm-up.
- against the code before the library (bench/golden.py): the median
  `assess` time of the golden inputs under the baseline commit and under this
  tree, in one run, rounds alternating.
- before and after issue 10 (bench/before_after.py): assess, bare network,
  one batch line, the output line and `policy batch` with 1 and 2 workers,
  under the commit before its speed work and under this tree, in one run,
  sides alternating: the ratios its targets are stated in.

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
from bench import before_after, golden
from bench.requests import Mix, requests_for
from policy.assessment import assessor
from policy.batch.lines import _determination_line, assess_line

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
BASELINE = ROOT / "bench" / "baseline.json"
PAGE = ROOT / "docs" / "benchmarks.md"
SEED = 2026
MIX = 2000

# Targets for every policy: (limit, direction). Issue 10's, on an idle 2-core machine, then
# those of issue 4 that it does not replace.
TARGETS = {
    "assess_median_us": (150.0, "max"),
    "assess_p99_us": (400.0, "max"),
    "line_ratio": (0.35, "max"),
    "output_ratio": (0.35, "max"),
    "batch_per_worker_ratio": (3.0, "min"),
    "batch_speedup": (1.8, "min"),
    "wrapper_overhead": (1.3, "max"),
    "memory_growth_mb": (10.0, "max"),
}
SECTIONS = ("batch", "memory", "golden", "before")


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
            ["git", "status", "--porcelain", "--", "policy", "features"],
            cwd=ROOT, capture_output=True, text=True, check=False,
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
        "commit": commit + (" (with uncommitted changes in policy/ or features/)" if dirty else ""),
    }


# -- single process ----------------------------------------------------------------


def _naive_chainer() -> Any | None:
    """tests/naive_chainer.py, the plain-Python evaluator of a policy's declarations (None where it is absent)."""
    path = ROOT / "tests" / "naive_chainer.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("_bench_naive_chainer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def time_calls(policy_id: str, documents: list[dict[str, Any]], samples: int) -> dict[str, Any]:
    """assess, bare network, plain Python, a batch line and the breakdown, interleaved request by request."""
    engine = assessor(policy_id)
    requests = [engine.parse(d) for d in documents]
    lines = [(json.dumps(d) + "\n").encode() for d in documents]
    chainer = _naive_chainer()
    for number, document in enumerate(documents):  # warm-up: code tables, caches, allocator, kept JSON texts
        policy.assess(document).to_json()
        assess_line(number, lines[number])
    stages = ["assess", "network", "network_fresh", "validation", "determination", "to_dict", "json", "to_json", "pipeline",
              "line", "output_line"]
    timers: dict[str, list[int]] = {k: [] for k in stages + (["plain"] if chainer is not None else [])}
    clock = time.perf_counter_ns
    for number in range(samples):
        index = number % len(documents)
        document, request, line = documents[index], requests[index], lines[index]
        start = clock()
        policy.assess(document)
        timers["assess"].append(clock() - start)

        start = clock()
        engine.run(request)
        timers["network"].append(clock() - start)

        # The same, in a fresh engine session: the one kept is deleted first, as the adapter does on the
        # released durable-rules build (or after a failure); its deletion is part of the cost.
        start = clock()
        engine.network.reset()
        engine.run(request)
        timers["network_fresh"].append(clock() - start)

        if chainer is not None:
            start = clock()
            chainer.chain(engine.bound, engine.code.request_fact, request, engine.bound.params)
            timers["plain"].append(clock() - start)

        start = clock()
        assess_line(number, line)
        timers["line"].append(clock() - start)

        t0 = clock()
        parsed = engine.parse(document)
        t1 = clock()
        derived, branches = engine.run(parsed)
        t2 = clock()
        determination = engine.determine(parsed, derived, branches)
        t3 = clock()
        determination.to_json()
        t4 = clock()
        _determination_line(number, determination)
        t5 = clock()
        plain = determination.to_dict()
        t6 = clock()
        json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
        t7 = clock()
        timers["validation"].append(t1 - t0)
        timers["determination"].append(t3 - t2)
        timers["to_json"].append(t4 - t3)
        timers["pipeline"].append(t4 - t0)
        timers["output_line"].append(t5 - t4)
        timers["to_dict"].append(t6 - t5)
        timers["json"].append(t7 - t6)
    result: dict[str, Any] = {name: summary(values) for name, values in timers.items()}
    result["wrapper_overhead"] = round(result["assess"]["median_us"] / result["network"]["median_us"], 2)
    result["kept_over_fresh"] = round(result["network"]["median_us"] / result["network_fresh"]["median_us"], 2)
    result["engine_cost"] = engine_cost(engine, requests)
    if chainer is not None:
        result["network_over_plain"] = round(result["network"]["median_us"] / result["plain"]["median_us"], 1)
        result["assess_over_plain"] = round(result["assess"]["median_us"] / result["plain"]["median_us"], 1)
    return result


ENGINE_CALLS = ("assert_fact", "start_action_for_state", "complete_and_start_action", "delete_state",
                "retract_facts", "get_facts")


def engine_cost(engine: Any, requests: list[Any]) -> dict[str, Any]:
    """Where the bare network's time goes: the engine's C calls, timed one by one, and the rest.

    A pass over the requests (after the timing loop, not part of its figures)
    with every durable-rules call the adapter makes wrapped in a timer. The
    first assertion of an assessment asserts the request fact (in a session the
    network keeps; creating one, `createStateNode`, happens only when none is
    kept); each rule firing is one `complete_and_start_action`; the session is
    emptied after (`retract_facts`, then `get_facts` and
    `start_action_for_state` to prove it empty). What is left of
    `Assessor.run` is Python: the request fact, the derivations, one action
    per firing.
    """
    import durable_rules_engine as durable

    clock = time.perf_counter_ns
    spent: dict[str, list[int]] = {name: [] for name in ENGINE_CALLS}
    originals = {name: getattr(durable, name) for name in ENGINE_CALLS if hasattr(durable, name)}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            start = clock()
            try:
                return function(*args)
            finally:
                spent[name].append(clock() - start)

        return call

    first: list[int] = []
    later: list[int] = []
    firings: list[int] = []
    totals: list[int] = []
    c_totals: list[int] = []
    try:
        for name, function in originals.items():
            setattr(durable, name, timed(name, function))
        for request in requests:
            marks = {name: len(found) for name, found in spent.items()}
            start = clock()
            engine.run(request)
            totals.append(clock() - start)
            asserted = spent["assert_fact"][marks["assert_fact"]:]
            first.append(asserted[0])
            later.extend(asserted[1:])
            firings.append(len(spent["complete_and_start_action"]) - marks["complete_and_start_action"])
            c_totals.append(sum(sum(found[marks[name]:]) for name, found in spent.items()))
    finally:
        for name, function in originals.items():
            setattr(durable, name, function)

    def median_us(samples: list[int]) -> float:
        return round(percentile(samples, 0.5) / 1000, 1) if samples else 0.0

    return {
        "compiled_rules": len(engine.network.rule_names),
        "firings_median": percentile(firings, 0.5),
        "firings_range": [min(firings), max(firings)],
        "first_assert_us": median_us(first),  # the fresh session: createStateNode, then the request fact
        "later_assert_us": median_us(later),
        "firing_us": median_us(spent["complete_and_start_action"]),
        "delete_state_us": median_us(spent["delete_state"]),
        "retract_us": median_us(spent["retract_facts"]),
        "sessions_deleted": len(spent["delete_state"]),  # 0 while the network keeps its session
        "engine_c_us": median_us(c_totals),
        "network_us": median_us(totals),
        "python_us": round(median_us(totals) - median_us(c_totals), 1),
    }


# -- batch -------------------------------------------------------------------------


def _warm_worker() -> None:
    for policy_id in policy.policy_ids():
        assessor(policy_id)


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
        outcome = batch_module.run(io.BytesIO(source), sink, options)
        elapsed = (time.perf_counter_ns() - start) / 1e9
        if outcome.internal_errors or outcome.invalid:
            raise RuntimeError(f"batch run reported {outcome.internal_errors} internal errors, {outcome.invalid} invalid")
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
    """RSS over `total` assessments (each also turned into its dict and its JSON text) in this process."""
    process = psutil.Process()
    count = len(documents)
    for number in range(warmup):
        determination = policy.assess(documents[number % count])
        determination.to_dict()
        determination.to_json()
    gc.collect()
    start_rss = process.memory_info().rss
    points = [(0, 0.0)]
    step = max(1, total // 10)
    started = time.perf_counter()
    for number in range(1, total + 1):
        determination = policy.assess(documents[number % count])
        determination.to_dict()
        determination.to_json()
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


def verdicts(measured: dict[str, Any], compared: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The targets of one policy's measurements; `compared` is its before/after comparison (issue 10)."""
    single = measured["single"]
    ratios = (compared or {}).get("ratios", {})
    speedup = measured.get("batch", {}).get("speedup")
    if speedup is None and compared is not None and "after" in compared:
        speedup = compared["after"]["batch_speedup"]
    figures = {
        "assess_median_us": single["assess"]["median_us"],
        "assess_p99_us": single["assess"]["p99_us"],
        "line_ratio": ratios.get("line"),
        "output_ratio": ratios.get("output"),
        "batch_per_worker_ratio": ratios.get("batch_1_worker"),
        "batch_speedup": speedup,
        "wrapper_overhead": single["wrapper_overhead"],
        "memory_growth_mb": measured.get("memory", {}).get("growth_mb"),
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
    "line_ratio": ("one batch line (bytes in, line out), after / before", "×", "≤"),
    "output_ratio": ("the output line from a determination, after / before", "×", "≤"),
    "batch_per_worker_ratio": ("`policy batch` records/s with 1 worker, after / before", "×", "≥"),
    "batch_speedup": ("batch speed-up, 1 → 2 workers", "×", "≥"),
    "wrapper_overhead": ("assess / bare network (medians; issue 4)", "×", "≤"),
    "memory_growth_mb": ("memory growth after warm-up (issue 4)", "MB", "<"),
}
STAGES = {
    "assess": "assess (whole call)",
    "network": "bare network (`Assessor.run`)",
    "network_fresh": "bare network in a fresh engine session (the kept one deleted first, deletion included)",
    "plain": "plain Python: the same declarations by the naive chainer (tests/naive_chainer.py)",
    "validation": "validation (`Assessor.parse`)",
    "determination": "determination (`Assessor.determine`)",
    "to_dict": "`Determination.to_dict()`",
    "json": "`json.dumps` of the dict (the JSON as written before issue 10)",
    "to_json": "`Determination.to_json()` (the JSON as written now)",
    "pipeline": "validation, network, determination and to_json in one pass",
    "line": "one batch line: `assess_line`, the line's bytes in, its output line out",
    "output_line": "the output line written from a determination",
}
BEFORE_AFTER_STAGES = {
    "assess": "assess, median µs",
    "network": "bare network, median µs",
    "line": "one batch line (bytes in, line out), median µs",
    "output": "the output line from a determination, median µs",
}


def _session_text(cost: dict[str, Any]) -> str:
    """The engine-session part of the engine-cost paragraph: kept and emptied, or created and deleted."""
    if cost.get("sessions_deleted") == 0 and "retract_us" in cost:
        return (f"the first assertion, the request fact into the session the network keeps, "
                f"**{cost['first_assert_us']} µs**; emptying it after (retracting every fact) {cost['retract_us']} µs")
    return (f"the first assertion, which creates a fresh engine session (`createStateNode`) and asserts the "
            f"request fact, **{cost['first_assert_us']} µs**; deleting the session {cost['delete_state_us']} µs")


def _verdict_text(verdict: dict[str, Any]) -> str:
    if verdict["met"] is None:
        return "not measured"
    if verdict["met"]:
        return "met"
    return f"missed ({verdict['factor']}× the target)"


def _golden_lines(comparisons: list[dict[str, Any]]) -> list[str]:
    lines = ["", "## Not slower than before the policy library", ""]
    if not comparisons:
        return [*lines, "No golden record in `tests/golden/`: nothing compared."]
    lines += [
        "The requirement: assessing a myositis request must not get slower than before the library.",
        "Every golden record (`tests/golden/<policy>.json.gz`: the documents the code before the",
        "library assessed, and what it decided) is assessed in this same run by two subprocesses of",
        "the same interpreter: the **baseline**, the code at the commit the record was made with,",
        "checked out into a temporary git worktree, calling `policy.assess(document)`; and the",
        "**current** tree, calling `policy.assess(document, policy_id=...)`. Each warms up first",
        "(network built, ICD-10-CM table loaded, every document assessed twice). Every round then",
        "times every document once per side, in slices of a few hundred documents: one side runs",
        "while the other waits, and the side that goes first alternates from slice to slice, so both",
        "are timed under the same machine state (`bench/golden.py`).",
        "",
        f"Tolerance: current / baseline ≤ {golden.TOLERANCE}. {golden.TOLERANCE_WHY}",
    ]
    for c in comparisons:
        lines += ["", f"### {c['policy']} against {c.get('baseline_commit')}", ""]
        if "error" in c:
            lines.append(f"Not measured: {c['error']}.")
            continue
        base, cur = c["baseline"], c["current"]
        verdict = "**met**" if c["met"] else "**missed**"
        lines += [
            f"{c['documents']:,} documents from `{c['record']}` ({c['recorded_with']}): its {c['examples']} "
            f"bundled examples and {c['generated']:,} generated requests ({c['generated_check']}); "
            f"{c['rounds']} rounds, {c['seconds']} s in all.",
            "",
            "| | baseline | current |",
            "|---|---|---|",
            f"| code | commit {c['baseline_commit']} | this tree |",
            f"| assess, median µs | {base['median_us']} | {cur['median_us']} |",
            f"| assess, p99 µs | {base['p99_us']} | {cur['p99_us']} |",
            f"| assess, mean µs | {base['mean_us']} | {cur['mean_us']} |",
            f"| samples | {base['samples']:,} | {cur['samples']:,} |",
            f"| median of each round, µs | {', '.join(map(str, base['round_medians_us']))} | "
            f"{', '.join(map(str, cur['round_medians_us']))} |",
            *[f"| {stage}, median µs (timed on its own) | {base['stages_median_us'][stage]} | "
              f"{cur['stages_median_us'][stage]} |"
              for stage in base.get("stages_median_us", {}) if stage in cur.get("stages_median_us", {})],
            f"| decisions that differ from the record | {base['decisions_differing_from_record']} | "
            f"{cur['decisions_differing_from_record']} |",
            "",
            f"Median current / baseline: **{c['ratio']}** (not slower within {c['tolerance']}: {verdict}); "
            f"the same ratio round by round: {', '.join(map(str, c['round_ratios']))}"
            + (f"; slice by slice ({c['slices']['count']} slices of {c['slices']['size']} documents): median "
               f"{c['slices']['ratio_median']}, 10th to 90th percentile {c['slices']['ratio_p10']} to "
               f"{c['slices']['ratio_p90']}" if "slices" in c else "")
            + f". 1-minute load average before and after: {c.get('load_average_1min')}.",
        ]
        if cur["decisions_differing_from_record"]:
            lines += [
                "",
                f"The current code decides {cur['decisions_differing_from_record']} of these documents",
                "differently from the record (`tests/test_golden.py` lists the intended differences and",
                "checks everything else): those take another path through the rules than at the baseline,",
                "and are timed so.",
            ]
    return lines


def _before_after_lines(comparisons: list[dict[str, Any]]) -> list[str]:
    lines = [
        "", "## Before and after issue 10 (same run)", "",
        "The code before the speed work of issue 10 (its commit, checked out into a temporary git worktree)",
        "and this tree, each in a subprocess of its own, given the same documents (each policy's mix above),",
        "timed in turns: slices of a few hundred documents per side, the side that goes first alternating,",
        "then `policy batch` run by each side in turn with 1 and 2 workers (`bench/before_after.py`).",
        "Ratios are after / before, of medians.",
    ]
    for c in comparisons:
        lines += ["", f"### {c['policy']} against {c.get('before_commit')}", ""]
        if "error" in c:
            lines.append(f"Not measured: {c['error']}.")
            continue
        before, after, ratios = c["before"], c["after"], c["ratios"]
        lines += [
            f"{c['documents']:,} documents, {c['rounds']} round{'s' if c['rounds'] != 1 else ''} "
            f"({before['stages']['assess']['samples']:,} samples "
            f"of each stage per side); `policy batch` over {c['batch_records']:,} records, {c['batch_rounds']} runs "
            f"per side and worker count ({c['seconds']} s in all).",
            "",
            "| | before | after | after / before | p99 before | p99 after |",
            "|---|---|---|---|---|---|",
        ]
        for stage, label in BEFORE_AFTER_STAGES.items():
            b, a = before["stages"][stage], after["stages"][stage]
            lines.append(f"| {label} | {b['median_us']} | {a['median_us']} | {ratios[stage]} | {b['p99_us']} | "
                         f"{a['p99_us']} |")
        for count in ("1", "2"):
            lines.append(
                f"| `policy batch`, {count} worker{'s' if count == '2' else ''}, records/s (median of "
                f"{', '.join(map(str, before['batch_per_second_runs'][count]))} / "
                f"{', '.join(map(str, after['batch_per_second_runs'][count]))}) | {before['batch_per_second'][count]} | "
                f"{after['batch_per_second'][count]} | {ratios[f'batch_{count}_worker']} | | |"
            )
        lines += [
            f"| batch speed-up, 1 → 2 workers | {before['batch_speedup']}× | {after['batch_speedup']}× | | | |",
            "",
            f"1-minute load average before and after: {c.get('load_average_1min')}.",
        ]
    return lines


def _previous_lines(results: dict[str, Any]) -> list[str]:
    previous = results.get("previous")
    if not previous:
        return []
    lines = [
        "", "## Against the previous record", "",
        f"The run before this one ({previous['date']}, commit {previous['commit']}, `bench/results.json` as it",
        "was): another run, so another load on the machine; the same-run comparison above is the one",
        "the targets are judged on.",
        "",
        "| policy | stage | median µs then | median µs now | now / then |",
        "|---|---|---|---|---|",
    ]
    for pid, stages in previous["policies"].items():
        now = results["policies"].get(pid, {}).get("single", {})
        for stage, then in stages.items():
            if stage in now and then:
                lines.append(f"| {pid} | {STAGES.get(stage, stage)} | {then} | {now[stage]['median_us']} | "
                             f"{round(now[stage]['median_us'] / then, 2)} |")
        batch_then = previous.get("batch", {}).get(pid)
        batch_now = results["policies"].get(pid, {}).get("batch", {}).get("per_second")
        if batch_then and batch_now:
            for count in ("1", "2"):
                if batch_then.get(count) and batch_now.get(count):
                    lines.append(f"| {pid} | `policy batch`, {count} worker(s), records/s | {batch_then[count]} | "
                                 f"{batch_now[count]} | {round(batch_now[count] / batch_then[count], 2)} |")
    return lines


def _previous(earlier: dict[str, Any]) -> dict[str, Any] | None:
    """What the page compares with from the results file this run replaces."""
    if not earlier.get("policies"):
        return None
    return {
        "date": earlier.get("machine", {}).get("date"),
        "commit": earlier.get("machine", {}).get("commit"),
        "policies": {pid: {stage: values["median_us"] for stage, values in m.get("single", {}).items()
                           if isinstance(values, dict) and "median_us" in values}
                     for pid, m in earlier["policies"].items()},
        "batch": {pid: m["batch"]["per_second"] for pid, m in earlier["policies"].items() if "batch" in m},
    }


def render_page(results: dict[str, Any], baseline: dict[str, Any] | None, notes: str) -> str:
    m = results["machine"]
    settings = results["settings"]
    policies: dict[str, dict[str, Any]] = results["policies"]
    ids = list(policies)
    lines = [
        "# Benchmarks",
        "",
        "A measurement record, not a test: the test suite makes no timing assertions.",
        "Reproduce with `make bench` (every policy; most of its time is the memory runs) or",
        "`make bench BENCH_ARGS=--quick`; the figures below come from `bench/results.json`, written",
        f"by the same run, which took {round(results.get('seconds', 0) / 60, 1)} minutes.",
        "",
        ("**This page records a short run (`--quick`)**: fewer samples, a short memory run and fewer"
         " golden rounds; read its figures as indicative." if settings["quick"]
         else "**This page records a full run.**"),
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
        "  shows in the medians, the p99 and the batch speed-up",
        "",
        "## What is measured",
        "",
        f"Every policy of the library ({', '.join(ids)}), each on its own requests:",
        "",
    ]
    for pid, measured in policies.items():
        req = measured["requests"]
        decisions = ", ".join(f"{k} {v}" for k, v in req["decisions"].items())
        lines.append(f"- **{pid}**: {req['described']}; decisions: {decisions}.")
        if req.get("problem"):
            lines.append(f"  Its generator failed ({req['problem']}), so its bundled examples were used.")
    lines += [
        "",
        "A generator draws every field of its policy's request contract, codes from the policy's own",
        "code groups and from outside them, so every decision occurs; a policy without a generator in",
        "`bench/generators/` is measured on its bundled examples.",
        "",
        "- **assess**: `policy.assess(document)` (the document names its policy), one call per sample",
        "  (`time.perf_counter_ns`).",
        "- **bare network**: `Assessor.run(request)` on an already validated request: the request",
        "  fact built and asserted, every rule firing run, the derived facts and the branch of every",
        "  statement rule returned (request facts in, findings out). Timed in the same loop as assess,",
        "  request by request, so their ratio is the wrapper's overhead.",
        "- the **breakdown** times each stage of the same pipeline on its own.",
        "- **plain Python**: the same declarations (derivations and statement rules) evaluated on the same",
        "  validated request by the naive forward chainer of the tests (`tests/naive_chainer.py`): what the",
        "  network computes, without an engine (and without any care for speed).",
        "- **one batch line**: `policy.batch.lines.assess_line`, a line's bytes in and its output line out;",
        "  and the **output line** alone, written from a determination.",
        "- **before and after issue 10**: the same stages and `policy batch` under the commit before its",
        "  speed work and under this tree, in turns, in this run (`bench/before_after.py`): the ratios its",
        "  targets are stated in.",
        "",
        "## Targets",
        "",
        "Issue 10's, on an idle 2-core machine (its ratios are judged on the same-run comparison below),",
        "then the two of issue 4 it does not replace. Where a target is missed, the notes at the end say",
        "by how much and what bounds it.",
        "",
        "| measure | target | " + " | ".join(ids) + " |",
        "|---|---|" + "---|" * len(ids),
    ]
    for name in TARGETS:
        label, unit, sign = LABELS[name]
        cells = []
        for pid in ids:
            verdict = policies[pid]["verdicts"][name]
            value = "—" if verdict["value"] is None else f"{verdict['value']} {unit}"
            cells.append(f"{value}: {_verdict_text(verdict)}")
        target = policies[ids[0]]["verdicts"][name]["target"] if ids else ""
        lines.append(f"| {label} | {sign} {target} {unit} | " + " | ".join(cells) + " |")
    if "before" in results:
        lines += _before_after_lines(results["before"])
    if "golden" in results:
        lines += _golden_lines(results["golden"])
    lines += ["", f"## One process ({settings['samples']:,} samples of each stage per policy)"]
    for pid, measured in policies.items():
        single = measured["single"]
        lines += [
            "",
            f"### {pid}",
            "",
            "| stage | median µs | p99 µs | mean µs |",
            "|---|---|---|---|",
        ]
        for key, text in STAGES.items():
            if key in single:
                s = single[key]
                lines.append(f"| {text} | {s['median_us']} | {s['p99_us']} | {s['mean_us']} |")
        lines.append("")
        lines.append(f"assess / bare network: {single['wrapper_overhead']}×"
                     + (f"; bare network / plain Python: {single['network_over_plain']}×, assess / plain Python: "
                        f"{single['assess_over_plain']}×" if "network_over_plain" in single else "")
                     + f"; 1-minute load average before and after: {single.get('load_average_1min')}.")
        cost = single.get("engine_cost")
        if cost:
            lines += ["", (
                f"Inside the bare network (the engine's C calls timed one by one, in a pass of their own where "
                f"`Assessor.run` took {cost['network_us']} µs, {cost['compiled_rules']} compiled rules): "
                + _session_text(cost)
                + f"; each later assertion (a derived fact) {cost['later_assert_us']} µs; each rule firing "
                f"(`complete_and_start_action`) **{cost['firing_us']} µs** in C, {cost['firings_median']} firings "
                f"(from {cost['firings_range'][0]} to {cost['firings_range'][1]}). In all {cost['engine_c_us']} µs "
                f"in the engine's C code, {cost['python_us']} µs in Python (the request fact, the derivations, one "
                "action per firing)."
            )]
            if "kept_over_fresh" in single:
                lines += ["", (
                    f"The network in the session it keeps / in a fresh session each time: "
                    f"**{single['kept_over_fresh']}×** (medians {single['network']['median_us']} and "
                    f"{single['network_fresh']['median_us']} µs, same loop)."
                )]
    with_batch = {pid: m["batch"] for pid, m in policies.items() if "batch" in m}
    if with_batch:
        first = next(iter(with_batch.values()))
        lines += [
            "",
            "## Batch",
            "",
            f"{first['records']:,} records of one policy per run, {first['how']}; each record assessed and",
            "written as a JSON line.",
            "",
            "| policy | 1 worker, records/s | 2 workers, records/s | speed-up | 1-minute load before, after |",
            "|---|---|---|---|---|",
        ]
        for pid, b in with_batch.items():
            lines.append(f"| {pid} | {b['per_second'].get('1')} | {b['per_second'].get('2')} | {b['speedup']}× | "
                         f"{b.get('load_average_1min')} |")
            if "reused_from" in b:
                lines.append(f"| (from the run of {b['reused_from']}) | | | | |")
    lines += _previous_lines(results)
    with_memory = {pid: m["memory"] for pid, m in policies.items() if "memory" in m}
    if with_memory:
        lines += ["", "## Memory", "", "Each policy in turn, in the same process, after its own warm-up."]
        for pid, mem in with_memory.items():
            curve = ", ".join(f"{n:,}: {mb:+} MB" for n, mb in mem["curve_mb"])
            lines += [
                "",
                f"**{pid}**" + (f" (from the run of {mem['reused_from']})" if "reused_from" in mem else "")
                + f": {mem['assessments']:,} assessments after a warm-up of {mem['warmup']:,}",
                f"({mem['seconds']} s): RSS {mem['rss_after_warmup_mb']} MB after warm-up, growth",
                f"**{mem['growth_mb']} MB**. Growth by assessments done: {curve}.",
                f"1-minute load average before and after: {mem.get('load_average_1min')}.",
            ]
    earlier_policy = (baseline or {}).get("policy")
    if baseline is not None and earlier_policy in policies:
        before, after = baseline["single"], policies[earlier_policy]["single"]
        lines += [
            "",
            "## Before and after the optimisations of issue 4",
            "",
            f"{earlier_policy} only, same request documents and settings, measured on different days, so",
            "the machine and its load may differ: before, "
            f"{baseline['machine']['date']} on {baseline['machine']['cpu']}, commit {baseline['machine']['commit']}",
            f"(`bench/baseline.json`); after, this run on {results['machine']['cpu']}.",
            "",
            "| stage | median µs before | median µs after | after / before | p99 µs before | p99 µs after |",
            "|---|---|---|---|---|---|",
        ]
        for key, text in STAGES.items():
            if key in before and key in after:
                lines.append(
                    f"| {text} | {before[key]['median_us']} | {after[key]['median_us']} | "
                    f"{round(after[key]['median_us'] / before[key]['median_us'], 2)} | "
                    f"{before[key]['p99_us']} | {after[key]['p99_us']} |"
                )
        lines.append(
            f"| assess / bare network | {before['wrapper_overhead']}× | {after['wrapper_overhead']}× | | | |"
        )
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def write_page(results: dict[str, Any], page: Path, baseline_file: Path) -> None:
    if str(page) == "-":
        return
    baseline = json.loads(baseline_file.read_text()) if baseline_file.exists() else None
    notes_file = ROOT / "bench" / "notes.md"
    notes = notes_file.read_text() if notes_file.exists() else ""
    page.write_text(render_page(results, baseline, notes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer samples, shorter batch and memory runs, fewer golden rounds")
    parser.add_argument("--samples", type=int, help="timed calls per measure and policy (default 20,000; quick 3,000)")
    parser.add_argument("--memory", type=int,
                        help="assessments in the memory run, per policy (default 500,000; quick 10,000)")
    parser.add_argument("--batch-records", type=int, help="records per batch run (default 20,000; quick 4,000)")
    parser.add_argument("--golden-rounds", type=int,
                        help="alternating rounds against the baseline commit (default 10; quick 4)")
    parser.add_argument("--baseline-commit", default=golden.BASELINE_COMMIT,
                        help=f"the code the golden inputs are compared against (default {golden.BASELINE_COMMIT})")
    parser.add_argument("--before-commit",
                        help="the code before issue 10's speed work (default: the parent of the commit that added "
                             f"{before_after.MARKER}, or HEAD while it is uncommitted)")
    parser.add_argument("--before-rounds", type=int,
                        help="alternating rounds against the code before issue 10 (default 4; quick 2)")
    parser.add_argument("--skip", action="append", default=[], choices=SECTIONS)
    parser.add_argument("--reuse", action="append", default=[], choices=SECTIONS,
                        help="take this section from the existing results file instead of measuring it")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--page", type=Path, default=PAGE, help="markdown page to write ('-' for none)")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="an earlier results.json to compare")
    parser.add_argument("--page-only", action="store_true",
                        help="measure nothing: write the page anew from the results file (after editing notes.md)")
    args = parser.parse_args(argv)
    if args.page_only:
        write_page(json.loads(args.results.read_text()), args.page, args.baseline)
        return 0
    samples = args.samples or (3000 if args.quick else 20000)
    total = args.memory or (10000 if args.quick else 500_000)
    records = args.batch_records or (4000 if args.quick else 20000)
    rounds = args.golden_rounds or (4 if args.quick else 10)
    before_rounds = args.before_rounds or (2 if args.quick else 4)
    started = time.perf_counter()

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    ids = policy.policy_ids()
    say(f"policies: {', '.join(ids)}; building their networks and request mixes")
    mixes: dict[str, Mix] = {}
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {"seed": SEED, "mix": MIX, "samples": samples, "quick": args.quick,
                     "memory_per_policy": total, "batch_records": records, "golden_rounds": rounds,
                     "before_rounds": before_rounds},
        "policies": {},
    }
    for policy_id in ids:
        assessor(policy_id)
        mix = mixes[policy_id] = requests_for(policy_id, MIX, SEED)
        decisions: dict[str, int] = {}
        for document in mix.documents:
            decision = policy.assess(document).decision
            decisions[decision] = decisions.get(decision, 0) + 1
        results["policies"][policy_id] = {"requests": {
            "source": mix.source, "described": mix.described, "problem": mix.problem,
            "count": len(mix.documents), "decisions": dict(sorted(decisions.items())),
        }}
        say(f"  {policy_id}: {mix.described}" + (f" (generator failed: {mix.problem})" if mix.problem else ""))

    earlier = json.loads(args.results.read_text()) if args.results.exists() else {}
    reused_from = earlier.get("machine", {}).get("date")
    results["previous"] = _previous(earlier)

    def measure(name: str, step: Callable[[], Any]) -> Any:
        say(f"measuring: {name}")
        load = os.getloadavg()[0]
        value = step()
        if isinstance(value, dict):
            value["load_average_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
        say(json.dumps(value)[:2000])
        return value

    # The golden comparison first: it runs two fresh subprocesses, before this process grows.
    if "golden" in args.reuse and "golden" in earlier:
        results["golden"] = [{**c, "reused_from": reused_from} for c in earlier["golden"]]
    elif "golden" not in args.skip:
        results["golden"] = golden.compare_all(rounds, args.baseline_commit, say)
        for comparison in results["golden"]:
            say(json.dumps({k: v for k, v in comparison.items() if k not in ("baseline", "current")}))
    # Then the code before issue 10 against this tree, in subprocesses too.
    if "before" in args.reuse and "before" in earlier:
        results["before"] = [{**c, "reused_from": reused_from} for c in earlier["before"]]
    elif "before" not in args.skip:
        results["before"] = before_after.compare_all(
            {pid: mix.documents for pid, mix in mixes.items()}, before_rounds, records // 2, args.before_commit, say,
        )
        for comparison in results["before"]:
            say(json.dumps({k: v for k, v in comparison.items() if k not in ("before", "after")}))
    for policy_id in ids:
        documents = mixes[policy_id].documents
        measured = results["policies"][policy_id]
        measured["single"] = measure(f"{policy_id}: single", lambda: time_calls(policy_id, documents, samples))
    for name, step in (
        ("batch", lambda docs: batch(docs, records)),
        ("memory", lambda docs: memory(docs, total, warmup=min(20000, max(2000, total // 20)))),
    ):
        for policy_id in ids:
            measured = results["policies"][policy_id]
            previous = earlier.get("policies", {}).get(policy_id, {}).get(name)
            if name in args.reuse and previous is not None:
                measured[name] = {**previous, "reused_from": reused_from}
            elif name not in args.skip and name not in args.reuse:
                measured[name] = measure(f"{policy_id}: {name}", lambda: step(mixes[policy_id].documents))
    compared = {c["policy"]: c for c in results.get("before", []) if "error" not in c}
    for policy_id, measured in results["policies"].items():
        measured["verdicts"] = verdicts(measured, compared.get(policy_id))
    results["seconds"] = round(time.perf_counter() - started)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    write_page(results, args.page, args.baseline)
    for policy_id, measured in results["policies"].items():
        for name, verdict in measured["verdicts"].items():
            say(f"{policy_id}: {name}: {verdict['value']} (target {verdict['target']}): {_verdict_text(verdict)}")
    for comparison in results.get("golden", []):
        if "error" in comparison:
            say(f"{comparison['policy']} against {comparison['baseline_commit']}: not measured: {comparison['error']}")
        else:
            say(f"{comparison['policy']} against {comparison['baseline_commit']}: median "
                f"{comparison['current']['median_us']} / {comparison['baseline']['median_us']} µs = "
                f"{comparison['ratio']} (tolerance {comparison['tolerance']}): "
                f"{'met' if comparison['met'] else 'missed'}")
    say(f"done in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
