"""``bessfin run``, ``bessfin compare`` and ``bessfin schema``: deals from TOML files."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bessfin.cli.common import ExitCode, app, err, run_guarded
from bessfin.deal import DealResult, deal_schema, load_deal, run_deal
from bessfin.studies import p_values, price_year_distribution, tornado

Mode = Annotated[str, typer.Option(
    help="Dispatch every operating year ('full') or two anchor years per price year "
    "('screening', see docs/lifetime.md).")]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "deal"


def _run_one(path: Path, mode: str, progress: Progress | None,
             cache: dict | None = None) -> DealResult:
    if mode not in ("full", "screening"):
        raise ValueError(f"--mode must be full or screening, got {mode!r}")
    deal = load_deal(path)
    task = None
    if progress is not None:
        task = progress.add_task(f"{deal.name}: dispatch", total=deal.project.life_years)

    def step(year: int, total: int) -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=year)

    return run_deal(deal, mode=mode, progress=step, cache=cache)  # type: ignore[arg-type]


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"
                    "/{task.total} years"), TimeElapsedColumn(), console=err, transient=True)


def _metrics_table(results: list[DealResult]) -> Table:
    t = Table(title="bankability" if len(results) == 1 else "deal comparison")
    t.add_column("metric")
    for r in results:
        t.add_column(r.deal.name, justify="right")
    from bessfin.report.fmt import format_metric, metric_label

    names = ("project_irr_pre_tax", "project_irr_after_tax", "equity_irr_after_tax",
             "project_npv_after_tax_usd", "capex_usd", "itc_rate", "debt_usd", "min_dscr",
             "lcos_usd_per_mwh", "lcos_with_credits_usd_per_mwh", "year1_merchant_usd_per_kw_yr",
             "project_payback_year")
    summaries = [r.summary_dict() for r in results]
    for name in names:
        t.add_row(metric_label(name), *(format_metric(name, s.get(name)) for s in summaries))
    t.add_row("foresight", *(s["foresight"] for s in summaries))
    t.add_row("price years", *(s["price_path"] for s in summaries))
    t.add_row("lender checks", *("pass" if s["passed"] else "FAIL" for s in summaries))
    return t


def _write_reports(result: DealResult, out: Path, with_sensitivity: bool,
                   cache: dict | None = None) -> dict[str, str]:
    from bessfin.report import write_excel, write_html

    out.mkdir(parents=True, exist_ok=True)
    slug = _slug(result.deal.name)
    tor = None
    if with_sensitivity:
        err.print("sensitivities: tornado (screening-mode re-dispatch) ...")
        # the re-dispatching levers on up to two processes (issue 14: both cores)
        tor = tornado(result, cache=cache, workers=min(2, len(os.sched_getaffinity(0))))
    files = {
        "html": str(write_html(result, out / f"{slug}.html", tornado=tor)),
        "excel": str(write_excel(result, out / f"{slug}.xlsx")),
        "pro_forma_csv": str(out / f"{slug}_pro_forma.csv"),
    }
    result.pro_forma.annual.to_csv(files["pro_forma_csv"])
    return files


@app.command("run")
def run_cmd(
    deal_file: Annotated[Path, typer.Argument(help="Deal TOML file.")],
    out: Annotated[Path, typer.Option(help="Folder for the HTML report, Excel pro forma "
                                           "and CSV.")] = Path("out"),
    mode: Mode = "full",
    sensitivity: Annotated[bool, typer.Option(help="Tornado and P50/P90 in the report.")] = True,
    report: Annotated[bool, typer.Option(help="Write the HTML and Excel reports.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON summary on stdout.")] = False,
) -> None:
    """Run one deal: dispatch over its life, pro forma, lender checks, reports."""

    def go() -> DealResult:
        # one cache for the whole job: built models, their warm-start bases and dispatched
        # years are re-used by the P50/P90 and tornado re-dispatches
        cache: dict = {}
        with _progress() as progress:
            result = _run_one(deal_file, mode, progress, cache)
        summary = result.summary_dict()
        if sensitivity:
            dist = price_year_distribution(result.deal, cache=cache)
            summary["price_year_distribution"] = {
                "values": dist.to_dict(orient="records"), **p_values(dist)}
        if report:
            summary["files"] = _write_reports(result, out, sensitivity, cache)
            err.print(f"report written to {summary['files']['html']}")
        if as_json:
            sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
        else:
            Console().print(_metrics_table([result]))
            for c in result.checks:
                Console().print(f"{'pass' if c.passed else 'FAIL'}: {c.name}: {c.reason}")
        return result

    result = run_guarded(go)
    if not result.passed:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


@app.command("compare")
def compare_cmd(
    deal_files: Annotated[list[Path], typer.Argument(help="Two or more deal TOML files.")],
    out: Annotated[Path, typer.Option(help="Folder for the comparison report.")] = Path("out"),
    mode: Mode = "screening",
    report: Annotated[bool, typer.Option(help="Write the HTML comparison.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Put deals side by side: metrics, revenue stack and lender checks."""

    def go() -> list[DealResult]:
        if len(deal_files) < 2:
            raise ValueError("compare needs at least two deal files")
        with _progress() as progress:
            results = [_run_one(p, mode, progress) for p in deal_files]
        data = {"deals": [r.summary_dict() for r in results]}
        if report:
            from bessfin.report import write_comparison_html

            out.mkdir(parents=True, exist_ok=True)
            path = write_comparison_html(results, out / "comparison.html")
            data["files"] = {"html": str(path)}
            err.print(f"comparison written to {path}")
        if as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            Console().print(_metrics_table(results))
        return results

    results = run_guarded(go)
    if not all(r.passed for r in results):
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of deal files."""
    sys.stdout.write(json.dumps(deal_schema(), indent=2) + "\n")
