"""Declarative ISO market definitions: time zone, price files and ancillary products.

A market is data (one TOML file per ISO in ``bessfin/markets/data``), read into the
pydantic models below. Adding an ISO is adding a file, not a code path.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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
    gridstatus_names: tuple[str, ...] = Field(
        (), description="Column names of the mileage price in gridstatus AS frames."
    )
    source: str


class Fact(_Strict):
    """A sourced number a market default relies on, copied from a fact sheet with its source."""

    id: str = Field(description="Row id in docs/facts/as_volumes.md (read 2026-12), e.g. 'B4'.")
    text: str = Field(description="The fact with its value, unit and period.")
    status: str = Field(description="VERIFIED, DERIVED, UNCERTAIN, with qualifiers.")
    source: str = Field(description="Site, title and date of the source.")


DepthStatus = Literal["VERIFIED", "DERIVED", "UNCERTAIN", "assumption"]


class Depth(_Strict):
    """Market depth of a product in one year: the most a project may be awarded, as a share
    of its power.

    Fleet-share form: share = ``procured_mw`` / ``fleet_mw`` (the volume open to batteries,
    split pro rata over the battery fleet). Where no volume is sourced the share is a named
    assumption (``share`` and ``assumption``).
    """

    year: int = Field(description="Calendar year (local operating days) the row applies to.")
    procured_mw: float | None = Field(
        None, gt=0, description="Average volume of the product open to batteries [MW]."
    )
    fleet_mw: float | None = Field(None, gt=0, description="Battery fleet power [MW].")
    share: float | None = Field(
        None, ge=0, le=1, description="Award limit / project power when no volume is "
        "sourced [-]."
    )
    status: DepthStatus
    assumption: str | None = Field(
        None, description="Name of the assumption (status 'assumption')."
    )
    facts: tuple[str, ...] = Field((), description="Ids of the market's facts relied on.")
    reason: str = Field(description="Why this number, and why it is the conservative reading.")

    @model_validator(mode="after")
    def _one_form(self) -> Depth:
        volume = self.procured_mw is not None and self.fleet_mw is not None
        if volume == (self.share is not None) or (
            not volume and (self.procured_mw is not None or self.fleet_mw is not None)
        ):
            raise ValueError(f"depth {self.year}: give procured_mw and fleet_mw, or share "
                             "(exactly one form)")
        if (self.status == "assumption") != (self.assumption is not None):
            raise ValueError(f"depth {self.year}: status 'assumption' and a named "
                             "assumption go together")
        return self

    @property
    def fraction(self) -> float:
        """Award limit as a fraction of the project's power [-]."""
        if self.share is not None:
            return self.share
        return min(1.0, self.procured_mw / self.fleet_mw)  # type: ignore[operator]

    @property
    def basis(self) -> str:
        """One-line derivation, e.g. '2,300 MW / 7,800 MW = 0.295'."""
        if self.share is not None:
            return f"{self.assumption or 'share'} = {self.share:g}"
        return f"{self.procured_mw:,.0f} MW / {self.fleet_mw:,.0f} MW = {self.fraction:.3f}"


class Product(_Strict):
    """One ancillary-service (capacity) product the battery can be awarded."""

    id: str = Field(description="Canonical product id, the column name in a price frame.")
    name: str
    direction: Literal["up", "down", "symmetric"] = Field(
        description="'up' needs discharge headroom and stored energy; 'down' needs charge "
        "headroom and empty storage; 'symmetric' (one award regulating both ways) needs both."
    )
    price_column: str = Field(description="Capacity price column in the ISO files [$/MW-h].")
    gridstatus_names: tuple[str, ...] = Field(
        (), description="Names of the product in gridstatus AS frames (wide column or "
        "'AS Type' value); matched ignoring case, spaces, '_' and '-'."
    )
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
    depth: tuple[Depth, ...] = Field(
        (), description="Default award limits by year (market depth), in year order."
    )
    source: str

    @field_validator("depth")
    @classmethod
    def _depth_years(cls, v: tuple[Depth, ...]) -> tuple[Depth, ...]:
        years = [d.year for d in v]
        if years != sorted(set(years)):
            raise ValueError(f"depth rows must be in strictly increasing years, got {years}")
        return v

    def depth_for(self, year: int) -> Depth:
        """The depth row of ``year``, or of the nearest year the data hold (earlier on a tie).

        Raises ``ValueError`` when the product has no depth data.
        """
        if not self.depth:
            raise ValueError(f"product {self.id!r} has no market-depth default; pass "
                             "as_limits for it (a fraction of power or MW) or none")
        return min(self.depth, key=lambda d: (abs(d.year - year), d.year))

    @property
    def needs_up(self) -> bool:
        """The award holds discharge headroom and stored energy ('up' or 'symmetric')."""
        return self.direction in ("up", "symmetric")

    @property
    def needs_down(self) -> bool:
        """The award holds charge headroom and empty storage ('down' or 'symmetric')."""
        return self.direction in ("down", "symmetric")

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
    partial: bool = Field(
        False, description="The files cover part of their year only: fine for dispatch "
        "examples; a deal on them needs its own prices or [market] partial_year = "
        "\"annualise\"."
    )


class PriceBounds(_Strict):
    """Plausibility bounds on every price value of the market's data.

    A price ``p`` [$/MWh, or $/MW-h for a capacity product, $/MW for mileage] is accepted when
    ``-multiple x offer_cap <= p <= multiple x offer_cap``. The multiple leaves room for what
    legitimately exceeds an offer cap (congestion and losses at a node, shortage pricing:
    PJM real-time hit ~$3,800/MWh in Dec 2022 above its $2,000 cost-based cap) while refusing a
    typo such as 1e12 that one hour would carry straight into revenue.
    """

    offer_cap_usd_per_mwh: float = Field(gt=0, description="Highest energy offer the ISO "
                                         "accepts [$/MWh] (the cost-verified cap where one "
                                         "exists).")
    multiple: float = Field(ge=1, description="Bound = multiple x offer cap, both signs [-].")
    status: str = Field(description="VERIFIED / UNCERTAIN / assumption label of the cap.")
    source: str = Field(description="Rule and date the cap comes from.")
    assumption: str = Field(description="Name of the multiple (a bessfin assumption).")

    @property
    def bound(self) -> float:
        """Largest accepted |price| [$/MWh]."""
        return self.multiple * self.offer_cap_usd_per_mwh


class AwardCharge(_Strict):
    """A charge per MW of award [$/MW-h] published apart from the price (e.g. ISO-NE's
    day-ahead close-out), netted from the capacity price of the listed products when the
    user supplies it."""

    name: str
    gridstatus_names: tuple[str, ...] = Field(
        min_length=1, description="Columns of the charge in gridstatus frames [$/MW-h]."
    )
    products: tuple[str, ...] = Field(min_length=1, description="Product ids it applies to.")
    source: str


class ReserveZone(_Strict):
    """A zone in which the ISO prices reserves (AS frames carry one row per zone and hour)."""

    name: str = Field(description="Zone name as bessfin reports it.")
    aliases: tuple[str, ...] = Field(
        (), description="Other spellings of the zone in ISO or gridstatus frames (names, ids)."
    )
    locations: tuple[str, ...] = Field(
        (), description="Energy price locations (nodes, zones, hubs) inside the zone, where "
        "sourced; used to pick the zone of a node."
    )
    paid_regions: tuple[str, ...] = Field(
        (), description="Where a resource in the zone is paid the sum of several regions' "
        "prices (CAISO: system and sub-region, with their expanded variants): those regions "
        "as the frames spell them. Empty: the zone's own rows are its price."
    )
    source: str

    def matches(self, label: str) -> bool:
        """Is ``label`` this zone's name or one of its aliases (any case)?"""
        key = str(label).strip().lower()
        return key in {x.lower() for x in (self.name, *self.aliases)}


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
    price_bounds: PriceBounds = Field(description="Plausibility bounds on every price value.")
    facts: tuple[Fact, ...] = Field(
        (), description="Sourced numbers the depth defaults rely on (copied with sources)."
    )
    reserve_zones: tuple[ReserveZone, ...] = Field(
        (), description="Zones in which reserves are priced (empty: one system price)."
    )
    sources: tuple[str, ...] = Field(
        (), description="Tariffs, manuals and notices the definition rests on (title, "
        "section, date)."
    )
    award_charges: tuple[AwardCharge, ...] = Field(
        (), description="Per-MW award charges netted from product prices when supplied."
    )
    notes: str = ""

    @model_validator(mode="after")
    def _facts_known(self) -> Market:
        known = {f.id for f in self.facts}
        for p in self.products:
            for d in p.depth:
                missing = [f for f in d.facts if f not in known]
                if missing:
                    raise ValueError(f"{self.iso} product {p.id} depth {d.year} cites facts "
                                     f"{missing} that are not in the market's [[facts]]")
        return self

    @model_validator(mode="after")
    def _charges_name_products(self) -> Market:
        ids = {p.id for p in self.products}
        for c in self.award_charges:
            unknown = sorted(set(c.products) - ids)
            if unknown:
                raise ValueError(f"{self.iso} award charge {c.name!r} names unknown products "
                                 f"{unknown}")
        return self

    @model_validator(mode="after")
    def _gridstatus_names_unique(self) -> Market:
        seen: dict[str, str] = {}
        for p in self.products:
            pairs = [(n, p.id) for n in p.gridstatus_names]
            if p.mileage is not None:
                pairs += [(n, f"{p.id}_mileage") for n in p.mileage.gridstatus_names]
            for n, target in pairs:
                key = re.sub(r"[^a-z0-9]", "", n.lower())
                if seen.setdefault(key, target) != target:
                    raise ValueError(f"{self.iso}: gridstatus name {n!r} names both "
                                     f"{seen[key]!r} and {target!r}")
        return self

    @property
    def shipped(self) -> bool:
        """Does bessfin ship price files for this market (else: user prices only)?"""
        return bool(self.files)

    def reserve_zone_of(self, location: str) -> ReserveZone | None:
        """The reserve zone whose sourced locations include ``location`` (any case)."""
        key = location.strip().lower()
        for z in self.reserve_zones:
            if key in {x.lower() for x in z.locations} or z.matches(location):
                return z
        return None

    def product(self, pid: str) -> Product:
        for p in self.products:
            if p.id == pid:
                return p
        raise KeyError(
            f"{self.name} has no product {pid!r}; products are "
            f"{[p.id for p in self.products] or 'none (energy only)'}"
        )

    def gridstatus_columns(self) -> dict[str, str]:
        """gridstatus AS name -> price frame column: the product id, or ``<id>_mileage`` for
        a mileage price."""
        out: dict[str, str] = {}
        for p in self.products:
            out.update(dict.fromkeys(p.gridstatus_names, p.id))
            if p.mileage is not None:
                out.update(dict.fromkeys(p.mileage.gridstatus_names, f"{p.id}_mileage"))
        return out

    def node_column(self, node: str) -> str:
        """Column name of a node's energy price, e.g. 'HB_HOUSTON' -> 'spp_hb_houston'."""
        key = node.strip().lower()
        for suffix in self.node_suffixes:
            if key.endswith(suffix.lower()):
                key = key[: -len(suffix)]
        key = key.replace(" ", "_").replace("-", "_")
        return f"{self.energy_column_prefix}{key}"
