"""Horizons: perfect foresight, rolling windows with lookahead, and forecast-driven dispatch.

One driver serves all of them: the series is cut into decision windows (local calendar
periods); each window is solved with ``lookahead_hours`` more hours; only the decision part
is kept and its final state of charge starts the next window. Models are built once per LP
structure and re-solved with new parameters.

Windows decided on actual prices are still perfect foresight (over the window and its
lookahead). Only a forecast (:mod:`bessfin.dispatch.forecast`) removes it: each window is then
decided on prices forecast from the history published before the window starts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.dispatch.battery import Battery
from bessfin.dispatch.coefficients import HOURS_PER_YEAR, coefficients, structure
from bessfin.dispatch.forecast import PERSISTENCE, Forecaster, UserForecast
from bessfin.dispatch.series import MarketSeries
from bessfin.dispatch.solver import CompiledModel

Window = Literal["all", "year", "month", "week", "day"]
_FREQ = {"year": "Y", "month": "M", "week": "W", "day": "D"}


@dataclass(frozen=True)
class Horizon:
    """How the schedule is decided.

    Attributes
    ----------
    window : decision window: ``"all"`` solves the whole series at once (perfect foresight);
        ``"year"``, ``"month"``, ``"week"``, ``"day"`` cut it at local calendar boundaries.
    lookahead_hours : extra hours each window sees beyond its decision part [h].
    forecast : ``None`` decides on actual prices: perfect foresight within each window and
        its lookahead. ``"persistence-day"`` decides day D (and its lookahead) on day D-1's
        prices, the latest published; ``"persistence-week"`` on the same weekday a week before
        (the latest published one); ``"user"`` on a forecast frame passed to
        :func:`bessfin.dispatch.dispatch`. A forecast needs decision windows.
    """

    window: Window = "all"
    lookahead_hours: int = 0
    forecast: Literal["persistence-day", "persistence-week", "user"] | None = None

    def __post_init__(self) -> None:
        if self.window not in ("all", *_FREQ):
            raise ValueError(f"window must be one of all/year/month/week/day, got {self.window!r}")
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
        base = f"rolling {self.window} + {self.lookahead_hours} h lookahead"
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
) -> Schedule:
    """Decide a schedule over ``decide`` window by window.

    Without ``forecaster`` each window is decided on the prices of ``decide`` (perfect
    foresight within the window and its lookahead). With one, ``decide`` holds the actual
    prices and each window is decided on ``forecaster(history, window index, timezone)``, where
    ``history`` is the actual price frame strictly before the window's first interval (what
    has been published when the window is decided); a window without any history idles.

    ``cache`` maps LP structures to built models; pass the same dict to reuse models across
    calls (e.g. the operating years of a project).
    """
    n = len(decide)
    starts = window_starts(decide, horizon.window)
    ends = np.r_[starts[1:], n]
    k = len(decide.products)
    charge, discharge, soc = np.zeros(n), np.zeros(n), np.zeros(n)
    reserve = np.zeros((k, n))
    cache = {} if cache is None else cache
    built_before = len(cache)
    build_s = solve_s = 0.0
    soc_now = battery.soc_initial * battery.energy_mwh * capacity_factor
    budget = (
        battery.max_cycles_per_year * battery.energy_mwh * n * decide.dt / HOURS_PER_YEAR
        if battery.max_cycles_per_year is not None
        else None
    )
    used = 0.0
    actual = decide.to_frame() if forecaster is not None else None
    retention = (1.0 - battery.self_discharge_per_hour) ** decide.dt
    idle = 0
    lookahead = int(round(horizon.lookahead_hours / decide.dt))  # [intervals]
    for a, b in zip(starts, ends, strict=True):
        c = min(b + lookahead, n)
        window = decide.take(slice(a, c))
        if actual is not None:
            predicted = forecaster(actual.iloc[:a], window.index, decide.market.timezone)
            if predicted is None:  # nothing published yet: hold the state of charge
                soc[a:b] = soc_now * retention ** np.arange(1, b - a + 1)
                soc_now = float(soc[b - 1])
                idle += 1
                continue
            window = window.with_prices(predicted)
        allowance = None
        if budget is not None:
            allowance = max(budget - used, 0.0) * (c - a) / (n - a)
        s = structure(window, battery, horizon_cycle_limit=budget is not None)
        coef = coefficients(
            window,
            battery,
            capacity_factor=capacity_factor,
            soc_initial_energy=soc_now,
            horizon_cycle_energy=allowance,
        )
        model = cache.get(s)
        if model is None:
            t0 = time.perf_counter()
            model = CompiledModel(s, coef, threads=threads, time_limit=time_limit)
            build_s += time.perf_counter() - t0
            cache[s] = model
        else:
            model.update(coef)
        sol = model.solve()
        solve_s += sol.seconds
        keep = slice(0, b - a)
        charge[a:b] = sol.charge[keep]
        discharge[a:b] = sol.discharge[keep]
        soc[a:b] = sol.soc[keep]
        reserve[:, a:b] = sol.reserve[:, keep]
        soc_now = float(np.clip(sol.soc[b - a - 1], coef.soc_min_energy, coef.soc_max_energy))
        if budget is not None:
            deployed = sum(
                p.product.deployment_fraction * reserve[j, a:b]
                for j, p in enumerate(decide.products)
                if p.product.needs_up
            )
            used += float(np.sum(decide.dt * (discharge[a:b] + deployed)))
    return Schedule(
        charge=charge,
        discharge=discharge,
        soc=soc,
        reserve=reserve,
        windows=len(starts),
        idle_windows=idle,
        models_built=len(cache) - built_before,
        build_seconds=build_s,
        solve_seconds=solve_s,
    )
