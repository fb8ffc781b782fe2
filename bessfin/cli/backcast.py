"""``bessfin backcast``: a fleet-like battery against published fleet revenue."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from bessfin.cli.common import app, err, out_console, run_guarded
from bessfin.studies import BACKCAST_KEYS, backcast


@app.command("backcast")
def backcast_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="JSON records on stdout.")] = False,
    fast: Annotated[bool, typer.Option(help="Dispatch two weeks of July per year only (a "
                                            "smoke test; the numbers are not annual).")] = False,
) -> None:
    """Ceiling and base-case revenue of a fleet-like battery (ERCOT 2 h, CAISO 4 h) on every
    shipped year with a published fleet benchmark (docs/dispatch.md#fleet-backcast)."""

    def go() -> list[dict]:
        err.print("backcast: dispatching every shipped year with a fleet benchmark ...")
        records = backcast(fast=fast)
        if as_json:
            out = [{k: r[k] for k in BACKCAST_KEYS} for r in records]
            sys.stdout.write(json.dumps(out, indent=2) + "\n")
            return records
        t = Table(title="fleet backcast [$/kW-yr]" + (" (fast: 2 weeks)" if fast else ""))
        for col in ("ISO", "year", "battery", "node", "fleet", "ceiling", "base", "base/fleet"):
            t.add_column(col, justify="left" if col in ("ISO", "node") else "right")
        for r in records:
            t.add_row(r["iso"].upper(), str(r["year"]), f"{r['duration_h']:g} h", r["node"],
                      f"{r['fleet_usd_per_kw_yr']:.0f}", f"{r['ceiling_usd_per_kw_yr']:.1f}",
                      f"{r['base_usd_per_kw_yr']:.1f}", f"{r['base_over_fleet']:.2f}")
        console = out_console()
        console.print(t)
        console.print("ceiling: perfect foresight, no AS limits; base: persistence-day "
                      "forecast, AS market depth; fleet: Modo ME BESS indices "
                      "(bessfin/markets/data/fleet_revenue.csv)")
        return records

    run_guarded(go)
