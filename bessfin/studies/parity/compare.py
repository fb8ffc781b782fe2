"""Side-by-side valuation of supply options on one lifetime dispatch."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from bessfin.deal import Deal, ItcTier, deal_capex, finance_inputs, itc_inputs
from bessfin.dispatch import LifetimeResult
from bessfin.finance import ProForma, build_pro_forma, capex_lines, itc_outcome
from bessfin.finance import lines as L
from bessfin.studies.parity.catalog import (
    _PF_METRICS,
    _check_metric,
    _check_options,
    _check_tier,
    _Context,
)
from bessfin.supply import (
    CustomOption,
    OptionLike,
    Scenario,
    SupplyOutcome,
    list_supply_options,
    option_name,
)

# --------------------------------------------------------------------------------------------
# Valuation
# --------------------------------------------------------------------------------------------


def value_option(
    deal: Deal,
    lifetime: LifetimeResult,
    supply: SupplyOutcome,
    itc_tier: str = "deal",
    *,
    revenue: pd.DataFrame | None = None,
) -> ProForma:
    """Pro forma of the deal with a priced supply option under an ITC tier (no re-dispatch).

    Parameters
    ----------
    deal : Deal
        The deal.
    lifetime : LifetimeResult
        Its lifetime dispatch (from :func:`bessfin.deal.dispatch_deal`).
    supply : SupplyOutcome
        From :func:`price_option`.
    itc_tier : str
        One of :data:`ITC_TIERS`.
    revenue : DataFrame, optional
        ``lifetime.revenue_table()``, to save recomputing it in loops.

    Returns
    -------
    ProForma
    """
    tier = _check_tier(itc_tier)
    inputs = finance_inputs(deal, lifetime, supply, tier)
    return build_pro_forma(inputs, lifetime.revenue_table() if revenue is None else revenue)


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _row(
    deal: Deal,
    ctx: _Context,
    supply: SupplyOutcome,
    tier: ItcTier,
    lifetime: LifetimeResult | None,
    revenue: pd.DataFrame | None,
    description: str,
) -> dict[str, Any]:
    s = supply.summary
    capex = deal_capex(deal, supply)
    capex_usd = sum(capex_lines(capex, deal.battery.power_mw, deal.battery.energy_mwh).values())
    row: dict[str, Any] = {
        "option": supply.option,
        "itc_tier": tier.name,
        "description": description,
        "fob_usd_per_kwh": float(s["fob_usd_per_kwh"]),
        "duty_rate_imported": float(s["duty_rate_imported"]),
        "duty_usd_per_kwh": float(s["duty_usd_per_kwh"]),
        "landed_usd_per_kwh": float(s["landed_usd_per_kwh"]),
        "x45_effect_usd_per_kwh": float(s["x45_price_effect_usd_per_kwh"]),
        "net_dc_block_usd_per_kwh": float(s["net_usd_per_kwh"]),
        "capex_usd": float(capex_usd),
        "dc_adjusted_pct": float(s["dc_adjusted_pct"]),
        "dc_threshold": float(s["dc_threshold"]),
        "dc_pass": bool(s["dc_passes"]),
        "macr": float(s["macr"]),
        "macr_threshold": _num(s["macr_threshold"]),
        "macr_pass": bool(s["macr_passes"]),
    }
    if lifetime is not None:
        pf = value_option(deal, lifetime, supply, tier.name, revenue=revenue)
        itc = pf.itc
        m = pf.metrics
        metrics = {k: float(getattr(m, k)) for k in _PF_METRICS}
        metrics["min_dscr"] = float(m.min_dscr)
        capex_pf = float(-pf.line(L.CAPEX_TOTAL).iloc[0])
        if not math.isclose(capex_pf, capex_usd, rel_tol=1e-9):
            raise AssertionError(f"capex mismatch {capex_pf} vs {capex_usd}")
    else:
        itc = itc_outcome(itc_inputs(deal, supply, tier), deal.battery.power_mw)
        metrics = dict.fromkeys([*_PF_METRICS, "min_dscr"], float("nan"))
    row["itc_rate"] = float(itc.rate)
    row["itc_reason"] = "; ".join(itc.reasons)
    row["dc_block_net_of_itc_usd_per_kwh"] = row["net_dc_block_usd_per_kwh"] * (1.0 - itc.rate)
    row.update(metrics)
    return row


#: Column order of :func:`compare_options` (after the ``option``, ``itc_tier`` index).
COLUMNS: tuple[str, ...] = (
    "description", "fob_usd_per_kwh", "duty_rate_imported", "duty_usd_per_kwh",
    "landed_usd_per_kwh", "x45_effect_usd_per_kwh", "net_dc_block_usd_per_kwh", "capex_usd",
    "dc_adjusted_pct", "dc_threshold", "dc_pass", "macr", "macr_threshold", "macr_pass",
    "itc_rate", "itc_reason", "dc_block_net_of_itc_usd_per_kwh", "project_irr_pre_tax",
    "project_irr_after_tax", "equity_irr_after_tax", "project_npv_after_tax_usd",
    "lcos_usd_per_mwh", "lcos_with_credits_usd_per_mwh", "min_dscr",
)


def _description(option: OptionLike) -> str:
    if isinstance(option, CustomOption):
        return option.description
    return list_supply_options()[option]


def compare_options(
    deal: Deal,
    lifetime: LifetimeResult | None,
    options: Sequence[OptionLike] | None = None,
    *,
    itc_tiers: Sequence[str] = ("deal",),
    tariff_scenario: str | Scenario | None = None,
    import_duty_rate: float | None = None,
    on_date: date | str | None = None,
    pass_through_45x: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> pd.DataFrame:
    """Value the deal with each supply option side by side (dispatch once, re-value per option).

    Parameters
    ----------
    deal : Deal
        The deal; its ``[supply]`` section (if any) gives the defaults for the scenario, entry
        date, 45X pass-through and steel/iron; its own supply option is ignored.
    lifetime : LifetimeResult or None
        The deal's lifetime dispatch. ``None`` gives the cost and ITC columns only (IRRs, NPV,
        LCOS and DSCR are NaN).
    options : sequence of str or CustomOption, optional
        Options to compare; default every shipped option.
    itc_tiers : sequence of str
        ITC tiers (:data:`ITC_TIERS`); one row per option and tier.
    tariff_scenario : str or Scenario, optional
        Default the deal's ``supply.tariff_scenario`` (or ``current-law``).
    import_duty_rate : float, optional
        Total duty [fraction of FOB] replacing the scenario's on imported battery lines.
    on_date : date or str, optional
        Date of entry; default ``supply.import_date``, else the BOC date.
    pass_through_45x : float, optional
        Share of 45X in the price [fraction]; default the deal's.
    line_overrides : mapping, optional
        ``{option name: {line name: {field: value}}}``.

    Returns
    -------
    pandas.DataFrame
        Index ``(option, itc_tier)``; columns :data:`COLUMNS`: costs per kWh [$/kWh],
        ``duty_rate_imported`` [fraction], ``capex_usd`` [$], DC and MACR ratios, thresholds
        [fraction] and pass flags, ``itc_rate`` [fraction] with ``itc_reason``,
        ``dc_block_net_of_itc_usd_per_kwh`` = net DC block x (1 - ITC rate) [$/kWh], IRRs
        [fraction], ``project_npv_after_tax_usd`` [$], LCOS [$/MWh] and ``min_dscr`` [-].
    """
    opts = list(options) if options is not None else list(list_supply_options())
    _check_options(opts)
    tiers = [_check_tier(t) for t in itc_tiers]
    if not tiers:
        raise ValueError("itc_tiers is empty")
    ctx = _Context.of(deal, tariff_scenario, on_date, pass_through_45x)
    overrides = dict(line_overrides or {})
    unknown = set(overrides) - {option_name(o) for o in opts}
    if unknown:
        raise ValueError(f"line_overrides for options not compared: {sorted(unknown)}")
    revenue = lifetime.revenue_table() if lifetime is not None else None
    rows = []
    for o in opts:
        supply = ctx.price(o, import_duty_rate, overrides.get(option_name(o)))
        for tier in tiers:
            rows.append(_row(deal, ctx, supply, tier, lifetime, revenue, _description(o)))
    return pd.DataFrame(rows).set_index(["option", "itc_tier"])[list(COLUMNS)]


def metric_value(
    deal: Deal,
    lifetime: LifetimeResult | None,
    supply: SupplyOutcome,
    metric: str,
    itc_tier: str = "deal",
    *,
    revenue: pd.DataFrame | None = None,
) -> float:
    """One metric of a priced option under an ITC tier (units as in :data:`METRICS`)."""
    m = _check_metric(metric, lifetime)
    tier = _check_tier(itc_tier)
    net = float(supply.summary["net_usd_per_kwh"])
    if metric == "net_dc_block_usd_per_kwh":
        return net
    if not m.needs_dispatch:  # dc_block_net_of_itc_usd_per_kwh
        rate = itc_outcome(itc_inputs(deal, supply, tier), deal.battery.power_mw).rate
        return net * (1.0 - rate)
    assert lifetime is not None
    pf = value_option(deal, lifetime, supply, itc_tier, revenue=revenue)
    return float(getattr(pf.metrics, metric))
