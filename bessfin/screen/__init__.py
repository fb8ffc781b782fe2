"""Screen portfolios of deals: expand scenario grids, run them in parallel, resume, rank.

The package is callable: ``bessfin.screen(frame_or_deals_or_file, base=...)`` is
:func:`~bessfin.screen.frame.screen_deals` and returns the result table as a DataFrame.

>>> from bessfin.screen import load_portfolio, screen
>>> report = screen(load_portfolio("examples/portfolio.toml"), "screen-out")  # doctest: +SKIP
>>> report.ranked("equity_irr_after_tax", top=5)                              # doctest: +SKIP

Modules: :mod:`~bessfin.screen.spec` (portfolio files and expansion),
:mod:`~bessfin.screen.worker` (the picklable worker and its per-process caches),
:mod:`~bessfin.screen.backends` (serial, process pool, Dask), :mod:`~bessfin.screen.output`
(ledger, CSV/Parquet, ranking), :mod:`~bessfin.screen.runner` (the driver). See
``docs/screening.md``.
"""

from bessfin.common.modules import make_callable
from bessfin.screen.backends import (
    BACKENDS,
    DaskBackend,
    ProcessBackend,
    ScreenBackendError,
    SerialBackend,
    make_backend,
)
from bessfin.screen.frame import portfolio_from_deals, portfolio_from_frame, screen_deals
from bessfin.screen.output import LEDGER, LOWER_IS_BETTER, RANKABLE, TABLE_CSV, TABLE_PARQUET, rank
from bessfin.screen.runner import ScreenReport, batches_by_dispatch, screen
from bessfin.screen.spec import DealSpec, Portfolio, PortfolioError, load_portfolio
from bessfin.screen.worker import screen_batch, screen_one

__all__ = [
    "BACKENDS",
    "LEDGER",
    "LOWER_IS_BETTER",
    "RANKABLE",
    "TABLE_CSV",
    "TABLE_PARQUET",
    "DaskBackend",
    "DealSpec",
    "Portfolio",
    "PortfolioError",
    "ProcessBackend",
    "ScreenBackendError",
    "ScreenReport",
    "SerialBackend",
    "batches_by_dispatch",
    "load_portfolio",
    "make_backend",
    "portfolio_from_deals",
    "portfolio_from_frame",
    "rank",
    "screen",
    "screen_batch",
    "screen_deals",
    "screen_one",
]


make_callable(__name__, screen_deals)  # bessfin.screen(deals)
