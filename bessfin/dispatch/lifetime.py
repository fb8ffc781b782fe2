"""Dispatch over a project's life: a price path, degradation and augmentation, year by year.

Each operating year is dispatched with that year's usable energy (degradation) on the prices
of the historical price years, scaled by escalation and a forward curve (energy and ancillary
services separately), and settled as a :class:`YearSettlement` says: day-ahead only
(:data:`DA_ONLY`, the default) or day-ahead plus real-time
(:class:`bessfin.dispatch.two_settlement.RealTimeSettlement`): one loop serves both. By
default every price year is a scenario and the operating year takes their mean revenue;
``combine="cycle"`` alternates the price years instead. Years that share a historical price
year share one built LP, re-solved with new parameters. The output is the annual revenue
table the finance layer reads (:func:`bessfin.finance.build_pro_forma`) and the revenue of
every (operating year, price year) scenario. Equations: ``docs/lifetime.md``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bessfin.common import FiniteFloat, StrictInt
from bessfin.dispatch.api import dispatch
from bessfin.dispatch.battery import Battery
from bessfin.dispatch.horizons import PERFECT, Horizon
from bessfin.dispatch.limits import DEFAULT, AsLimits
from bessfin.dispatch.pool import POOL_KEY, pool_of
from bessfin.dispatch.results import DispatchResult, is_energy_stream
from bessfin.io import Coverage, PartialYear, PriceData

#: Second capacity factor at which screening mode dispatches each price year [-].
SCREENING_LOW_CAPACITY = 0.7
#: Grid of the further screening anchors, where a path leaves [0.7, 1.0] [-].
SCREENING_ANCHOR_STEP = 0.1


def screening_anchor(cf: float, below: bool) -> float:
    """The anchor screening mode dispatches for a capacity factor ``cf`` outside its anchors:
    the multiple of :data:`SCREENING_ANCHOR_STEP` at or below ``cf`` (``below``) or at or
    above it, so nothing is extrapolated and one anchor serves every year in its band
    (``cf`` itself where the grid point would be <= 0) [-]."""
    k = cf / SCREENING_ANCHOR_STEP
    n = math.floor(k + 1e-9) if below else math.ceil(k - 1e-9)
    grid = round(n * SCREENING_ANCHOR_STEP, 10)
    return grid if grid > 0 else cf


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Degradation(_Model):
    """Capacity fade: calendar plus throughput, as fractions of nameplate energy.

    Defaults follow the range in policy_facts.md row 4.25 (calendar 1.5-2.5 %/yr, 0.005-0.008 %
    per equivalent full cycle; UNCERTAIN, a low-quality source) and are in line with row 4.24
    (grid LFP loses 20-30 % in its first decade). Settable per deal.
    """

    calendar_per_year: FiniteFloat = Field(0.02, ge=0, lt=1, description="Fade per year [-/yr].")
    per_cycle: FiniteFloat = Field(
        0.00006, ge=0, lt=0.01, description="Fade per equivalent full cycle [-/cycle]."
    )
    minimum: FiniteFloat = Field(
        0.5, gt=0, le=1, description="Capacity never modelled below this fraction [-]."
    )


class Augmentation(_Model):
    """Restore usable energy at the start of chosen operating years by adding modules."""

    years: tuple[StrictInt, ...] = Field((), description="Operating years that start augmented.")
    restore_to: FiniteFloat = Field(
        1.0, gt=0, le=1.5, description="Capacity after augmentation [-]."
    )
    usd_per_kwh: FiniteFloat = Field(
        0.0, ge=0, description="Price of added capacity [$/kWh] (capex of that year)."
    )

    @field_validator("years")
    @classmethod
    def _positive(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(y < 2 for y in v):
            raise ValueError(f"augmentation years must be >= 2 (year 1 starts new), got {v}")
        return tuple(sorted(v))


class ForwardCurve(_Model):
    """Energy and ancillary-service price paths per operating year (1, 2, ...).

    ``kind="multiplier"``: values multiply the historical prices [-]. ``kind="level"``: values
    are target annual means (energy [$/MWh] time-weighted over the year; ancillary [$/MW-h]
    over every offered product-hour); each price year is scaled so that its mean equals the
    level. A list shorter than the project life is an error; one of the two may be omitted
    (its prices are then not moved by the curve).
    """

    kind: Literal["multiplier", "level"] = Field(
        "multiplier", description="Values are multipliers [-] or annual mean prices.")
    energy: tuple[FiniteFloat, ...] | None = Field(
        None, description="Per operating year: energy multiplier [-] or mean price [$/MWh].")
    ancillary: tuple[FiniteFloat, ...] | None = Field(
        None, description="Per operating year: ancillary multiplier [-] or mean capacity "
        "price [$/MW-h].")
    source: str = Field("deal file", description="Where the curve comes from.")

    @field_validator("energy", "ancillary")
    @classmethod
    def _positive(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and (len(v) == 0 or any(not x > 0 for x in v)):
            raise ValueError(f"curve values must be a non-empty list of numbers > 0, got {v}")
        return v

    def check_life(self, life_years: int) -> None:
        """Raise unless every given list covers ``life_years`` operating years."""
        for name in ("energy", "ancillary"):
            v = getattr(self, name)
            if v is not None and len(v) < life_years:
                raise ValueError(f"forward curve ({self.source}) {name}: {len(v)} values for a "
                                 f"{life_years}-year life; expected one per operating year")

    def factor(self, op_year: int, kind: Literal["energy", "ancillary"], mean: float) -> float:
        """Multiplier on historical prices whose annual mean is ``mean`` [-]."""
        v = getattr(self, kind)
        if v is None:
            return 1.0
        x = v[op_year - 1]
        if self.kind == "multiplier":
            return x
        if not mean > 0:
            raise ValueError(f"forward curve ({self.source}) {kind} level: the historical mean "
                             f"price is {mean:g}; a level needs a positive mean")
        return x / mean


class PricePath(_Model):
    """Which historical prices each operating year sees, and how they are scaled.

    ``combine="mean"`` (default): every operating year is dispatched on each price year (a
    scenario) and takes the mean revenue. ``combine="cycle"``: operating year y sees price year
    ``years[(y-1) mod K]`` only (the former alternation).
    """

    years: tuple[StrictInt, ...] = Field(
        min_length=1, description="Historical price years: scenarios (mean) or cycled."
    )
    escalation: FiniteFloat = Field(
        0.0, gt=-1, description="Growth of all prices per operating year [-/yr]."
    )
    level: FiniteFloat = Field(1.0, gt=0, description="Multiplier on all prices (a scenario) [-].")
    combine: Literal["mean", "cycle"] = Field(
        "mean", description="Mean revenue over the price years, or cycle through them.")
    curve: ForwardCurve | None = Field(None, description="Forward curve per operating year.")

    def price_year(self, op_year: int) -> int:
        """Historical year operating year ``op_year`` (1-based) sees when cycling."""
        return self.years[(op_year - 1) % len(self.years)]

    def scenarios(self, op_year: int) -> tuple[int, ...]:
        """Price years dispatched for ``op_year``: each distinct year once (an unweighted
        mean), or the cycled year."""
        if self.combine == "mean":
            return tuple(dict.fromkeys(self.years))
        return (self.price_year(op_year),)

    def scale(self, op_year: int) -> float:
        """Multiplier of level and escalation in operating year ``op_year`` [-]."""
        return self.level * (1.0 + self.escalation) ** (op_year - 1)

    def scales(self, op_year: int, energy_mean: float = 1.0, ancillary_mean: float = 1.0
               ) -> tuple[float, float]:
        """(energy, ancillary) multipliers of operating year ``op_year`` on a price year whose
        annual means are given (used by a level curve) [-]."""
        k = self.scale(op_year)
        if self.curve is None:
            return k, k
        return (k * self.curve.factor(op_year, "energy", energy_mean),
                k * self.curve.factor(op_year, "ancillary", ancillary_mean))


def _means(data: PriceData) -> tuple[float, float]:
    """Annual mean energy price [$/MWh] and mean ancillary capacity price over offered
    product-hours [$/MW-h] of a price year."""
    frame = data.frame
    products = list(data.products)
    ancillary = float(np.nanmean(frame[products].to_numpy())) if products else 0.0
    return float(frame["energy"].mean()), ancillary


def scaled_data(data: PriceData, energy: float, ancillary: float) -> PriceData:
    """``data`` with its frame scaled by :func:`scaled_frame` (the same object at 1, 1)."""
    frame = scaled_frame(data.frame, energy, ancillary)
    return data if frame is data.frame else dataclasses.replace(data, frame=frame)


def scaled_frame(frame: pd.DataFrame, energy: float, ancillary: float) -> pd.DataFrame:
    """Prices with the energy column times ``energy`` and every other (ancillary capacity and
    mileage) column times ``ancillary``."""
    if math.isclose(energy, 1.0) and math.isclose(ancillary, 1.0):
        return frame
    factors = np.where(frame.columns == "energy", energy, ancillary)
    return frame * factors


@dataclasses.dataclass
class LifetimeResult:
    """Annual dispatch over the project life.

    Attributes
    ----------
    annual : index operating year 1..N; columns: ``price_years`` [-] (how many price-year
        scenarios the year averages; 1 when cycling), ``energy_price_scale``,
        ``as_price_scale`` [-] (scenario means), ``capacity_factor`` [-] (usable energy /
        nameplate during the year), ``augmentation_mwh`` [MWh added at the start of the
        year], one column per revenue stream [$], ``discharged_mwh`` [MWh], ``cycles`` [-]:
        means over the year's scenarios.
    scenarios : index (``year``, ``price_year``): the same revenue streams, ``discharged_mwh``
        and scales for every operating year dispatched on every price year of its path, at
        the year's common capacity factor (for P50 / P90 across price years).
    first_year : a year-1 dispatch result (hourly schedule for reports): the first scenario;
        for a two-settlement life the physical (real-time) schedule with the DA+RT streams.
    first_price_year : the price year of ``first_year``.
    streams : revenue stream column names.
    models_built : distinct LPs built over the whole life.
    combine : ``"mean"`` or ``"cycle"`` (see :class:`PricePath`).
    """

    annual: pd.DataFrame
    first_year: DispatchResult
    streams: list[str]
    models_built: int
    solve_seconds: float
    build_seconds: float
    mode: str = "full"
    scenarios: pd.DataFrame | None = None
    first_price_year: int | None = None
    combine: str = "cycle"
    first_years: dict[int, DispatchResult] = dataclasses.field(default_factory=dict)
    #: ``"da"`` or ``"da+rt"`` (:class:`YearSettlement` name)
    settlement: str = "da"
    #: year-1 settlement detail by price year when it says more than ``first_years`` (the
    #: :class:`~bessfin.dispatch.TwoSettlementResult` of a ``"da+rt"`` life: DA-only, DA+RT)
    settlements: dict[int, Any] = dataclasses.field(default_factory=dict)

    def year_one_monthly(self) -> pd.DataFrame:
        """Year-1 revenue by local month and stream [$], what the pro forma's year 1 is: one
        price year's months (index ``YYYY-MM``), or the mean over the price-year scenarios by
        calendar month (index ``Jan`` .. ``Dec``), plus ``discharged_mwh`` and
        ``mean_energy_price`` [$/MWh] (scenario means)."""
        results = list(self.first_years.values()) or [self.first_year]
        frames = []
        for r in results:
            local = r.schedule.index.tz_convert(r.timezone).tz_localize(None).to_period("M")
            m = r.monthly_revenue.assign(
                discharged_mwh=r.schedule["discharge_mw"].groupby(local).sum()
                * r.interval_hours,
                mean_energy_price=r.schedule["energy_price"].groupby(local).mean())
            frames.append(m)
        if len(frames) == 1:
            out = frames[0]
            out.index = out.index.astype(str)
        else:
            for m in frames:
                m.index = m.index.month
            out = pd.concat(frames).fillna(0.0).groupby(level=0).mean()
            out.index = [pd.Timestamp(2000, int(k), 1).strftime("%b") for k in out.index]
        out.index.name = "month"
        return out
    coverage: dict[int, Coverage] = dataclasses.field(default_factory=dict)
    partial_year: str = "refuse"

    @property
    def annualised(self) -> dict[int, Coverage]:
        """Price years that covered part of their year and were scaled to a full year."""
        if self.partial_year != "annualise":
            return {}
        return {y: c for y, c in self.coverage.items() if not c.complete}

    def revenue_table(self) -> pd.DataFrame:
        """Revenue streams and ``discharged_mwh`` as :func:`bessfin.finance.build_pro_forma`
        reads them."""
        return self.annual[[*self.streams, "discharged_mwh"]]

    def scenario_revenue(self, price_year: int) -> pd.DataFrame:
        """Revenue table of every operating year on ``price_year`` alone (same degradation
        path as the base case), as :meth:`revenue_table`; only in ``combine="mean"``."""
        if self.scenarios is None or self.combine != "mean":
            raise ValueError("per-price-year revenue needs combine='mean'")
        one = self.scenarios.xs(price_year, level="price_year")
        return one[[*self.streams, "discharged_mwh"]].fillna(0.0)

    def augmentation_mwh(self) -> dict[int, float]:
        """MWh added per augmented year."""
        s = self.annual["augmentation_mwh"]
        return {int(y): float(v) for y, v in s.items() if v > 0}


class PartialYearError(ValueError):
    """A price year covers only part of its calendar year and no opt-in was given."""


def price_coverage(
    prices: Mapping[int, PriceData], path: PricePath, partial_year: PartialYear
) -> dict[int, Coverage]:
    """Coverage of each price year of the path; refuse an incomplete one unless annualising.

    A part year valued as a full year overstates nothing and understates nothing only by
    accident: the shipped SPP file (Feb-Mar 2022, 1,415 h) booked two months of revenue
    against a year of costs. ``partial_year="annualise"`` scales revenue and throughput of that
    year by ``hours_in_year / hours_used`` (:attr:`bessfin.io.Coverage.factor`), once.
    """
    if partial_year not in ("refuse", "annualise", "as-is"):
        raise ValueError("partial_year must be 'refuse', 'annualise' or 'as-is', got "
                         f"{partial_year!r}")
    out = {y: prices[y].coverage(y) for y in sorted(set(path.years))}
    short = [c for c in out.values() if not c.complete]
    if short and partial_year == "refuse":
        c = short[0]
        data = prices[c.year]
        raise PartialYearError(
            f"price year {c.year} ({data.market.iso} {data.node}, {data.source}) covers "
            f"{c.describe()}: valued as a full year it would book part of a year's revenue "
            "against a full year of costs; give full-year prices, or opt in to scaling it to a "
            "year by hours (partial_year = \"annualise\" in the deal's [market], "
            "--partial-year annualise in the CLI)"
        )
    return out


_INFO = ("price_years", "energy_price_scale", "as_price_scale", "capacity_factor",
         "augmentation_mwh", "discharged_mwh", "cycles")


def _check_path(prices: Mapping[int, PriceData], life_years: int, path: PricePath,
                horizon: Horizon, forecasts: Mapping[int, pd.DataFrame] | None) -> None:
    if life_years < 1:
        raise ValueError(f"life_years must be >= 1, got {life_years}")
    missing = sorted(set(path.years) - set(prices))
    if missing:
        raise ValueError(f"price path needs years {missing}; prices were given for "
                         f"{sorted(prices)}")
    if path.curve is not None:
        path.curve.check_life(life_years)
    if horizon.forecast == "user":
        lacking = sorted(set(path.years) - set(forecasts or {}))
        if lacking:
            raise ValueError(f"a user forecast is needed for price years {lacking}")


#: Key of the year-result memo inside a model cache.
_RESULTS = "year results"


def _models_of(cache: dict, py: int, leg: str | None = None) -> dict:
    """The models of price year ``py`` inside a job's cache: each price year keeps its own
    live models (and their warm-start bases), so price years can be dispatched side by side
    and a year's numbers never depend on which other price year ran before it. ``leg`` names
    a second set of the price year's models (the real-time leg of a two-settlement), so that
    each leg warm-starts from its own bases of the previous operating year."""
    return cache.setdefault(("price year", py) if leg is None else ("price year", py, leg), {})


def model_keys(cache: Mapping) -> set[tuple]:
    """Where each built model of a cache sits: ``(price-year key, structure)``, or
    ``(None, structure)`` for a model kept at the top (memos excluded); models held by the
    cache's price-year workers (:mod:`bessfin.dispatch.pool`) as ``(POOL_KEY, worker,
    price-year key, structure)``."""
    pool = pool_of(cache)
    out: set[tuple] = set() if pool is None else pool.model_keys()
    for k, v in cache.items():
        if k in (_RESULTS, POOL_KEY):
            continue
        if isinstance(v, dict):
            out.update((k, s) for s in v)
        else:
            out.add((None, k))
    return out


def drop_models(cache: dict, keep: set[tuple]) -> int:
    """Remove every built model of ``cache`` not in ``keep`` (from :func:`model_keys`), e.g.
    those a one-off step built that no later step dispatches; memos stay. Returns how many."""
    gone = model_keys(cache) - keep
    remote = {k for k in gone if len(k) == 4}
    for where, s in gone - remote:
        del (cache if where is None else cache[where])[s]
    if remote:
        pool_of(cache).drop(remote)
    return len(gone)


def models_in(cache: Mapping) -> int:
    """Built LP models in a cache, price years' own caches and sub-caches and the cache's
    price-year workers included (memos excluded)."""
    pool = pool_of(cache)
    return (0 if pool is None else pool.models()) + sum(
        models_in(v) if isinstance(v, dict) else 1
        for k, v in cache.items() if k not in (_RESULTS, POOL_KEY))


@dataclasses.dataclass(frozen=True)
class YearOutcome:
    """Totals of one dispatched year: revenue by stream [$] and discharged energy [MWh]."""

    revenue_by_stream: pd.Series
    discharged_mwh: float


class YearSettlement(Protocol):
    """How one operating year is decided and settled on one (scaled) price year.

    Implementations: :data:`DA_ONLY` (the schedule settles at the prices it was decided on)
    and :class:`bessfin.dispatch.two_settlement.RealTimeSettlement` (day-ahead schedule and
    awards, then a real-time re-dispatch). The result needs ``revenue_by_stream`` [$],
    ``discharged_mwh`` [MWh] and ``solve_seconds``, ``build_seconds`` [s] (the lifetime loop
    reads nothing else); ``schedule`` and ``detail`` turn a year-1 result into reports."""

    name: str

    def check(self, price_years: Iterable[int]) -> None:
        """Raise ``ValueError`` unless the settlement can value every price year."""

    def fingerprint(self, price_year: int) -> tuple:
        """What besides the day-ahead inputs fixes a year's result (memo key)."""

    def settle(self, data: PriceData, price_year: int, energy_scale: float,
               ancillary_scale: float, models: Callable[..., dict], **dispatch_kw: Any
               ) -> Any:
        """Decide and settle ``data`` (already scaled); ``models(leg=None)`` is the price
        year's model cache (of a named leg); ``dispatch_kw`` as
        :func:`bessfin.dispatch.dispatch` takes them (battery, horizon, products, as_limits,
        forecast, capacity_factor, threads)."""

    def schedule(self, result: Any) -> DispatchResult:
        """The year's physical schedule and settled streams, for reports."""

    def detail(self, result: Any) -> Any | None:
        """The full settlement of a year-1 result when it says more than ``schedule``."""


@dataclasses.dataclass(frozen=True)
class DayAheadSettlement:
    """The schedule settles at the prices it is dispatched on (DA-only)."""

    name: str = "da"

    def check(self, price_years: Iterable[int]) -> None:
        return None

    def fingerprint(self, price_year: int) -> tuple:
        return ()

    def settle(self, data: PriceData, price_year: int, energy_scale: float,
               ancillary_scale: float, models: Callable[..., dict], **dispatch_kw: Any
               ) -> DispatchResult:
        battery = dispatch_kw.pop("battery")
        return dispatch(data, battery, compare_to_perfect=False, cache=models(),
                        **dispatch_kw)

    def schedule(self, result: DispatchResult) -> DispatchResult:
        return result

    def detail(self, result: DispatchResult) -> None:
        return None


#: The default settlement: day-ahead only.
DA_ONLY = DayAheadSettlement()


@dataclasses.dataclass(frozen=True)
class PriceYearInputs:
    """What fixes a dispatch on one price year besides its price scales and capacity: the
    unscaled prices and forecast, the battery, how it is dispatched and settled."""

    data: PriceData
    forecast: pd.DataFrame | None
    battery: Battery
    horizon: Horizon
    products: list[str] | None
    as_limits: AsLimits
    threads: int | None
    settlement: YearSettlement


def settle_year(inputs: PriceYearInputs, py: int, ke: float, ka: float, cf: float,
                cache: dict) -> Any:
    """Price year ``py`` at energy and ancillary price scales ``ke``, ``ka`` and capacity
    factor ``cf``, decided and settled as ``inputs.settlement`` says on the price year's
    models in ``cache`` (in this process or a price-year worker, :mod:`bessfin.dispatch.pool`)."""
    data = scaled_data(inputs.data, ke, ka)
    forecast = None if inputs.forecast is None else scaled_frame(inputs.forecast, ke, ka)
    return inputs.settlement.settle(
        data, py, ke, ka, battery=inputs.battery, horizon=inputs.horizon,
        products=inputs.products, forecast=forecast, as_limits=inputs.as_limits,
        capacity_factor=cf, threads=inputs.threads,
        models=functools.partial(_models_of, cache, py))


@dataclasses.dataclass
class _YearDispatcher:
    """Dispatches (operating year, price year) scenarios (full) or interpolates between
    anchors (screening)."""

    prices: Mapping[int, PriceData]
    battery: Battery
    path: PricePath
    mode: str
    horizon: Horizon
    products: list[str] | None
    as_limits: AsLimits
    forecasts: Mapping[int, pd.DataFrame] | None
    threads: int | None
    cache: dict
    workers: int = 1
    settlement: YearSettlement = DA_ONLY
    anchors: dict[tuple[int, float], DispatchResult] = dataclasses.field(default_factory=dict)
    stats: dict[str, float] = dataclasses.field(
        default_factory=lambda: {"solve": 0.0, "build": 0.0})
    means: dict[int, tuple[float, float]] = dataclasses.field(default_factory=dict)
    prints: dict[int, tuple] = dataclasses.field(default_factory=dict)
    #: (price year, anchor capacities) -> stream names, revenue (streams x anchors) [$] and
    #: discharged energy per anchor [MWh]: summed from the anchors' schedules once
    tables: dict[tuple, tuple[list[str], np.ndarray, np.ndarray]] = dataclasses.field(
        default_factory=dict)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.means = {py: _means(self.prices[py]) for py in set(self.path.years)}
        for py in set(self.path.years):
            self.fingerprint(py)
            _models_of(self.cache, py)
        self.cache.setdefault(_RESULTS, {})

    def scales(self, year: int, py: int) -> tuple[float, float]:
        """(energy, ancillary) price multipliers of operating year ``year`` on ``py``."""
        return self.path.scales(year, *self.means[py])

    def run(self, py: int, ke: float, ka: float, cf: float) -> Any:
        """Dispatch price year ``py`` at scales (``ke``, ``ka``) and capacity factor ``cf``;
        a year whose inputs were dispatched before (same prices, battery, horizon and
        limits: e.g. year 1 of a sensitivity that only changes the fade) is not re-solved.
        Results at full capacity are kept whole (year-1 schedules), others as totals."""
        key = ("year", self.fingerprint(py), ke, ka, cf)
        memo = self.cache.setdefault(_RESULTS, {})
        if key in memo:
            return memo[key]
        result = self._dispatch(py, ke, ka, cf)
        memo[key] = result if cf == 1.0 else YearOutcome(result.revenue_by_stream,
                                                          result.discharged_mwh)
        return result

    def fingerprint(self, py: int) -> tuple:
        """What besides scales and capacity fixes a year's dispatch on ``py``."""
        if py not in self.prints:
            data = self.prices[py]
            frame = data.frame
            forecast = None if self.forecasts is None else self.forecasts.get(py)
            self.prints[py] = (
                data.market.name, hash(frame.index.asi8.tobytes()), tuple(frame.columns),
                hash(frame.to_numpy(dtype=float).tobytes()),
                None if forecast is None else hash(forecast.to_numpy(dtype=float).tobytes()),
                self.battery.model_dump_json(), self.horizon,
                None if self.products is None else tuple(self.products), repr(self.as_limits),
                *self.settlement.fingerprint(py))
        return self.prints[py]

    def inputs(self, py: int, threads: int | None = None) -> PriceYearInputs:
        """What fixes a dispatch on price year ``py`` besides scales and capacity."""
        return PriceYearInputs(
            data=self.prices[py],
            forecast=None if self.forecasts is None else self.forecasts.get(py),
            battery=self.battery, horizon=self.horizon, products=self.products,
            as_limits=self.as_limits, threads=self.threads if threads is None else threads,
            settlement=self.settlement)

    def _dispatch(self, py: int, ke: float, ka: float, cf: float) -> Any:
        pool = pool_of(self.cache)
        if pool is None:
            result = settle_year(self.inputs(py), py, ke, ka, cf, self.cache)
            solve, build = result.solve_seconds, result.build_seconds
        else:  # on the price year's worker process, which keeps its models
            result, solve, build = pool.settle(
                self.fingerprint(py), functools.partial(self.inputs, py, pool.threads),
                py, ke, ka, cf)
        with self._lock:
            self.stats["solve"] += solve
            self.stats["build"] += build
        return result

    def anchor(self, py: int, cf: float) -> Any:
        """Screening anchor: price year ``py`` dispatched at capacity factor ``cf`` on year-1
        prices (year-1 scales, no escalation)."""
        if (py, cf) not in self.anchors:
            self.anchors[(py, cf)] = self.run(py, *self.scales(1, py), cf)
        return self.anchors[(py, cf)]

    def year_values(self, year: int, py: int, cf: float) -> tuple[dict[str, float], float]:
        """Revenue by stream and discharged MWh of operating year ``year`` on price year
        ``py``."""
        ke, ka = self.scales(year, py)
        if self.mode == "full":
            r = self.run(py, ke, ka, cf)
            if year == 1:
                self.anchors.setdefault((py, 1.0), r)
            return r.revenue_by_stream.to_dict(), r.discharged_mwh
        self.anchor(py, 1.0)
        self.anchor(py, SCREENING_LOW_CAPACITY)
        known = sorted(a for (p, a) in list(self.anchors) if p == py)
        if not known[0] - 1e-9 <= cf <= known[-1] + 1e-9:
            # never extrapolate: dispatch the grid point beyond it (one anchor per band)
            self.anchor(py, screening_anchor(cf, below=cf < known[0]))
            known = sorted(a for (p, a) in list(self.anchors) if p == py)
        names, table, discharged = self.anchor_table(py, known)
        ke1, ka1 = self.scales(1, py)
        growth = {"energy": ke / ke1, "ancillary": ka / ka1}  # scale since year 1
        revenue = {
            k: (1.0 if k == "degradation" else
                growth["energy" if is_energy_stream(k) else "ancillary"])
            * float(np.interp(cf, known, row))
            for k, row in zip(names, table, strict=True)
        }
        return revenue, float(np.interp(cf, known, discharged))

    def anchor_table(self, py: int, known: list[float]) -> tuple[list[str], np.ndarray,
                                                                 np.ndarray]:
        """Stream names, revenue by stream and anchor [$] and discharged energy by anchor
        [MWh] of price year ``py`` at the anchor capacities ``known`` (sums over each
        anchor's year, taken once for all operating years; a stream missing at an anchor
        counts 0)."""
        key = (py, tuple(known))
        if key not in self.tables:
            results = [self.anchors[(py, a)] for a in known]
            streams = [r.revenue_by_stream for r in results]
            names = list(streams[0].index)
            table = np.array([[s.get(k, 0.0) for s in streams] for k in names], dtype=float)
            self.tables[key] = (names, table.reshape(len(names), len(known)),
                                np.array([r.discharged_mwh for r in results], dtype=float))
        return self.tables[key]

    def scenarios(self, year: int, cf: float) -> list[dict]:
        """One row per price year of operating year ``year`` at capacity factor ``cf``. When
        the cache carries price-year workers (:mod:`bessfin.dispatch.pool`) each price year
        is dispatched on its own worker process, side by side (one waiting thread each);
        else with ``workers > 1`` side by side in threads (HiGHS releases the GIL while it
        solves; each price year has its own models). On a rolling year (~366 solves of
        ~0.3 ms) threads mostly hand the GIL back and forth: the ERCOT example's life took
        6.4 s wall / 9.8 s CPU with two threads against 7.0 s / 7.0 s with one and 3.8 s on
        two worker processes (idle 2 cores, 2026-12-02); on year-long LPs two threads halve
        it."""
        pys = self.path.scenarios(year)
        remote = pool_of(self.cache) is not None  # threads then only wait on the worker processes
        if (remote or self.workers > 1) and len(pys) > 1:
            with ThreadPoolExecutor(len(pys) if remote else min(self.workers, len(pys))) as pool:
                values = list(pool.map(lambda py: self.year_values(year, py, cf), pys))
        else:
            values = [self.year_values(year, py, cf) for py in pys]
        rows = []
        for py, (revenue, discharged) in zip(pys, values, strict=True):
            ke, ka = self.scales(year, py)
            rows.append({"year": year, "price_year": py, "energy_price_scale": ke,
                         "as_price_scale": ka, **revenue, "discharged_mwh": discharged})
        return rows


#: Scenario-row keys that are not scaled by annualisation (labels and price multipliers).
_NOT_SCALED = ("year", "price_year", "energy_price_scale", "as_price_scale")


def _annualised(row: dict, k: float) -> dict:
    """A scenario row with revenue streams and discharged energy multiplied by ``k`` (the
    price year's :attr:`~bessfin.io.Coverage.factor`; 1 for a complete year). The only place
    a part year is scaled."""
    if k == 1.0:
        return row
    return {c: (v if c in _NOT_SCALED else v * k) for c, v in row.items()}


def _mean_row(rows: list[dict], skip: tuple[str, ...] = ()) -> dict[str, float]:
    """Mean of each key over ``rows`` (keys in order of first appearance, ``skip`` left
    out; a key missing from a row, None or NaN counts 0): the price-year mean of an
    operating year, as ``pd.DataFrame(rows).fillna(0).mean()`` without building a frame."""
    keys = list(dict.fromkeys(k for r in rows for k in r if k not in skip))
    values = np.array([[r.get(k) for r in rows] for k in keys], dtype=float)
    values[np.isnan(values)] = 0.0
    return dict(zip(keys, (values.sum(axis=1) / len(rows)).tolist(), strict=True))


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
    forecasts: Mapping[int, pd.DataFrame] | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    mode: Literal["full", "screening"] = "full",
    cache: dict | None = None,
    partial_year: PartialYear = "refuse",
    workers: int = 1,
    settlement: YearSettlement = DA_ONLY,
) -> LifetimeResult:
    """Dispatch every operating year of a project.

    Parameters
    ----------
    prices : validated prices by historical year (every year of ``path`` must be present).
    battery : nameplate battery (year-1 capacity).
    life_years : operating years N.
    path : historical price years (mean of scenarios, or cycled), escalation, forward curve.
    degradation, augmentation : capacity fade and restoration (default: fade, no
        augmentation).
    horizon, products, as_limits, threads : as :func:`bessfin.dispatch`; award limits are
        re-applied to every operating year (a bound change: built models are re-solved).
    forecasts : forecast price frames by historical year for ``horizon.forecast == "user"``
        (scaled like the prices).
    progress : called with (year, life_years) after each year.
    mode : ``"full"`` dispatches every operating year on each of its price years.
        ``"screening"`` dispatches each distinct price year at capacity factors 1 and
        :data:`SCREENING_LOW_CAPACITY` (plus, where the path leaves them, the grid point
        beyond it, :func:`screening_anchor`, so nothing is extrapolated), interpolates
        revenue and throughput piecewise-linearly in capacity factor and scales
        energy-priced streams by the energy scale and ancillary streams by the ancillary
        scale since year 1 (error against ``"full"`` in ``docs/lifetime.md``).
    cache : built models by LP structure, shared with other calls (e.g. a screening worker).
    workers : threads dispatching the price years of an operating year side by side
        (results do not depend on it); ignored when ``cache`` carries price-year worker
        processes (:func:`bessfin.dispatch.pool.price_year_workers`), which then dispatch them.

    The degradation state is common to all scenarios of an operating year: year y+1's
    capacity follows from year y's mean cycles over its scenarios.
    partial_year : ``"refuse"`` (default) raises :class:`PartialYearError` when a price year
        covers less than its calendar year (hours missing at either end or days dropped);
        ``"annualise"`` multiplies that price year's revenue streams and discharged energy
        (hence cycles and degradation) by ``hours_in_year / hours_used``, once, in each
        scenario row before the mean over price years. ``first_year(s)`` keep the unscaled
        hourly dispatch.
    settlement : how each (operating year, price year) is decided and settled:
        :data:`DA_ONLY` (default), or day-ahead plus real-time
        (:class:`bessfin.dispatch.two_settlement.RealTimeSettlement`, its RT prices scaled
        by the year's energy multiplier); the revenue streams, the throughput that degrades
        the battery and the year-1 schedules are then the two-settlement's (docs/lifetime.md).
    """
    _check_path(prices, life_years, path, horizon, forecasts)
    settlement.check(path.years)
    coverage = price_coverage(prices, path, partial_year)
    degradation = degradation or Degradation()
    augmentation = augmentation or Augmentation()
    cache = {} if cache is None else cache
    built_before = models_in(cache)
    years = _YearDispatcher(prices, battery, path, mode, horizon, products, as_limits,
                            forecasts, threads, cache, workers, settlement)
    rows, scen_rows = [], []
    capacity = 1.0
    for year in range(1, life_years + 1):
        added = 0.0
        if year in augmentation.years and capacity < augmentation.restore_to:
            added = (augmentation.restore_to - capacity) * battery.energy_mwh
            capacity = augmentation.restore_to
        scen = [_annualised(row, coverage[row["price_year"]].factor
                            if partial_year == "annualise" else 1.0)
                for row in years.scenarios(year, capacity)]
        scen_rows += scen
        mean = _mean_row(scen, skip=("year", "price_year"))
        cycles = mean["discharged_mwh"] / battery.energy_mwh
        rows.append({"price_years": len(scen), "capacity_factor": capacity,
                     "augmentation_mwh": added, **mean, "cycles": cycles})
        capacity = max(
            degradation.minimum,
            capacity - degradation.calendar_per_year - degradation.per_cycle * cycles,
        )
        if progress is not None:
            progress(year, life_years)
    annual = pd.DataFrame(rows, index=pd.RangeIndex(1, life_years + 1, name="year")).fillna(0.0)
    streams = [c for c in annual.columns if c not in _INFO]
    annual = annual[[*_INFO[:5], *streams, "discharged_mwh", "cycles"]]
    year_one = {py: years.anchors[(py, 1.0)] for py in path.scenarios(1)}
    first_years = {py: settlement.schedule(r) for py, r in year_one.items()}
    details = {py: settlement.detail(r) for py, r in year_one.items()}
    first_py = path.scenarios(1)[0]
    return LifetimeResult(annual=annual, first_year=first_years[first_py], streams=streams,
                          models_built=models_in(cache) - built_before,
                          solve_seconds=years.stats["solve"],
                          build_seconds=years.stats["build"], mode=mode,
                          scenarios=pd.DataFrame(scen_rows).set_index(
                              ["year", "price_year"]).fillna(0.0),
                          first_price_year=first_py, combine=path.combine,
                          first_years=first_years, coverage=coverage,
                          partial_year=partial_year, settlement=settlement.name,
                          settlements={py: d for py, d in details.items() if d is not None})
