"""``bessfin run``, ``bessfin compare`` and ``bessfin schema``: deals from TOML files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bessfin.cli.common import ExitCode, app, err, out_console, require, run_guarded
from bessfin.cli.paths import file_stem, output_dir
from bessfin.deal import (
    DealResult,
    attach_ladder,
    check_references,
    deal_schema,
    load_deal,
    run_deal,
)
from bessfin.studies import p_values, price_year_distribution, tornado

Mode = Annotated[str, typer.Option(
    help="Dispatch every operating year ('full') or two anchor years per price year "
    "('screening', see docs/lifetime.md).")]


#: Files ``run`` writes into ``--out`` for a deal whose file stem is ``s``.
REPORT_FILES = ("{s}.html", "{s}.xlsx", "{s}_pro_forma.csv")


def _check_mode(mode: str) -> None:
    require(mode in ("full", "screening"), f"--mode must be full or screening, got {mode!r}")


def _run_one(path: Path, mode: str, progress: Progress | None,
             ladder: bool = False) -> DealResult:
    deal = load_deal(path)
    check_references(deal, str(path))
    task = None
    if progress is not None:
        task = progress.add_task(f"{deal.name}: dispatch", total=deal.project.life_years)

    def step(year: int, total: int) -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=year)

    result = run_deal(deal, mode=mode, progress=step)  # type: ignore[arg-type]
    if ladder:
        if err.is_terminal:  # a progress note, like the progress bar: terminals only
            err.print("revenue ladder: ceiling and AS-depth rungs (screening re-dispatch) ...")
        attach_ladder(result)
    return result


def _ladder_table(result: DealResult) -> Table:
    lad = result.ladder
    assert lad is not None
    t = Table(title="revenue ladder (merchant, net of wear cost)",
              caption="; ".join(f"{r.name}: {r.label}" for r in lad.rungs))
    for col in ("rung", "year 1 [$M]", "year 1 [$/kW-yr]", "capture", "life [$/kW-yr]",
                "capture"):
        t.add_column(col, justify="left" if col == "rung" else "right")
    for r in lad.rungs:
        t.add_row(r.name, f"{r.year1_usd / 1e6:.2f}", f"{r.year1_usd_per_kw_yr:.1f}",
                  f"{r.year1_capture:.0%}", f"{r.life_usd_per_kw_yr:.1f}",
                  f"{r.life_capture:.0%}")
    return t


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                    TextColumn("{task.completed}/{task.total} years"), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


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
    t.add_row("investment view", *(s["investment_verdict"].upper() for s in summaries))
    t.add_row("lender view", *(s["lender_verdict"].upper() for s in summaries))
    for name in names:
        t.add_row(metric_label(name), *(format_metric(name, s.get(name)) for s in summaries))
    t.add_row("foresight", *(s["foresight"] for s in summaries))
    t.add_row("price years", *(s["price_path"] for s in summaries))
    return t


def _print_verdicts(console: Console, result: DealResult) -> None:
    """Both verdicts with their reasons (investment first), then debt and IRR notes."""
    prefix = f"{result.deal.name}: "
    for v in (result.investment, result.lender):
        console.print(f"{prefix}{v.view} view: {v.headline}")
        for reason in v.reasons:
            console.print(f"  - {reason}")
    for name, note in result.pro_forma.metrics.irr_notes.items():
        console.print(f"  note: {name}: {note}")


def _write_reports(result: DealResult, out: Path, with_sensitivity: bool,
                   inputs: list[Path]) -> dict[str, str]:
    from bessfin.report import write_excel, write_html

    slug = file_stem(result.deal.name)
    output_dir(out, "--out", [f.format(s=slug) for f in REPORT_FILES], inputs)
    tor = None
    if with_sensitivity:
        err.print("sensitivities: tornado (screening-mode re-dispatch) ...")
        tor = tornado(result)
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
    ladder: Annotated[bool, typer.Option(help="Revenue ladder: ceiling, AS depth, base case "
                                              "(two screening-mode re-dispatches).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON summary on stdout.")] = False,
) -> None:
    """Run one deal: dispatch over its life, pro forma, lender checks, reports."""

    def go() -> DealResult:
        _check_mode(mode)
        if report:
            output_dir(out, "--out", inputs=[deal_file])
        with _progress() as progress:
            result = _run_one(deal_file, mode, progress, ladder)
        summary = result.summary_dict()
        if sensitivity:
            dist = price_year_distribution(result.deal)
            summary["price_year_distribution"] = {
                "values": dist.to_dict(orient="records"), **p_values(dist)}
        if report:
            summary["files"] = _write_reports(result, out, sensitivity, [deal_file])
            err.print(f"report written to {summary['files']['html']}")
        if as_json:
            sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
        else:
            console = out_console()
            _print_verdicts(console, result)
            console.print(_metrics_table([result]))
            if result.ladder is not None:
                console.print(_ladder_table(result))
            upper = summary.get("as_prices_upper_bound")
            if upper:
                low = upper["revenue_at_lower_as_prices"]
                console.print(f"AS prices are an upper bound ({upper['reason']}); at "
                              f"-{low['as_price_cut']:.0%} AS prices year-1 merchant revenue "
                              f"is at least {low['year1_usd_per_kw_yr']:.1f} $/kW-yr")
            st = summary["settlement"]
            if st["settlement"] == "da+rt":
                console.print(
                    f"two-settlement (year 1, RT {st['rt_foresight']}, mean of price years): "
                    f"DA-only {st['da_only_usd_per_kw_year']:.1f} $/kW-yr, DA+RT "
                    f"{st['da_rt_usd_per_kw_year']:.1f} $/kW-yr, RT uplift "
                    f"{st['rt_uplift_usd_per_kw_year']:+.1f} $/kW-yr; {st['pro_forma_revenue']}")
            for c in result.checks:
                console.print(f"{'pass' if c.passed else 'FAIL'}: {c.name}: {c.reason}")
        return result

    result = run_guarded(go)
    if result.lender_failed:
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
        require(len(deal_files) >= 2, "compare needs at least two deal files")
        _check_mode(mode)
        if report:
            output_dir(out, "--out", ["comparison.html"], deal_files)
        with _progress() as progress:
            results = [_run_one(p, mode, progress) for p in deal_files]
        data = {"deals": [r.summary_dict() for r in results]}
        if report:
            from bessfin.report import write_comparison_html

            path = write_comparison_html(results, out / "comparison.html")
            data["files"] = {"html": str(path)}
            err.print(f"comparison written to {path}")
        if as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            console = out_console()
            for r in results:
                _print_verdicts(console, r)
            console.print(_metrics_table(results))
        return results

    results = run_guarded(go)
    if any(r.lender_failed for r in results):
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of deal files."""
    sys.stdout.write(json.dumps(deal_schema(), indent=2) + "\n")
