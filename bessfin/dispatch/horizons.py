"""Horizons: perfect foresight, rolling windows with lookahead, and forecast-driven dispatch.

One driver serves all of them: the series is cut into decision windows (local calendar
periods, or single intervals for the real-time re-dispatch); each window is solved with
``lookahead_hours`` more hours (and, with ``to_day_end``, the rest of its local day); only the
decision part is kept and its final state of charge starts the next window. Models are built
once per LP structure and re-solved with new parameters.

Windows decided on actual prices are still perfect foresight (over the window and its
lookahead). Only a forecast (:mod:`bessfin.dispatch.forecast`) removes it: each window is then
decided on prices forecast from the history published before the window starts.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.dispatch.battery import Battery
from bessfin.dispatch.coefficients import (
    HOURS_PER_YEAR,
    Coefficients,
    Structure,
    coefficients,
    day_cycle_energy,
    structure,
)
from bessfin.dispatch.forecast import PERSISTENCE, Forecaster, UserForecast
from bessfin.dispatch.series import MarketSeries
from bessfin.dispatch.solver import CompiledModel, Solution, SolverError, SolveStatus

Window = Literal["all", "year", "month", "week", "day", "interval"]
_FREQ = {"year": "Y", "month": "M", "week": "W", "day": "D"}


@dataclass(frozen=True)
class Horizon:
    """How the schedule is decided.

    Attributes
    ----------
    window : decision window: ``"all"`` solves the whole series at once (perfect foresight);
        ``"year"``, ``"month"``, ``"week"``, ``"day"`` cut it at local calendar boundaries;
        ``"interval"`` decides one interval at a time (the hour-ahead real-time re-dispatch).
    lookahead_hours : extra hours each window sees beyond its decision part [h].
    to_day_end : each window first sees the rest of its local day, then ``lookahead_hours``
        more (for windows shorter than a day, i.e. ``"interval"``).
    forecast : ``None`` decides on actual prices: perfect foresight within each window and
        its lookahead. ``"persistence-day"`` decides day D (and its lookahead) on day D-1's
        prices, the latest published; ``"persistence-week"`` on the same weekday a week before
        (the latest published one); ``"user"`` on a forecast frame passed to
        :func:`bessfin.dispatch.dispatch`. A forecast needs decision windows.
    """

    window: Window = "all"
    lookahead_hours: int = 0
    forecast: Literal["persistence-day", "persistence-week", "user"] | None = None
    to_day_end: bool = False

    def __post_init__(self) -> None:
        if self.window not in ("all", *_FREQ, "interval"):
            raise ValueError("window must be one of all/year/month/week/day/interval, got "
                             f"{self.window!r}")
        if self.lookahead_hours < 0:
            raise ValueError(f"lookahead_hours must be >= 0, got {self.lookahead_hours}")
        if self.forecast is not None and self.window == "all":
            raise ValueError("a forecast needs decision windows (window='day', ...): one solve "
                             "over the whole series can only see actual prices")

    @property
    def is_perfect(self) -> bool:
        return self.window == "all" and self.forecast is None

    @property
    def label(self) -> str:
        if self.window == "all":
            return "perfect foresight"
        base = f"rolling {self.window} + " + (
            "rest of the day + " if self.to_day_end else "") + f"{self.lookahead_hours} h lookahead"
        if self.forecast is None:
            return base + " on actual prices (perfect foresight)"
        return base + f", decided on {self.forecast} forecast"


PERFECT = Horizon()
#: Daily windows with 24 h lookahead on actual prices: perfect foresight over 48 h.
ROLLING_DAY = Horizon(window="day", lookahead_hours=24)

#: Horizons by the names the CLI and deal files use. Without a forecast every one of them
#: decides on actual prices, i.e. perfect foresight (over the year or over each window).
NAMED_HORIZONS: dict[str, Horizon] = {
    "perfect": PERFECT,
    "perfect-rolling-day": ROLLING_DAY,
    "perfect-rolling-week": Horizon("week", 24),
    "perfect-month": Horizon("month", 0),
    "perfect-day": Horizon("day", 0),
}
#: Former names, still accepted.
HORIZON_ALIASES = {"rolling-day": "perfect-rolling-day", "rolling-week": "perfect-rolling-week",
                   "month": "perfect-month", "day": "perfect-day"}

#: Forecast names: a persistence forecast, or ``"user"`` (a forecast frame or file).
FORECASTS = ("persistence-day", "persistence-week", "user")


def named_horizon(name: str, forecast: str | None = None) -> Horizon:
    """A horizon by name, optionally decided on a forecast.

    A forecast needs windows: with ``"perfect"`` it becomes daily windows with 24 h lookahead
    (the day-ahead market's decision: day D, seeing the next day).
    """
    name = HORIZON_ALIASES.get(name, name)
    if name not in NAMED_HORIZONS:
        raise ValueError(f"horizon must be one of {sorted(NAMED_HORIZONS)}, got {name!r}")
    h = NAMED_HORIZONS[name]
    if forecast is None:
        return h
    if forecast not in FORECASTS:
        raise ValueError(f"forecast must be one of {list(FORECASTS)}, got {forecast!r}")
    window = h.window if h.window != "all" else "day"
    return Horizon(window, max(h.lookahead_hours, 24), forecast)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Schedule:
    """Decisions over the whole series, in positions of the series."""

    charge: np.ndarray
    discharge: np.ndarray
    soc: np.ndarray
    reserve: np.ndarray
    windows: int
    models_built: int
    build_seconds: float
    solve_seconds: float
    idle_windows: int = 0  # windows without a published history (forecasts only)


def window_starts(series: MarketSeries, window: Window) -> np.ndarray:
    """Positions where each decision window starts."""
    if window == "all":
        return np.array([0])
    if window == "interval":
        return np.arange(len(series))
    local = series.index.tz_convert(series.market.timezone).tz_localize(None)
    period = local.to_period(_FREQ[window]).asi8
    return np.flatnonzero(np.r_[True, period[1:] != period[:-1]])


def forecaster_for(
    horizon: Horizon, forecast: pd.DataFrame | None = None, source: str = "user forecast"
) -> Forecaster | None:
    """The forecaster a horizon decides on (``None``: actual prices, perfect foresight)."""
    if horizon.forecast is None:
        return None
    if horizon.forecast == "user":
        if forecast is None:
            raise ValueError("horizon.forecast='user' needs a forecast price frame")
        return UserForecast(forecast, source)
    return PERSISTENCE[horizon.forecast]


#: Forecast source positions per window, by (forecaster, index, timezone, windows): they
#: depend on timestamps only, so every operating year on one price year shares them.
_PLANS: OrderedDict[tuple, list[np.ndarray | None]] = OrderedDict()
_PLANS_KEPT = 8
#: Guards the kept plans and shapes: price years may be dispatched in threads side by side.
_KEPT_LOCK = threading.Lock()


def _forecast_plan(forecaster, index: pd.DatetimeIndex, timezone: str, starts: np.ndarray,
                   stops: np.ndarray) -> list[np.ndarray | None]:
    """For each window, the row of ``index`` whose price forecasts each interval (``None``:
    no published history), from ``forecaster.plan``."""
    key = (forecaster, hash(index.asi8.tobytes()), len(index), timezone, starts.tobytes(),
           stops.tobytes())
    with _KEPT_LOCK:
        plan = _PLANS.get(key)
        if plan is not None:
            _PLANS.move_to_end(key)
            return plan
    plan = forecaster.plan(index, timezone, starts, stops)
    with _KEPT_LOCK:
        _PLANS[key] = plan
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return plan


_SHAPES: OrderedDict[tuple, dict] = OrderedDict()


def _shapes(decide: MarketSeries, battery: Battery, series_key: int, cycle_budget: bool
            ) -> dict[tuple[int, int] | Structure, Structure]:
    """The LP structure of each window (by its positions ``(a, c)``), kept across calls: it
    depends on timestamps, products and the battery's efficiencies and limits, not on prices.
    Each distinct structure is also its own key there (its one shared instance)."""
    key = (series_key, hash(decide.local_day.tobytes()), decide.dt,
           tuple((p.id, p.product.direction, p.product.deployment_fraction,
                  hash(np.ascontiguousarray(p.duration_h, dtype=float).tobytes()))
                 for p in decide.products),
           battery.charge_efficiency, battery.discharge_efficiency,
           battery.self_discharge_per_hour, battery.max_cycles_per_day is not None,
           cycle_budget and battery.max_cycles_per_year is not None)
    with _KEPT_LOCK:
        shapes = _SHAPES.get(key)
        if shapes is None:
            shapes = _SHAPES[key] = {}
            while len(_SHAPES) > _PLANS_KEPT:
                _SHAPES.popitem(last=False)
        else:
            _SHAPES.move_to_end(key)
    return shapes


def _decision_prices(decide: MarketSeries, horizon: Horizon, forecaster: Forecaster | None,
                     starts: np.ndarray, stops: np.ndarray) -> list:
    """What each window is decided on: ``True`` (the actual prices of ``decide``), a
    (intervals x :meth:`~MarketSeries.price_columns`) array of forecast prices, or ``None``
    (nothing published before the window: it idles)."""
    if forecaster is None:
        return [True] * len(starts)
    names = decide.price_columns()
    actual = decide.to_frame()
    if hasattr(forecaster, "plan"):
        # the same forecast read from precomputed source rows (no pandas per window); a
        # forecaster with ``published`` prices (one row per interval of ``decide``, e.g. the
        # day-ahead prices of each real-time interval) may also point rows n.. 2n-1 at them
        plan = _forecast_plan(forecaster, decide.index, decide.market.timezone, starts, stops)
        matrix = np.nan_to_num(actual.to_numpy(dtype=float), nan=0.0)
        published = getattr(forecaster, "published", None)
        if published is not None:
            published = np.asarray(published, dtype=float)
            if published.shape != matrix.shape:
                raise ValueError(f"published prices have shape {published.shape}; expected "
                                 f"{matrix.shape} (one row per interval, columns {names})")
            matrix = np.vstack([matrix, np.nan_to_num(published, nan=0.0)])
        return [None if pos is None else matrix[pos] for pos in plan]
    out: list = []
    for a, c in zip(starts, stops, strict=True):
        index = decide.index[a:c]
        predicted = forecaster(actual.iloc[:a], index, decide.market.timezone)
        if predicted is not None and not predicted.index.equals(index):
            raise ValueError("replacement prices must have exactly the horizon's index")
        out.append(None if predicted is None else predicted[names].to_numpy(dtype=float))
    return out


def _stacked_coefficients(decide: MarketSeries, battery: Battery, starts: np.ndarray,
                          stops: np.ndarray, decided: list, live: list[int],
                          capacity_factor: float) -> Coefficients | None:
    """The per-interval coefficients of every decided window at once, the windows' intervals
    laid end to end (window ``live[i]`` after ``live[:i]``): one vectorised
    :func:`coefficients` call instead of one per window."""
    if not live:
        return None
    rows = np.concatenate([np.arange(starts[w], stops[w]) for w in live])
    stacked = decide.take(rows)
    if decided[live[0]] is not True:  # decided on forecasts
        values = np.concatenate([decided[w] for w in live])
        stacked = stacked.with_price_arrays(
            {col: values[:, j] for j, col in enumerate(decide.price_columns())})
    return coefficients(stacked, battery, capacity_factor=capacity_factor)


def _solve_warm(model: CompiledModel, key: tuple) -> Solution:
    """Solve ``model`` from its basis stored under ``key`` (the same window of the previous
    walk) when there is one, and store the new basis there."""
    warm = key in model.bases
    if warm:
        model.highs.setBasis(model.bases[key])
    try:
        sol = model.solve()
    except SolverError as e:
        if not warm or e.status is not SolveStatus.ERROR:
            raise
        # HiGHS failed from the stored basis (seen once in a tornado run): solve cold
        model.highs.clearSolver()
        sol = model.solve()
    model.bases[key] = model.highs.getBasis()
    return sol


def _window_stops(horizon: Horizon, dt: float, day_first: np.ndarray, ends: np.ndarray,
                  n: int) -> np.ndarray:
    """Position after the last interval each window sees: its decision part (to ``ends``),
    the rest of its local day if ``horizon.to_day_end``, then ``lookahead_hours``."""
    reach = ends
    if horizon.to_day_end:  # the end of the local day of each window's last interval
        day_end = np.r_[day_first[1:], n]
        reach = np.maximum(ends, day_end[np.searchsorted(day_first, ends - 1, side="right") - 1])
    lookahead = int(round(horizon.lookahead_hours / dt))  # [intervals]
    return np.minimum(reach + lookahead, n)


def run_horizon(
    decide: MarketSeries,
    battery: Battery,
    horizon: Horizon,
    *,
    forecaster: Forecaster | None = None,
    capacity_factor: float = 1.0,
    threads: int | None = None,
    time_limit: float | None = None,
    cache: dict | None = None,
    terminal_energy: np.ndarray | None = None,
) -> Schedule:
    """Decide a schedule over ``decide`` window by window.

    Without ``forecaster`` each window is decided on the prices of ``decide`` (perfect
    foresight within the window and its lookahead). With one, ``decide`` holds the actual
    prices and each window is decided on ``forecaster(history, window index, timezone)``, where
    ``history`` is the actual price frame strictly before the window's first interval (what
    has been published when the window is decided); a window without any history idles. A
    forecaster with a ``plan`` method instead names, per window, the rows whose prices it
    is decided on (see :func:`_decision_prices`).

    ``cache`` maps LP structures to built models; pass the same dict to reuse models across
    calls (e.g. the operating years of a project). ``terminal_energy`` (one value per
    interval [MWh]) sets the minimum stored energy at the end of each window to its value at
    the window's last interval (default: the battery's ``soc_terminal`` for every window).

    A window starting inside a local day (``"interval"`` windows) may discharge that day only
    what the day's cycle limit leaves after the intervals already kept.
    """
    n = len(decide)
    starts = window_starts(decide, horizon.window)
    ends = np.r_[starts[1:], n]
    day_first = np.flatnonzero(np.r_[True, decide.local_day[1:] != decide.local_day[:-1]])
    stops = _window_stops(horizon, decide.dt, day_first, ends, n)
    if terminal_energy is not None and len(terminal_energy) != n:
        raise ValueError(f"terminal_energy has {len(terminal_energy)} values; expected one per "
                         f"interval ({n})")
    k = len(decide.products)
    charge, discharge, soc = np.zeros(n), np.zeros(n), np.zeros(n)
    reserve = np.zeros((k, n))
    cache = {} if cache is None else cache
    built_before = sum(1 for key in cache if isinstance(key, Structure))
    build_s = solve_s = 0.0
    soc_now = battery.soc_initial * battery.energy_mwh * capacity_factor
    budget = (
        battery.max_cycles_per_year * battery.energy_mwh * n * decide.dt / HOURS_PER_YEAR
        if battery.max_cycles_per_year is not None
        else None
    )
    used = 0.0
    decided = _decision_prices(decide, horizon, forecaster, starts, stops)
    live = [w for w, p in enumerate(decided) if p is not None]
    offsets = dict(zip(live, np.r_[0, np.cumsum(stops[live] - starts[live])].tolist(),
                       strict=False))
    stack = _stacked_coefficients(decide, battery, starts, stops, decided, live,
                                  capacity_factor)
    retention = (1.0 - battery.self_discharge_per_hour) ** decide.dt
    idle = 0
    series_key = hash(decide.index.asi8.tobytes())
    shapes = _shapes(decide, battery, series_key, budget is not None)
    day_cycles: dict[Structure, np.ndarray] = {}
    up = [j for j, p in enumerate(decide.products) if p.product.needs_up]
    alpha = np.array([[decide.products[j].product.deployment_fraction] for j in up])
    # windows starting inside a local day: the day's cycle limit less what is already kept
    midday = ~np.isin(starts, day_first)
    if midday.any() and battery.max_cycles_per_day is not None:
        day_limit = day_cycle_energy(decide.local_day, battery, decide.dt)  # per day [MWh]
        day_used = np.zeros(len(day_limit))
    else:
        midday[:] = False
    track_days = bool(midday.any())
    for w, (a, b) in enumerate(zip(starts, ends, strict=True)):
        c = int(stops[w])
        if decided[w] is None:  # nothing published yet: hold the state of charge
            soc[a:b] = soc_now * retention ** np.arange(1, b - a + 1)
            soc_now = float(soc[b - 1])
            idle += 1
            continue
        allowance = np.inf
        if budget is not None:
            allowance = max(budget - used, 0.0) * (c - a) / (n - a)
        s = shapes.get((a, c))
        if s is None:
            s = structure(decide, battery, part=slice(a, c),
                          horizon_cycle_limit=budget is not None)
            # one object per distinct structure (the windows of a walk share a few), so the
            # per-window lookups below find their key by identity, not field by field
            s = shapes[(a, c)] = shapes.setdefault(s, s)
        day_cycle = day_cycles.get(s)
        if day_cycle is None:
            day_cycle = day_cycles[s] = day_cycle_energy(decide.local_day[a:c], battery,
                                                         decide.dt)
        o = offsets[w]
        if midday[w]:
            day = decide.local_day[a]
            day_cycle = day_cycle.copy()
            day_cycle[0] = max(day_limit[day] - day_used[day], 0.0)
        coef = stack.window(slice(o, o + c - a), day_cycle, soc_now, allowance,
                            None if terminal_energy is None else float(terminal_energy[c - 1]))
        model = cache.get(s)
        if model is None:
            t0 = time.perf_counter()
            model = CompiledModel(s, coef, threads=threads, time_limit=time_limit)
            build_s += time.perf_counter() - t0
            cache[s] = model
        else:
            model.update(coef)
        sol = _solve_warm(model, (series_key, int(a)))
        solve_s += sol.seconds
        keep = slice(0, b - a)
        charge[a:b] = sol.charge[keep]
        discharge[a:b] = sol.discharge[keep]
        soc[a:b] = sol.soc[keep]
        reserve[:, a:b] = sol.reserve[:, keep]
        soc_now = min(max(float(sol.soc[b - a - 1]), coef.soc_min_energy), coef.soc_max_energy)
        if budget is not None:
            deployed = float(np.sum(alpha * reserve[up, a:b])) if up else 0.0
            used += decide.dt * (float(np.sum(discharge[a:b])) + deployed)
        if track_days:  # discharged and deployed up energy kept per local day [MWh]
            kept = discharge[a:b] + (np.sum(alpha * reserve[up, a:b], axis=0) if up else 0.0)
            np.add.at(day_used, decide.local_day[a:b], decide.dt * kept)
    return Schedule(
        charge=charge,
        discharge=discharge,
        soc=soc,
        reserve=reserve,
        windows=len(starts),
        idle_windows=idle,
        models_built=sum(1 for key in cache if isinstance(key, Structure)) - built_before,
        build_seconds=build_s,
        solve_seconds=solve_s,
    )
