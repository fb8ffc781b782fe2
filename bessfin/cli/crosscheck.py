"""``bessfin crosscheck``: a deal's finance against NREL SAM Single Owner, line by line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from bessfin.cli.common import ExitCode, app, err, fail, run_guarded
from bessfin.deal import load_deal
from bessfin.finance import metric

_FMT = {"fraction": lambda v: f"{v:.4%}", "usd": lambda v: f"{v:,.2f}", "x": lambda v: f"{v:.6f}x"}


def _cell(unit: str, v: float) -> str:
    return "-" if pd.isna(v) else _FMT[unit](v)


def _diff(unit: str, v: float) -> str:
    if unit == "fraction":
        return f"{v * 100:+.6f} pp"
    return f"{v:+,.2f}" if unit == "usd" else f"{v:+.2e}"


def _tables(result) -> list[Table]:
    t = result.table
    head = Table(title=f"{result.deal.name}: bessfin (SAM conventions) vs NREL SAM Single Owner")
    head.add_column("metric", no_wrap=True)
    for col in ("bessfin", "SAM", "SAM - bessfin", "ok"):
        head.add_column(col, justify="right")
    for r in t[t["year"].isna()].itertuples():
        head.add_row(f"{metric(r.item).label} ({r.item})", _cell(r.unit, r.bessfin),
                     _cell(r.unit, r.sam), _diff(r.unit, r.difference), "yes" if r.agrees else "NO")
    annual = t[t["year"].notna()]
    years = Table(title="after-tax cash flow by year [$]")
    years.add_column("year", justify="right")
    shown = (("cash_flow_to_equity_usd", "equity"), ("unlevered_after_tax_cash_flow_usd",
                                                      "project (unlevered)"))
    for _, label in shown:
        for col in (f"{label} bessfin", "SAM", "SAM - bessfin"):
            years.add_column(col, justify="right")
    for year, g in annual.groupby("year", sort=True):
        cells = []
        for item, _ in shown:
            r = g[g["item"] == item].iloc[0]
            cells += [f"{r['bessfin']:,.2f}", f"{r['sam']:,.2f}",
                      f"{r['difference']:+,.2f}" + ("" if r["agrees"] else " !")]
        years.add_row(str(year), *cells)
    others = annual[~annual["item"].isin([i for i, _ in shown])]
    worst = others.groupby("item", sort=False)["difference"].apply(lambda s: s.abs().max())
    years.caption = "other annual lines, largest |SAM - bessfin|: " + ", ".join(
        f"{k.removesuffix('_usd')} ${v:,.2f}" for k, v in worst.items())
    gap = Table(title="what SAM's conventions are worth on this deal")
    gap.add_column("metric", no_wrap=True)
    for col in ("deal's conventions", "SAM conventions", "SAM - deal's"):
        gap.add_column(col, justify="right")
    for name, r in result.defaults.iterrows():
        unit = "usd" if name.endswith("_usd") else ("x" if name == "min_dscr" else "fraction")
        d = r["difference"]
        gap.add_row(f"{metric(name).label} ({name})", _cell(unit, r["deal_conventions"]),
                    _cell(unit, r["sam"]), "-" if pd.isna(d) else _diff(unit, d))
    return [head, years, gap]


@app.command("crosscheck")
def crosscheck_cmd(
    deal_file: Annotated[Path, typer.Argument(help="Deal TOML file.")],
    mode: Annotated[str, typer.Option(
        help="Dispatch mode for the revenue lines ('full' as in `bessfin run`, or "
        "'screening'); the cross-check itself is on the finance only.")] = "full",
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Check the deal's finance against NREL SAM Single Owner (needs: pip install 'bessfin[sam]').

    bessfin's pro forma is rebuilt with SAM's conventions (finance.conventions = "sam") and SAM
    runs on its annual revenue, cost, capex, credit and debt-service lines. Exit 0 when every
    metric and annual line agrees (IRRs within 0.01 pp, $ within $1, DSCR within 1e-6), 1 when
    not (or the deal has a structure SAM cannot represent), 2 when PySAM is not installed.
    """
    try:
        from bessfin.sam import SamNotInstalledError, crosscheck
        from bessfin.sam.model import _singleowner

        _singleowner()
    except SamNotInstalledError as e:
        raise fail(ExitCode.BAD_INPUT, str(e)) from None

    def go():
        if mode not in ("full", "screening"):
            raise ValueError(f"--mode must be full or screening, got {mode!r}")
        deal = load_deal(deal_file)
        err.print(f"{deal.name}: lifetime dispatch ({mode}), then SAM Single Owner ...")
        result = crosscheck(deal, mode=mode)  # type: ignore[arg-type]
        if as_json:
            sys.stdout.write(json.dumps(result.summary_dict(), indent=2) + "\n")
        else:
            out = Console()
            for table in _tables(result):
                out.print(table)
            for note in result.notes:
                out.print(f"note: {note}")
            for reason in result.unsupported:
                out.print(f"NOT REPRESENTABLE IN SAM: {reason}")
            out.print(f"{'AGREES' if result.agrees else 'DIFFERS'}: "
                      f"{len(result.worst)} of {len(result.table)} items outside tolerance")
        return result

    result = run_guarded(go)
    if not result.agrees:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
