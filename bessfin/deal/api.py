"""``bessfin.run``: a deal from a file, a dict or a :class:`Deal`, on shipped or own prices.

Prices may be given as the io layer reads them: a :class:`~bessfin.io.PriceData`, a
gridstatus LMP frame (``Interval Start``, ``Location``, ``LMP``/``SPP``), a frame in the
simple layout, a price file path, or a dict ``{price_year: any of these}``. Prices are split by
local calendar year (:func:`bessfin.io.split_years`); the deal's ``market.price_years`` are kept
when the data cover them, else they become the years the data cover in full.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from bessfin.deal.run import DealResult, run_deal
from bessfin.deal.schema import Deal, DealError, deal_from_dict, load_deal
from bessfin.io import PriceData, from_frame, from_gridstatus, read_prices, split_years

DealLike = Deal | str | os.PathLike | Mapping[str, Any]
PricesLike = PriceData | pd.DataFrame | str | os.PathLike | Mapping[int, Any]

#: Columns that mark a gridstatus LMP frame.
_GRIDSTATUS = ("Interval Start", "Location")


def as_deal(deal: DealLike) -> Deal:
    """A :class:`Deal` from a Deal, a TOML path or a dict (:class:`DealError` otherwise)."""
    if isinstance(deal, Deal):
        return deal
    if isinstance(deal, str | os.PathLike):
        return load_deal(Path(deal))
    if isinstance(deal, Mapping):
        return deal_from_dict(dict(deal))
    raise DealError(f"a deal is a bessfin.Deal, a TOML file path or a dict, got "
                    f"{type(deal).__name__}")


def _one(prices: Any, deal: Deal, as_prices: pd.DataFrame | None) -> PriceData:
    m = deal.market
    if isinstance(prices, PriceData):
        return prices
    if isinstance(prices, pd.DataFrame):
        if all(c in prices.columns for c in _GRIDSTATUS):
            return from_gridstatus(prices, m.iso, as_prices=as_prices, node=m.node,
                                   on_missing=m.on_missing)
        return from_frame(prices, m.iso, m.node, on_missing=m.on_missing)
    if isinstance(prices, str | os.PathLike):
        return read_prices(prices, m.iso, m.node, on_missing=m.on_missing)
    raise DealError(f"prices: expected PriceData, a DataFrame, a file path or a dict of "
                    f"them by year, got {type(prices).__name__}")


def _years_in(data: PriceData) -> list[int]:
    """Local calendar years ``data`` covers in full (else its largest partial year)."""
    counts = pd.Series(data.local_index.year).value_counts()
    full = sorted(int(y) for y, n in counts.items() if n >= 8760)
    return full or [int(counts.idxmax())]


def deal_prices(deal: Deal, prices: PricesLike, as_prices: pd.DataFrame | None = None
                ) -> tuple[Deal, dict[int, PriceData]]:
    """The deal (price years set to the years given, unless all its own are present) and its
    prices by year."""
    if isinstance(prices, Mapping):
        out = {int(y): _one(p, deal, as_prices) for y, p in prices.items()}
    else:
        data = _one(prices, deal, as_prices)
        have = set(data.local_index.year)
        years = (list(deal.market.price_years) if set(deal.market.price_years) <= have
                 else _years_in(data))
        out = split_years(data, years, partial=deal.market.on_missing == "drop-days")
    if not set(deal.market.price_years) <= set(out):
        deal = deal.replace(**{"market.price_years": sorted(out)})
    return deal, out


def run(
    deal: DealLike,
    prices: PricesLike | None = None,
    *,
    mode: Literal["full", "screening"] = "full",
    as_prices: pd.DataFrame | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DealResult:
    """Run a deal end to end: supply, lifetime dispatch, pro forma, lender checks.

    Parameters
    ----------
    deal : a :class:`Deal`, a deal TOML path or a dict.
    prices : None for the shipped prices of ``market.price_years``; else own prices (see the
        module doc).
    mode : ``"full"`` dispatches every operating year; ``"screening"`` two anchor years per
        price year (docs/lifetime.md), the default of ``compare`` and ``screen``.
    as_prices : ancillary-service prices to go with a gridstatus LMP frame.
    threads : HiGHS threads per solve.
    progress : called with (operating year done, life years).

    Returns
    -------
    DealResult : ``.metrics`` (Series), ``.annual`` (pro forma by year), ``.checks``.
    """
    d = as_deal(deal)
    data = None
    if prices is not None:
        d, data = deal_prices(d, prices, as_prices)
    return run_deal(d, prices=data, mode=mode, threads=threads, progress=progress)
