"""Declarative ISO market definitions: time zone, price files and ancillary products.

A market is data (one TOML file per ISO in ``bessfin/markets/data``), read into the
pydantic models below. Adding an ISO is adding a file, not a code path.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DurationRule(_Strict):
    """State-of-charge sustain requirement in force from ``start`` (local operating day)."""

    start: dt.date = Field(description="First operating day the rule applies to.")
    hours: float = Field(gt=0, description="Hours the award must be sustainable [h].")
    source: str = Field(description="Rule source and status.")


class Mileage(_Strict):
    """Pay-for-performance mileage settlement of a regulation product.

    Mileage revenue per hour = award [MW] x multiplier [MW mileage / MW award]
    x mileage price [$/MW] x accuracy [-].
    """

    price_column: str = Field(description="Mileage price column in the ISO files [$/MW].")
    multiplier: float = Field(ge=0, description="Expected mileage per MW of award [-].")
    accuracy: float = Field(ge=0, le=1, description="Expected performance accuracy [-].")
    source: str


class Product(_Strict):
    """One ancillary-service (capacity) product the battery can be awarded."""

    id: str = Field(description="Canonical product id, the column name in a price frame.")
    name: str
    direction: Literal["up", "down"] = Field(
        description="'up' needs discharge headroom and stored energy; 'down' needs charge "
        "headroom and empty storage."
    )
    price_column: str = Field(description="Capacity price column in the ISO files [$/MW-h].")
    durations: tuple[DurationRule, ...] = Field(
        min_length=1, description="Sustain-duration rules, in date order."
    )
    deployment_fraction: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Expected energy deployed per MW of award per hour [MWh/MW-h]; enters "
        "the state of charge and is settled at the energy price.",
    )
    mileage: Mileage | None = None
    available_from: dt.date | None = Field(None, description="First day the product exists.")
    available_to: dt.date | None = Field(None, description="Last day the product exists.")
    source: str

    @field_validator("durations")
    @classmethod
    def _ordered(cls, v: tuple[DurationRule, ...]) -> tuple[DurationRule, ...]:
        starts = [r.start for r in v]
        if starts != sorted(starts):
            raise ValueError(f"duration rules must be in date order, got starts {starts}")
        return v

    def duration_hours(self, local_days: pd.DatetimeIndex | pd.Series) -> np.ndarray:
        """Sustain duration [h] for each local operating day (NaN before the first rule)."""
        days = pd.DatetimeIndex(local_days).tz_localize(None).normalize().to_numpy()
        starts = np.array([np.datetime64(r.start) for r in self.durations], dtype="M8[ns]")
        hours = np.array([r.hours for r in self.durations] + [np.nan])
        idx = np.searchsorted(starts, days, side="right") - 1
        return np.where(idx >= 0, hours[idx], np.nan)

    def available(self, local_days: pd.DatetimeIndex | pd.Series) -> np.ndarray:
        """Boolean mask: is the product offered on each local operating day."""
        days = pd.DatetimeIndex(local_days).tz_localize(None).normalize()
        ok = np.ones(len(days), dtype=bool)
        if self.available_from is not None:
            ok &= days >= pd.Timestamp(self.available_from)
        if self.available_to is not None:
            ok &= days <= pd.Timestamp(self.available_to)
        return ok


class PriceFile(_Strict):
    """A shipped price file family, e.g. ``ercot_{year}_dam.csv``."""

    market: Literal["dam", "rtm"] = Field(description="Day-ahead or real-time energy market.")
    pattern: str = Field(description="File name with a {year} placeholder.")
    years: tuple[int, ...]
    nodes: tuple[str, ...] = Field(description="Node names as ISOs spell them.")
    has_ancillary: bool = Field(description="Whether the file carries the products' prices.")


class Market(_Strict):
    """One ISO market: its clock, its energy price columns and its ancillary products."""

    iso: str = Field(description="Lower-case ISO id, e.g. 'ercot'.")
    name: str
    timezone: str = Field(description="IANA time zone of the ISO's operating day.")
    energy_column_prefix: str = Field(description="Prefix of node energy price columns.")
    node_suffixes: tuple[str, ...] = Field(
        (), description="Suffixes users may add to a node name (stripped when resolving)."
    )
    products: tuple[Product, ...] = ()
    files: tuple[PriceFile, ...] = ()
    notes: str = ""

    def product(self, pid: str) -> Product:
        for p in self.products:
            if p.id == pid:
                return p
        raise KeyError(
            f"{self.name} has no product {pid!r}; products are "
            f"{[p.id for p in self.products] or 'none (energy only)'}"
        )

    def node_column(self, node: str) -> str:
        """Column name of a node's energy price, e.g. 'HB_HOUSTON' -> 'spp_hb_houston'."""
        key = node.strip().lower()
        for suffix in self.node_suffixes:
            if key.endswith(suffix.lower()):
                key = key[: -len(suffix)]
        key = key.replace(" ", "_").replace("-", "_")
        return f"{self.energy_column_prefix}{key}"
