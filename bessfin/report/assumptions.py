"""Assumptions of a deal as rows of (section, item, value, set by, source).

Two views: :func:`key_assumptions`, a short curated list for the top of the report, and
:func:`all_inputs`, every field of every deal section with whether the deal file set it or the
default applied, and the field's own description (which names its source row in
``policy_facts.md`` where one exists). :func:`policy_sources` lists the §48E policy table behind
the ITC rate and :func:`duty_sources` the tariff rows behind each duty layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from pydantic import BaseModel

from bessfin.deal import DealResult
from bessfin.deal.schema import MarketSection
from bessfin.finance import Itc48ePolicy, step_value

#: Where each deal section is documented (relative to the repository root).
DOCS: dict[str, str] = {
    "battery": "docs/dispatch.md",
    "market": "docs/dispatch.md#horizons; market_data/SOURCES.md",
    "project": "docs/finance.md#conventions",
    "degradation": "docs/lifetime.md",
    "augmentation": "docs/finance.md#costs-costspy",
    "capex": "docs/finance.md#costs-costspy",
    "opex": "docs/finance.md#pro-forma-lines-proformaannual",
    "supply": "docs/supply_chain.md",
    "itc": "docs/finance.md#48e-itc-itcpy-data-in-itc_48etoml",
    "tax": "docs/finance.md#tax-taxpy-depreciationpy",
    "debt": "docs/finance.md#debt-debtpy",
    "contracts": "docs/finance.md#revenue-and-contracts-contractspy",
    "finance": "docs/finance.md#metrics-metricspy-metrics",
    "lender": "docs/reports.md#the-html-report",
}
COLUMNS = ["section", "item", "value", "set by", "source / note"]


def _text(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return ", ".join(_text(v) for v in items) or "none"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fields(section: str, model: BaseModel, prefix: str = "") -> Iterable[dict[str, str]]:
    for name, info in type(model).model_fields.items():
        if not hasattr(model, name):  # a field added to the model after this one was made
            continue
        value = getattr(model, name)
        if isinstance(value, Itc48ePolicy):
            continue  # listed by policy_sources()
        if isinstance(value, BaseModel):
            yield from _fields(section, value, f"{prefix}{name}.")
            continue
        yield {
            "section": section,
            "item": f"{prefix}{name}",
            "value": _text(value),
            "set by": "deal file" if name in model.model_fields_set else "default",
            "source / note": info.description or "",
        }


def all_inputs(result: DealResult) -> pd.DataFrame:
    """Every deal input with its value, who set it and its description / source.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`; one row per field (nested sections flattened with dots).
    """
    deal = result.deal
    rows: list[dict[str, str]] = [
        {"section": "deal", "item": "name", "value": deal.name, "set by": "deal file",
         "source / note": deal.description},
    ]
    for section in DOCS:
        model = getattr(deal, section, None)
        if model is None:
            rows.append({"section": section, "item": "(section)", "value": "none",
                         "set by": "deal file", "source / note": "section not given"})
            continue
        rows.extend(_fields(section, model))
    for row in rows:
        doc = DOCS.get(row["section"], "")
        if doc:
            row["source / note"] = f"{row['source / note']} [{doc}]".strip()
    return pd.DataFrame(rows, columns=COLUMNS)


def _set_by(model: BaseModel | None, *names: str) -> str:
    if model is None:
        return "n/a"
    given = [n for n in names if n in model.model_fields_set]
    if len(given) == len(names):
        return "deal file"
    return "default" if not given else "deal file + defaults"


def _limits_text(result: DealResult) -> str:
    """Year-1 award limits, e.g. 'rrs 29.5 MW (ERCOT 2024 DERIVED: 2,300 MW / 7,800 MW)'."""
    applied = result.lifetime.first_year.as_limits
    if not applied:
        return "none (energy only)"
    if all(a.mw is None for a in applied):
        return "uncapped (price-taker ceiling)"
    return "; ".join(
        f"{a.product} {'uncapped' if a.mw is None else f'{a.mw:,.1f} MW'} ({a.basis})"
        for a in applied
    )


def key_assumptions(result: DealResult) -> pd.DataFrame:
    """The assumptions a reader checks first, one line each, with source.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`.
    """
    d, pf = result.deal, result.pro_forma
    inputs = pf.inputs
    b, mk, pr = d.battery, d.market, d.project
    rte = b.charge_efficiency * b.discharge_efficiency
    rows = [
        ("battery", "size", f"{b.power_mw:g} MW / {b.energy_mwh:g} MWh "
         f"({b.energy_mwh / b.power_mw:g} h)", _set_by(b, "power_mw", "energy_mwh"),
         "deal file"),
        ("battery", "round trip, cycles, wear cost",
         f"RTE {rte:.1%}; max {_text(b.max_cycles_per_day)} cycles/day, "
         f"{_text(b.max_cycles_per_year)} /yr; {b.degradation_cost:g} $/MWh discharged",
         _set_by(b, "max_cycles_per_day", "degradation_cost"),
         "NREL ATB RTE (policy_facts 4.21) where the deal cites it; docs/dispatch.md"),
        ("market", "market and node",
         f"{mk.iso.upper()} {mk.node}, {mk.market.upper()} prices, "
         f"products: {'all in the data' if mk.products is None else _text(mk.products)}",
         _set_by(mk, "iso", "node"),
         mk.price_source() + ("" if mk.price_file else
                              " (provenance in market_data/SOURCES.md)")),
        ("market", "price years, path and escalation",
         f"{_text(mk.price_years)} "
         + ("as scenarios, mean revenue per operating year" if mk.price_path == "mean"
            else f"cycled over {pr.life_years} years")
         + f", escalation {mk.escalation:.1%}/yr"
         + ("" if mk.forward_curve is None else f", forward curve ({mk.forward_curve.kind})"),
         _set_by(mk, "price_years", "price_path", "escalation", "forward_curve"),
         "historical prices; escalation and forward curve are deal assumptions"),
        ("market", "foresight",
         mk.foresight + (f" ({mk.forecast_file})" if mk.forecast_file else ""),
         _set_by(mk, "foresight"),
         "decided on prices published before each decision, settled at actual prices"
         if mk.foresight != "perfect" else "perfect foresight: an upper bound"),
        ("market", "AS award limits (market depth)", _limits_text(result),
         _set_by(mk, "as_limits"),
         "market-depth defaults by product and year with their facts, status and reasons: "
         "docs/markets.md; equation docs/dispatch.md#market-depth-award-limits"),
        ("market", "dispatch horizon",
         f"{result.lifetime.first_year.horizon.label}; lifetime mode: {result.lifetime.mode}",
         _set_by(mk, "horizon"), "docs/dispatch.md#horizons"),
        ("project", "life and beginning of construction",
         f"{pr.life_years} years; BOC {pr.boc_date.isoformat()}"
         + (f"; COD {pr.cod.isoformat()}" if pr.cod else ""),
         _set_by(pr, "life_years", "boc_date"), "deal file"),
        ("degradation", "capacity fade",
         f"{d.degradation.calendar_per_year:.2%}/yr calendar + "
         f"{d.degradation.per_cycle:.4%}/cycle, floor {d.degradation.minimum:.0%}",
         _set_by(d.degradation, "calendar_per_year", "per_cycle"),
         "policy_facts 4.24-4.25 (UNCERTAIN)"),
        ("augmentation", "augmentation",
         (f"years {_text(d.augmentation.years)} to {d.augmentation.restore_to:.0%} at "
          f"{d.augmentation.usd_per_kwh:g} $/kWh; {inputs.augmentation.treatment}"
          if d.augmentation.years else "none"),
         _set_by(d.augmentation, "years"), "bessfin assumption / deal file"),
        ("capex", "initial capex",
         f"DC block {inputs.capex.dc_block_usd_per_kwh:,.2f} $/kWh, PCS "
         f"{inputs.capex.pcs_usd_per_kw:g} $/kW, BOS {inputs.capex.bos_usd_per_kwh:g} $/kWh, "
         f"EPC {inputs.capex.epc_usd_per_kwh:g} $/kWh, interconnection "
         f"{inputs.capex.interconnection_usd_per_kw:g} $/kW, development "
         f"{inputs.capex.development_usd:,.0f} $",
         _set_by(d.capex, "pcs_usd_per_kw"),
         ("DC block priced by supply option " + d.supply.option if d.supply else
          "DC block from the deal file") + "; other lines: deal file (no fact-sheet row)"),
        ("opex", "operating costs",
         f"fixed O&M {d.opex.fixed_om_usd_per_kw_yr:g} $/kW-yr, variable "
         f"{d.opex.variable_om_usd_per_mwh:g} $/MWh, property tax "
         f"{d.opex.property_tax_pct_capex:.2%} and insurance {d.opex.insurance_pct_capex:.2%} "
         f"of capex/yr, lease {d.opex.land_lease_usd_per_yr:,.0f} $/yr, escalation "
         f"{d.opex.escalation:.1%}/yr", _set_by(d.opex, "fixed_om_usd_per_kw_yr"),
         "ATB 2.5 % of $/kW capex (policy_facts 4.19); others bessfin assumptions"),
        ("tax", "income tax and depreciation",
         f"federal {d.tax.federal_rate:.0%}, state {d.tax.state_rate:.1%}; MACRS "
         f"{d.tax.macrs_class}-yr, bonus {d.tax.bonus_depreciation:.0%}; losses: "
         f"{d.tax.loss_treatment}", _set_by(d.tax, "federal_rate", "state_rate"),
         "IRC §11(b); policy_facts 1.24-1.26"),
        ("tax", "ITC monetisation",
         f"{d.tax.itc_monetisation} at {d.tax.transfer_price:.2f} $/$ in year {d.tax.itc_year}",
         _set_by(d.tax, "itc_monetisation", "transfer_price"), "policy_facts 1.28"),
        ("debt", "senior debt",
         "none (all equity)" if d.debt is None else
         f"{d.debt.rate:.2%} for {d.debt.tenor_years} years, {d.debt.repayment}; target DSCR "
         f"{d.debt.dscr_contracted:.2f}x contracted / {d.debt.dscr_merchant:.2f}x merchant; "
         f"max gearing {d.debt.max_gearing:.0%}; merchant haircut {d.debt.merchant_haircut:.0%}",
         _set_by(d.debt, "rate", "tenor_years"),
         "SOFR 4.29 % Jan-2025 (policy_facts 5.14) + spread; DSCR targets policy_facts 5.13 "
         "(UNCERTAIN)"),
        ("contracts", "contracts", _contracts_text(result), "deal file" if (
            d.contracts.model_fields_set) else "default",
         "docs/finance.md#revenue-and-contracts-contractspy"),
        ("itc", "ITC qualifications",
         f"PWA {_text(inputs.itc.pwa)}, energy community {_text(inputs.itc.energy_community)}, "
         f"domestic content {_text(inputs.itc.dc_adjusted_pct)}, MACR {_text(inputs.itc.macr)}"
         + (f", override {inputs.itc.rate_override:.2%}"
            if inputs.itc.rate_override is not None else ""),
         _set_by(d.itc, "pwa"), "§48E policy table (below); DC and MACR from the supply option"),
        ("supply", "supply option and tariffs", _supply_text(result),
         _set_by(d.supply, "option"), "docs/supply_chain.md; duty layer sources below"),
        ("finance", "discount rate", f"{d.finance.discount_rate:.1%}",
         _set_by(d.finance, "discount_rate"), "user assumption (NPV and LCOS)"),
    ]
    if mk.settlement == "da+rt":  # a DA-only deal's table is unchanged
        rows.insert(next(i for i, r in enumerate(rows) if r[1] == "foresight") + 1,
                    _settlement_row(mk))
    return pd.DataFrame(rows, columns=COLUMNS)


def _settlement_row(mk: MarketSection) -> tuple[str, str, str, str, str]:
    """The two-settlement line of a ``settlement = "da+rt"`` deal."""
    redispatch = {
        "perfect": "actual RT prices (perfect foresight: the ceiling)",
        "hour-ahead": "each interval's own RT price and the DA prices of the rest of the day "
                      "(hour-ahead)",
        "persistence": "the previous day's RT prices (persistence)",
    }[mk.rt_foresight]
    source = mk.rt_price_file or f"shipped {mk.iso.upper()} RTM {mk.node}"
    return ("market", "settlement",
            f"day-ahead + real-time every operating year; RT re-dispatch on {redispatch}; "
            f"RT prices: {source}", _set_by(mk, "settlement", "rt_foresight"),
            "docs/lifetime.md#day-ahead-plus-real-time-over-the-life-issue-13")


def _contracts_text(result: DealResult) -> str:
    c = result.deal.contracts
    parts = []
    if c.toll is not None:
        parts.append(f"toll {c.toll.share:.0%} at {c.toll.price_usd_per_kw_month:g} $/kW-mo for "
                     f"{c.toll.tenor_years} yr from year {c.toll.start_year}")
    if c.capacity is not None:
        parts.append(f"RA {c.capacity.contracted_mw:g} MW at "
                     f"{c.capacity.price_usd_per_kw_month:g} $/kW-mo for "
                     f"{c.capacity.tenor_years} yr")
    if c.floor is not None:
        parts.append(f"floor {c.floor.share:.0%} at {c.floor.floor_usd_per_kw_month:g} "
                     f"$/kW-mo, upside share {c.floor.upside_share:.0%}, "
                     f"{c.floor.tenor_years} yr")
    return "; ".join(parts) or "none (fully merchant)"


def _supply_text(result: DealResult) -> str:
    s, out = result.deal.supply, result.supply
    if s is None or out is None:
        return "none (DC block price from the deal file)"
    row = out.summary
    return (f"{s.option}, tariff scenario {s.tariff_scenario}, entry "
            f"{(s.import_date or result.deal.project.boc_date).isoformat()}; landed "
            f"{float(row['landed_usd_per_kwh']):,.2f} $/kWh (duty "
            f"{float(row['duty_usd_per_kwh']):,.2f}), 45X pass-through {s.pass_through_45x:.0%}; "
            f"domestic content {float(row['dc_adjusted_pct']):.0%}, MACR "
            f"{float(row['macr']):.0%}")


def policy_sources(result: DealResult) -> pd.DataFrame:
    """The §48E policy values behind the ITC rate, each with its source and status.

    Returns
    -------
    DataFrame
        Columns ``key``, ``value``, ``applies`` (the schedule row used for the deal's BOC
        date is marked), ``effective``, ``status``, ``source``, ``facts_row``.
    """
    itc = result.pro_forma.inputs.itc
    policy, boc = itc.policy, itc.boc_date
    rows = []
    for key, note in policy.sources.items():
        rows.append({"key": key, "value": _text(getattr(policy, key)), "applies": "yes",
                     **note.model_dump()})
    for key in ("dc_threshold", "phase_down", "macr_threshold"):
        steps = getattr(policy, key)
        used = None
        if boc is not None and step_value(steps, boc) is not None:
            used = max(s.start for s in steps if s.start <= boc)
        for s in steps:
            rows.append({"key": f"{key} from {s.start.isoformat()}", "value": _text(s.value),
                         "applies": "yes (BOC)" if s.start == used else "",
                         "effective": s.effective, "status": s.status, "source": s.source,
                         "facts_row": s.facts_row})
    return pd.DataFrame(rows, columns=["key", "value", "applies", "effective", "status",
                                       "source", "facts_row"])


def duty_sources(result: DealResult) -> pd.DataFrame:
    """Tariff rows behind each duty layer of the supply option's lines, as the supply pricer
    charged them (:attr:`bessfin.supply.SupplyOutcome.duty_layers`), formatted for display.

    Returns
    -------
    DataFrame
        Columns ``line``, ``layer``, ``rate`` (effective, on the line's customs value),
        ``base share``, ``status``, ``source``, ``note``; empty without a supply option.
    """
    cols = ["line", "layer", "rate", "base share", "status", "source", "note"]
    if result.supply is None:
        return pd.DataFrame(columns=cols)
    d = result.supply.duty_layers.rename(columns={"base_share": "base share"})
    d = d.assign(rate=d["rate"].map(lambda r: f"{r:.2%}"),
                 **{"base share": d["base share"].map(lambda r: f"{r:.0%}")})
    return d[cols].reset_index(drop=True)
