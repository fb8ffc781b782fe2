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
from bessfin.finance import lines as L
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
    Lever("degradation", "-50 %", "+50 %", _degradation, True),
    Lever("ITC tier", "no PWA, no energy community", "+ energy community", _itc, False),
    Lever("tariff scenario", "section122-battery-exempt", "section301-excess-capacity",
          _tariff, False),
)


def tornado(
    result: DealResult,
    *,
    metric: str = DEFAULT_METRIC,
    levers: tuple[Lever, ...] = LEVERS,
    cache: dict | None = None,
) -> pd.DataFrame:
    """One row per lever: ``parameter``, ``low_label``, ``high_label``, ``low_value``,
    ``high_value`` (the metric with the input moved down / up) and ``base_value``; sorted by
    swing, widest first. Re-dispatches use the deal's dispatch mode."""
    deal, base = result.deal, _metric(result.pro_forma.metrics, metric)
    prices = load_deal_prices(deal)
    cache = {} if cache is None else cache
    rows = []
    for lever in levers:
        values = []
        for sign in (-1, 1):
            changed = lever.apply(deal, sign)
            if changed is deal:
                values.append(base)
                continue
            lifetime = (
                dispatch_deal(changed, prices=prices, mode=result.lifetime.mode, cache=cache)
                if lever.redispatch else result.lifetime
            )
            pf, _ = value_deal(changed, lifetime, resolve_supply(changed))
            values.append(_metric(pf.metrics, metric))
        rows.append({"parameter": lever.parameter, "low_label": lever.low_label,
                     "high_label": lever.high_label, "low_value": values[0],
                     "high_value": values[1], "base_value": base, "metric": metric})
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
    ``price_source``); ``p_values(frame)`` turns it into P50 / P90. With few years the spread
    is thin: the row count says how many years stand behind it.
    """
    m = deal.market
    prices = load_deal_prices(deal) if prices is None else prices
    cache = {} if cache is None else cache
    supply = resolve_supply(deal)
    source = m.price_source()
    rows = []
    for y in sorted(set(m.price_years)):
        one = deal.model_copy(update={"market": m.model_copy(update={"price_years": (y,)})})
        lifetime = dispatch_deal(one, prices={y: prices[y]}, mode=mode, cache=cache)  # type: ignore[arg-type]
        pf, _ = value_deal(one, lifetime, supply)
        rows.append({"price_year": y, "metric": metric, "value": _metric(pf.metrics, metric),
                     "year1_revenue_usd": float(pf.line(L.REVENUE_TOTAL).loc[1]),
                     "price_source": source})
    return pd.DataFrame(rows)


def p_values(distribution: pd.DataFrame) -> dict[str, float | int]:
    """P50 (median) and P90 (value exceeded with 90 % probability: the 10th percentile) of a
    :func:`price_year_distribution`, with the number of years behind them."""
    v = distribution["value"].to_numpy(dtype=float)
    return {"p50": float(np.percentile(v, 50)), "p90": float(np.percentile(v, 10)),
            "years": int(len(v))}
