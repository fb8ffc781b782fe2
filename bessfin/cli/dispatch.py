"""``bessfin dispatch``: co-optimise one battery on one node's prices."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from bessfin.cli.common import app, err, out_console, run_guarded
from bessfin.cli.paths import output_file
from bessfin.dispatch import DEFAULT_LIMITS as DEFAULT
from bessfin.dispatch import NAMED_HORIZONS, AsLimits, Battery, dispatch, named_horizon, normalise
from bessfin.io import (
    PRICE_FILE_SUFFIXES,
    Coverage,
    PriceData,
    PriceDataError,
    load_prices,
    read_prices,
)

#: Battery fields and the dispatch options that set them.
_OPTION_OF = {
    "power_mw": "--power-mw", "energy_mwh": "--energy-mwh", "round_trip_efficiency": "--rte",
    "charge_efficiency": "--rte", "discharge_efficiency": "--rte",
    "max_cycles_per_day": "--cycles-per-day", "max_cycles_per_year": "--cycles-per-year",
    "degradation_cost": "--degradation-cost",
}


def _battery(**kwargs: float | None) -> Battery:
    """The battery of the options; a bad value is one line naming the option."""
    rte = kwargs.pop("rte")
    for field, value in [("round_trip_efficiency", rte), *kwargs.items()]:
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{_OPTION_OF[field]}: must be a finite number, got {value!r}")
    if rte is None or not 0 < rte <= 1:
        raise ValueError(f"--rte: must be in (0, 1], got {rte!r}")
    try:
        return Battery.from_rte(rte, **kwargs)  # type: ignore[arg-type]
    except ValidationError as e:
        first = e.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        option = _OPTION_OF.get(field, field)
        value = rte if option == "--rte" else kwargs.get(field, first.get("input"))
        msg = first["msg"].removeprefix("Value error, ")
        raise ValueError(f"{option}: {msg}, got {value!r}") from None


@app.command("dispatch")
def dispatch_cmd(
    prices: Annotated[str, typer.Argument(
        help="Shipped series 'ISO YEAR NODE' (e.g. 'ercot 2024 HB_HOUSTON') or a CSV/Parquet "
        "file, .csv, .parquet or .pq (then give --iso).")],
    power_mw: Annotated[float, typer.Option("--power-mw", help="Discharge power [MW].")] = 100.0,
    energy_mwh: Annotated[float, typer.Option("--energy-mwh", help="Energy [MWh].")] = 200.0,
    rte: Annotated[float, typer.Option(help="Round-trip efficiency [-].")] = 0.85,
    cycles_per_day: Annotated[float | None, typer.Option(
        "--cycles-per-day", help="Warranty cycle limit per day.")] = None,
    cycles_per_year: Annotated[float | None, typer.Option(
        "--cycles-per-year", help="Warranty cycle limit per year.")] = None,
    degradation_cost: Annotated[float, typer.Option(
        help="Throughput cost [$/MWh discharged].")] = 0.0,
    products: Annotated[str | None, typer.Option(
        help="Comma-separated product ids to co-optimise (default: all the data carry).")] = None,
    energy_only: Annotated[bool, typer.Option("--energy-only", help="No ancillary products.")] = (
        False),
    as_limits: Annotated[str, typer.Option(
        "--as-limits", help="Ancillary award limits: 'default' (the market's depth defaults by "
        "product and year, docs/markets.md) or 'none' (uncapped: the price-taker "
        "ceiling).")] = "default",
    as_limit: Annotated[list[str] | None, typer.Option(
        "--as-limit", help="Override one product's limit, repeatable: PRODUCT=FRACTION of power "
        "(reg_up=0.03), PRODUCT=NMW (rrs=10MW) or PRODUCT=none.")] = None,
    horizon: Annotated[str, typer.Option(
        help=f"One of {sorted(NAMED_HORIZONS)}. Without --forecast every horizon decides on "
        "actual prices, i.e. perfect foresight (over the year, or over each window and its "
        "lookahead).")] = "perfect",
    forecast: Annotated[str | None, typer.Option(
        help="Decide on a forecast from prices published before each decision (day D on "
        "D-1's prices at the latest) and settle on actual prices: persistence-day or "
        "persistence-week.")] = None,
    start: Annotated[str | None, typer.Option(help="Local start date (inclusive).")] = None,
    end: Annotated[str | None, typer.Option(help="Local end date (exclusive).")] = None,
    iso: Annotated[str | None, typer.Option(help="ISO of a price file.")] = None,
    node: Annotated[str | None, typer.Option(help="Node of a price file.")] = None,
    on_missing: Annotated[str, typer.Option(
        help="raise (default) or drop-days: drop local days with missing prices.")] = "raise",
    partial_year: Annotated[str, typer.Option(
        "--partial-year", help="Prices that cover less than their calendar year (a partial "
        "file, dropped days) without --start/--end: refuse (default) or annualise (per-year "
        "figures scaled by hours; hours used and days dropped are reported).")] = "refuse",
    price_column: Annotated[str | None, typer.Option(
        "--price-column", help="Energy price column of a price file, when it has several "
        "candidates (e.g. price and lmp).")] = None,
    as_prices: Annotated[list[str] | None, typer.Option(
        "--as-prices", metavar="FILE", help="A gridstatus ancillary-service price file "
        "(CSV/Parquet) for a gridstatus LMP price file, repeatable: one file per gridstatus "
        "AS frame (e.g. ISO-NE regulation and reserves).")] = None,
    reserve_zone: Annotated[str | None, typer.Option(
        "--reserve-zone", metavar="ZONE", help="Reserve zone to keep from --as-prices frames "
        "that carry one row per zone: a label as the frame spells it (ISO-NE 7001, MISO "
        "'Zone 1') or a market reserve-zone name (docs/data.md). Default: the zone of "
        "--node.")] = None,
    schedule_out: Annotated[Path | None, typer.Option(
        help="Write the hourly schedule and revenue to this CSV.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON summary on stdout.")] = False,
) -> None:
    """Co-optimise a battery on one node's prices and report revenue by stream."""

    def go() -> None:
        if on_missing not in ("raise", "drop-days"):
            raise ValueError(f"--on-missing must be raise or drop-days, got {on_missing!r}")
        h = named_horizon(horizon, forecast)
        path = Path(prices)
        if schedule_out is not None:
            output_file(schedule_out, "--schedule-out",
                        [path, *map(Path, as_prices or [])]
                        if path.suffix.lower() in PRICE_FILE_SUFFIXES else [])
        if path.suffix.lower() in PRICE_FILE_SUFFIXES:
            if iso is None:
                raise ValueError("--iso is required with a price file")
            data = read_price_file(path, iso, node, on_missing=on_missing,
                                   price_column=price_column, as_prices=as_prices or [],
                                   reserve_zone=reserve_zone)
        else:
            for option, value in (("--price-column", price_column), ("--as-prices", as_prices),
                                  ("--reserve-zone", reserve_zone)):
                if value:
                    raise ValueError(f"{option} applies to a price file, not a shipped series "
                                     "(shipped files carry their own AS prices)")
            data = load_prices(prices, on_missing=on_missing)
        coverage = partial_year_check(data, partial_year, windowed=bool(start or end))
        battery = _battery(
            rte=rte, power_mw=power_mw, energy_mwh=energy_mwh, max_cycles_per_day=cycles_per_day,
            max_cycles_per_year=cycles_per_year, degradation_cost=degradation_cost,
        )
        chosen = [] if energy_only else (
            [p.strip() for p in products.split(",")] if products else None)
        limits = limits_option(as_limits, as_limit or [], [p.id for p in data.market.products])
        err.print(f"dispatching {data.market.name} {data.node} ({h.label}) ...")
        result = dispatch(data, battery, horizon=h, products=chosen, as_limits=limits,
                          start=start, end=end)
        if schedule_out is not None:
            result.schedule.join(result.revenue.add_prefix("revenue_")).to_csv(schedule_out)
            err.print(f"schedule written to {schedule_out}")
        summary = result.summary_dict()
        summary["coverage"] = coverage.as_dict()
        if as_json:
            out = json.loads(result.to_json())
            out["coverage"] = summary["coverage"]
            sys.stdout.write(json.dumps(out, indent=2) + "\n")
        else:
            print_summary(summary)

    run_guarded(go)


#: ``read_prices`` arguments and the dispatch options that set them.
_OPTION_OF_ARGUMENT = {"as_prices": "--as-prices", "reserve_zone": "--reserve-zone"}


def read_price_file(path: Path, iso: str, node: str | None, *, on_missing: str,
                    price_column: str | None, as_prices: list[str],
                    reserve_zone: str | None) -> PriceData:
    """A user price file, with gridstatus AS files and a reserve zone for a gridstatus LMP
    file; a problem with those is one line naming the option."""
    if reserve_zone is not None and not reserve_zone.strip():
        raise ValueError("--reserve-zone: expected a zone name, got an empty string")
    for f in as_prices:
        if not Path(f).is_file():
            raise ValueError(f"--as-prices: no such file {f!r}; expected a saved gridstatus "
                             "AS frame (CSV or Parquet)")
        if Path(f).suffix.lower() not in PRICE_FILE_SUFFIXES:
            raise ValueError(f"--as-prices: {f!r} is not a CSV or Parquet file; expected one "
                             f"of {', '.join(PRICE_FILE_SUFFIXES)}")
    try:
        return read_prices(path, iso, node, on_missing=on_missing,  # type: ignore[arg-type]
                           price_column=price_column, as_prices=as_prices or None,
                           reserve_zone=reserve_zone)
    except PriceDataError as e:
        option = _OPTION_OF_ARGUMENT.get(e.argument)
        if option is None:
            raise
        raise ValueError(f"{option}: {e}") from None


def partial_year_check(data: PriceData, partial_year: str, *, windowed: bool) -> Coverage:
    """Coverage of the series' year; a part year without a window needs ``--partial-year
    annualise`` (then the summary's per-year figures are scaled by hours, and say so)."""
    if partial_year not in ("refuse", "annualise"):
        raise ValueError(f"--partial-year must be refuse or annualise, got {partial_year!r}")
    c = data.coverage()
    if not c.complete and not windowed and partial_year == "refuse":
        raise ValueError(
            f"{data.source}: the prices cover {c.describe()} of {c.year}; per-year figures "
            "would be a part year's. Give --partial-year annualise to scale them by hours "
            "(reported), or --start/--end to dispatch a chosen window"
        )
    return c


def limits_option(base: str, overrides: list[str], products: list[str]) -> AsLimits:
    """``--as-limits`` and ``--as-limit P=V`` as :func:`bessfin.dispatch` takes them: overrides
    apply on top of the base (the market defaults, or uncapped)."""
    spec = normalise(base)  # validates the base
    items: dict[str, str] = {}
    for item in overrides:
        pid, sep, value = item.partition("=")
        if not sep or not pid.strip() or not value.strip():
            raise ValueError(f"--as-limit: expected PRODUCT=VALUE (e.g. reg_up=0.03), got {item!r}")
        items[pid.strip()] = value.strip()
    if not items:
        return None if spec is None else DEFAULT
    return {**({p: "none" for p in products} if spec is None else {}), **items}


def print_summary(summary: dict) -> None:
    """Human-readable dispatch summary on stdout."""
    out = out_console()
    t = Table(title=f"{summary['market']} {summary['node']}: {summary['horizon']}")
    t.add_column("stream")
    t.add_column("revenue [$]", justify="right")
    for k, v in summary["revenue_by_stream_usd"].items():
        t.add_row(k, f"{v:,.0f}")
    t.add_row(Text("total", style="bold"), Text(f"{summary['revenue_total_usd']:,.0f}",
                                                style="bold"))
    out.print(t)
    c = summary.get("coverage")
    if c is not None and not c["complete"]:
        out.print(f"note: partial year: {c['hours_used']:,.0f} of {c['hours_in_year']:,} hours of "
                  f"{c['year']}, {c['days_dropped']} day(s) dropped; revenue_usd_per_kw_yr is "
                  "annualised by hours (x 8760 / hours used)")
    keys = ("revenue_usd_per_kw_yr", "cycles", "capture_ratio", "windows", "models_built",
            "build_seconds", "solve_seconds", "as_limits_mw")
    out.print(json.dumps({k: summary[k] for k in keys}))
    for note in summary["notes"]:
        out.print(f"note: {note}")

