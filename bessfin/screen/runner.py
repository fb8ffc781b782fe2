"""Run a portfolio: skip finished deals, batch the rest by dispatch, write rows as they arrive."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from bessfin.screen.backends import (
    BACKENDS,
    Backend,
    ScreenBackendError,
    abort_backend,
    make_backend,
)
from bessfin.screen.output import ResultWriter, rank, table_columns, with_overrides
from bessfin.screen.spec import DealSpec, Portfolio
from bessfin.screen.worker import screen_one

log = logging.getLogger(__name__)


@dataclasses.dataclass
class ScreenReport:
    """What a screen produced.

    Attributes
    ----------
    table : one row per deal of the portfolio (status ``ok``, ``invalid``, ``error``, or
        ``failed`` when its worker was lost; ``failed`` rows are retried by the next run).
    computed : deals run to a result by this call (status ok or error; excluding resumed,
        invalid and failed ones).
    resumed : deals taken from the ledger of an earlier run.
    failed : deals of this call whose worker process was lost (status ``failed``, with the
        reason; not in the ledger, so the next run retries them).
    seconds : wall time of this call [s].
    """

    table: pd.DataFrame
    out_dir: Path
    csv_path: Path
    parquet_path: Path | None
    ledger_path: Path
    backend: str
    workers: int
    computed: int
    resumed: int
    seconds: float
    failed: int = 0

    def counts(self) -> dict[str, int]:
        """Deals by status."""
        return {str(k): int(v) for k, v in self.table["status"].value_counts().items()}

    @property
    def deals_per_minute(self) -> float:
        """Deals computed per minute of wall time in this call."""
        return 60.0 * self.computed / self.seconds if self.seconds > 0 else 0.0

    def ranked(self, by: str = "equity_irr_after_tax", top: int | None = 10) -> pd.DataFrame:
        """Best deals by ``by`` (see :func:`bessfin.screen.output.rank`)."""
        return rank(self.table, by, top)


def batches_by_dispatch(specs: Sequence[DealSpec], batch_size: int) -> list[list[DealSpec]]:
    """Group specs sharing a dispatch key (so one worker dispatches once for all of them),
    split groups into at most ``batch_size`` specs, largest batches first."""
    groups: dict[str, list[DealSpec]] = {}
    for s in specs:
        groups.setdefault(s.dispatch_key or s.key, []).append(s)
    out = [g[i:i + batch_size] for g in groups.values() for i in range(0, len(g), batch_size)]
    return sorted(out, key=len, reverse=True)


def _check_options(backend: str | Backend, workers: int | None, batch_size: int,
                   scheduler: str | None) -> None:
    """Refuse bad options before any output is created."""
    if isinstance(backend, str) and backend not in BACKENDS:
        raise ScreenBackendError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if workers is not None and workers < 1:
        raise ScreenBackendError(f"workers must be >= 1, got {workers}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if scheduler is not None and backend != "dask":
        raise ScreenBackendError(f"a scheduler needs the dask backend, not {backend!r}")


def _lost_rows(batch: list[DealSpec], error: BaseException) -> list[dict[str, Any]]:
    """Rows of deals whose worker was lost (status ``failed``)."""
    return [{"key": s.key, "id": s.id, "status": "failed",
             "message": f"{type(error).__name__}: {error}"} for s in batch]


def _split_finished(portfolio: Portfolio, ledger: dict[str, dict[str, Any]],
                    retry_errors: bool) -> tuple[list[dict[str, Any]], list[DealSpec], int]:
    """Rows already known (resumed from the ledger, or invalid), the specs to run, and the
    number resumed."""
    rows: list[dict[str, Any]] = []
    todo: list[DealSpec] = []
    resumed = 0
    for spec in portfolio.specs:
        old = ledger.get(spec.key)
        if old is not None and not (retry_errors and old["status"] == "error"):
            rows.append(with_overrides(old, spec.index, spec.overrides))
            resumed += 1
        elif not spec.valid:
            rows.append(with_overrides(screen_one(spec), spec.index, spec.overrides))
        else:
            todo.append(spec)
    return rows, todo, resumed


def screen(
    portfolio: Portfolio,
    out_dir: str | Path,
    *,
    backend: str | Backend = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = True,
    retry_errors: bool = False,
    batch_size: int = 8,
    threads: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ScreenReport:
    """Screen every deal of ``portfolio``, writing results to ``out_dir`` as they complete.

    Parameters
    ----------
    portfolio : from :func:`bessfin.screen.load_portfolio`.
    out_dir : directory for ``results.jsonl`` (resume ledger), ``results.csv`` and
        ``results.parquet``.
    backend : ``"serial"``, ``"process"`` (default), ``"dask"``, or a backend object (left
        open, for reuse across calls).
    workers : worker processes (default: usable cores); ignored by ``serial``.
    scheduler : Dask scheduler address, e.g. ``tcp://host:8786`` (Dask only).
    resume : skip deals already in the ledger; ``False`` deletes it and starts over.
    retry_errors : re-run deals whose earlier status was ``error``.
    batch_size : most deals per task; deals sharing a dispatch are batched together.
    threads : HiGHS threads per solve.
    progress : called with (done, total) as deals finish.
    """
    t0 = time.perf_counter()
    _check_options(backend, workers, batch_size, scheduler)
    writer = ResultWriter(out_dir, table_columns(portfolio.override_columns), resume=resume)
    rows, todo, resumed = _split_finished(portfolio, writer.finished(), retry_errors)
    total = len(portfolio.specs)
    done = len(rows)
    writer.open(rows)
    if progress is not None:
        progress(done, total)
    owned = isinstance(backend, str)
    runner: Backend | None = None
    name = backend if isinstance(backend, str) else backend.name
    n_workers = 1
    failed = 0
    try:
        if todo:
            runner = make_backend(backend, workers=workers, scheduler=scheduler,
                                  threads=threads) if isinstance(backend, str) else backend
            n_workers = runner.workers
            for batch, result in runner.run(batches_by_dispatch(todo, batch_size)):
                if isinstance(result, BaseException):
                    log.warning("batch of %d deals lost: %s", len(batch), result)
                    results = _lost_rows(batch, result)
                else:
                    results = result
                for spec, row in zip(batch, results, strict=True):
                    full = with_overrides(row, spec.index, spec.overrides)
                    failed += full["status"] == "failed"
                    writer.write(full, ledger=full["status"] != "failed")
                    rows.append(full)
                    done += 1
                if progress is not None:
                    progress(done, total)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failing: stop the workers now
        if owned and runner is not None:
            abort_backend(runner)
            runner = None
        raise
    finally:
        if owned and runner is not None:
            runner.close()
        writer.close()
    table, parquet = writer.finalize(rows)
    return ScreenReport(
        table=table, out_dir=writer.out_dir, csv_path=writer.csv_path, parquet_path=parquet,
        ledger_path=writer.ledger_path, backend=name, workers=n_workers,
        computed=len(todo) - failed, resumed=resumed, seconds=time.perf_counter() - t0,
        failed=failed,
    )
