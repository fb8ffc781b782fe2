"""Sensitivities of a deal: a tornado over its key inputs and P50/P90 across price years.

Inputs that do not change the schedule (capex, ITC tier, tariff scenario) are re-valued on the
deal's dispatch; inputs that do (price level, round-trip efficiency, degradation) are
re-dispatched, re-using built LP models through a shared cache.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from bessfin.deal import (
    Deal,
    DealResult,
    dispatch_deal,
    load_deal_prices,
    resolve_supply,
    value_deal,
)
from bessfin.dispatch.pool import pool_of
from bessfin.finance import METRIC_CATALOGUE
from bessfin.finance import lines as L
from bessfin.finance import metric as metric_spec
from bessfin.io import PriceData

#: Metric the tornado and P-values report by default.
DEFAULT_METRIC = "project_irr_after_tax"


def _metric(result_metrics: object, name: str) -> float:
    return float(getattr(result_metrics, name))


def _update(deal: Deal, section: str, **changes: object) -> Deal:
    part = getattr(deal, section)
    return deal.model_copy(update={section: part.model_copy(update=changes)})


@dataclasses.dataclass(frozen=True)
class Lever:
    """One tornado bar: how to move an input down and up, and whether it re-dispatches."""

    parameter: str
    low_label: str
    high_label: str
    apply: Callable[[Deal, int], Deal]  # (deal, -1 | +1) -> changed deal
    redispatch: bool
    #: re-dispatched with the base's year-1 inputs (prices, battery): its anchors and first
    #: years are the base's, memoised in the caller's cache, so it stays in this process
    same_first_year: bool = False


def _capex(deal: Deal, sign: int) -> Deal:
    # +/-10 % on every capex line, a supply-priced DC block included
    return _update(deal, "capex", multiplier=deal.capex.multiplier * (1 + 0.1 * sign))


def _price(deal: Deal, sign: int) -> Deal:
    # +/-20 % on every price of the deal's own price level
    return _update(deal, "market", price_level=deal.market.price_level * (1 + 0.2 * sign))


def _rte(deal: Deal, sign: int) -> Deal:
    b = deal.battery
    rte = min(1.0, b.round_trip_efficiency + 0.05 * sign)
    eta = float(np.sqrt(rte))
    return deal.model_copy(update={"battery": b.model_copy(
        update={"charge_efficiency": eta, "discharge_efficiency": eta})})


def _degradation(deal: Deal, sign: int) -> Deal:
    d = deal.degradation
    f = 1 + 0.5 * sign
    return _update(deal, "degradation", calendar_per_year=d.calendar_per_year * f,
                   per_cycle=d.per_cycle * f)


def _itc(deal: Deal, sign: int) -> Deal:
    # low: base 6 % tier (no prevailing wage); high: + energy community bonus
    if sign < 0:
        return _update(deal, "itc", pwa=False, energy_community=False)
    return _update(deal, "itc", energy_community=True)


def _tariff(deal: Deal, sign: int) -> Deal:
    if deal.supply is None:
        return deal
    scenario = "section301-excess-capacity" if sign > 0 else "section122-battery-exempt"
    return _update(deal, "supply", tariff_scenario=scenario)


LEVERS: tuple[Lever, ...] = (
    Lever("capex", "-10 %", "+10 %", _capex, False),
    Lever("price level", "-20 %", "+20 %", _price, True),
    Lever("round-trip efficiency", "-5 pp", "+5 pp", _rte, True),
    Lever("degradation", "-50 %", "+50 %", _degradation, True, same_first_year=True),
    Lever("ITC tier", "no PWA, no energy community", "+ energy community", _itc, False),
    Lever("tariff scenario", "section122-battery-exempt", "section301-excess-capacity",
          _tariff, False),
)


#: How the tornado values its re-dispatching levers (docs/deals.md#sensitivities).
TORNADO_MODES = ("screening", "full")

#: ``low_method`` / ``high_method`` values: how each bar end was valued.
REVALUED, SCREENING_DELTA, FULL = "revalued", "screening delta", "re-dispatched"

#: A bar end: the metric and, when it is NaN or qualified, the pro forma's note on it.
Value = tuple[float, str]


def _valued(pf_metrics: object, metric: str) -> Value:
    value = _metric(pf_metrics, metric)
    return value, getattr(pf_metrics, "irr_notes", {}).get(metric, "")


def _revalue(deal: Deal, lever: Lever, sign: int, base: DealResult, metric: str,
             prices: dict[int, PriceData], cache: dict, mode: str,
             life_workers: int | None = None) -> Value:
    """The metric with ``lever`` moved by ``sign``: re-dispatched in dispatch ``mode`` when the
    lever changes the schedule, else re-valued on the base dispatch. ``life_workers``:
    threads per life (:func:`bessfin.deal.dispatch_deal`; 1 when processes share the
    cores)."""
    changed = lever.apply(deal, sign)
    if changed is deal:
        return _valued(base.pro_forma.metrics, metric)
    lifetime = (dispatch_deal(changed, prices=prices, mode=mode, cache=cache,  # type: ignore[arg-type]
                              workers=life_workers)
                if lever.redispatch else base.lifetime)
    pf, _ = value_deal(changed, lifetime, resolve_supply(changed))
    return _valued(pf.metrics, metric)


def _revalue_group(jobs: list[tuple[Lever, int]], base: DealResult, metric: str,
                   prices: dict[int, PriceData], mode: str) -> list[Value]:
    """One worker's share of the tornado, on its own model cache."""
    cache: dict = {}
    return [_revalue(base.deal, lever, sign, base, metric, prices, cache, mode, 1)
            for lever, sign in jobs]


def _run_jobs(jobs: list[tuple[Lever, int]], result: DealResult, metric: str,
              prices: dict[int, PriceData], cache: dict, mode: str,
              workers: int) -> list[Value]:
    """``jobs`` re-dispatched in dispatch ``mode``: dealt out in a fixed order (so the values do
    not depend on scheduling) to this process, on ``cache`` (the life's models and bases), and
    ``workers - 1`` spawned processes, each on its own model cache. Levers that keep the
    base's first year (:attr:`Lever.same_first_year`) stay here, where it is memoised."""
    deal = result.deal
    here = [k for k, (lever, _) in enumerate(jobs) if lever.same_first_year]
    spread = [k for k in range(len(jobs)) if k not in here]
    groups = [g for g in (spread[i::workers] for i in range(workers)) if g]
    if groups:
        groups[0] = sorted(groups[0] + here)
    else:
        groups = [here]
    if len(groups) < 2 or pool_of(cache) is not None:
        # one process; with price-year workers every life already uses them
        return [_revalue(deal, *job, result, metric, prices, cache, mode) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    values: dict[int, Value] = {}
    ctx = multiprocessing.get_context("spawn")  # HiGHS threads do not survive a fork
    with ProcessPoolExecutor(len(groups) - 1, mp_context=ctx) as pool:
        futures = [pool.submit(_revalue_group, [jobs[k] for k in g], result, metric, prices,
                               mode) for g in groups[1:]]
        for k in groups[0]:
            values[k] = _revalue(deal, *jobs[k], result, metric, prices, cache, mode, 1)
        for g, fut in zip(groups[1:], futures, strict=True):
            values.update(zip(g, fut.result(), strict=True))
    return [values[k] for k in range(len(jobs))]


def tornado(
    result: DealResult,
    *,
    metric: str = DEFAULT_METRIC,
    levers: tuple[Lever, ...] = LEVERS,
    mode: str = "screening",
    cache: dict | None = None,
    prices: dict[int, PriceData] | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """One row per lever: ``parameter``, ``low_label``, ``high_label``, ``low_value``,
    ``high_value`` (the metric with the input moved down / up; NaN: undefined),
    ``base_value`` (the result's own metric, in every row), ``metric``, ``mode``,
    ``low_method`` / ``high_method`` (how each end was valued: :data:`REVALUED`,
    :data:`SCREENING_DELTA` or :data:`FULL`) and ``note`` (why an end is undefined, in
    words; else empty); sorted by swing, widest first.

    Levers that do not change the schedule are re-valued on the result's own dispatch. Levers
    that do (``redispatch``) are valued by ``mode``:

    * ``"screening"`` (default): the delta method. The deal and each moved deal are dispatched
      in screening mode (docs/lifetime.md) and the bar end is
      ``base + (screening metric moved - screening metric of the deal)``, so every bar starts
      at the reported base and the screening error largely cancels (measured against
      ``"full"`` in docs/deals.md#sensitivities). An end whose screening metric is undefined
      (an IRR that does not exist) is NaN with a note; if the deal's own screening metric is
      undefined there is no origin for the deltas and every re-dispatching end is valued as
      in ``"full"``. For a result dispatched in screening mode the two modes coincide
      (each moved deal re-dispatched in screening mode, :data:`FULL`).
    * ``"full"``: each moved deal is re-dispatched in the result's own dispatch mode (for a
      full-mode result: every operating year; six more lives for the default levers).

    ``cache``: built models, bases and dispatched years to share (``bessfin run`` passes the
    life's). ``workers > 1`` deals the re-dispatches out to this process and ``workers - 1``
    spawned processes (:func:`_run_jobs`); the values do not depend on it beyond the
    warm-start tolerance (docs/lifetime.md)."""
    if mode not in TORNADO_MODES:
        raise ValueError(f"tornado mode must be one of {TORNADO_MODES}, got {mode!r}")
    deal, base = result.deal, _metric(result.pro_forma.metrics, metric)
    prices = load_deal_prices(deal) if prices is None else prices
    cache = {} if cache is None else cache
    jobs = [(lever, sign) for lever in levers for sign in (-1, 1)]
    heavy = [k for k, (lever, sign) in enumerate(jobs)
             if lever.redispatch and lever.apply(deal, sign) is not deal]
    own = result.lifetime.mode
    # a screening-mode result: its own mode is screening, re-dispatching is already the delta
    how = SCREENING_DELTA if heavy and mode == "screening" and own != "screening" else FULL
    origin = float("nan")
    if how == SCREENING_DELTA:  # the deal itself in screening mode: the deltas' origin
        screened = dispatch_deal(deal, prices=prices, mode="screening", cache=cache)
        origin = _metric(value_deal(deal, screened, result.supply)[0].metrics, metric)
        if not np.isfinite(origin):
            how = FULL
    values: dict[int, Value] = {}
    if heavy:
        raw = _run_jobs([jobs[k] for k in heavy], result, metric, prices, cache,
                        "screening" if how == SCREENING_DELTA else own, workers)
        shift = base - origin if how == SCREENING_DELTA else 0.0
        values.update({k: (v + shift, note) for k, (v, note) in zip(heavy, raw, strict=True)})
    methods = {k: how if k in heavy else REVALUED for k in range(len(jobs))}
    for k, (lever, sign) in enumerate(jobs):
        if k not in values:
            values[k] = _revalue(deal, lever, sign, result, metric, prices, cache, own)
    label = metric_spec(metric).label if metric in METRIC_CATALOGUE else metric
    rows = []
    for i, lever in enumerate(levers):
        (low, low_note), (high, high_note) = values[2 * i], values[2 * i + 1]
        notes = [f"{lever.parameter} {setting}: {label} undefined"
                 + (" on the screening-mode life" if methods[k] == SCREENING_DELTA else "")
                 + (f" ({why})" if why else "")
                 for k, setting, v, why in ((2 * i, lever.low_label, low, low_note),
                                            (2 * i + 1, lever.high_label, high, high_note))
                 if not np.isfinite(v)]
        rows.append({"parameter": lever.parameter, "low_label": lever.low_label,
                     "high_label": lever.high_label, "low_value": low, "high_value": high,
                     "base_value": base, "metric": metric, "mode": mode,
                     "low_method": methods[2 * i], "high_method": methods[2 * i + 1],
                     "note": "; ".join(notes)})
    out = pd.DataFrame(rows)
    swing = (out["high_value"] - out["low_value"]).abs()
    return out.loc[swing.sort_values(ascending=False).index].reset_index(drop=True)


def price_year_distribution(
    deal: Deal,
    *,
    metric: str = DEFAULT_METRIC,
    mode: str = "screening",
    cache: dict | None = None,
    prices: dict[int, PriceData] | None = None,
) -> pd.DataFrame:
    """The deal valued on each of its own price years alone (its price file or the shipped
    data, as the deal says).

    Returns one row per year (``price_year``, ``metric``, ``value``, ``year1_revenue_usd``,
    ``price_source``, ``note``: why an IRR is NaN or qualified on that year, from the pro
    forma's IRR notes, else empty); ``p_values(frame)`` turns it into P50 / P90. With few
    years the spread is thin: the row count says how many years stand behind it.
    """
    m = deal.market
    prices = load_deal_prices(deal) if prices is None else prices
    cache = {} if cache is None else cache
    supply = resolve_supply(deal)
    source = m.price_source()

    def row(y: int) -> dict:
        one = deal.model_copy(update={"market": m.model_copy(update={"price_years": (y,)})})
        lifetime = dispatch_deal(one, prices={y: prices[y]}, mode=mode, cache=cache)  # type: ignore[arg-type]
        pf, _ = value_deal(one, lifetime, supply)
        return {"price_year": y, "metric": metric, "value": _metric(pf.metrics, metric),
                "year1_revenue_usd": float(pf.line(L.REVENUE_TOTAL).loc[1]),
                "price_source": source, "note": pf.metrics.irr_notes.get(metric, "")}

    years = sorted(set(m.price_years))
    if pool_of(cache) is None or len(years) < 2:
        return pd.DataFrame([row(y) for y in years])
    # each price year on its own worker process (bessfin.dispatch.pool): threads only wait
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(years)) as threads:
        return pd.DataFrame(list(threads.map(row, years)))


def p_values(distribution: pd.DataFrame) -> dict[str, float | int | str]:
    """P50 (median) and P90 (value exceeded with 90 % probability: the 10th percentile) of a
    :func:`price_year_distribution`, with the number of years behind them and a ``note``.

    A year whose metric is undefined (an IRR that does not exist: e.g. the project never
    earns back its cost on that year's prices, so NPV is negative at every rate) cannot be
    ranked against the others, so P50 and P90 are then NaN and ``note`` says in words which
    years and why; else ``note`` is empty."""
    v = distribution["value"].to_numpy(dtype=float)
    out: dict[str, float | int | str] = {"p50": float("nan"), "p90": float("nan"),
                                         "years": int(len(v)), "note": ""}
    bad = ~np.isfinite(v)
    if not bad.any():
        return {**out, "p50": float(np.percentile(v, 50)), "p90": float(np.percentile(v, 10))}
    frame = distribution.reset_index(drop=True)
    label = metric_spec(str(frame["metric"].iloc[0])).label if "metric" in frame else "metric"
    where = [f"price year {frame['price_year'][i]}" if "price_year" in frame else f"row {i}"
             for i in np.flatnonzero(bad)]
    notes = [str(frame["note"][i]) for i in np.flatnonzero(bad)] if "note" in frame else []
    out["note"] = (f"P50 and P90 undefined: {label} does not exist on {', '.join(where)} "
                   "alone" + (f" ({'; '.join(dict.fromkeys(n for n in notes if n))})"
                              if any(notes) else "")
                   + ", so the years cannot be ranked")
    return out
