"""``bessfin`` command line: JSON on stdout with ``--json``, logs and progress on stderr.

Exit codes are :class:`ExitCode`; bad input is one line on stderr (``--debug`` for a
traceback).
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from bessfin.dispatch import Battery, Horizon, SolverError, dispatch
from bessfin.io import PriceDataError, UnknownSeriesError, load_prices, read_prices


class ExitCode(enum.IntEnum):
    """Process exit codes of every ``bessfin`` command."""

    OK = 0
    CHECK_FAILED = 1  # a lender / bankability check failed
    BAD_INPUT = 2  # invalid deal, price file, option or unknown series
    SOLVER_FAILED = 3  # the LP was infeasible, unbounded or timed out


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Battery storage dispatch, project finance and supply-chain parity on ISO data.",
)
err = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def main(
    debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


def fail(code: ExitCode, message: str) -> typer.Exit:
    """Print a one-line error to stderr and return the exit to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


def run_guarded(fn):
    """Run ``fn`` mapping known failures to one-line errors and exit codes."""
    try:
        return fn()
    except typer.Exit:
        raise
    except (PriceDataError, UnknownSeriesError, ValidationError, ValueError, KeyError,
            FileNotFoundError) as e:
        if _state["debug"]:
            raise
        msg = str(e) if not isinstance(e, KeyError) else str(e.args[0])
        raise fail(ExitCode.BAD_INPUT, msg) from None
    except SolverError as e:
        if _state["debug"]:
            raise
        raise fail(ExitCode.SOLVER_FAILED, str(e)) from None


HORIZONS = {
    "perfect": Horizon(),
    "rolling-day": Horizon("day", 24),
    "rolling-week": Horizon("week", 24),
    "month": Horizon("month", 0),
    "day": Horizon("day", 0),
}


@app.command("dispatch")
def dispatch_cmd(
    prices: Annotated[str, typer.Argument(
        help="Shipped series 'ISO YEAR NODE' (e.g. 'ercot 2024 HB_HOUSTON') or a CSV/Parquet "
        "file (then give --iso).")],
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
    horizon: Annotated[str, typer.Option(
        help=f"One of {sorted(HORIZONS)}.")] = "perfect",
    forecast: Annotated[str | None, typer.Option(
        help="Decide on a forecast and settle on actual prices: persistence-day or "
        "persistence-week.")] = None,
    start: Annotated[str | None, typer.Option(help="Local start date (inclusive).")] = None,
    end: Annotated[str | None, typer.Option(help="Local end date (exclusive).")] = None,
    iso: Annotated[str | None, typer.Option(help="ISO of a price file.")] = None,
    node: Annotated[str | None, typer.Option(help="Node of a price file.")] = None,
    on_missing: Annotated[str, typer.Option(
        help="raise (default) or drop-days: drop local days with missing prices.")] = "raise",
    schedule_out: Annotated[Path | None, typer.Option(
        help="Write the hourly schedule and revenue to this CSV.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON summary on stdout.")] = False,
) -> None:
    """Co-optimise a battery on one node's prices and report revenue by stream."""

    def go() -> None:
        if horizon not in HORIZONS:
            raise ValueError(f"--horizon must be one of {sorted(HORIZONS)}, got {horizon!r}")
        if on_missing not in ("raise", "drop-days"):
            raise ValueError(f"--on-missing must be raise or drop-days, got {on_missing!r}")
        h = HORIZONS[horizon]
        if forecast is not None:
            if forecast not in ("persistence-day", "persistence-week"):
                raise ValueError(f"--forecast must be persistence-day or persistence-week, "
                                 f"got {forecast!r}")
            h = Horizon(h.window if h.window != "all" else "day", max(h.lookahead_hours, 24),
                        forecast)
        path = Path(prices)
        if path.suffix.lower() in (".csv", ".parquet"):
            if iso is None:
                raise ValueError("--iso is required with a price file")
            data = read_prices(path, iso, node, on_missing=on_missing)
        else:
            data = load_prices(prices, on_missing=on_missing)
        battery = Battery.from_rte(
            rte, power_mw=power_mw, energy_mwh=energy_mwh, max_cycles_per_day=cycles_per_day,
            max_cycles_per_year=cycles_per_year, degradation_cost=degradation_cost,
        )
        chosen = [] if energy_only else (
            [p.strip() for p in products.split(",")] if products else None)
        err.print(f"dispatching {data.market.name} {data.node} ({h.label}) ...")
        result = dispatch(data, battery, horizon=h, products=chosen, start=start, end=end)
        if schedule_out is not None:
            result.schedule.join(result.revenue.add_prefix("revenue_")).to_csv(schedule_out)
            err.print(f"schedule written to {schedule_out}")
        if as_json:
            sys.stdout.write(result.to_json(indent=2) + "\n")
        else:
            print_summary(result.summary_dict())

    run_guarded(go)


def print_summary(summary: dict) -> None:
    """Human-readable dispatch summary on stdout."""
    out = Console()
    t = Table(title=f"{summary['market']} {summary['node']}: {summary['horizon']}")
    t.add_column("stream")
    t.add_column("revenue [$]", justify="right")
    for k, v in summary["revenue_by_stream_usd"].items():
        t.add_row(k, f"{v:,.0f}")
    t.add_row("[bold]total", f"[bold]{summary['total_revenue_usd']:,.0f}")
    out.print(t)
    keys = ("revenue_usd_per_kw_year", "cycles", "capture_ratio", "windows", "models_built",
            "build_seconds", "solve_seconds")
    out.print(json.dumps({k: summary[k] for k in keys}))
    for note in summary["notes"]:
        out.print(f"note: {note}")


if __name__ == "__main__":  # pragma: no cover
    app()
