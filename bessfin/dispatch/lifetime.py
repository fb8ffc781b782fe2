"""Dispatch over a project's life: a price path, degradation and augmentation, year by year.

Each operating year is dispatched with that year's usable energy (degradation) on the prices
of a historical year (cycled) scaled by escalation. Years that share a historical price year
share one built LP, re-solved with new parameters. The output is the annual revenue table the
finance layer reads (:func:`bessfin.finance.build_pro_forma`). Equations: ``docs/lifetime.md``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bessfin.dispatch.api import dispatch
from bessfin.dispatch.battery import Battery
from bessfin.dispatch.horizons import PERFECT, Horizon
from bessfin.dispatch.limits import DEFAULT, AsLimits
from bessfin.dispatch.results import DispatchResult
from bessfin.io import PriceData

#: Second capacity factor at which screening mode dispatches each price year [-].
SCREENING_LOW_CAPACITY = 0.7


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Degradation(_Model):
    """Capacity fade: calendar plus throughput, as fractions of nameplate energy.

    Defaults follow the range in policy_facts.md row 4.25 (calendar 1.5-2.5 %/yr, 0.005-0.008 %
    per equivalent full cycle; UNCERTAIN, a low-quality source) and are in line with row 4.24
    (grid LFP loses 20-30 % in its first decade). Settable per deal.
    """

    calendar_per_year: float = Field(0.02, ge=0, lt=1, description="Fade per year [-/yr].")
    per_cycle: float = Field(
        0.00006, ge=0, lt=0.01, description="Fade per equivalent full cycle [-/cycle]."
    )
    minimum: float = Field(
        0.5, gt=0, le=1, description="Capacity never modelled below this fraction [-]."
    )


class Augmentation(_Model):
    """Restore usable energy at the start of chosen operating years by adding modules."""

    years: tuple[int, ...] = Field((), description="Operating years that start augmented.")
    restore_to: float = Field(1.0, gt=0, le=1.5, description="Capacity after augmentation [-].")
    usd_per_kwh: float = Field(
        0.0, ge=0, description="Price of added capacity [$/kWh] (capex of that year)."
    )

    @field_validator("years")
    @classmethod
    def _positive(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(y < 2 for y in v):
            raise ValueError(f"augmentation years must be >= 2 (year 1 starts new), got {v}")
        return tuple(sorted(v))


class PricePath(_Model):
    """Which historical prices each operating year sees."""

    years: tuple[int, ...] = Field(
        min_length=1, description="Historical price years, cycled over the project life."
    )
    escalation: float = Field(
        0.0, gt=-1, description="Growth of all prices per operating year [-/yr]."
    )
    level: float = Field(1.0, gt=0, description="Multiplier on all prices (a scenario) [-].")

    def price_year(self, op_year: int) -> int:
        """Historical year whose prices operating year ``op_year`` (1-based) sees."""
        return self.years[(op_year - 1) % len(self.years)]

    def scale(self, op_year: int) -> float:
        """Price multiplier of operating year ``op_year`` [-]."""
        return self.level * (1.0 + self.escalation) ** (op_year - 1)


@dataclasses.dataclass
class LifetimeResult:
    """Annual dispatch over the project life.

    Attributes
    ----------
    annual : index operating year 1..N; columns: ``price_year``, ``price_scale`` [-],
        ``capacity_factor`` [-] (usable energy / nameplate during the year),
        ``augmentation_mwh`` [MWh added at the start of the year], one column per revenue
        stream [$], ``discharged_mwh`` [MWh], ``cycles`` [-].
    first_year : the year-1 dispatch result (hourly schedule for reports).
    streams : revenue stream column names.
    models_built : distinct LPs built over the whole life.
    """

    annual: pd.DataFrame
    first_year: DispatchResult
    streams: list[str]
    models_built: int
    solve_seconds: float
    build_seconds: float
    mode: str = "full"

    def revenue_table(self) -> pd.DataFrame:
        """Revenue streams and ``discharged_mwh`` as :func:`bessfin.finance.build_pro_forma`
        reads them."""
        return self.annual[[*self.streams, "discharged_mwh"]]

    def augmentation_mwh(self) -> dict[int, float]:
        """MWh added per augmented year."""
        s = self.annual["augmentation_mwh"]
        return {int(y): float(v) for y, v in s.items() if v > 0}


def _check_path(prices: Mapping[int, PriceData], life_years: int, path: PricePath) -> None:
    if life_years < 1:
        raise ValueError(f"life_years must be >= 1, got {life_years}")
    missing = sorted(set(path.years) - set(prices))
    if missing:
        raise ValueError(f"price path needs years {missing}; prices were given for "
                         f"{sorted(prices)}")


@dataclasses.dataclass
class _YearDispatcher:
    """Dispatches operating years (full) or interpolates between anchors (screening)."""

    prices: Mapping[int, PriceData]
    battery: Battery
    path: PricePath
    mode: str
    horizon: Horizon
    products: list[str] | None
    as_limits: AsLimits
    threads: int | None
    cache: dict
    anchors: dict[tuple[int, float], DispatchResult] = dataclasses.field(default_factory=dict)
    stats: dict[str, float] = dataclasses.field(
        default_factory=lambda: {"solve": 0.0, "build": 0.0})

    def run(self, py: int, scale: float, cf: float) -> DispatchResult:
        data = self.prices[py]
        if not math.isclose(scale, 1.0):
            data = dataclasses.replace(data, frame=data.frame * scale)
        result = dispatch(data, self.battery, horizon=self.horizon, products=self.products,
                          as_limits=self.as_limits, capacity_factor=cf,
                          compare_to_perfect=False, threads=self.threads, cache=self.cache)
        self.stats["solve"] += result.solve_seconds
        self.stats["build"] += result.build_seconds
        return result

    def anchor(self, py: int, cf: float) -> DispatchResult:
        """Screening anchor: price year ``py`` dispatched at capacity factor ``cf`` on year-1
        prices (the path's level, no escalation)."""
        if (py, cf) not in self.anchors:
            self.anchors[(py, cf)] = self.run(py, self.path.level, cf)
        return self.anchors[(py, cf)]

    def year_values(self, py: int, scale: float, cf: float) -> tuple[dict[str, float], float]:
        """Revenue by stream and discharged MWh of one operating year."""
        if self.mode == "full":
            r = self.run(py, scale, cf)
            self.anchors.setdefault((py, 1.0), r)
            return r.revenue_by_stream.to_dict(), r.discharged_mwh
        self.anchor(py, 1.0)
        self.anchor(py, SCREENING_LOW_CAPACITY)
        known = sorted(a for (p, a) in self.anchors if p == py)
        if not known[0] - 1e-9 <= cf <= known[-1] + 1e-9:
            self.anchor(py, cf)  # never extrapolate: dispatch the new capacity factor itself
            known = sorted(a for (p, a) in self.anchors if p == py)
        results = [self.anchors[(py, a)] for a in known]
        streams = results[0].revenue_by_stream.index
        growth = scale / self.path.level  # escalation since year 1
        revenue = {
            k: (growth if k != "degradation" else 1.0)
            * float(np.interp(cf, known, [r.revenue_by_stream.get(k, 0.0) for r in results]))
            for k in streams
        }
        return revenue, float(np.interp(cf, known, [r.discharged_mwh for r in results]))


def lifetime_dispatch(
    prices: Mapping[int, PriceData],
    battery: Battery,
    *,
    life_years: int,
    path: PricePath,
    degradation: Degradation | None = None,
    augmentation: Augmentation | None = None,
    horizon: Horizon = PERFECT,
    products: list[str] | None = None,
    as_limits: AsLimits = DEFAULT,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    mode: Literal["full", "screening"] = "full",
    cache: dict | None = None,
) -> LifetimeResult:
    """Dispatch every operating year of a project.

    Parameters
    ----------
    prices : validated prices by historical year (every year of ``path`` must be present).
    battery : nameplate battery (year-1 capacity).
    life_years : operating years N.
    path : historical years cycled over the life and price escalation.
    degradation, augmentation : capacity fade and restoration (default: fade, no
        augmentation).
    horizon, products, as_limits, threads : as :func:`bessfin.dispatch`; award limits are
        re-applied to every operating year (a bound change: built models are re-solved).
    progress : called with (year, life_years) after each year.
    mode : ``"full"`` dispatches every operating year. ``"screening"`` dispatches each distinct
        price year at capacity factors 1 and :data:`SCREENING_LOW_CAPACITY` (plus any capacity
        factor the path reaches outside them, so nothing is extrapolated), interpolates revenue
        and throughput piecewise-linearly in capacity factor and scales the price-driven streams
        by escalation (error against ``"full"`` in ``docs/lifetime.md``).
    cache : built models by LP structure, shared with other calls (e.g. a screening worker).
    """
    _check_path(prices, life_years, path)
    degradation = degradation or Degradation()
    augmentation = augmentation or Augmentation()
    cache = {} if cache is None else cache
    built_before = len(cache)
    years = _YearDispatcher(prices, battery, path, mode, horizon, products, as_limits, threads,
                            cache)
    rows, first = [], None
    capacity = 1.0
    for year in range(1, life_years + 1):
        added = 0.0
        if year in augmentation.years and capacity < augmentation.restore_to:
            added = (augmentation.restore_to - capacity) * battery.energy_mwh
            capacity = augmentation.restore_to
        py, scale = path.price_year(year), path.scale(year)
        revenue, discharged = years.year_values(py, scale, capacity)
        first = first or years.anchors[(py, 1.0)]
        cycles = discharged / battery.energy_mwh
        row = {"price_year": py, "price_scale": scale, "capacity_factor": capacity,
               "augmentation_mwh": added, **revenue, "discharged_mwh": discharged,
               "cycles": cycles}
        rows.append(row)
        capacity = max(
            degradation.minimum,
            capacity - degradation.calendar_per_year - degradation.per_cycle * cycles,
        )
        if progress is not None:
            progress(year, life_years)
    annual = pd.DataFrame(rows, index=pd.RangeIndex(1, life_years + 1, name="year")).fillna(0.0)
    streams = [c for c in annual.columns if c not in
               ("price_year", "price_scale", "capacity_factor", "augmentation_mwh",
                "discharged_mwh", "cycles")]
    return LifetimeResult(annual=annual, first_year=first, streams=streams,
                          models_built=len(cache) - built_before,
                          solve_seconds=years.stats["solve"],
                          build_seconds=years.stats["build"], mode=mode)
