"""ISO market definitions as data: ``get_market("ercot")``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from bessfin.markets.model import (
    AwardCharge,
    Depth,
    DurationRule,
    Fact,
    Market,
    Mileage,
    PriceBounds,
    PriceFile,
    Product,
    ReserveZone,
)

__all__ = [
    "AwardCharge", "Depth", "DurationRule", "Fact", "Market", "Mileage", "PriceBounds",
    "PriceFile", "Product", "ReserveZone", "fleet_benchmark", "fleet_revenue", "get_market",
    "markets",
]


@cache
def markets() -> dict[str, Market]:
    """All shipped market definitions keyed by ISO id."""
    out = {}
    for f in sorted(resources.files("bessfin.markets").joinpath("data").iterdir()):
        if f.name.endswith(".toml"):
            m = Market.model_validate(tomllib.loads(f.read_text()))
            out[m.iso] = m
    return out


def get_market(iso: str | Market) -> Market:
    """Return the market definition for an ISO id (case-insensitive)."""
    if isinstance(iso, Market):
        return iso
    known = markets()
    key = iso.strip().lower()
    if key not in known:
        raise KeyError(f"unknown ISO {iso!r}; known markets: {sorted(known)}")
    return known[key]


def fleet_revenue(period: str | None = "annual") -> list[dict]:
    """Published fleet-average battery revenue [$/kW-yr] by ISO and year, with source and
    status (``bessfin/markets/data/fleet_revenue.csv``, copied from the fact sheet rows 5.1,
    5.2, 5.5 on 2026-12-02). ``period="annual"`` keeps full-year figures; ``None`` all rows."""
    import csv

    text = resources.files("bessfin.markets").joinpath("data", "fleet_revenue.csv").read_text()
    rows = [{**r, "year": int(r["year"]), "usd_per_kw_yr": float(r["usd_per_kw_yr"])}
            for r in csv.DictReader(text.splitlines())]
    return [r for r in rows if period is None or r["period"] == period]


def fleet_benchmark(iso: str, year: int) -> dict | None:
    """The full-year fleet revenue row of ``iso`` in ``year``, or ``None``."""
    return next((r for r in fleet_revenue() if r["iso"] == iso.lower() and r["year"] == year),
                None)
