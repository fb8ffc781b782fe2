"""``bessfin.dispatch``: the one entry point from prices and a battery to a settled schedule."""

from __future__ import annotations

import pandas as pd

from bessfin.dispatch.battery import Battery
from bessfin.dispatch.horizons import PERFECT, Horizon, forecaster_for, run_horizon
from bessfin.dispatch.limits import DEFAULT, AsLimits, apply_as_limits
from bessfin.dispatch.results import DispatchResult, settle
from bessfin.dispatch.series import MarketSeries, market_series
from bessfin.io import PriceData, load_prices
from bessfin.markets import Market, get_market


def _price_data(prices: PriceData | str) -> PriceData:
    return load_prices(prices) if isinstance(prices, str) else prices


def series_from(
    prices: PriceData | str | pd.DataFrame,
    *,
    market: Market | str | None = None,
    products: list[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> tuple[MarketSeries, str, list[str]]:
    """Prices as a :class:`MarketSeries`, with the node name and data notes.

    ``start``/``end`` select a sub-period in the market's local time (``end`` exclusive),
    e.g. ``start="2024-07-01", end="2024-08-01"``.
    """
    notes: list[str] = []
    if isinstance(prices, pd.DataFrame):
        if market is None:
            raise ValueError("a bare price frame needs market= (e.g. 'ercot')")
        mkt, frame, node = get_market(market), prices, "user"
    else:
        data = _price_data(prices)
        mkt, frame, node = data.market, data.frame, data.node
        if data.report.dropped_days:
            notes.append(data.report.summary())
    if start is not None or end is not None:
        local = frame.index.tz_convert(mkt.timezone).tz_localize(None)
        keep = pd.Series(True, index=frame.index)
        if start is not None:
            keep &= local >= pd.Timestamp(start)
        if end is not None:
            keep &= local < pd.Timestamp(end)
        frame = frame[keep.to_numpy()]
        if frame.empty:
            raise ValueError(f"no prices between start={start} and end={end}")
    series = market_series(frame, mkt, products)
    unpaid = [p.id for p in series.products
              if p.product.mileage is not None and f"{p.id}_mileage" not in frame.columns]
    if unpaid:
        notes.append(f"no mileage prices for {unpaid}: capacity revenue only")
    return series, node, notes


def dispatch(
    prices: PriceData | str | pd.DataFrame,
    battery: Battery,
    *,
    horizon: Horizon = PERFECT,
    market: Market | str | None = None,
    products: list[str] | None = None,
    as_limits: AsLimits = DEFAULT,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    forecast: pd.DataFrame | None = None,
    capacity_factor: float = 1.0,
    compare_to_perfect: bool = True,
    threads: int | None = None,
    time_limit: float | None = None,
    cache: dict | None = None,
) -> DispatchResult:
    """Co-optimise a battery across energy and ancillary services and settle the schedule.

    Parameters
    ----------
    prices : validated prices (:func:`bessfin.io.load_prices`), a shipped spec such as
        ``"ercot 2024 HB_HOUSTON"``, or a canonical price frame with ``market=``.
    battery : battery parameters.
    horizon : perfect foresight (default: one solve on actual prices), rolling windows
        (still on actual prices: perfect foresight over each window and its lookahead), or
        forecast-driven dispatch (each window decided on prices forecast from the history
        published before it, settled at actual prices).
    products : product ids to co-optimise (``None`` = all the data carry; ``[]`` = energy
        only).
    as_limits : ancillary award limits (market depth): ``"default"`` = the market's depth
        defaults per product and year; ``None`` = uncapped (the price-taker ceiling); a mapping
        ``{product: limit}`` overrides the defaults for the named products, a limit being a
        fraction of ``battery.power_mw`` in [0, 1], ``{"mw": 10}``, ``"10MW"`` or ``"none"``
        (see :mod:`bessfin.dispatch.limits`).
    start, end : local-time sub-period (``end`` exclusive).
    forecast : forecast price frame for ``Horizon(forecast="user")`` (canonical columns,
        every hour of the dispatched prices).
    capacity_factor : remaining fraction of nameplate energy (degradation) [-].
    compare_to_perfect : for other horizons, also solve perfect foresight to report the
        capture ratio.
    threads, time_limit : HiGHS settings.
    cache : built models by LP structure; pass the same dict across calls (e.g. the years of
        a project) to re-solve built models with new parameters instead of rebuilding them.

    Returns
    -------
    DispatchResult
        Hourly schedule, revenue by stream, monthly revenue and a summary.

    Raises
    ------
    bessfin.dispatch.SolverError
        The LP is infeasible, unbounded or hit the time limit (the message says which).
    """
    actual, node, notes = series_from(
        prices, market=market, products=products, start=start, end=end
    )
    actual, applied, more = apply_as_limits(actual, battery.power_mw, as_limits)
    notes += more
    # forecast windows are cut from ``actual``, so the decisions carry the same limits
    forecaster = forecaster_for(horizon, forecast)
    opts = {"capacity_factor": capacity_factor, "threads": threads, "time_limit": time_limit,
            "cache": {} if cache is None else cache}
    sched = run_horizon(actual, battery, horizon, forecaster=forecaster, **opts)
    if sched.idle_windows:
        notes.append(f"{horizon.forecast}: {sched.idle_windows} decision window(s) at the start "
                     "had no published prices to forecast from and idle")
    perfect = None
    if compare_to_perfect and not horizon.is_perfect:
        best = run_horizon(actual, battery, PERFECT, **opts)
        perfect = float(settle(best, actual, battery).to_numpy().sum())
    frame = {
        "charge_mw": sched.charge,
        "discharge_mw": sched.discharge,
        "soc_mwh": sched.soc,
        **{f"{p.id}_mw": sched.reserve[k] for k, p in enumerate(actual.products)},
        "energy_price": actual.energy_price,
    }
    return DispatchResult(
        schedule=pd.DataFrame(frame, index=actual.index),
        revenue=settle(sched, actual, battery),
        battery=battery,
        horizon=horizon,
        market=actual.market.name,
        node=node,
        timezone=actual.market.timezone,
        windows=sched.windows,
        models_built=sched.models_built,
        build_seconds=sched.build_seconds,
        solve_seconds=sched.solve_seconds,
        deployed_mwh=float(sum(
            actual.dt * p.product.deployment_fraction * sched.reserve[k].sum()
            for k, p in enumerate(actual.products) if p.product.needs_up
        )),
        perfect_foresight_revenue=perfect,
        as_limits=applied,
        notes=notes,
    )
