"""Builders for small synthetic markets and price frames used by the dispatch tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from bessfin.markets import DurationRule, Market, Mileage, PriceBounds, Product

#: Bounds of the synthetic market (a test market: no offer cap to cite).
TEST_BOUNDS = PriceBounds(offer_cap_usd_per_mwh=1000, multiple=10, status="test",
                          source="test market", assumption="test")


def make_market(products: tuple[Product, ...] = ()) -> Market:
    """A market in UTC so that test hours are plain hours."""
    return Market(iso="test", name="TEST", timezone="UTC", energy_column_prefix="lmp_",
                  products=products, price_bounds=TEST_BOUNDS)


def product(pid: str, direction: str, hours: float = 1.0, deployment: float = 0.0,
            mileage: Mileage | None = None) -> Product:
    return Product(
        id=pid, name=pid, direction=direction, price_column=pid, deployment_fraction=deployment,
        mileage=mileage, source="test",
        durations=(DurationRule(start=dt.date(2000, 1, 1), hours=hours, source="test"),),
    )


def frame(energy, start: str = "2024-01-01", **products) -> pd.DataFrame:
    """A canonical price frame with hourly UTC index."""
    idx = pd.date_range(start, periods=len(energy), freq="h", tz="UTC", name="interval_start")
    cols = {"energy": np.asarray(energy, float)}
    cols.update({k: np.asarray(v, float) for k, v in products.items()})
    return pd.DataFrame(cols, index=idx)
