"""Shared pieces of the ``bessfin`` command line: the app, exit codes, error handling.

JSON goes to stdout with ``--json``; logs and progress go to stderr. Bad input is one line on
stderr (``--debug`` for a traceback). User text (deal names, nodes, ids, messages) is printed
literally: the consoles interpret no rich markup, and help texts are escaped.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any

import click
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from typer.core import TyperGroup

from bessfin.deal import DealError
from bessfin.dispatch import SolverError
from bessfin.io import PriceDataError, UnknownSeriesError


class ExitCode(enum.IntEnum):
    """Process exit codes of every ``bessfin`` command (documented in docs/deals.md)."""

    OK = 0
    CHECK_FAILED = 1  # a lender / bankability check failed
    BAD_INPUT = 2  # invalid deal, price file, option, unknown series, unusable output path
    SOLVER_FAILED = 3  # the LP was infeasible, unbounded or timed out
    INTERNAL_ERROR = 4  # an unexpected exception (a bug) or a lost screening worker


#: Exceptions that end a command on purpose (typer's and click's own; typer.Exit is a
#: RuntimeError, so a broad ``except Exception`` would swallow the exit code). Recent typer
#: ships its own click: its usage errors (``--workers abc``) derive from
#: ``typer.TyperException``, not ``click.ClickException``, and must reach typer to print as
#: a usage error with exit 2.
PASS_THROUGH: tuple[type[BaseException], ...] = (
    typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.Abort,
    getattr(typer, "TyperException", click.ClickException), KeyboardInterrupt, SystemExit,
)

#: Errors that mean "the input is wrong": exit 2 with their one-line message.
BAD_INPUT_ERRORS: tuple[type[BaseException], ...] = (
    DealError, PriceDataError, UnknownSeriesError, ValidationError, ValueError, KeyError,
)

_state = {"debug": False}


def _escape_help(command: click.Command) -> None:
    """Escape rich markup in a command's help texts, so ``[set]`` or ``[MW]`` print as
    written (typer renders help as rich markup)."""
    for attr in ("help", "short_help", "epilog"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, escape(text))
    for p in command.params:
        if getattr(p, "help", None):
            p.help = escape(p.help)  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        _escape_help(sub)


class GuardedGroup(TyperGroup):
    """The top-level command group: help texts escaped, and a safety net so that no
    exception ends in a traceback with exit code 1 (the code of a failed lender check)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _escape_help(self)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PASS_THROUGH:
            raise
        except Exception as e:
            if _state["debug"]:
                raise
            raise error_exit(e) from None


app = typer.Typer(
    cls=GuardedGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Battery storage dispatch, project finance and supply-chain parity on ISO data.",
)
#: stderr: logs, progress and errors. No markup: user text is printed as written.
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)


#: Table width when stdout is not a terminal and ``COLUMNS`` is unset (rich would use 80).
PIPE_WIDTH = 120


def out_console() -> Console:
    """A stdout console that prints user text literally (no markup). Piped, tables fit
    ``COLUMNS`` (or :data:`PIPE_WIDTH`) and wrap their cells rather than overflow."""
    console = Console(markup=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(markup=False, width=PIPE_WIDTH)
    return console


class Heartbeat:
    """Plain progress lines on stderr when it is not a terminal (logs, CI, ``2> file``).

    :meth:`set` records the current stage; a line ``bessfin: [<s> s] <stage>`` is printed
    when the stage text before the first ``:`` changes and at least every ``interval``
    seconds (``BESSFIN_PROGRESS_SECONDS``, default 5) while the command runs, so a long
    solve is never silent for more than 10 s. On a terminal it prints nothing (the rich
    progress bar shows instead).
    """

    def __init__(self, interval: float | None = None, *, enabled: bool | None = None):
        env = os.environ.get("BESSFIN_PROGRESS_SECONDS")
        self.interval = interval if interval is not None else float(env) if env else 5.0
        self.enabled = (not err.is_terminal) if enabled is None else enabled
        self.status = "starting"
        self._printed = ""
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _emit(self) -> None:
        with self._lock:
            line = f"bessfin: [{time.monotonic() - self._t0:.0f} s] {self.status}"
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
            self._printed = self.status

    def set(self, status: str) -> None:
        """Record the current stage (printed at once when its first part changed)."""
        self.status = status
        if self.enabled and status.split(":")[0] != self._printed.split(":")[0]:
            self._emit()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            self._emit()

    def __enter__(self) -> Heartbeat:
        if self.enabled:
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if exc_type is None:  # on failure the error line is the last word
                self._emit_done()

    def _emit_done(self) -> None:
        self.status = "done"
        self._emit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option(help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


def fail(code: ExitCode, message: str) -> typer.Exit:
    """Print a one-line error to stderr (``message`` literally) and return the exit to raise."""
    err.print(Text.assemble(("error:", "bold red"), " ", message))
    return typer.Exit(int(code))


def message_of(e: BaseException) -> tuple[ExitCode, str]:
    """Exit code and message for an exception that ends a command."""
    if isinstance(e, SolverError):
        return ExitCode.SOLVER_FAILED, str(e)
    if isinstance(e, RecursionError):
        return ExitCode.BAD_INPUT, ("input nested too deeply to read (recursion limit); "
                                    "deal and portfolio files are a few tables deep")
    if isinstance(e, OSError) and not isinstance(e, FileNotFoundError | PermissionError
                                                 | IsADirectoryError | NotADirectoryError):
        where = f"{e.filename}: " if e.filename else ""
        what = e.strerror or str(e)
        if e.errno == errno.ENOSPC:
            what = "no space left on device"
        return ExitCode.BAD_INPUT, f"{where}cannot write: {what}"
    if isinstance(e, OSError):
        where = f"{e.filename}: " if e.filename else ""
        return ExitCode.BAD_INPUT, f"{where}{e.strerror or e}"
    if isinstance(e, KeyError):
        return ExitCode.BAD_INPUT, str(e.args[0]) if e.args else "KeyError"
    if isinstance(e, BAD_INPUT_ERRORS):
        return ExitCode.BAD_INPUT, str(e)
    text = " | ".join(line.strip() for line in str(e).splitlines() if line.strip())
    return ExitCode.INTERNAL_ERROR, (f"internal error: {type(e).__name__}: {text} (a bug: "
                                     "rerun with --debug for the traceback and report it)")


def error_exit(e: BaseException) -> typer.Exit:
    """Print ``e`` as one error line and return the exit to raise."""
    code, msg = message_of(e)
    return fail(code, msg)


def run_guarded(fn):
    """Run ``fn`` mapping failures to one-line errors and exit codes: bad input (including
    unusable files and a full disk) 2, solver failure 3, anything unexpected 4."""
    try:
        return fn()
    except PASS_THROUGH:
        raise
    except Exception as e:
        if _state["debug"]:
            raise
        raise error_exit(e) from None


def require(ok: bool, message: str) -> None:
    """Raise a bad-input error with ``message`` unless ``ok`` (option checks)."""
    if not ok:
        raise ValueError(message)


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Inside this block SIGTERM ends this process through Python (exit 143), so a command
    stops its worker processes (screening workers, price-year workers) instead of leaving
    them running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
