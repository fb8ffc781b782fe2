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
from bessfin.cli.paths import file_stem, output_dir
from bessfin.deal import (
    DealResult,
    attach_ladder,
    check_references,
    deal_schema,
    load_deal,
    load_deal_prices,
    run_deal,
)
from bessfin.deal.run import available_cores
from bessfin.dispatch.pool import price_year_workers
from bessfin.studies import compare, json_safe, p_values, price_year_distribution, tornado
from bessfin.studies.sensitivity import TORNADO_MODES

Mode = Annotated[str, typer.Option(
    help="Dispatch every operating year ('full') or two anchor years per price year "
    "('screening', see docs/lifetime.md). The output names the mode used.")]


#: Files ``run`` writes into ``--out`` for a deal whose file stem is ``s``.
REPORT_FILES = ("{s}.html", "{s}.xlsx", "{s}_pro_forma.csv")


def _check_mode(mode: str) -> None:
    require(mode in ("full", "screening"), f"--mode must be full or screening, got {mode!r}")


def _run_one(path: Path, mode: str, progress: Progress | None,
             beat: Heartbeat | None = None, ladder: bool = False,
             cache: dict | None = None, prices: dict | None = None) -> DealResult:
    """Run the deal in ``path``; ``cache``: the job's one model cache (the ladder's
    re-dispatches share it); ``prices``: a dict that receives the deal's loaded prices."""
    deal = load_deal(path)
    check_references(deal, str(path))
    cache = {} if cache is None else cache
    loaded = load_deal_prices(deal)
    if prices is not None:
        prices.update(loaded)
    task = None
    if progress is not None:
        task = progress.add_task(f"{deal.name}: dispatch", total=deal.project.life_years)
    if beat is not None:
        beat.set(f"{deal.name}: {mode} dispatch: starting")

    def step(year: int, total: int) -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=year)
        if beat is not None:
            beat.set(f"{deal.name}: {mode} dispatch: year {year}/{total}")

    result = run_deal(deal, prices=loaded, mode=mode, progress=step,  # type: ignore[arg-type]
                      cache=cache)
    if ladder:
        if err.is_terminal:  # a progress note, like the progress bar: terminals only
            err.print("revenue ladder: ceiling and AS-depth rungs (screening re-dispatch) ...")
        if beat is not None:
            beat.set(f"{deal.name}: revenue ladder (screening re-dispatch)")
        attach_ladder(result, prices=loaded, cache=cache)
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
    for u in lad.uplifts:  # base minus a rung: the capture columns hold % of that rung
        t.add_row(f"{u.name} (vs {u.over})", f"{u.year1_usd / 1e6:+.2f}",
                  f"{u.year1_usd_per_kw_yr:+.1f}", f"{u.year1_pct:+.1f}%",
                  f"{u.life_usd_per_kw_yr:+.1f}", f"{u.life_pct:+.1f}%")
    return t


def _uplift_lines(result: DealResult) -> list[str]:
    """One line per ladder uplift: year 1 and life in $ and % (e.g. the RT uplift)."""
    if result.ladder is None:
        return []
    return [f"{u.label}: year 1 {u.year1_usd / 1e6:+.2f} $M ({u.year1_pct:+.1f} % of "
            f"{u.over}), life {u.life_usd / 1e6:+.2f} $M ({u.life_pct:+.1f} %)"
            for u in result.ladder.uplifts]


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                    TextColumn("{task.completed}/{task.total} years"), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


def _metrics_table(results: list[DealResult], note: str = "") -> Table:
    modes = sorted({r.lifetime.mode for r in results})
    title = "bankability" if len(results) == 1 else "deal comparison"
    t = Table(title=f"{title} ({'/'.join(modes)} dispatch{note})")
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
    t.add_row("ITC MACR test", *(s["macr_status"] for s in summaries))
    t.add_row("ITC override", *("yes" if s["itc_override"] else "no" for s in summaries))
    t.add_row("annualised price years",
              *(", ".join(map(str, s["annualised_price_years"])) or "none" for s in summaries))
    return t


def _print_notes(results: list[DealResult]) -> None:
    """The input notes of each deal (annualised years, MACR not assessed, ITC override)."""
    for r in results:
        for line in r.input_notes():
            out_console().print(f"note: {r.deal.name}: {line}", highlight=False)


def _print_verdicts(console: Console, result: DealResult) -> None:
    """Both verdicts with their reasons (investment first), then debt and IRR notes."""
    prefix = f"{result.deal.name}: "
    for v in (result.investment, result.lender):
        console.print(f"{prefix}{v.view} view: {v.headline}")
        for reason in v.reasons:
            console.print(f"  - {reason}")
    for name, note in result.pro_forma.metrics.irr_notes.items():
        console.print(f"  note: {name}: {note}")


def _tornado(result: DealResult, mode: str, cache: dict, prices: dict,
             beat: Heartbeat | None = None):
    """The deal's tornado, its re-dispatching levers valued as ``mode`` says."""
    what = ("screening-mode delta" if mode == "screening" else
            f"{result.lifetime.mode}-mode re-dispatch")
    err.print(f"sensitivities: tornado ({what}) ...")
    if beat is not None:
        beat.set(f"sensitivities: tornado ({what})")
    # the re-dispatches on up to two processes when that pays (docs/performance.md)
    return tornado(result, mode=mode, cache=cache, prices=prices,
                   workers=tornado_workers())


def tornado_workers() -> int:
    """Processes for the tornado's re-dispatches when the job has no price-year workers
    (``--workers 1``; with them the tornado's lives use those): this one and, with two
    cores, one spawned worker, each dispatching its lives' price years one after the other
    (threads would
    only compete for the two cores): 6.6 s on two processes against 7.5 s on one for the
    ERCOT example's screening delta (idle 2 cores, 2026-12-02; same values); six full lives
    a fortiori."""
    return min(2, available_cores())


def _write_reports(result: DealResult, out: Path, tor, inputs: list[Path],
                   price_years=None, beat: Heartbeat | None = None) -> dict[str, str]:
    from bessfin.report import write_excel, write_html

    slug = file_stem(result.deal.name)
    output_dir(out, "--out", [f.format(s=slug) for f in REPORT_FILES], inputs)
    if beat is not None:
        beat.set("reports: HTML and Excel")
    files = {
        "html": str(write_html(result, out / f"{slug}.html", tornado=tor,
                               price_years=price_years)),
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
    sensitivity: Annotated[bool, typer.Option(
        help="Tornado and P50/P90 (in the report and the JSON).")] = True,
    tornado_mode: Annotated[str, typer.Option(
        help="How the tornado values inputs that change the dispatch (price level, RTE, "
        "degradation): 'screening' = base + the change between screening-mode lives (the "
        "delta method, docs/deals.md#sensitivities); 'full' = each moved deal's whole life "
        "re-dispatched in --mode.")] = "screening",
    report: Annotated[bool, typer.Option(help="Write the HTML and Excel reports.")] = True,
    ladder: Annotated[bool, typer.Option(help="Revenue ladder: ceiling, AS depth, base case "
                                              "(two screening-mode re-dispatches).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON summary on stdout.")] = False,
    workers: Annotated[int | None, typer.Option(
        help="Processes dispatching the deal's price years side by side, each keeping its "
        "price years' models for the whole job (default: one per available core; 1: this "
        "process only). The life, ladder and P50/P90 do not depend on it; tornado bars "
        "re-dispatched on the workers start warm from the life's models and may differ in "
        "the fifth decimal.")] = None,
) -> None:
    """Run one deal: dispatch over its life, pro forma, lender checks, reports."""

    def go() -> DealResult:
        _check_mode(mode)
        require(tornado_mode in TORNADO_MODES,
                f"--tornado-mode must be full or screening, got {tornado_mode!r}")
        require(workers is None or workers >= 1, f"--workers must be >= 1, got {workers}")
        if report:
            output_dir(out, "--out", inputs=[deal_file])
        # one cache for the whole job: built models, their warm-start bases and dispatched
        # years are re-used by the ladder, P50/P90 and tornado re-dispatches; with two or
        # more cores the price years' models live in worker processes (dispatch/pool.py)
        cache: dict = {}
        prices: dict = {}
        n = available_cores() if workers is None else workers
        with stop_on_sigterm(), price_year_workers(cache, n), Heartbeat() as beat:
            with _progress() as progress:
                result = _run_one(deal_file, mode, progress, beat, ladder, cache, prices)
            summary = result.summary_dict()
            dist = tor = None
            if sensitivity:
                beat.set("P50/P90: the deal on each of its price years (screening dispatch)")
                dist = price_year_distribution(result.deal, cache=cache, prices=prices)
                summary["price_year_distribution"] = json_safe({
                    "values": dist.to_dict(orient="records"), **p_values(dist)})
                tor = _tornado(result, tornado_mode, cache, prices, beat)
                summary["tornado"] = json_safe({
                    "mode": tornado_mode, "metric": str(tor["metric"].iloc[0]),
                    "bars": tor.to_dict(orient="records")})
            if report:
                summary["files"] = _write_reports(result, out, tor, [deal_file], dist, beat)
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
                    f"{st['rt_uplift_usd_per_kw_year']:+.1f} $/kW-yr; pro forma revenue: "
                    f"{st['pro_forma_revenue']}", highlight=False)
                for line in _uplift_lines(result):
                    console.print(line, highlight=False)
            _print_notes([result])
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
    discount_rate: Annotated[float | None, typer.Option(
        help="Value every deal at this one discount rate (e.g. 0.08) instead of each deal's "
        "own; the dispatch is unchanged.")] = None,
    p50: Annotated[bool, typer.Option(
        "--p50/--no-p50", help="P50/P90 of each deal over its own price years (one screening "
        "dispatch per year).")] = True,
    report: Annotated[bool, typer.Option(help="Write the HTML comparison.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Put deals side by side: metrics, differing assumptions, per-kW views, an attribution
    of the return difference by driver, P50/P90 and lender checks."""

    def go() -> list[DealResult]:
        require(len(deal_files) >= 2, "compare needs at least two deal files")
        _check_mode(mode)
        require(discount_rate is None or discount_rate > -1,
                f"--discount-rate must be > -1, got {discount_rate}")
        if report:
            output_dir(out, "--out", ["comparison.html"], deal_files)
        with Heartbeat() as beat:
            with _progress() as progress:
                runs = [_run_one(p, mode, progress, beat) for p in deal_files]
            beat.set("comparison: attribution by driver")
            comp = compare(runs, discount_rate=discount_rate)
            results = comp.results
            dists = {}
            if p50:
                for name, r in zip(comp.names, results, strict=True):
                    beat.set(f"P50/P90: {name} on each of its price years")
                    dists[name] = price_year_distribution(r.deal)
            data = {"deals": [r.summary_dict() for r in results], **comp.summary_dict()}
            if dists:
                data["price_year_distribution"] = {
                    n: {"values": d.to_dict(orient="records"), **p_values(d)}
                    for n, d in dists.items()}
            if report:
                from bessfin.report import write_comparison_html

                beat.set("report: comparison HTML")
                path = write_comparison_html(results, out / "comparison.html",
                                             comparison=comp, price_years=dists)
                data["files"] = {"html": str(path)}
                err.print(f"comparison written to {path}")
        if as_json:
            sys.stdout.write(json.dumps(json_safe(data), indent=2, default=str) + "\n")
        else:
            note = ("" if discount_rate is None else
                    f", all at a {discount_rate:.2%} discount rate")
            console = out_console()
            for r in results:
                _print_verdicts(console, r)
            console.print(_metrics_table(results, note))
            _print_notes(results)
            if not comp.assumptions.empty:
                console.print(f"assumptions that differ: {', '.join(comp.assumptions.index)}")
        return results

    results = run_guarded(go)
    if any(r.lender_failed for r in results):
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of deal files."""
    sys.stdout.write(json.dumps(deal_schema(), indent=2) + "\n")
