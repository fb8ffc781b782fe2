"""``bessfin screen``: value a portfolio of deals and scenario grids, resumably, in parallel."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bessfin.cli.common import (
    ExitCode,
    Heartbeat,
    app,
    err,
    out_console,
    require,
    run_guarded,
    stop_on_sigterm,
)
from bessfin.cli.paths import output_dir
from bessfin.finance import METRIC_CATALOGUE
from bessfin.screen import (
    BACKENDS,
    LEDGER,
    LOWER_IS_BETTER,
    RANKABLE,
    TABLE_CSV,
    TABLE_PARQUET,
    load_portfolio,
    screen,
)

_SHOWN = ("equity_irr_after_tax", "project_irr_after_tax", "project_npv_after_tax_usd",
          "min_dscr", "year1_merchant_usd_per_kw_yr", "itc_rate", "capex_usd",
          "investment_verdict", "lender_verdict")
#: Fewer metrics in the terminal table (all of _SHOWN are in --json).
_TABLE = ("equity_irr_after_tax", "project_irr_after_tax", "project_npv_after_tax_usd",
          "min_dscr", "investment_verdict", "lender_verdict")


@app.command("screen")
def screen_cmd(
    portfolio: Annotated[Path, typer.Argument(
        help="Portfolio file: TOML (base deal, [set], [grid], [[deals]]) or CSV (one row per "
        "deal, dotted key columns, optional id and base). See docs/screening.md.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output directory (default: <portfolio>.screen next to the "
        "portfolio file). Holds results.csv, results.parquet and the resume ledger "
        "results.jsonl.")] = None,
    backend: Annotated[str, typer.Option(
        help=f"One of {list(BACKENDS)}: local process pool (default), serial in this "
        "process (debugging) or Dask.")] = "process",
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (default: usable cores). With --backend dask and no "
        "--scheduler, the size of the LocalCluster.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address of an existing cluster, e.g. tcp://host:8786 "
        "(implies --backend dask).")] = None,
    mode: Annotated[str | None, typer.Option(
        help="Lifetime dispatch: screening (default; each price year dispatched at two "
        "capacity factors and interpolated) or full (every operating year).")] = None,
    base: Annotated[Path | None, typer.Option(
        help="Base deal file for rows that name none (CSV portfolios).")] = None,
    rank_by: Annotated[str, typer.Option(
        "--rank-by", help=f"Metric to rank by: {', '.join(RANKABLE)}.")] = "equity_irr_after_tax",
    top: Annotated[int, typer.Option(help="Deals shown in the ranked summary (>= 1).")] = 10,
    resume: Annotated[bool, typer.Option(
        "--resume/--fresh", help="Skip deals already in the output's ledger (default), or "
        "delete it and start over.")] = True,
    retry_errors: Annotated[bool, typer.Option(
        "--retry-errors", help="Re-run deals whose earlier status was error.")] = False,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", help="Most deals per task; deals sharing a dispatch are "
        "batched so it runs once.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="JSON summary on stdout.")] = False,
) -> None:
    """Screen a portfolio of deals: one table of metrics and a status per deal, ranked.

    Failing deals are recorded (status invalid or error with the message) and never stop the
    run; results are written as deals finish, so re-running the same command resumes.
    """

    def go() -> int:
        chosen = "dask" if scheduler is not None and backend == "process" else backend
        require(chosen in BACKENDS, f"--backend must be one of {list(BACKENDS)}, got "
                f"{backend!r}")
        require(scheduler is None or chosen == "dask",
                f"--scheduler needs --backend dask, not {backend!r}")
        require(workers is None or workers >= 1, f"--workers must be >= 1, got {workers}")
        require(top >= 1, f"--top must be >= 1, got {top}")
        require(batch_size >= 1, f"--batch-size must be >= 1, got {batch_size}")
        require(rank_by in RANKABLE,
                f"--rank-by must be one of {', '.join(RANKABLE)}, got {rank_by!r}")
        require(mode in (None, "screening", "full"),
                f"--mode must be screening or full, got {mode!r}")
        pf = load_portfolio(portfolio, base=base, mode=mode)
        out_dir = output_dir(out or portfolio.with_name(portfolio.name + ".screen"), "--out",
                             [LEDGER, TABLE_CSV, TABLE_PARQUET],
                             [portfolio, *([base] if base is not None else [])])
        n_invalid = len(pf.invalid)
        err.print(f"{portfolio}: {len(pf.specs)} deals ({n_invalid} invalid"
                  + (f", {pf.duplicates} duplicate rows dropped" if pf.duplicates else "")
                  + f"), backend {chosen}, output {out_dir}")
        with Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as bar, \
                stop_on_sigterm(), Heartbeat() as beat:
            task = bar.add_task("screen", total=len(pf.specs))
            beat.set(f"screening: 0/{len(pf.specs)} deals done")

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)
                beat.status = f"screening: {done}/{total} deals done"

            report = screen(pf, out_dir, backend=chosen, workers=workers, scheduler=scheduler,
                            resume=resume, retry_errors=retry_errors, batch_size=batch_size,
                            progress=progress)
        counts = report.counts()
        err.print(f"{report.computed} computed, {report.resumed} resumed"
                  + (f", {report.failed} failed (worker lost)" if report.failed else "")
                  + f" in {report.seconds:.1f} s ({report.deals_per_minute:.1f} deals/min on "
                  f"{report.workers} worker(s)); " + ", ".join(f"{v} {k}"
                                                             for k, v in counts.items()))
        ranked = report.ranked(rank_by, top)
        if as_json:
            summary = {
                "portfolio": str(portfolio),
                "out_dir": str(report.out_dir),
                "files": {"csv": str(report.csv_path), "ledger": str(report.ledger_path),
                          "parquet": None if report.parquet_path is None
                          else str(report.parquet_path)},
                "backend": report.backend,
                "workers": report.workers,
                "deals": len(report.table),
                "computed": report.computed,
                "resumed": report.resumed,
                "failed": report.failed,
                "status": counts,
                "seconds": round(report.seconds, 3),
                "deals_per_minute": round(report.deals_per_minute, 2),
                "rank_by": rank_by,
                "ranked": [_json_row(r, pf.override_columns, rank_by)
                           for r in ranked.to_dict("records")],
                "errors": [{"id": r["id"], "status": r["status"], "message": r["message"]}
                           for r in report.table.to_dict("records")
                           if r["status"] != "ok"][:50],
            }
            sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        else:
            varying = [c for c in pf.override_columns
                       if report.table[c].astype(str).nunique() > 1]
            print_ranked(ranked, varying, rank_by)
            for r in report.table.to_dict("records"):
                if r["status"] != "ok":
                    err.print(f"{r['status']}: {r['id']}: {r['message']}")
        if report.failed:
            err.print(f"error: {report.failed} deal(s) failed because a worker process died; "
                      "re-run the same command to retry them")
            return int(ExitCode.INTERNAL_ERROR)
        return int(ExitCode.OK)

    code = run_guarded(go)
    if code:
        raise typer.Exit(code)






def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v.item() if hasattr(v, "item") else v


def _json_row(row: dict[str, Any], overrides: list[str], by: str) -> dict[str, Any]:
    keys = ["id", *overrides, by, *(k for k in _SHOWN if k != by), "checks_failed", "key"]
    return {k: _clean(row.get(k)) for k in dict.fromkeys(keys)}


def _fmt(v: Any, column: str = "") -> str:
    v = _clean(v)
    if v is None:
        return "-"
    spec = METRIC_CATALOGUE.get(column)
    if isinstance(v, float) and spec is not None and spec.unit == "fraction":
        return f"{v:.2%}"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return str(v)


def print_ranked(ranked: Any, overrides: list[str], by: str) -> None:
    """The ranked table on stdout: id, the override columns given, ``by`` and key metrics."""
    order = "ascending" if by in LOWER_IS_BETTER else "descending"
    t = Table(title=f"top {len(ranked)} by {by} ({order})")
    cols = list(dict.fromkeys(["id", *overrides, by, *_TABLE]))
    for c in cols:
        t.add_column(c, justify="left" if c == "id" or c in overrides else "right")
    for r in ranked.to_dict("records"):
        t.add_row(*(_fmt(r.get(c), c) for c in cols))
    out = out_console()
    if not out.is_terminal:
        out = Console(width=240, markup=False)
    out.print(t)
