"""The validated price series every bessfin entry point returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.io.quality import DataReport
from bessfin.markets import Market

__all__ = ["ENERGY", "INDEX_NAME", "MILEAGE_SUFFIX", "OnMissing", "PriceData"]

#: Name of the index of a price frame (interval start, UTC).
INDEX_NAME = "interval_start"
#: Column holding the energy price [$/MWh].
ENERGY = "energy"
#: Suffix of a product's mileage price column [$/MW].
MILEAGE_SUFFIX = "_mileage"

OnMissing = Literal["raise", "drop-days"]


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
