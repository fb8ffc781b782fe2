"""Day-ahead plus real-time two-settlement.

1. **Day-ahead (DA)**: :func:`bessfin.dispatch.dispatch` decides an hourly energy schedule and
   ancillary awards on DA information (perfect foresight of DA prices as the ceiling, or a
   forecast horizon) and settles them at DA prices: the *DA-only* revenue.
2. **Real-time (RT) re-dispatch**: on the RT interval (hourly or sub-hourly), the awards are
   fixed at their DA values and the battery re-decides charge and discharge on RT prices inside
   the headroom and stored-energy reserve those awards require (the same LP, with each award
   bounded by its DA value and given an overriding value so it is always held; see
   ``docs/dispatch.md``). RT foresight: ``"hour-ahead"`` (the base: decided one RT interval
   at a time, an hour on hourly data, on the actual RT price of that interval and the DA
   prices of the rest of the day, ending the day with at least the DA schedule's stored
   energy), ``"perfect"`` (RT prices
   known: the ceiling) or ``"persistence"`` (a naive strategy: each local day re-dispatched
   on the previous day's RT prices at the same interval of the day, the first day on its DA
   prices).
3. **Settlement** per RT interval t in DA hour h(t), length dt [h]:
   DA quantity x DA price + (RT - DA) quantity x RT price + AS capacity (and mileage) payments
   of the DA awards + deployed AS energy at the RT price - degradation of RT throughput.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from bessfin.dispatch.api import dispatch, series_from
from bessfin.dispatch.battery import Battery
from bessfin.dispatch.forecast import HourAhead, Persistence
from bessfin.dispatch.horizons import PERFECT, Horizon, run_horizon
from bessfin.dispatch.lifetime import scaled_data
from bessfin.dispatch.limits import DEFAULT, AsLimits
from bessfin.dispatch.results import DispatchResult
from bessfin.dispatch.series import MarketSeries, ProductSeries, interval_hours
from bessfin.io import PriceData, load_prices, parse_price_spec
from bessfin.markets import Market

Settlement = Literal["da", "da+rt"]
RtForesight = Literal["hour-ahead", "perfect", "persistence"]
SETTLEMENTS: tuple[str, ...] = ("da", "da+rt")
RT_FORESIGHTS: tuple[str, ...] = ("hour-ahead", "perfect", "persistence")
#: The RT re-dispatch of ``"hour-ahead"``: one RT interval (an hour on hourly data) decided
#: at a time, seeing the rest of its local day.
HOUR_AHEAD = Horizon("interval", 0, to_day_end=True)
#: Largest shortfall of a DA award in the RT re-dispatch treated as solver noise [MW].
AWARD_TOL_MW = 1e-6


@dataclass
class TwoSettlementResult:
    """DA-only and DA+RT outcomes of one horizon.

    Attributes
    ----------
    da : the DA schedule and awards, settled at DA prices (the DA-only revenue).
    rt_schedule : per RT interval: ``charge_mw``, ``discharge_mw``, ``soc_mwh`` (RT),
        ``da_position_mw`` (DA discharge - charge of the interval's hour), ``<p>_mw`` awards
        held in RT, ``da_price``, ``rt_price`` [$/MWh].
    revenue : per RT interval, DA+RT streams [$]: ``da_energy``, ``rt_deviation``, each
        product's capacity payment (and ``_mileage``), ``<p>_deployed_energy`` (at the RT
        price) and ``degradation`` (negative).
    rt_foresight : ``"hour-ahead"``, ``"perfect"`` or ``"persistence"``.
    award_shortfall_mwh : MW-h of DA awards the RT re-dispatch could not hold (0 when every
        award is honoured; the capacity payments are still those of the DA awards).
    notes : how the data and horizons were handled.
    deployed_mwh : expected deployed up-regulation energy of the awards held in RT [MWh].
    rt_build_seconds, rt_solve_seconds, rt_models_built : the RT leg's solver statistics.
    """

    da: DispatchResult
    rt_schedule: pd.DataFrame
    revenue: pd.DataFrame
    rt_foresight: str
    rt_node: str
    award_shortfall_mwh: float = 0.0
    notes: list[str] = field(default_factory=list)
    deployed_mwh: float = 0.0
    rt_build_seconds: float = 0.0
    rt_solve_seconds: float = 0.0
    rt_models_built: int = 0

    @property
    def da_only_revenue(self) -> float:
        """Revenue settling the DA schedule at DA prices [$]."""
        return self.da.total_revenue

    @property
    def da_rt_revenue(self) -> float:
        """Two-settlement revenue [$]."""
        return float(self.revenue.to_numpy().sum())

    @property
    def rt_uplift(self) -> float:
        """DA+RT - DA-only revenue [$]."""
        return self.da_rt_revenue - self.da_only_revenue

    @property
    def revenue_by_stream(self) -> pd.Series:
        """DA+RT revenue per stream over the horizon [$]."""
        return self.revenue.sum()

    @property
    def rt_interval_hours(self) -> float:
        """RT interval length [h]."""
        return interval_hours(pd.DatetimeIndex(self.rt_schedule.index))

    @property
    def discharged_mwh(self) -> float:
        """Energy the battery discharges in real time [MWh]: the RT schedule plus the deployed
        up-regulation energy (what degradation and the cycle limits count)."""
        return (float(self.rt_schedule["discharge_mw"].sum()) * self.rt_interval_hours
                + self.deployed_mwh)

    @property
    def solve_seconds(self) -> float:
        """Solver time of both legs [s]."""
        return self.da.solve_seconds + self.rt_solve_seconds

    @property
    def build_seconds(self) -> float:
        """Model build time of both legs [s]."""
        return self.da.build_seconds + self.rt_build_seconds

    def as_dispatch(self) -> DispatchResult:
        """The physical (RT) schedule with the DA+RT revenue streams, as a
        :class:`DispatchResult` for reports: ``energy_price`` is the RT price (the price the
        battery's deviations settle at); ``da_price`` and ``da_position_mw`` ride along."""
        s = self.rt_schedule
        awards = [c for c in s.columns if c.endswith("_mw") and c not in (
            "charge_mw", "discharge_mw", "da_position_mw")]
        schedule = pd.DataFrame({
            "charge_mw": s["charge_mw"], "discharge_mw": s["discharge_mw"],
            "soc_mwh": s["soc_mwh"], **{c: s[c] for c in awards},
            "energy_price": s["rt_price"], "da_price": s["da_price"],
            "da_position_mw": s["da_position_mw"]}, index=s.index)
        da = self.da
        return DispatchResult(
            schedule=schedule, revenue=self.revenue, battery=da.battery, horizon=da.horizon,
            market=da.market, node=da.node, timezone=da.timezone, windows=da.windows,
            models_built=da.models_built + self.rt_models_built,
            build_seconds=self.build_seconds, solve_seconds=self.solve_seconds,
            deployed_mwh=self.deployed_mwh, as_limits=da.as_limits,
            notes=[*da.notes, *self.notes])

    def per_kw_year(self, usd: float) -> float:
        """``usd`` over the horizon as $/kW-yr of nameplate power."""
        hours = len(self.da.schedule) * self.da.interval_hours
        return usd / (self.da.battery.power_mw * 1000.0) * 8760.0 / hours

    def summary_dict(self) -> dict:
        """Headline numbers, JSON-serialisable."""
        out = {
            "settlement": "da+rt",
            "rt_foresight": self.rt_foresight,
            "da_horizon": self.da.horizon.label,
            "rt_node": self.rt_node,
            "rt_interval_minutes": round(
                interval_hours(pd.DatetimeIndex(self.rt_schedule.index)) * 60.0, 4),
            "da_only_revenue_usd": round(self.da_only_revenue, 2),
            "da_rt_revenue_usd": round(self.da_rt_revenue, 2),
            "rt_uplift_usd": round(self.rt_uplift, 2),
            "da_only_usd_per_kw_year": round(self.per_kw_year(self.da_only_revenue), 3),
            "da_rt_usd_per_kw_year": round(self.per_kw_year(self.da_rt_revenue), 3),
            "rt_uplift_usd_per_kw_year": round(self.per_kw_year(self.rt_uplift), 3),
            "rt_uplift_pct": (None if self.da_only_revenue <= 0
                              else round(100.0 * self.rt_uplift / self.da_only_revenue, 2)),
            "da_rt_revenue_by_stream_usd": {
                k: round(float(v), 2) for k, v in self.revenue.sum().items()},
            "award_shortfall_mwh": round(self.award_shortfall_mwh, 6),
            "notes": self.notes,
        }
        return out

    def to_json(self, **kwargs) -> str:
        return json.dumps({"da_only": self.da.summary_dict(), **self.summary_dict()}, **kwargs)


def da_hour_positions(da_index: pd.DatetimeIndex, rt_index: pd.DatetimeIndex) -> np.ndarray:
    """Position in ``da_index`` (hourly) of the DA hour holding each RT interval.

    Raises ``ValueError`` unless the RT intervals cover exactly the DA hours."""
    pos = da_index.get_indexer(rt_index.floor("h"))
    if (pos < 0).any():
        first = rt_index[np.argmax(pos < 0)]
        raise ValueError(
            f"real-time interval {first.isoformat()} has no day-ahead hour; expected DA and RT "
            "prices over the same hours (select a common period with start=/end=)")
    covered = np.zeros(len(da_index), dtype=bool)
    covered[pos] = True
    if not covered.all():
        first = da_index[np.argmax(~covered)]
        raise ValueError(
            f"day-ahead hour {first.isoformat()} has no real-time price; expected DA and RT "
            "prices over the same hours (select a common period with start=/end=)")
    return pos


def settle_two(
    da: DispatchResult, rt: pd.DataFrame, rt_price: np.ndarray, pos: np.ndarray,
    dt_rt: float, products: tuple[ProductSeries, ...],
) -> pd.DataFrame:
    """Two-settlement revenue per RT interval [$] (equations: ``docs/dispatch.md``).

    Parameters
    ----------
    da : DA result (hourly schedule, awards, DA prices and streams).
    rt : RT schedule: ``charge_mw``, ``discharge_mw`` and ``<p>_mw`` awards held [MW].
    rt_price : RT energy price per RT interval [$/MWh].
    pos : DA hour of each RT interval (:func:`da_hour_positions`).
    dt_rt : RT interval length [h].
    products : the DA products (rules: direction, deployment fraction).
    """
    dt_da = da.interval_hours
    sched = da.schedule
    q_da = (sched["discharge_mw"].to_numpy() - sched["charge_mw"].to_numpy())[pos]
    lam_da = sched["energy_price"].to_numpy()[pos]
    q_rt = rt["discharge_mw"].to_numpy() - rt["charge_mw"].to_numpy()
    cols: dict[str, np.ndarray] = {
        "da_energy": q_da * lam_da * dt_rt,
        "rt_deviation": (q_rt - q_da) * rt_price * dt_rt,
    }
    discharged = dt_rt * rt["discharge_mw"].to_numpy()
    share = dt_rt / dt_da  # an RT interval's share of its DA hour's capacity payment
    for ps in products:
        prod = ps.product
        cols[prod.id] = da.revenue[prod.id].to_numpy()[pos] * share
        if prod.mileage is not None:
            cols[f"{prod.id}_mileage"] = da.revenue[f"{prod.id}_mileage"].to_numpy()[pos] * share
        if prod.deployment_fraction > 0:
            held = rt[f"{prod.id}_mw"].to_numpy()
            sign = float(prod.needs_up) - float(prod.needs_down)
            cols[f"{prod.id}_deployed_energy"] = (
                sign * dt_rt * prod.deployment_fraction * rt_price * held)
            if prod.needs_up:
                discharged = discharged + dt_rt * prod.deployment_fraction * held
    cols["degradation"] = -da.battery.degradation_cost * discharged
    return pd.DataFrame(cols, index=rt.index)


@dataclass(frozen=True, eq=False)
class _RtPersistence:
    """RT forecast: yesterday's RT price at the same interval of the day; on the first day
    (no RT history yet) the ``published`` DA prices, known before it. Source rows for
    :func:`bessfin.dispatch.horizons.run_horizon`'s stacked [actual; published] matrix, as
    :class:`~bessfin.dispatch.forecast.HourAhead` (NaN forecasts $0)."""

    published: np.ndarray

    def plan(self, index: pd.DatetimeIndex, timezone: str, starts: np.ndarray,
             stops: np.ndarray) -> list[np.ndarray]:
        n = len(index)
        return [n + np.arange(a, c) if rows is None else rows for a, c, rows in zip(
            starts, stops, Persistence(1).plan(index, timezone, starts, stops), strict=True)]


def _da_day_end_energy(da: DispatchResult, rt_day: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Per RT interval, the DA schedule's stored energy at the end of the interval's local
    day [MWh]: the hour-ahead re-dispatch ends each day with at least this much, so the DA
    schedule of the next day (decided from it) stays deliverable."""
    soc = da.schedule["soc_mwh"].to_numpy()[pos]  # DA stored energy at the end of each hour
    last = np.r_[np.flatnonzero(rt_day[1:] != rt_day[:-1]), len(rt_day) - 1]
    return soc[last][np.searchsorted(last, np.arange(len(rt_day)))]


def _fixed_award_series(
    rt: MarketSeries, da_series: MarketSeries, awards: np.ndarray, pos: np.ndarray,
    battery: Battery,
) -> MarketSeries:
    """RT prices with each DA award fixed: bounded above by its DA value and given a value
    that outweighs any energy gain at the RT or DA prices a re-dispatch may be decided on, so
    the LP always holds it when it can (a big-M scale of the whole horizon, not a forecast)."""
    lam = max(float(np.abs(rt.energy_price).max(initial=0.0)),
              float(np.abs(da_series.energy_price).max(initial=0.0)))
    longest = max([1.0] + [float(np.max(p.duration_h, initial=0.0)) for p in da_series.products])
    premium = 10.0 * (lam + battery.degradation_cost + 1.0) * longest / (
        battery.charge_efficiency * battery.discharge_efficiency)
    products = tuple(
        replace(
            ps,
            capacity_price=np.full(len(rt), premium),
            mileage_price=np.zeros(len(rt)),
            available=ps.available[pos],
            duration_h=ps.duration_h[pos],
            award_limit_mw=awards[k][pos],
        )
        for k, ps in enumerate(da_series.products)
    )
    return replace(rt, products=products)


def two_settlement(
    da_prices: PriceData | str | pd.DataFrame,
    rt_prices: PriceData | str | pd.DataFrame,
    battery: Battery,
    *,
    horizon: Horizon = PERFECT,
    rt_foresight: RtForesight = "hour-ahead",
    market: Market | str | None = None,
    products: list[str] | None = None,
    as_limits: AsLimits = DEFAULT,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    forecast: pd.DataFrame | None = None,
    capacity_factor: float = 1.0,
    threads: int | None = None,
    time_limit: float | None = None,
    cache: dict | None = None,
    rt_cache: dict | None = None,
) -> TwoSettlementResult:
    """DA schedule and awards, then an RT re-dispatch around them; DA-only and DA+RT revenue.

    Parameters
    ----------
    da_prices, rt_prices : DA prices (hourly, with the AS products) and RT energy prices
        (hourly or a regular sub-hourly interval) over the same hours: shipped specs (e.g.
        ``"ercot 2024 HB_HOUSTON"``; for RT ``load_prices(..., market="rtm")``), validated
        :class:`~bessfin.io.PriceData` or canonical frames with ``market=``.
    battery : battery parameters.
    horizon : how the DA schedule is decided (default perfect foresight of DA prices).
    rt_foresight : ``"hour-ahead"`` (the base: each RT interval decided on its own RT
        price and the DA prices of the rest of the day), ``"perfect"`` (RT prices known: the
        ceiling) or ``"persistence"`` (naive: each day on the previous day's RT prices).
    products, as_limits, start, end, forecast, capacity_factor, threads, time_limit, cache :
        as for :func:`bessfin.dispatch.dispatch`; both legs run at ``capacity_factor``.
        ``cache`` holds the DA leg's built models, ``rt_cache`` the RT leg's (default: a new
        one). Pass the same two dicts across calls (the operating years of a life) and each
        leg is re-solved from its own previous basis.
    """
    if rt_foresight not in RT_FORESIGHTS:
        raise ValueError(f"rt_foresight must be one of {RT_FORESIGHTS}, got {rt_foresight!r}")
    if isinstance(rt_prices, str):  # a shipped spec names the real-time file
        iso, year, node = parse_price_spec(rt_prices)
        rt_prices = load_prices(iso, year, node, market="rtm")
    opts = {"threads": threads, "time_limit": time_limit, "capacity_factor": capacity_factor,
            "cache": {} if rt_cache is None else rt_cache}
    da = dispatch(da_prices, battery, horizon=horizon, market=market, products=products,
                  as_limits=as_limits, start=start, end=end, forecast=forecast,
                  compare_to_perfect=False, threads=threads, time_limit=time_limit,
                  capacity_factor=capacity_factor, cache=cache)
    mkt = market or da.market
    da_series, _, _ = series_from(da_prices, market=mkt, products=products, start=start, end=end)
    rt, rt_node, notes = series_from(rt_prices, market=mkt, products=[], start=start, end=end)
    pos = da_hour_positions(pd.DatetimeIndex(da.schedule.index), rt.index)
    awards = np.zeros((len(da_series.products), len(da.schedule)))
    for k, p in enumerate(da_series.products):
        awards[k] = da.schedule[f"{p.id}_mw"].to_numpy()
    fixed = _fixed_award_series(rt, da_series, awards, pos, battery)
    published = fixed.to_frame()  # known before each RT day: the DA energy price
    published["energy"] = da.schedule["energy_price"].to_numpy()[pos]
    if rt_foresight == "perfect":
        sched = run_horizon(fixed, battery, PERFECT, **opts)
    elif rt_foresight == "hour-ahead":
        sched = run_horizon(fixed, battery, HOUR_AHEAD,
                            forecaster=HourAhead(published.to_numpy(dtype=float)),
                            terminal_energy=_da_day_end_energy(da, rt.local_day, pos), **opts)
        notes.append("RT hour-ahead: each RT interval re-dispatched on its own RT price and "
                     "the DA prices of the rest of the day, ending the day with at least the DA "
                     "schedule's stored energy; settled at actual RT prices")
    else:
        sched = run_horizon(fixed, battery, Horizon("day", 24, "persistence-day"),
                            forecaster=_RtPersistence(published.to_numpy(dtype=float)),
                            **opts)
        notes.append("RT persistence: each local day re-dispatched on the previous day's RT "
                     "prices (the first day on its DA prices), settled at actual RT prices")
    frame = {"charge_mw": sched.charge, "discharge_mw": sched.discharge, "soc_mwh": sched.soc,
             "da_position_mw": (da.schedule["discharge_mw"] - da.schedule["charge_mw"])
             .to_numpy()[pos]}
    shortfall = deployed = 0.0
    for k, p in enumerate(da_series.products):
        frame[f"{p.id}_mw"] = sched.reserve[k]
        gap = np.clip(awards[k][pos] - sched.reserve[k], 0.0, None)
        shortfall += float((gap[gap > AWARD_TOL_MW]).sum() * rt.dt)
        if p.product.needs_up:
            deployed += float(rt.dt * p.product.deployment_fraction * sched.reserve[k].sum())
    frame["da_price"] = da.schedule["energy_price"].to_numpy()[pos]
    frame["rt_price"] = rt.energy_price
    rt_frame = pd.DataFrame(frame, index=rt.index)
    if shortfall > 0:
        notes.append(f"RT re-dispatch could not hold {shortfall:.3f} MW-h of DA awards "
                     "(capacity payments still those of the DA awards)")
    revenue = settle_two(da, rt_frame, rt.energy_price, pos, rt.dt, da_series.products)
    return TwoSettlementResult(da=da, rt_schedule=rt_frame, revenue=revenue,
                               rt_foresight=rt_foresight, rt_node=rt_node,
                               award_shortfall_mwh=shortfall, notes=notes,
                               deployed_mwh=deployed, rt_build_seconds=sched.build_seconds,
                               rt_solve_seconds=sched.solve_seconds,
                               rt_models_built=sched.models_built)


@dataclass(frozen=True, eq=False)
class RealTimeSettlement:
    """Day-ahead plus real-time two-settlement of every operating year of a life
    (a :class:`bessfin.dispatch.lifetime.YearSettlement`).

    Each (operating year, price year) is valued by :func:`two_settlement` on the scaled DA
    prices and this price year's RT energy prices times the year's energy multiplier (the
    same escalation and forward curve as DA energy), at the year's capacity factor.

    Attributes
    ----------
    prices : RT prices by historical year (energy; any regular interval), covering the DA
        hours of each price year.
    foresight : RT re-dispatch information: ``"hour-ahead"`` (base), ``"perfect"``
        (ceiling) or ``"persistence"`` (naive), as in :func:`two_settlement`.
    source : where the RT prices come from (for messages).
    """

    prices: Mapping[int, PriceData]
    foresight: RtForesight = "hour-ahead"
    source: str = "real-time prices"
    name: str = "da+rt"
    _prints: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.foresight not in RT_FORESIGHTS:
            raise ValueError(f"rt_foresight must be one of {RT_FORESIGHTS}, got "
                             f"{self.foresight!r}")

    def check(self, price_years: Iterable[int]) -> None:
        missing = sorted(set(price_years) - set(self.prices))
        if missing:
            raise ValueError(f"settlement = 'da+rt' needs real-time prices for price years "
                             f"{missing}; {self.source} cover {sorted(self.prices) or 'none'}")

    def fingerprint(self, price_year: int) -> tuple:
        if price_year not in self._prints:
            frame = self.prices[price_year].frame
            self._prints[price_year] = (
                self.name, self.foresight, hash(frame.index.asi8.tobytes()),
                tuple(frame.columns), hash(frame.to_numpy(dtype=float).tobytes()))
        return self._prints[price_year]

    def settle(self, data: PriceData, price_year: int, energy_scale: float,
               ancillary_scale: float, models: Callable[..., dict], **dispatch_kw: Any
               ) -> TwoSettlementResult:
        rt = scaled_data(self.prices[price_year], energy_scale, ancillary_scale)
        battery = dispatch_kw.pop("battery")
        return two_settlement(data, rt, battery, rt_foresight=self.foresight, cache=models(),
                              rt_cache=models("real-time leg"), **dispatch_kw)

    def schedule(self, result: TwoSettlementResult) -> DispatchResult:
        return result.as_dispatch()

    def detail(self, result: TwoSettlementResult) -> TwoSettlementResult:
        return result
