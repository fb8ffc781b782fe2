"""Shared pieces of the ``bessfin`` command line: the app, exit codes, error handling.

JSON goes to stdout with ``--json``; logs and progress go to stderr. Bad input is one line on
stderr (``--debug`` for a traceback).
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from bessfin.deal import DealError
from bessfin.dispatch import SolverError
from bessfin.io import PriceDataError, UnknownSeriesError


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
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


def run_guarded(fn):
    """Run ``fn`` mapping known failures to one-line errors and exit codes."""
    try:
        return fn()
    except typer.Exit:
        raise
    except (DealError, PriceDataError, UnknownSeriesError, ValidationError, ValueError,
            KeyError, FileNotFoundError) as e:
        if _state["debug"]:
            raise
        msg = str(e) if not isinstance(e, KeyError) else str(e.args[0])
        raise fail(ExitCode.BAD_INPUT, msg) from None
    except SolverError as e:
        if _state["debug"]:
            raise
        raise fail(ExitCode.SOLVER_FAILED, str(e)) from None


