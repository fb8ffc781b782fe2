"""Build and solve times of bessfin's dispatch LP beside the same LP built directly in highspy.

Usage (from the repository root)::

    python benchmarks/bench_dispatch.py                    # 3 repeats, print the table
    python benchmarks/bench_dispatch.py --out docs/performance.md
    python benchmarks/bench_dispatch.py --quick            # smoke run: week, month, 1 repeat
    python benchmarks/bench_dispatch.py --profile          # cProfile the bessfin year cases
    python benchmarks/bench_dispatch.py --caps --out docs/performance.md   # AS limits cost

Cases (ERCOT 2024 HB_HOUSTON day-ahead, 100 MW / 200 MWh, 2 cycles/day, $5/MWh degradation),
each energy-only and co-optimised with every product the data carry: one week, one month and
one year of perfect foresight, and a rolling year (daily windows + 24 h lookahead). For each,
bessfin (``structure`` + ``coefficients`` + ``CompiledModel`` then ``.solve()``;
``run_horizon`` for rolling) and the direct build (``benchmarks/direct_highspy.py``) run in
the same process, alternately, ``--repeats`` times; the table gives medians [s] and the ratio
of total times. Peak memory of the co-optimised year is measured in a fresh subprocess per
path (``ru_maxrss``). A last case times loading one shipped price year (``load_prices``, ERCOT
2025 HB_NORTH, after a warm-up load of another series; target < 0.3 s).

``--caps`` times the co-optimised year with the market-depth award limits (``as_limits``
defaults) against the uncapped year, alternately, ``--repeats`` times (target: limits cost at
most 10 % extra solve time).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.direct_highspy import (  # noqa: E402
    DirectLP,
    DirectModel,
    lp_matrix,
    lp_vectors,
    run_rolling_direct,
)
from bessfin.dispatch import (  # noqa: E402
    Battery,
    CompiledModel,
    Horizon,
    MarketSeries,
    market_series,
    run_horizon,
    settle,
)
from bessfin.dispatch.coefficients import coefficients, structure  # noqa: E402
from bessfin.dispatch.limits import apply_as_limits  # noqa: E402
from bessfin.io import load_prices  # noqa: E402

BATTERY = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)
ROLLING = Horizon(window="day", lookahead_hours=24)
PERIODS = {
    "week": ("2024-08-05", "2024-08-12"),
    "month": ("2024-08-01", "2024-09-01"),
    "year": (None, None),
}
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"
CAPS_START, CAPS_END = "<!-- bench-caps:start -->", "<!-- bench-caps:end -->"
LOAD_SEEN: list[float] = []  # 1-min load average after each case


@dataclass
class Timing:
    """One timed run: build, solve and wall-clock total [s]; objective [$]."""

    build: float
    solve: float
    total: float
    objective: float


# -- data --------------------------------------------------------------------------------------
def load_series(co_optimise: bool, period: str) -> MarketSeries:
    """ERCOT 2024 HB_HOUSTON DAM prices for ``period`` (local time), energy-only or all products."""
    data = load_prices("ercot", 2024, "HB_HOUSTON")
    frame = data.frame
    start, end = PERIODS[period]
    if start is not None:
        local = frame.index.tz_convert(data.market.timezone).tz_localize(None)
        frame = frame[(local >= start) & (local < end)]
    return market_series(frame, data.market, None if co_optimise else [])


# -- the two paths -----------------------------------------------------------------------------
def bessfin_perfect(ser: MarketSeries) -> Timing:
    """bessfin public pieces: structure + coefficients + CompiledModel, then solve."""
    t0 = time.perf_counter()
    model = CompiledModel(structure(ser, BATTERY), coefficients(ser, BATTERY))
    t1 = time.perf_counter()
    sol = model.solve()
    t2 = time.perf_counter()
    return Timing(t1 - t0, t2 - t1, t2 - t0, sol.objective)


def direct_perfect(ser: MarketSeries) -> Timing:
    """Direct: coefficients + numpy/scipy matrix + highspy passModel, then solve."""
    t0 = time.perf_counter()
    a, layout = lp_matrix(ser, BATTERY)
    model = DirectModel(DirectLP(layout, a, *lp_vectors(layout, coefficients(ser, BATTERY))))
    t1 = time.perf_counter()
    sol = model.solve()
    t2 = time.perf_counter()
    return Timing(t1 - t0, t2 - t1, t2 - t0, sol.objective)


def bessfin_rolling(ser: MarketSeries) -> Timing:
    """``run_horizon`` with a fresh model cache; objective = decided revenue [$]."""
    t0 = time.perf_counter()
    sched = run_horizon(ser, BATTERY, ROLLING)
    total = time.perf_counter() - t0
    revenue = float(settle(sched, ser, BATTERY).to_numpy().sum())
    return Timing(sched.build_seconds, sched.solve_seconds, total, revenue)


def direct_rolling(ser: MarketSeries) -> Timing:
    """Direct rolling loop (models updated in place); objective = decided revenue [$]."""
    t0 = time.perf_counter()
    run = run_rolling_direct(ser, BATTERY, ROLLING)
    total = time.perf_counter() - t0
    revenue = float(settle(run, ser, BATTERY).to_numpy().sum())  # type: ignore[arg-type]
    return Timing(run.build_seconds, run.solve_seconds, total, revenue)


def timed(fn: Callable[[MarketSeries], Timing], ser: MarketSeries) -> Timing:
    gc.collect()
    return fn(ser)


# -- benchmark ---------------------------------------------------------------------------------
def run_cases(cases: list[tuple[str, str, bool]], repeats: int) -> list[dict]:
    """Time every case ``repeats`` times on both paths (alternating); medians per case."""
    rows = []
    for label, period, co in cases:
        ser = load_series(co, period)
        rolling = label.startswith("rolling")
        paths = (bessfin_rolling, direct_rolling) if rolling else (bessfin_perfect, direct_perfect)
        runs: dict[str, list[Timing]] = {"bessfin": [], "direct": []}
        for _ in range(repeats):
            for name, fn in zip(runs, paths, strict=True):
                runs[name].append(timed(fn, ser))
        med = {
            name: Timing(
                *(
                    statistics.median(getattr(r, f) for r in rs)
                    for f in ("build", "solve", "total")
                ),
                rs[0].objective,
            )
            for name, rs in runs.items()
        }
        b, d = med["bessfin"], med["direct"]
        LOAD_SEEN.append(os.getloadavg()[0])
        rel = abs(b.objective - d.objective) / max(abs(d.objective), 1.0)
        rows.append(
            {
                "case": label,
                "products": "all 5" if co else "energy",
                "hours": len(ser),
                "bessfin": b,
                "direct": d,
                "ratio": b.total / d.total,
                "rel_diff": rel,
            }
        )
        print(_row(rows[-1]), flush=True)
    return rows


HEADER = (
    "| case | products | hours | bessfin build s | bessfin solve s | bessfin total s "
    "| direct build s | direct solve s | direct total s | ratio total | objective rel. diff |\n"
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


def _row(r: dict) -> str:
    b, d = r["bessfin"], r["direct"]
    return (
        f"| {r['case']} | {r['products']} | {r['hours']} | {b.build:.3f} | {b.solve:.3f} | "
        f"{b.total:.3f} | {d.build:.3f} | {d.solve:.3f} | {d.total:.3f} | "
        f"{r['ratio']:.2f}x | {r['rel_diff']:.1e} |"
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MB].

    ``VmHWM`` from /proc is per address space (reset by exec); ``ru_maxrss`` on Linux keeps
    the parent's high-water mark across fork+exec, so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def memory_child(path: str) -> dict:
    """In a fresh process: peak RSS after loading data, then after a co-optimised year [MB]."""
    ser = load_series(True, "year")
    base = peak_rss_mb()
    (bessfin_perfect if path == "bessfin" else direct_perfect)(ser)
    return {"path": path, "baseline_mb": base, "peak_mb": peak_rss_mb()}


def measure_memory() -> list[dict]:
    """Peak resident memory [MB] of a co-optimised year for each path, each in a subprocess."""
    out = []
    for path in ("bessfin", "direct"):
        res = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--memory-child", path],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        out.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print(f"memory {path}: {out[-1]}", flush=True)
    return out


def byte_compile() -> None:
    """Byte-compile bessfin's sources, as ``pip install`` does, so this process and its workers
    import from ``__pycache__`` as a user's install does. On machines with
    ``PYTHONDONTWRITEBYTECODE=1`` (this project's) a source checkout is otherwise compiled
    anew in every process: 76 modules, ~0.08 s per worker start (measured 2026-12-02)."""
    import compileall

    compileall.compile_dir(ROOT / "bessfin", quiet=1)


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "python": platform.python_version(),
        "pyomo": metadata.version("pyomo"),
        "highspy": metadata.version("highspy"),
        "numpy": np.__version__,
        "scipy": metadata.version("scipy"),
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


#: Target for loading one shipped price year with warm imports [s].
LOAD_TARGET_S = 0.3
#: Co-optimised perfect-foresight year, bessfin total / direct highspy total (issue 14; was 2x).
YEAR_TARGET = 1.5


def measure_load(repeats: int) -> dict:
    """Median wall time of ``load_prices("ercot", 2025, "HB_NORTH")`` after a warm-up load [s].

    Nothing caches the prices themselves (only the file headers), so every repeat reads and
    validates the whole year.
    """
    load_prices("ercot", 2024, "HB_WEST")  # warm imports and the header cache
    times = []
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        load_prices("ercot", 2025, "HB_NORTH")
        times.append(time.perf_counter() - t0)
    return {"series": "ercot 2025 HB_NORTH", "median_s": statistics.median(times)}



def targets(rows: list[dict], memory: list[dict], load: dict | None = None) -> list[str]:
    """The issue's targets, checked against this run."""
    lines = []
    if load:
        ok = "met" if load["median_s"] < LOAD_TARGET_S else "NOT met"
        lines.append(
            f"- Loading one shipped price year ({load['series']}): {load['median_s']:.3f} s "
            f"(target < {LOAD_TARGET_S} s): **{ok}**."
        )
    by = {(r["case"], r["products"]): r for r in rows}
    year = by.get(("year", "all 5"))
    if year:
        ok = "met" if year["ratio"] <= YEAR_TARGET else "NOT met"
        lines.append(
            f"- Year co-optimised, bessfin total / direct total = {year['ratio']:.2f}x "
            f"(target <= {YEAR_TARGET:g}x): **{ok}**."
        )
    roll = by.get(("rolling year", "all 5"))
    if roll:
        ok = "met" if roll["ratio"] <= 3.0 else "NOT met"
        lines.append(
            f"- Rolling year co-optimised = {roll['ratio']:.2f}x of the direct in-place "
            f"loop (target <= 3x): **{ok}**."
        )
    for m in memory:
        ok = "met" if m["peak_mb"] < 500 else "NOT met"
        lines.append(
            f"- Peak RSS, co-optimised year, {m['path']}: {m['peak_mb']:.0f} MB "
            f"(after loading data: {m['baseline_mb']:.0f} MB; target < 500 MB): "
            f"**{ok}**."
        )
    return lines


def report(
    rows: list[dict],
    memory: list[dict],
    info: dict[str, str],
    load_after: str,
    repeats: int,
    load: dict | None = None,
) -> str:
    """The markdown block written between the bench markers of docs/performance.md."""
    lines = [
        MARK_START,
        f"Run {info['date']} with `--repeats {repeats}` on {info['nproc']} cores "
        f"({info['cpu']}); Python {info['python']}, Pyomo {info['pyomo']}, "
        f"highspy {info['highspy']}, numpy {info['numpy']}, scipy {info['scipy']}. "
        f"Load average (1/5/15 min) {info['load']} before, {load_after} after; "
        f"1-min load after each case: max {max(LOAD_SEEN, default=0.0):.2f}.",
        *(
            [
                "",
                f"**Other processes were running** (1-min load up to {max(LOAD_SEEN):.2f} on "
                f"{info['nproc']} cores): timings are inflated and noisier than on an idle "
                "machine.",
            ]
            if max(LOAD_SEEN, default=0.0) > 1.5 * len(os.sched_getaffinity(0)) / 2
            else []
        ),
        "",
        HEADER,
        *(_row(r) for r in rows),
        "",
        "Medians [s]. Ratio = bessfin total / direct total. Objective rel. diff compares the "
        "optima (perfect foresight) or the decided revenue of the whole schedule (rolling).",
        "",
        *targets(rows, memory, load),
        MARK_END,
    ]
    return "\n".join(lines)


def write_out(path: Path, block: str, marks: tuple[str, str] = (MARK_START, MARK_END)) -> None:
    """Replace the block between ``marks`` in ``path`` (keep hand-written text around it),
    append it, or create the file."""
    start, end = marks
    text = path.read_text() if path.exists() else "# Dispatch performance\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        path.write_text(head + block + rest.split(end, 1)[1])
    else:
        path.write_text(text.rstrip("\n") + "\n\n" + block + "\n")


# -- market-depth award limits -----------------------------------------------------------------
def run_caps(repeats: int) -> tuple[list[dict], dict[str, float]]:
    """Co-optimised year, uncapped vs the market's default award limits, bessfin path,
    alternating; medians [s] and objectives [$]."""
    free = load_series(True, "year")
    capped, applied, _ = apply_as_limits(free, BATTERY.power_mw, "default")
    limits = {a.product: a.mw for a in applied}
    runs: dict[str, list[Timing]] = {"uncapped": [], "capped": []}
    for _ in range(repeats):
        for name, ser in (("uncapped", free), ("capped", capped)):
            runs[name].append(timed(bessfin_perfect, ser))
            LOAD_SEEN.append(os.getloadavg()[0])
    rows = []
    for name, rs in runs.items():
        rows.append({
            "case": f"year co-optimised, {name}",
            "build": statistics.median(r.build for r in rs),
            "solve": statistics.median(r.solve for r in rs),
            "total": statistics.median(r.total for r in rs),
            "solves": ", ".join(f"{r.solve:.2f}" for r in rs),
            "objective": rs[0].objective,
        })
        print(rows[-1], flush=True)
    return rows, limits


def caps_report(rows: list[dict], limits: dict[str, float], info: dict[str, str],
                repeats: int) -> str:
    """The markdown block between the caps markers of docs/performance.md."""
    free, capped = rows
    ratio = capped["solve"] / free["solve"]
    ok = "met" if ratio <= 1.10 else "NOT met"
    mw = ", ".join(f"{k} {v:.1f} MW" for k, v in limits.items())
    return "\n".join([
        CAPS_START,
        f"Run {info['date']} with `--caps --repeats {repeats}` on {info['nproc']} cores "
        f"({info['cpu']}); highspy {info['highspy']}. Load average (1/5/15 min) "
        f"{info['load']} before; 1-min load during the runs up to {max(LOAD_SEEN):.2f}. "
        "ERCOT 2024 HB_HOUSTON, 100 MW / 200 MWh, 2 cycles/day, $5/MWh wear, perfect "
        f"foresight, all 5 products; default limits 2024: {mw}.",
        "",
        "| case | build s | solve s (median) | total s | solve s (each run) | objective $ |",
        "|---|--:|--:|--:|---|--:|",
        *(f"| {r['case']} | {r['build']:.3f} | {r['solve']:.3f} | {r['total']:.3f} | "
          f"{r['solves']} | {r['objective']:,.0f} |" for r in rows),
        "",
        f"- Award limits: capped solve / uncapped solve = {ratio:.2f} (target <= 1.10): "
        f"**{ok}**. The limits are column bounds (no extra rows), so the LP keeps its size.",
        CAPS_END,
    ])


def profile(top: int = 25) -> None:
    """cProfile the bessfin co-optimised year and rolling year; print the top costs."""
    ser = load_series(True, "year")
    for name, fn in (("year co-optimised", bessfin_perfect), ("rolling year", bessfin_rolling)):
        prof = cProfile.Profile()
        prof.enable()
        fn(ser)
        prof.disable()
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(top)
            print(f"=== {name}: by {key} ===\n{buf.getvalue()}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per case (median)")
    ap.add_argument("--quick", action="store_true", help="smoke run: week and month, 1 repeat")
    ap.add_argument("--out", type=Path, help="markdown file to write the table into")
    ap.add_argument("--profile", action="store_true", help="cProfile the bessfin year cases")
    ap.add_argument("--caps", action="store_true",
                    help="time the co-optimised year with and without the AS award limits")
    ap.add_argument("--memory-child", choices=["bessfin", "direct"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    byte_compile()  # as an installed bessfin: see byte_compile

    if args.caps:
        info = machine_info()
        bessfin_perfect(load_series(True, "week"))  # warm-up
        rows, limits = run_caps(args.repeats)
        block = caps_report(rows, limits, info, args.repeats)
        print(block)
        if args.out:
            write_out(args.out, block, (CAPS_START, CAPS_END))
            print(f"wrote {args.out}")
        return

    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child)))
        return
    if args.profile:
        profile()
        return
    info = machine_info()
    print(f"{info['nproc']} cores, {info['cpu']}, load {info['load']}", flush=True)
    periods = ["week", "month"] if args.quick else ["week", "month", "year"]
    rolling = "month" if args.quick else "year"
    cases = [(p, p, co) for p in periods for co in (False, True)]
    cases += [(f"rolling {rolling}", rolling, co) for co in (False, True)]
    repeats = 1 if args.quick else args.repeats
    # warm-up: imports, data cache, first HiGHS instance
    warm = load_series(True, "week")
    bessfin_perfect(warm)
    direct_perfect(warm)
    print(HEADER, flush=True)
    rows = run_cases(cases, repeats)
    memory = [] if args.quick else measure_memory()
    load = measure_load(repeats)
    load_after = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    block = report(rows, memory, info, load_after, repeats, load)
    print("\n".join(targets(rows, memory, load)))
    if args.out:
        write_out(args.out, block)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
