"""Market series for one dispatch horizon (hourly or a regular sub-hourly interval), as plain
numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bessfin.markets import Market, Product


@dataclass(frozen=True)
class ProductSeries:
    """Prices and rules of one ancillary product over a horizon.

    Attributes
    ----------
    product : the market's product definition (direction, deployment fraction, mileage).
    capacity_price : clearing price for holding 1 MW for one hour [$/MW-h], per interval
        (an hourly price repeated to each interval of its hour on sub-hourly data).
    mileage_price : mileage price [$/MW of mileage], zeros if the product has no mileage.
    available : whether the product is offered in each hour [bool].
    duration_h : state-of-charge sustain requirement of an award in each hour [h].
    award_limit_mw : market-depth limit on the award in each hour [MW]; ``None`` = uncapped
        (set by :func:`bessfin.dispatch.limits.apply_as_limits`).
    """

    product: Product
    capacity_price: np.ndarray
    mileage_price: np.ndarray
    available: np.ndarray
    duration_h: np.ndarray
    award_limit_mw: np.ndarray | None = None

    @property
    def id(self) -> str:
        return self.product.id

    def take(self, idx: slice | np.ndarray) -> ProductSeries:
        return replace(
            self,
            capacity_price=self.capacity_price[idx],
            mileage_price=self.mileage_price[idx],
            available=self.available[idx],
            duration_h=self.duration_h[idx],
            award_limit_mw=None if self.award_limit_mw is None else self.award_limit_mw[idx],
        )


@dataclass(frozen=True)
class MarketSeries:
    """Energy and ancillary prices for a horizon of regular intervals (hourly or sub-hourly).

    Attributes
    ----------
    index : interval starts, tz-aware UTC.
    energy_price : energy price [$/MWh].
    products : one :class:`ProductSeries` per co-optimised product.
    local_day : local operating day of each interval (for daily cycle limits).
    market : the market definition.
    dt : interval length [h].
    """

    index: pd.DatetimeIndex
    energy_price: np.ndarray
    products: tuple[ProductSeries, ...]
    local_day: np.ndarray
    market: Market
    dt: float = 1.0

    def __len__(self) -> int:
        return len(self.energy_price)

    @property
    def product_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.products)

    def take(self, idx: slice | np.ndarray) -> MarketSeries:
        """The sub-horizon at positions ``idx``."""
        return replace(
            self,
            index=self.index[idx],
            energy_price=self.energy_price[idx],
            products=tuple(p.take(idx) for p in self.products),
            local_day=self.local_day[idx],
        )

    def with_prices(self, frame: pd.DataFrame) -> MarketSeries:
        """The same horizon with prices replaced by ``frame`` (same index and columns).

        Used to dispatch on a forecast and settle on actual prices.
        """
        if not frame.index.equals(self.index):
            raise ValueError("replacement prices must have exactly the horizon's index")
        products = tuple(
            replace(
                p,
                capacity_price=_column(frame, p.id, p.available),
                mileage_price=_mileage(frame, p.product, p.available),
            )
            for p in self.products
        )
        return replace(
            self, energy_price=_column(frame, "energy", None), products=products
        )

    def to_frame(self) -> pd.DataFrame:
        """Prices as a frame: ``energy`` then each product (and ``<id>_mileage``)."""
        cols: dict[str, np.ndarray] = {"energy": self.energy_price}
        for p in self.products:
            cols[p.id] = p.capacity_price
            if p.product.mileage is not None:
                cols[f"{p.id}_mileage"] = p.mileage_price
        return pd.DataFrame(cols, index=self.index)


def _column(frame: pd.DataFrame, col: str, available: np.ndarray | None) -> np.ndarray:
    values = frame[col].to_numpy(dtype=float)
    if available is not None:
        values = np.where(available, values, 0.0)
    bad = np.isnan(values)
    if bad.any():
        first = frame.index[np.argmax(bad)]
        raise ValueError(f"price column {col!r} has {int(bad.sum())} NaN hours (first {first})")
    return values


def _mileage(frame: pd.DataFrame, product: Product, available: np.ndarray) -> np.ndarray:
    """Mileage price [$/MW]; zeros when the product has no mileage or the data carry no
    mileage price (e.g. NYISO day-ahead regulation): capacity revenue only, never more."""
    if product.mileage is None or f"{product.id}_mileage" not in frame.columns:
        return np.zeros(len(frame))
    return _column(frame, f"{product.id}_mileage", available)


def market_series(
    frame: pd.DataFrame, market: Market, products: list[str] | None = None
) -> MarketSeries:
    """Build a :class:`MarketSeries` from a canonical price frame.

    Parameters
    ----------
    frame : index tz-aware UTC interval starts; column ``energy`` [$/MWh] and one column per
        product id [$/MW-h] (``<id>_mileage`` [$/MW] for mileage products), as returned by
        :func:`bessfin.io.load_prices`.
    market : the market definition.
    products : product ids to co-optimise; ``None`` = every product of the market the frame
        carries; ``[]`` = energy only.
    """
    if "energy" not in frame.columns:
        raise ValueError("price frame has no 'energy' column")
    idx = pd.DatetimeIndex(frame.index)
    if idx.tz is None:
        raise ValueError("price frame index must be tz-aware (UTC interval starts)")
    local = idx.tz_convert(market.timezone)
    local_days = local.tz_localize(None).normalize()
    if products is None:
        chosen = [p for p in market.products if p.id in frame.columns]
    else:
        chosen = [market.product(pid) for pid in products]
        missing = [p.id for p in chosen if p.id not in frame.columns]
        if missing:
            raise ValueError(f"price frame has no column for products {missing}")
    series = []
    for p in chosen:
        available = p.available(local_days)
        duration = p.duration_hours(local_days)
        available &= ~np.isnan(duration)
        series.append(
            ProductSeries(
                product=p,
                capacity_price=_column(frame, p.id, available),
                mileage_price=_mileage(frame, p, available),
                available=available,
                duration_h=np.nan_to_num(duration, nan=0.0),
            )
        )
    day_codes = pd.factorize(local_days)[0]
    return MarketSeries(
        index=idx,
        energy_price=_column(frame, "energy", None),
        products=tuple(series),
        local_day=day_codes,
        market=market,
        dt=interval_hours(idx),
    )


def interval_hours(index: pd.DatetimeIndex) -> float:
    """Interval length of a series [h]: its most common step between interval starts (holes
    left by dropped days are longer steps); 1 h for a single interval. A step that does not
    divide the hour is refused."""
    if len(index) < 2:
        return 1.0
    steps, counts = np.unique(np.diff(index.asi8), return_counts=True)
    step = pd.Timedelta(int(steps[np.argmax(counts)]), unit=index.unit)
    minutes = step / pd.Timedelta(minutes=1)
    if minutes <= 0 or minutes > 60 or 60 % minutes:
        raise ValueError(
            f"price frame interval {minutes:g} min: expected a regular interval dividing the "
            "hour (5, 10, 15, 30 or 60 min)"
        )
    return minutes / 60.0
