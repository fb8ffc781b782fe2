"""``bessfin parity``: a deal's supply options side by side, break-even tariff and cell price."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bessfin.cli.common import Heartbeat, app, err, out_console, run_guarded
from bessfin.cli.paths import output_file
from bessfin.deal import check_references, dispatch_deal, load_deal
from bessfin.io import csv_safe
from bessfin.studies import (
    DEFAULT_RATES,
    ITC_TIERS,
    METRICS,
    BreakEven,
    breakeven_cell_price,
    breakeven_tariff,
    compare_options,
    parity_curves,
    plot_parity_curves,
)
from bessfin.supply import get_scenario, list_supply_options


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise ValueError(f"empty list {text!r}")
    return items


def _check_names(kind: str, names: list[str], valid: list[str]) -> None:
    for n in names:
        if n not in valid:
            raise ValueError(f"unknown {kind} {n!r}; valid {kind}s: {', '.join(valid)}")


def _clean(x: Any) -> Any:
    """NaN/inf -> None, numpy scalars -> Python, recursively."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _check_outputs(csv: Path | None, plot: Path | None, deal_file: Path) -> None:
    """``--csv`` and ``--plot`` usable (before any work) and never the deal file."""
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"--plot must end in .png, .svg or .pdf, got {plot.name!r}")
    for path, option in ((csv, "--csv"), (plot, "--plot")):
        if path is not None:
            output_file(path, option, [deal_file])


@app.command("parity")
def parity_cmd(
    deal_file: Annotated[Path, typer.Argument(help="Deal TOML file.")],
    options: Annotated[str | None, typer.Option(
        help="Comma-separated supply options to compare (default: all shipped).")] = None,
    tiers: Annotated[str, typer.Option(
        help=f"Comma-separated ITC tiers: {', '.join(ITC_TIERS)}.")] = "deal",
    import_option: Annotated[str, typer.Option(
        "--import-option", help="Option whose import duty is solved for.")] = "china-import",
    domestic_option: Annotated[str, typer.Option(
        "--domestic-option", help="Option it is compared with.")] = "fully-domestic",
    metric: Annotated[str, typer.Option(
        help=f"Metric made equal: {', '.join(METRICS)}.")] = "project_irr_after_tax",
    tariff_scenario: Annotated[str | None, typer.Option(
        "--tariff-scenario", help="Tariff scenario (default: the deal's).")] = None,
    import_duty_rate: Annotated[float | None, typer.Option(
        "--import-duty-rate",
        help="Total duty on imported battery lines in the table [fraction, 0.484 = 48.4%], "
        "replacing the scenario's.")] = None,
    max_rate: Annotated[float, typer.Option(
        "--max-rate", help="Upper end of the break-even tariff search [fraction].")] = 2.0,
    mode: Annotated[str, typer.Option(
        help="Lifetime dispatch: 'full' or 'screening'.")] = "screening",
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the option table here.")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Write parity curves (metric vs duty rate) to this PNG/SVG/PDF.")] = None,
) -> None:
    """Compare a deal's supply options (one dispatch), and solve the break-even import duty
    and domestic cell price between --import-option and --domestic-option for each ITC tier."""

    def go() -> None:
        valid = list(list_supply_options())
        names = _split(options) or valid
        _check_names("supply option", [*names, import_option, domestic_option], valid)
        tier_names = _split(tiers) or ["deal"]
        _check_names("ITC tier", tier_names, list(ITC_TIERS))
        _check_names("metric", [metric], list(METRICS))
        if mode not in ("full", "screening"):
            raise ValueError(f"--mode must be full or screening, got {mode!r}")
        if tariff_scenario is not None:
            try:
                get_scenario(tariff_scenario)
            except ValueError as e:
                raise ValueError(f"--tariff-scenario: {e}") from None
        _check_outputs(csv, plot, deal_file)
        deal = load_deal(deal_file)
        check_references(deal, str(deal_file))
        err.print(f"{deal.name}: lifetime dispatch ({mode}) ...")
        with Heartbeat() as beat:
            beat.set(f"{deal.name}: lifetime dispatch ({mode})")
            lifetime = dispatch_deal(deal, mode=mode)  # type: ignore[arg-type]
            beat.set("parity: supply options and break-evens")
            _parity_rest(deal, lifetime, names, tier_names)

    def _parity_rest(deal: Any, lifetime: Any, names: list[str], tier_names: list[str]) -> None:
        table = compare_options(deal, lifetime, names, itc_tiers=tier_names,
                                tariff_scenario=tariff_scenario,
                                import_duty_rate=import_duty_rate)
        tariff: list[BreakEven] = []
        cell: list[BreakEven] = []
        notes: list[str] = []
        for t in tier_names:
            tariff.append(breakeven_tariff(deal, lifetime, import_option, domestic_option,
                                           metric=metric, itc_tier=t, max_rate=max_rate,
                                           tariff_scenario=tariff_scenario))
            try:
                cell.append(breakeven_cell_price(deal, lifetime, import_option, domestic_option,
                                                 metric=metric, itc_tier=t,
                                                 import_duty_rate=import_duty_rate,
                                                 tariff_scenario=tariff_scenario))
            except ValueError as e:
                if "cell line" not in str(e):
                    raise
                notes.append(f"cell-price break-even skipped: {e}")
                break
        files: dict[str, str] = {}
        if csv is not None:
            csv_safe(table).to_csv(csv)
            files["csv"] = str(csv)
            err.print(f"table written to {csv}")
        if plot is not None:
            curves = parity_curves(deal, lifetime, names, rates=DEFAULT_RATES, metric=metric,
                                   itc_tiers=tier_names, tariff_scenario=tariff_scenario)
            plot_parity_curves(curves, plot, breakevens=tariff,
                               marks={"Jan 2026 stack 48.4%": 0.484, "CSIS 58.4%": 0.584},
                               title=f"{deal.name}: {METRICS[metric].label} vs import duty")
            files["plot"] = str(plot)
            err.print(f"parity curves written to {plot}")
        if as_json:
            data = {
                "deal": deal.name,
                "boc_date": str(deal.project.boc_date),
                "metric": metric,
                "dispatch_mode": mode,
                "import_duty_rate": import_duty_rate,
                "options": table.reset_index().to_dict(orient="records"),
                "breakeven_tariff": [b.to_dict() for b in tariff],
                "breakeven_cell_price": [b.to_dict() for b in cell],
                "notes": notes,
                "files": files,
            }
            sys.stdout.write(json.dumps(_clean(data), indent=2, default=str) + "\n")
        else:
            _print(table, tariff, cell, notes)

    run_guarded(go)


def _print(table: Any, tariff: list[BreakEven], cell: list[BreakEven], notes: list[str]) -> None:
    """Options as columns, metrics as rows (fits a terminal), then reasons and break-evens."""
    from bessfin.report.fmt import format_metric, metric_label

    out = out_console()
    t = Table(title="supply options")
    rows = [
        ("landed DC block [$/kWh]", "landed_usd_per_kwh", "{:.2f}"),
        ("  of which duty [$/kWh]", "duty_usd_per_kwh", "{:.2f}"),
        ("45X effect [$/kWh]", "x45_effect_usd_per_kwh", "{:.2f}"),
        ("net DC block [$/kWh]", "net_dc_block_usd_per_kwh", "{:.2f}"),
        ("capex [$]", "capex_usd", "{:,.0f}"),
        ("DC adjusted %", "dc_adjusted_pct", "{:.1%}"),
        ("DC pass", "dc_pass", "{}"),
        ("MACR", "macr", "{:.1%}"),
        ("MACR pass", "macr_pass", "{}"),
    ]
    metrics = ("itc_rate", "project_irr_pre_tax", "project_irr_after_tax", "equity_irr_after_tax",
               "project_npv_after_tax_usd", "lcos_usd_per_mwh", "lcos_with_credits_usd_per_mwh")
    t.add_column("metric")
    for opt, tier in table.index:
        t.add_column(f"{opt}\n({tier})", justify="right")
    for label, key, fmt in rows:
        cells = []
        for v in table[key]:
            bad = isinstance(v, float) and not math.isfinite(v)
            cells.append("-" if bad else fmt.format(v))
        t.add_row(label, *cells)
    for name in metrics:  # labels and formats from the metric catalogue
        t.add_row(metric_label(name), *(format_metric(name, v) for v in table[name]))
    out.print(t)
    for (opt, tier), row in table.iterrows():
        out.print(f"ITC {opt} [{tier}]: {row['itc_reason']}", highlight=False, soft_wrap=True,
                  markup=False)
    for b in [*tariff, *cell]:
        out.print(f"break-even [{b.itc_tier}] {b.import_option} vs {b.domestic_option}: "
                  f"{b.message}", highlight=False, soft_wrap=True, markup=False)
    for n in notes:
        out.print(f"note: {n}", highlight=False, soft_wrap=True, markup=False)
