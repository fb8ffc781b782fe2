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
    "PriceFile", "Product", "ReserveZone", "get_market", "markets",
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
