"""The validated price series every bessfin entry point returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.io.quality import DataReport
from bessfin.markets import Market

__all__ = [
    "ENERGY", "INDEX_NAME", "MILEAGE_SUFFIX", "Coverage", "OnMissing", "PartialYear", "PriceData",
    "hours_in_year",
]

#: Name of the index of a price frame (interval start, UTC).
INDEX_NAME = "interval_start"
#: Column holding the energy price [$/MWh].
ENERGY = "energy"
#: Suffix of a product's mileage price column [$/MW].
MILEAGE_SUFFIX = "_mileage"

OnMissing = Literal["raise", "drop-days"]
#: What a year-based valuation does with a price year that does not cover its whole year:
#: refuse it, scale its revenue and throughput to a full year (:attr:`Coverage.factor`), or
#: (API only, for mechanics tests and window studies) value the hours given "as-is".
PartialYear = Literal["refuse", "annualise", "as-is"]


def hours_in_year(year: int, tz: str) -> int:
    """Hours in local calendar ``year`` of time zone ``tz`` (8760 or 8784; DST days cancel)."""
    start = pd.Timestamp(year=year, month=1, day=1).tz_localize(tz)
    end = pd.Timestamp(year=year + 1, month=1, day=1).tz_localize(tz)
    return int(round((end - start) / pd.Timedelta(hours=1)))


@dataclass(frozen=True)
class Coverage:
    """How much of a calendar year a price series covers.

    Attributes
    ----------
    year : int
        Local calendar year.
    hours_used : float
        Hours with prices: rows of the frame x the interval length [h].
    hours_in_year : int
        Hours of the local calendar year (8760 or 8784) [h].
    days_dropped : int
        Local days removed by ``on_missing="drop-days"``.
    """

    year: int
    hours_used: float
    hours_in_year: int
    days_dropped: int

    @property
    def complete(self) -> bool:
        """Every hour of the year carries prices."""
        return self.hours_used >= self.hours_in_year

    @property
    def factor(self) -> float:
        """Annualisation factor ``hours_in_year / hours_used`` [-] (1 for a complete year).

        Scaling by hours, not days: a dropped DST day has 23 or 25 hours, and the shipped SPP
        file starts and ends mid-day in UTC; hours are exact in every case.
        """
        return max(1.0, self.hours_in_year / self.hours_used)

    def describe(self) -> str:
        """E.g. '1,415 of 8,760 hours (16.2 %), 0 days dropped'."""
        return (f"{self.hours_used:,.0f} of {self.hours_in_year:,} hours "
                f"({self.hours_used / self.hours_in_year:.1%}), {self.days_dropped} day(s) "
                "dropped")

    def as_dict(self) -> dict:
        return {"year": self.year, "hours_used": self.hours_used,
                "hours_in_year": self.hours_in_year, "days_dropped": self.days_dropped,
                "complete": self.complete, "annualisation_factor": round(self.factor, 6)}


@dataclass(frozen=True)
class PriceData:
    """Prices of one node of one ISO market at a regular interval (hourly or sub-hourly),
    validated.

    Attributes
    ----------
    frame : pandas.DataFrame
        Index ``interval_start``: tz-aware UTC ``DatetimeIndex`` of interval starts
        (hourly, or a regular 5/10/15/30-minute step: ``interval_minutes``), sorted and
        unique (contiguous unless ``on_missing="drop-days"`` removed whole local days).
        Columns, all float64: ``energy`` [$/MWh], then one column per
        market product id the data carry (e.g. ``reg_up``, ``rrs``) [$/MW-h], then
        ``<product_id>_mileage`` [$/MW] for products with mileage. A product price is NaN
        exactly on the days the market does not offer it; no other NaN exists.
    market : bessfin.markets.Market
        The ISO market definition.
    node : str
        Node / settlement point as the ISO spells it (e.g. ``"HB_HOUSTON"``).
    source : str
        File path or description of where the prices came from.
    report : DataReport
        Hours, imputed rows, DST days, dropped days and unavailable products.
    """

    frame: pd.DataFrame
    market: Market
    node: str
    source: str
    report: DataReport

    def __post_init__(self) -> None:
        idx = self.frame.index
        if not isinstance(idx, pd.DatetimeIndex) or str(idx.tz) != "UTC":
            raise TypeError("PriceData.frame needs a tz-aware UTC DatetimeIndex")
        if idx.name != INDEX_NAME:
            raise ValueError(f"PriceData.frame index must be named {INDEX_NAME!r}")
        if not (idx.is_monotonic_increasing and idx.is_unique):
            raise ValueError("PriceData.frame index must be sorted and unique")
        if len(self.frame.columns) == 0 or self.frame.columns[0] != ENERGY:
            raise ValueError(f"PriceData.frame must have {ENERGY!r} as first column")
        bad = [c for c, t in self.frame.dtypes.items() if t != np.float64]
        if bad:
            raise TypeError(f"PriceData.frame columns must be float64, not: {bad}")

    @property
    def interval_minutes(self) -> int:
        """Length of each interval [min] (60 for hourly data)."""
        return self.report.interval_minutes

    @property
    def local_index(self) -> pd.DatetimeIndex:
        """Interval starts in the market's time zone (fall-back hour appears twice)."""
        return self.frame.index.tz_convert(self.market.timezone)

    @property
    def products(self) -> tuple[str, ...]:
        """Product ids with a capacity price column in ``frame``."""
        ids = {p.id for p in self.market.products}
        return tuple(c for c in self.frame.columns if c in ids)

    def coverage(self, year: int | None = None) -> Coverage:
        """How much of local calendar ``year`` (default: the year of the first hour) the
        prices cover."""
        if year is None:
            year = int(self.local_index[0].year) if len(self.frame) else 0
        hours_used = len(self.frame) * self.interval_minutes / 60.0
        return Coverage(year=year, hours_used=hours_used,
                        hours_in_year=hours_in_year(year, self.market.timezone),
                        days_dropped=len(self.report.dropped_days))

    def product_available(self, product_id: str) -> np.ndarray:
        """Boolean mask per hour: is the product offered (its local day available).

        Parameters
        ----------
        product_id : str
            Canonical product id, e.g. ``"ecrs"``.

        Returns
        -------
        numpy.ndarray of bool
            One entry per row of ``frame``.
        """
        return self.market.product(product_id).available(self.local_index)
