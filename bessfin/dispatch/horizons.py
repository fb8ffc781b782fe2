"""Horizons: perfect foresight, rolling windows with lookahead, and forecast-driven dispatch.

One driver serves all of them: the series is cut into decision windows (local calendar
periods); each window is solved with ``lookahead_hours`` more hours; only the decision part
is kept and its final state of charge starts the next window. Models are built once per LP
structure and re-solved with new parameters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.dispatch.battery import Battery
from bessfin.dispatch.coefficients import HOURS_PER_YEAR, coefficients, structure
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
    forecast : ``None`` decides on actual prices (perfect foresight within each window);
        ``"persistence-day"`` / ``"persistence-week"`` decide on the prices of 24 h / 168 h
        earlier; ``"user"`` decides on a forecast frame passed to :func:`run_horizon`.
    """

    window: Window = "all"
    lookahead_hours: int = 0
    forecast: Literal["persistence-day", "persistence-week", "user"] | None = None

    def __post_init__(self) -> None:
        if self.window not in ("all", *_FREQ):
            raise ValueError(f"window must be one of all/year/month/week/day, got {self.window!r}")
        if self.lookahead_hours < 0:
            raise ValueError(f"lookahead_hours must be >= 0, got {self.lookahead_hours}")

    @property
    def is_perfect(self) -> bool:
        return self.window == "all" and self.forecast is None

    @property
    def label(self) -> str:
        base = "perfect foresight" if self.window == "all" else (
            f"rolling {self.window} + {self.lookahead_hours} h lookahead"
        )
        return base + (f", decided on {self.forecast} forecast" if self.forecast else "")


PERFECT = Horizon()
ROLLING_DAY = Horizon(window="day", lookahead_hours=24)

#: Horizons by the names the CLI and deal files use.
NAMED_HORIZONS: dict[str, Horizon] = {
    "perfect": PERFECT,
    "rolling-day": ROLLING_DAY,
    "rolling-week": Horizon("week", 24),
    "month": Horizon("month", 0),
    "day": Horizon("day", 0),
}


def named_horizon(name: str, forecast: str | None = None) -> Horizon:
    """A horizon by name, optionally decided on a persistence forecast.

    A forecast needs windows: with ``"perfect"`` it becomes daily windows with 24 h lookahead.
    """
    if name not in NAMED_HORIZONS:
        raise ValueError(f"horizon must be one of {sorted(NAMED_HORIZONS)}, got {name!r}")
    h = NAMED_HORIZONS[name]
    if forecast is None:
        return h
    if forecast not in ("persistence-day", "persistence-week"):
        raise ValueError(
            f"forecast must be persistence-day or persistence-week, got {forecast!r}"
        )
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


def window_starts(series: MarketSeries, window: Window) -> np.ndarray:
    """Positions where each decision window starts."""
    if window == "all":
        return np.array([0])
    local = series.index.tz_convert(series.market.timezone).tz_localize(None)
    period = local.to_period(_FREQ[window]).asi8
    return np.flatnonzero(np.r_[True, period[1:] != period[:-1]])


def persistence_forecast(actual: pd.DataFrame, lag_hours: int) -> pd.DataFrame:
    """Forecast each hour by the actual price ``lag_hours`` earlier.

    The first ``lag_hours`` have no history; they reuse the first observed period, which
    leaks actual prices into those hours. :func:`run_horizon` reports that.
    """
    values = actual.to_numpy()
    out = np.empty_like(values)
    out[lag_hours:] = values[:-lag_hours]
    out[:lag_hours] = values[:lag_hours]
    return pd.DataFrame(out, index=actual.index, columns=actual.columns)


def decision_series(
    series: MarketSeries, horizon: Horizon, forecast: pd.DataFrame | None = None
) -> tuple[MarketSeries, list[str]]:
    """The prices the schedule is decided on, and notes on how they were formed."""
    notes: list[str] = []
    if horizon.forecast is None:
        return series, notes
    if horizon.forecast == "user":
        if forecast is None:
            raise ValueError("horizon.forecast='user' needs a forecast price frame")
        frame = forecast.reindex(columns=series.to_frame().columns)
        missing = [c for c in frame.columns if frame[c].isna().all()]
        if missing:
            raise ValueError(f"forecast frame lacks columns {missing}")
        return series.with_prices(frame.loc[series.index]), notes
    lag = 24 if horizon.forecast == "persistence-day" else 168
    notes.append(
        f"{horizon.forecast}: the first {lag} h have no history and use their own actual prices"
    )
    return series.with_prices(persistence_forecast(series.to_frame(), lag)), notes


def run_horizon(
    decide: MarketSeries,
    battery: Battery,
    horizon: Horizon,
    *,
    capacity_factor: float = 1.0,
    threads: int | None = None,
    time_limit: float | None = None,
    cache: dict | None = None,
) -> Schedule:
    """Decide a schedule over ``decide`` window by window.

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
    for a, b in zip(starts, ends, strict=True):
        c = min(b + horizon.lookahead_hours, n)
        window = decide.take(slice(a, c))
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
        models_built=len(cache) - built_before,
        build_seconds=build_s,
        solve_seconds=solve_s,
    )
