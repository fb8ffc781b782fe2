"""Supply-option parity: the same deal valued with each supply option, and break-evens.

A deal's dispatch does not depend on where its DC block comes from, so the deal is dispatched
once (:func:`bessfin.chain.dispatch_deal`) and each supply option is re-priced and re-valued on
that one :class:`~bessfin.lifetime.LifetimeResult`:

* :func:`price_option` prices the DC block of an option: FOB + freight + duties (tariff scenario,
  or an explicit total duty rate on imported battery lines) - passed-through 45X, and runs the
  domestic-content and MACR tests.
* :func:`compare_options` gives one row per option (and ITC tier): landed cost, duty, 45X effect,
  net DC block price, capex, DC / MACR results, ITC rate with its reasons, IRRs, NPV and LCOS.
* :func:`breakeven_tariff` solves for the total import duty rate on the import option at which a
  metric equals the domestic option's; :func:`breakeven_cell_price` for the domestic cell price.
* :func:`parity_curves` / :func:`plot_parity_curves`: metric against duty rate for each option.

The import-duty knob
--------------------
``import_duty_rate`` (a fraction: 0.484 = 48.4 %) REPLACES the scenario's duty on every line with
``item == "battery"`` and a non-US origin: all duty layer columns of those lines are set to 0 and
``duty_override_usd = rate x FOB`` is charged instead, so that::

    landed = FOB x (1 + rate) + freight          (duty on FOB, as in bessfin.supply.landed)

Nothing is added on top of the scenario's duty, so there is no double count. Other items (PCS,
enclosures, ...) and US-made lines keep the scenario's duties (zero for US lines).

ITC tiers
---------
Each tier (:data:`ITC_TIERS`) sets fields of the deal's ``[itc]`` section (``model_copy``); the
rate itself always comes from :func:`bessfin.finance.itc_rate` with the option's own domestic
content percentage and MACR, so a tier's DC bonus is only earned by options that pass the DC test,
and an option that fails the MACR test gets a zero credit whatever the tier (BOC after 2025).

Units: rates and shares are fractions; money in nominal US$; ``*_usd_per_kwh`` per kWh of DC
block energy capacity; LCOS in $/MWh discharged.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from bessfin.chain import SupplyOutcome, deal_capex, finance_inputs
from bessfin.deal import Deal, SupplySection
from bessfin.finance import ItcInputs, ItcOutcome, ProForma, build_pro_forma, itc_rate
from bessfin.finance import lines as L
from bessfin.finance import metric as catalogue_metric
from bessfin.finance.costs import capex_lines
from bessfin.lifetime import LifetimeResult
from bessfin.supply import (
    LAYERS,
    EquipmentItem,
    Scenario,
    assess_sourcing,
    get_scenario,
    landed_cost,
    list_supply_options,
    price_effect_45x,
    supply_option,
    supply_option_lines,
)
from bessfin.supply.options import cost_record
from bessfin.supply.tariffs import to_date

__all__ = [
    "COLUMNS",
    "DEFAULT_RATES",
    "ITC_TIERS",
    "METRICS",
    "BreakEven",
    "CustomOption",
    "ItcTier",
    "Metric",
    "breakeven_cell_price",
    "breakeven_tariff",
    "compare_options",
    "metric_value",
    "parity_curves",
    "plot_parity_curves",
    "price_option",
    "value_option",
]


# --------------------------------------------------------------------------------------------
# Options, tiers, metrics
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CustomOption:
    """A supply option not in ``supply_options.toml``, given as lines priced per kWh.

    Attributes
    ----------
    name : str
        Option name (table row label).
    lines : tuple of mapping
        One mapping per line with the keys of ``supply_options.toml`` lines: ``name``, ``item``,
        ``origin``, ``usd_per_kwh`` [$/kWh], ``freight_pct`` [fraction of FOB] (or
        ``freight_usd``), ``supplier_is_pfe``, ``us_manufactured``, ``x45`` (45X components the
        line's US maker claims, e.g. ``["cell"]``), optional ``status`` and ``source``.
    description : str
        What the option is.
    """

    name: str
    lines: tuple[Mapping[str, Any], ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.lines:
            raise ValueError(f"custom option {self.name!r} has no lines")
        names = [ln.get("name") for ln in self.lines]
        if len(set(names)) != len(names) or None in names:
            raise ValueError(f"custom option {self.name!r}: every line needs a unique name")


OptionLike = str | CustomOption
_LINE_META = ("usd_per_kwh", "x45", "status")


@dataclasses.dataclass(frozen=True)
class ItcTier:
    """A counterfactual setting of the deal's ``[itc]`` section.

    ``None`` keeps the deal's value. ``claim_dc`` passes the option's domestic-content percentage
    to the ITC rules (the bonus is then earned only if it meets the threshold); ``rate_override``
    fixes the rate (``0`` = no ITC) and bypasses the §48E rules, MACR included.
    """

    name: str
    description: str
    pwa: bool | None = None
    energy_community: bool | None = None
    claim_dc: bool = True
    rate_override: float | None = None


#: ITC tiers by name. Rates for a utility-scale project (>= 1 MW) with BOC before 2034.
ITC_TIERS: dict[str, ItcTier] = {
    t.name: t
    for t in (
        ItcTier("deal", "the deal's [itc] section; DC bonus claimed if the option earns it"),
        ItcTier("none", "no ITC (rate fixed at 0)", rate_override=0.0),
        ItcTier("base", "6% base tier: no PWA, no energy community, no DC bonus",
                pwa=False, energy_community=False, claim_dc=False),
        ItcTier("base+dc", "6% base tier + 2 pp DC bonus if earned",
                pwa=False, energy_community=False, claim_dc=True),
        ItcTier("pwa", "30% PWA tier, no energy community, no DC bonus",
                pwa=True, energy_community=False, claim_dc=False),
        ItcTier("pwa+ec", "30% PWA tier + 10 pp energy community",
                pwa=True, energy_community=True, claim_dc=False),
        ItcTier("pwa+dc", "30% PWA tier + 10 pp DC bonus if earned",
                pwa=True, energy_community=False, claim_dc=True),
        ItcTier("pwa+ec+dc", "30% PWA tier + 10 pp energy community + 10 pp DC if earned",
                pwa=True, energy_community=True, claim_dc=True),
    )
}


@dataclasses.dataclass(frozen=True)
class Metric:
    """A comparison metric: its label, unit, whether higher is better, and whether it needs a
    pro forma (a lifetime dispatch)."""

    name: str
    label: str
    unit: str
    higher_is_better: bool
    needs_dispatch: bool


def _catalogued(name: str, needs_dispatch: bool) -> Metric:
    """A comparison metric labelled as in :data:`bessfin.finance.METRIC_CATALOGUE`."""
    spec = catalogue_metric(name)
    unit = "-" if spec.unit == "fraction" else spec.unit
    return Metric(name, spec.label, unit, spec.direction == "higher", needs_dispatch)


#: Pro forma metrics (:class:`bessfin.finance.Metrics` fields) a comparison can use.
_PF_METRICS = (
    "project_irr_after_tax", "project_irr_pre_tax", "equity_irr_after_tax",
    "project_npv_after_tax_usd", "lcos_usd_per_mwh", "lcos_with_credits_usd_per_mwh",
)
#: Metrics accepted by the break-even solvers and :func:`parity_curves`.
METRICS: dict[str, Metric] = {
    **{n: _catalogued(n, True) for n in _PF_METRICS},
    **{n: _catalogued(n, False)
       for n in ("net_dc_block_usd_per_kwh", "dc_block_net_of_itc_usd_per_kwh")},
}


def _check_metric(metric: str, lifetime: LifetimeResult | None) -> Metric:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid metrics: {', '.join(METRICS)}")
    m = METRICS[metric]
    if m.needs_dispatch and lifetime is None:
        raise ValueError(f"metric {metric!r} needs a lifetime dispatch (pass lifetime=...)")
    return m


def _check_tier(tier: str) -> ItcTier:
    if tier not in ITC_TIERS:
        raise ValueError(f"unknown ITC tier {tier!r}; valid tiers: {', '.join(ITC_TIERS)}")
    return ITC_TIERS[tier]


def _option_name(option: OptionLike) -> str:
    return option.name if isinstance(option, CustomOption) else option


def _check_options(options: Sequence[OptionLike]) -> None:
    valid = list(list_supply_options())
    for o in options:
        if isinstance(o, str) and o not in valid:
            raise ValueError(f"unknown supply option {o!r}; valid options: {', '.join(valid)}")
    names = [_option_name(o) for o in options]
    if len(set(names)) != len(names):
        raise ValueError(f"option names must be unique, got {names}")


# --------------------------------------------------------------------------------------------
# Pricing
# --------------------------------------------------------------------------------------------


def _line_specs(
    option: OptionLike, overrides: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Line specs (toml layout) of an option with overrides merged."""
    if isinstance(option, CustomOption):
        base = [dict(ln) for ln in option.lines]
    else:
        base = supply_option_lines(option).to_dict("records")
    names = [ln["name"] for ln in base]
    unknown = set(overrides) - set(names)
    if unknown:
        raise ValueError(
            f"line_overrides for unknown lines {sorted(unknown)} of option "
            f"{_option_name(option)!r}; lines: {names}"
        )
    return [{**ln, **overrides.get(ln["name"], {})} for ln in base]


def _items(
    option: OptionLike,
    specs: list[dict[str, Any]],
    energy_kwh: float,
    overrides: Mapping[str, Mapping[str, Any]],
) -> list[EquipmentItem]:
    if isinstance(option, str):
        # supply_option merges the overrides and drops the non-EquipmentItem keys (x45, ...).
        return supply_option(option, energy_kwh, line_overrides=overrides)
    items = []
    for spec in specs:
        fields = {k: v for k, v in spec.items() if k not in (*_LINE_META, "source")}
        fields["fob_cost_usd"] = float(spec["usd_per_kwh"]) * energy_kwh
        fields["source"] = f"[{spec.get('status', 'USER')}] {spec.get('source', '')}".strip()
        items.append(EquipmentItem(**fields))
    return items


def _apply_duty_override(lc: pd.DataFrame, rate: float | None) -> pd.DataFrame:
    """Replace the duty on imported battery lines by ``rate`` x FOB (see module docstring)."""
    lc = lc.copy()
    lc["duty_override_usd"] = 0.0
    if rate is None:
        return lc
    if not (math.isfinite(rate) and rate >= 0):
        raise ValueError(f"import_duty_rate must be a fraction >= 0, got {rate!r}")
    mask = (lc["item"] == "battery") & (lc["origin"] != "us")
    layer_cols = [f"duty_{k}_usd" for k in LAYERS]
    lc.loc[mask, layer_cols] = 0.0
    lc.loc[mask, "duty_rate"] = rate
    lc.loc[mask, "duty_override_usd"] = rate * lc.loc[mask, "fob_usd"]
    lc["duty_total_usd"] = lc[layer_cols].sum(axis=1) + lc["duty_override_usd"]
    lc["landed_usd"] = lc["fob_usd"] + lc["freight_usd"] + lc["duty_total_usd"]
    return lc


def price_option(
    option: OptionLike,
    energy_kwh: float,
    on_date: date | str,
    boc_date: date | str,
    *,
    scenario: str | Scenario = "current-law",
    import_duty_rate: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    steel_iron_us: bool = True,
    pass_through_45x: float = 0.0,
    sale_year: int | None = None,
) -> SupplyOutcome:
    """Price the DC block of a supply option and run its sourcing tests.

    Parameters
    ----------
    option : str or CustomOption
        A shipped option (:func:`bessfin.supply.list_supply_options`) or a custom one.
    energy_kwh : float
        DC block energy [kWh].
    on_date : date or str
        Date of entry for duties.
    boc_date : date or str
        Beginning of construction (DC and MACR thresholds).
    scenario : str or Scenario
        Tariff scenario for all duties not replaced by ``import_duty_rate``.
    import_duty_rate : float, optional
        Total ad-valorem duty [fraction of FOB] that replaces the scenario's duty on imported
        battery lines (see module docstring). ``None`` keeps the scenario's duty.
    line_overrides : mapping, optional
        ``{line name: {field: value}}``, e.g. ``{"cells (US, non-PFE)": {"usd_per_kwh": 80}}``;
        may also change ``x45``.
    steel_iron_us : bool
        All structural steel/iron US-made (DC requirement).
    pass_through_45x : float
        Share of the US maker's 45X credit in the price [fraction].
    sale_year : int, optional
        45X sale year; default ``on_date``'s year.

    Returns
    -------
    SupplyOutcome
        ``summary`` has the columns of :func:`bessfin.supply.compare_supply_options` (``*_usd``
        [$], ``*_per_kwh`` [$/kWh], ``dc_adjusted_pct``, ``dc_passes``, ``macr``,
        ``macr_passes``) plus ``dc_threshold``, ``macr_threshold``, ``imported_battery_fob_usd``,
        ``duty_rate_imported`` (duty / FOB of imported battery lines [fraction], NaN if none),
        ``duty_overridden`` and ``sourcing_reasons``; ``landed`` the per-line landed cost with a
        ``duty_override_usd`` column.
    """
    if energy_kwh <= 0:
        raise ValueError(f"energy_kwh must be > 0, got {energy_kwh!r}")
    if not 0.0 <= pass_through_45x <= 1.0:
        raise ValueError(f"pass_through_45x must be a fraction in [0, 1], got {pass_through_45x}")
    overrides = dict(line_overrides or {})
    specs = _line_specs(option, overrides)
    items = _items(option, specs, energy_kwh, overrides)
    lc = _apply_duty_override(landed_cost(items, on_date, scenario), import_duty_rate)
    year = to_date(on_date).year if sale_year is None else int(sale_year)
    effect = sum(
        price_effect_45x(year, spec["x45"], pass_through_45x) * energy_kwh
        for spec in specs if spec.get("x45")
    )
    src = assess_sourcing(items, boc_date, steel_iron_us)
    imported = (lc["item"] == "battery") & (lc["origin"] != "us")
    imp_fob = float(lc.loc[imported, "fob_usd"].sum())
    imp_duty = float(lc.loc[imported, "duty_total_usd"].sum())
    rec = cost_record(lc, effect, src, energy_kwh)
    rec.update(
        imported_battery_fob_usd=imp_fob,
        duty_rate_imported=imp_duty / imp_fob if imp_fob > 0 else float("nan"),
        duty_overridden=import_duty_rate is not None and bool(imported.any()),
        sourcing_reasons="; ".join(src.reasons),
    )
    name = _option_name(option)
    return SupplyOutcome(option=name, summary=pd.Series(rec, name=name, dtype=object), landed=lc)


@dataclasses.dataclass(frozen=True)
class _Context:
    """Deal-level settings shared by every option: dates, scenario, 45X, steel."""

    energy_kwh: float
    on_date: date
    boc_date: date
    scenario: Scenario
    steel_iron_us: bool
    pass_through_45x: float

    @classmethod
    def of(
        cls,
        deal: Deal,
        tariff_scenario: str | Scenario | None,
        on_date: date | str | None,
        pass_through_45x: float | None,
    ) -> _Context:
        s = deal.supply
        sc = tariff_scenario if tariff_scenario is not None else (
            s.tariff_scenario if s is not None else "current-law")
        when = on_date if on_date is not None else (
            s.import_date if s is not None and s.import_date is not None else deal.project.boc_date)
        return cls(
            energy_kwh=deal.battery.energy_mwh * 1000.0,
            on_date=to_date(when),
            boc_date=deal.project.boc_date,
            scenario=sc if isinstance(sc, Scenario) else get_scenario(sc),
            steel_iron_us=True if s is None else s.steel_iron_us,
            pass_through_45x=(s.pass_through_45x if s is not None else 0.0)
            if pass_through_45x is None else pass_through_45x,
        )

    def price(
        self,
        option: OptionLike,
        import_duty_rate: float | None = None,
        line_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> SupplyOutcome:
        return price_option(
            option, self.energy_kwh, self.on_date, self.boc_date, scenario=self.scenario,
            import_duty_rate=import_duty_rate, line_overrides=line_overrides,
            steel_iron_us=self.steel_iron_us, pass_through_45x=self.pass_through_45x,
        )


# --------------------------------------------------------------------------------------------
# Valuation
# --------------------------------------------------------------------------------------------


def _itc_inputs(deal: Deal, supply: SupplyOutcome, tier: ItcTier, steel_iron_us: bool) -> ItcInputs:
    """The deal's ITC section with the option's DC % and MACR and the tier's settings."""
    s = supply.summary
    update: dict[str, Any] = {
        "dc_adjusted_pct": float(s["dc_adjusted_pct"]) if tier.claim_dc else None,
        "macr": float(s["macr"]),
        "dc_steel_iron_us": steel_iron_us,
    }
    if tier.pwa is not None:
        update["pwa"] = tier.pwa
    if tier.energy_community is not None:
        update["energy_community"] = tier.energy_community
    if tier.rate_override is not None:
        update["rate_override"] = tier.rate_override
    return deal.itc.model_copy(update=update)


def _itc_outcome(itc: ItcInputs, power_mw: float) -> ItcOutcome:
    """ITC outcome as the pro forma computes it (rate override or §48E rules)."""
    if itc.rate_override is not None:
        return ItcOutcome(
            rate=itc.rate_override, tier="override", tier_rate=itc.rate_override, ec_adder=0.0,
            dc_adder=0.0, phase_down=1.0, dc_threshold=float("nan"), macr_threshold=None,
            reasons=(f"rate override {itc.rate_override:.2%} (§48E rules not applied)",),
        )
    assert itc.boc_date is not None
    return itc_rate(
        itc.boc_date, power_mw, itc.pwa, itc.energy_community, itc.dc_adjusted_pct, itc.macr,
        dc_steel_iron_us=itc.dc_steel_iron_us,
        prohibited_foreign_entity_taxpayer=itc.prohibited_foreign_entity_taxpayer,
        policy=itc.policy,
    )


def _deal_for(deal: Deal, option: str) -> Deal:
    """The deal with a ``[supply]`` section naming ``option`` (finance_inputs reads it)."""
    supply = deal.supply if deal.supply is not None else SupplySection(option=option)
    return deal.model_copy(update={"supply": supply.model_copy(update={"option": option})})


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
        Its lifetime dispatch (from :func:`bessfin.chain.dispatch_deal`).
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
    steel = True if deal.supply is None else deal.supply.steel_iron_us
    inputs = finance_inputs(_deal_for(deal, supply.option), lifetime, supply)
    inputs = inputs.model_copy(update={"itc": _itc_inputs(deal, supply, tier, steel)})
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
        steel = ctx.steel_iron_us
        itc = _itc_outcome(_itc_inputs(deal, supply, tier, steel), deal.battery.power_mw)
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
    unknown = set(overrides) - {_option_name(o) for o in opts}
    if unknown:
        raise ValueError(f"line_overrides for options not compared: {sorted(unknown)}")
    revenue = lifetime.revenue_table() if lifetime is not None else None
    rows = []
    for o in opts:
        supply = ctx.price(o, import_duty_rate, overrides.get(_option_name(o)))
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
        steel = True if deal.supply is None else deal.supply.steel_iron_us
        rate = _itc_outcome(_itc_inputs(deal, supply, tier, steel), deal.battery.power_mw).rate
        return net * (1.0 - rate)
    assert lifetime is not None
    pf = value_option(deal, lifetime, supply, itc_tier, revenue=revenue)
    return float(getattr(pf.metrics, metric))


# --------------------------------------------------------------------------------------------
# Break-even
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BreakEven:
    """Result of a break-even search.

    Attributes
    ----------
    variable : str
        ``"import_duty_rate"`` [fraction of FOB] or ``"cell_price_usd_per_kwh"`` [$/kWh].
    metric : str
        Metric made equal (:data:`METRICS`).
    itc_tier : str
        ITC tier of both options.
    import_option, domestic_option : str
        The two options.
    value : float or None
        Solved variable; ``None`` when there is no break-even in ``bracket``.
    bracket : tuple of float
        Search interval of the variable.
    import_metric, domestic_metric : float or None
        The two metrics at ``value``.
    ends : tuple
        ``((variable, import metric, domestic metric), ...)`` at both bracket ends.
    found : bool
        A break-even was found with both metrics equal.
    message : str
        One line: the break-even, or why there is none.
    """

    variable: str
    metric: str
    itc_tier: str
    import_option: str
    domestic_option: str
    value: float | None
    bracket: tuple[float, float]
    import_metric: float | None
    domestic_metric: float | None
    ends: tuple[tuple[float, float, float], ...]
    found: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (NaN -> None)."""
        def clean(x: Any) -> Any:
            if isinstance(x, float):
                return x if math.isfinite(x) else None
            if isinstance(x, tuple | list):
                return [clean(v) for v in x]
            return x
        return {k: clean(v) for k, v in dataclasses.asdict(self).items()}


def _fmt(metric: str, x: float) -> str:
    unit = METRICS[metric].unit
    if not math.isfinite(x):
        return "NaN"
    if unit == "-":
        return f"{x:.4%}"
    if unit == "$":
        return f"${x:,.0f}"
    return f"{x:.4f} {unit}"


def _fmt_var(variable: str, x: float) -> str:
    return f"{x:.4%}" if variable == "import_duty_rate" else f"{x:.4f} $/kWh"


def _fmt_bound(variable: str, x: float) -> str:
    return f"{x:.4g}" if variable != "import_duty_rate" else f"{x * 100:.4g}%"


def _solve(
    f_import: Callable[[float], float],
    f_domestic: Callable[[float], float],
    lo: float,
    hi: float,
    *,
    variable: str,
    metric: str,
    itc_tier: str,
    import_option: str,
    domestic_option: str,
    xtol: float,
) -> BreakEven:
    """Bracket ``f_import - f_domestic`` on [lo, hi] and solve with brentq."""
    ends = tuple((x, f_import(x), f_domestic(x)) for x in (lo, hi))
    common = dict(variable=variable, metric=metric, itc_tier=itc_tier,
                  import_option=import_option, domestic_option=domestic_option,
                  bracket=(lo, hi), ends=ends)
    label = METRICS[metric].label
    if any(not math.isfinite(v) for _, a, b in ends for v in (a, b)):
        bad = "; ".join(f"at {_fmt_var(variable, x)}: {import_option} {_fmt(metric, a)}, "
                        f"{domestic_option} {_fmt(metric, b)}" for x, a, b in ends)
        return BreakEven(value=None, import_metric=None, domestic_metric=None, found=False,
                         message=f"{label} is undefined at a bracket end ({bad}): no break-even "
                         "search", **common)
    d_lo, d_hi = (a - b for _, a, b in ends)
    if d_lo == 0.0 or d_hi == 0.0:
        x = lo if d_lo == 0.0 else hi
        a, b = ends[0 if d_lo == 0.0 else 1][1:]
        return BreakEven(value=x, import_metric=a, domestic_metric=b, found=True,
                         message=f"{label} equal at {variable} = {_fmt_var(variable, x)} "
                         f"({_fmt(metric, a)})", **common)
    if d_lo * d_hi > 0:
        higher = METRICS[metric].higher_is_better
        import_better = (d_lo > 0) == higher
        winner = import_option if import_better else domestic_option
        return BreakEven(
            value=None, import_metric=None, domestic_metric=None, found=False,
            message=(f"no break-even in [{_fmt_bound(variable, lo)}, {_fmt_bound(variable, hi)}]: "
                     f"{winner} has the better {label} throughout ({import_option} "
                     f"{_fmt(metric, ends[0][1])} vs {domestic_option} {_fmt(metric, ends[0][2])} "
                     f"at {_fmt_var(variable, lo)}; {_fmt(metric, ends[1][1])} vs "
                     f"{_fmt(metric, ends[1][2])} at {_fmt_var(variable, hi)})"),
            **common)
    x = float(brentq(lambda v: f_import(v) - f_domestic(v), lo, hi, xtol=xtol, rtol=1e-15,
                     maxiter=200))
    a, b = f_import(x), f_domestic(x)
    scale = max(1.0, abs(a), abs(b))
    unit = METRICS[metric].unit
    tol = 1e-7 if unit == "-" else 1e-6 * scale
    if abs(a - b) > tol:
        return BreakEven(
            value=x, import_metric=a, domestic_metric=b, found=False,
            message=(f"{label} jumps at {variable} = {_fmt_var(variable, x)} ({import_option} "
                     f"{_fmt(metric, a)} vs {domestic_option} {_fmt(metric, b)}): the ranking "
                     "flips there without the metrics being equal (an ITC / MACR / DC threshold "
                     "is crossed)"),
            **common)
    return BreakEven(value=x, import_metric=a, domestic_metric=b, found=True,
                     message=f"{label} equal at {variable} = {_fmt_var(variable, x)} "
                     f"({_fmt(metric, a)})", **common)


def breakeven_tariff(
    deal: Deal,
    lifetime: LifetimeResult | None,
    import_option: OptionLike,
    domestic_option: OptionLike,
    *,
    metric: str = "project_irr_after_tax",
    itc_tier: str = "deal",
    max_rate: float = 2.0,
    tariff_scenario: str | Scenario | None = None,
    on_date: date | str | None = None,
    pass_through_45x: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    xtol: float = 1e-12,
) -> BreakEven:
    """Total import duty rate on the import option at which ``metric`` equals the domestic one's.

    The rate replaces the scenario's duty on the import option's imported battery lines
    (module docstring); the domestic option keeps the scenario's duties. The metric difference is
    bracketed on ``[0, max_rate]`` and solved with ``scipy.optimize.brentq``.

    Parameters
    ----------
    deal, lifetime
        As in :func:`compare_options` (``lifetime`` may be None for the $/kWh metrics).
    import_option, domestic_option : str or CustomOption
        The two options.
    metric : str
        One of :data:`METRICS`.
    itc_tier : str
        ITC tier applied to both options.
    max_rate : float
        Upper end of the search [fraction of FOB].
    tariff_scenario, on_date, pass_through_45x, line_overrides
        As in :func:`compare_options`.
    xtol : float
        Absolute tolerance on the rate [fraction].

    Returns
    -------
    BreakEven
        ``value`` the rate [fraction], or None with ``message`` "no break-even in [0, X]: ...".
    """
    _check_metric(metric, lifetime)
    _check_tier(itc_tier)
    _check_options([import_option, domestic_option])
    if not max_rate > 0:
        raise ValueError(f"max_rate must be > 0, got {max_rate}")
    ctx = _Context.of(deal, tariff_scenario, on_date, pass_through_45x)
    ov = dict(line_overrides or {})
    imp, dom = _option_name(import_option), _option_name(domestic_option)
    probe = ctx.price(import_option, 0.0, ov.get(imp))
    if not probe.summary["duty_overridden"]:
        raise ValueError(f"import option {imp!r} has no imported battery line: the duty rate "
                         "does not change it")
    revenue = lifetime.revenue_table() if lifetime is not None else None
    dom_supply = ctx.price(domestic_option, None, ov.get(dom))
    dom_value = metric_value(deal, lifetime, dom_supply, metric, itc_tier, revenue=revenue)

    def f_imp(rate: float) -> float:
        s = ctx.price(import_option, rate, ov.get(imp))
        return metric_value(deal, lifetime, s, metric, itc_tier, revenue=revenue)

    return _solve(f_imp, lambda _x: dom_value, 0.0, float(max_rate),
                  variable="import_duty_rate", metric=metric, itc_tier=itc_tier,
                  import_option=imp, domestic_option=dom, xtol=xtol)


def _cell_line(option: OptionLike, cell_line: str | None) -> str:
    specs = _line_specs(option, {})
    names = [s["name"] for s in specs]
    if cell_line is not None:
        if cell_line not in names:
            raise ValueError(f"cell_line {cell_line!r} is not a line of {_option_name(option)!r};"
                             f" lines: {names}")
        return cell_line
    cells = [s["name"] for s in specs if "cell" in s["name"].lower()]
    if len(cells) != 1:
        raise ValueError(f"cannot tell the cell line of {_option_name(option)!r} (lines: "
                         f"{names}); pass cell_line")
    return cells[0]


def breakeven_cell_price(
    deal: Deal,
    lifetime: LifetimeResult | None,
    import_option: OptionLike,
    domestic_option: OptionLike,
    *,
    metric: str = "project_irr_after_tax",
    itc_tier: str = "deal",
    cell_line: str | None = None,
    price_range: tuple[float, float] = (0.0, 500.0),
    import_duty_rate: float | None = None,
    tariff_scenario: str | Scenario | None = None,
    on_date: date | str | None = None,
    pass_through_45x: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    xtol: float = 1e-9,
) -> BreakEven:
    """Domestic cell price [$/kWh] at which ``metric`` equals the import option's.

    The domestic option's cell line (``cell_line``, or its only line whose name contains "cell")
    gets ``usd_per_kwh`` = the price; DC % and MACR are recomputed at each price, so an option
    whose MACR or DC result flips inside the range is reported as a jump, not a break-even.

    Parameters
    ----------
    deal, lifetime, import_option, domestic_option, metric, itc_tier
        As in :func:`breakeven_tariff`.
    cell_line : str, optional
        Name of the domestic option's cell line.
    price_range : tuple of float
        Search interval [$/kWh].
    import_duty_rate : float, optional
        Duty on the import option's imported battery lines [fraction]; None = the scenario's.
    tariff_scenario, on_date, pass_through_45x, line_overrides
        As in :func:`compare_options`.
    xtol : float
        Absolute tolerance on the price [$/kWh].

    Returns
    -------
    BreakEven
        ``variable="cell_price_usd_per_kwh"``; ``import_option`` / ``domestic_option`` as given
        (the "import" side is the option held fixed).
    """
    _check_metric(metric, lifetime)
    _check_tier(itc_tier)
    _check_options([import_option, domestic_option])
    lo, hi = map(float, price_range)
    if not 0 <= lo < hi:
        raise ValueError(f"price_range must be (low, high) with 0 <= low < high, got {price_range}")
    ctx = _Context.of(deal, tariff_scenario, on_date, pass_through_45x)
    ov = dict(line_overrides or {})
    imp, dom = _option_name(import_option), _option_name(domestic_option)
    line = _cell_line(domestic_option, cell_line)
    revenue = lifetime.revenue_table() if lifetime is not None else None
    imp_value = metric_value(deal, lifetime, ctx.price(import_option, import_duty_rate,
                                                       ov.get(imp)), metric, itc_tier,
                             revenue=revenue)
    base = {k: dict(v) for k, v in (ov.get(dom) or {}).items()}

    def f_dom(price: float) -> float:
        o = {**base, line: {**base.get(line, {}), "usd_per_kwh": price}}
        s = ctx.price(domestic_option, None, o)
        return metric_value(deal, lifetime, s, metric, itc_tier, revenue=revenue)

    return _solve(lambda _x: imp_value, f_dom, lo, hi, variable="cell_price_usd_per_kwh",
                  metric=metric, itc_tier=itc_tier, import_option=imp, domestic_option=dom,
                  xtol=xtol)


# --------------------------------------------------------------------------------------------
# Curves and plot
# --------------------------------------------------------------------------------------------


#: Default duty-rate grid of :func:`parity_curves`: 0 to 100 % in 5 pp steps [fraction].
DEFAULT_RATES: tuple[float, ...] = tuple(round(0.05 * i, 10) for i in range(21))


def parity_curves(
    deal: Deal,
    lifetime: LifetimeResult | None,
    options: Sequence[OptionLike] | None = None,
    *,
    rates: Sequence[float] | np.ndarray = DEFAULT_RATES,
    metric: str = "project_irr_after_tax",
    itc_tiers: Sequence[str] = ("deal",),
    tariff_scenario: str | Scenario | None = None,
    on_date: date | str | None = None,
    pass_through_45x: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> pd.DataFrame:
    """Metric against the import duty rate, for each option and ITC tier.

    Every option's imported battery lines get the rate (options without any are flat lines), so
    the crossing of an import option's curve with a fully domestic option's is
    :func:`breakeven_tariff`.

    Returns
    -------
    pandas.DataFrame
        Long format: ``itc_tier``, ``option``, ``import_duty_rate`` [fraction], ``<metric>``.
    """
    _check_metric(metric, lifetime)
    opts = list(options) if options is not None else list(list_supply_options())
    _check_options(opts)
    for t in itc_tiers:
        _check_tier(t)
    grid = [float(r) for r in rates]
    if not grid or any(not (math.isfinite(r) and r >= 0) for r in grid):
        raise ValueError(f"rates must be fractions >= 0, got {grid}")
    ctx = _Context.of(deal, tariff_scenario, on_date, pass_through_45x)
    ov = dict(line_overrides or {})
    revenue = lifetime.revenue_table() if lifetime is not None else None
    recs = []
    for o in opts:
        name = _option_name(o)
        flat = not ctx.price(o, 0.0, ov.get(name)).summary["duty_overridden"]
        for tier in itc_tiers:
            cached: float | None = None
            for r in grid:
                if cached is None or not flat:
                    s = ctx.price(o, r, ov.get(name))
                    cached = metric_value(deal, lifetime, s, metric, tier, revenue=revenue)
                recs.append({"itc_tier": tier, "option": name, "import_duty_rate": r,
                             metric: cached})
    return pd.DataFrame(recs)


def plot_parity_curves(
    curves: pd.DataFrame,
    path: str | Path,
    *,
    marks: Mapping[str, float] | None = None,
    breakevens: Sequence[BreakEven] = (),
    title: str | None = None,
) -> Path:
    """Plot :func:`parity_curves` output (one panel per ITC tier) to a PNG / SVG / PDF file.

    Parameters
    ----------
    curves : DataFrame
        From :func:`parity_curves`.
    path : str or Path
        Output file; the suffix picks the format.
    marks : mapping, optional
        ``{label: rate}`` vertical reference lines, e.g. ``{"Jan 2026 (48.4%)": 0.484}``.
    breakevens : sequence of BreakEven
        Break-even tariffs to mark (those of a panel's tier with a value).
    title : str, optional
        Figure title.

    Returns
    -------
    Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"plot file must end in .png, .svg or .pdf, got {path.name!r}")
    metric = [c for c in curves.columns if c not in ("itc_tier", "option", "import_duty_rate")]
    if len(metric) != 1 or metric[0] not in METRICS:
        raise ValueError(f"curves must come from parity_curves, got columns {list(curves.columns)}")
    m = METRICS[metric[0]]
    tiers = list(dict.fromkeys(curves["itc_tier"]))
    fig, axes = plt.subplots(1, len(tiers), figsize=(5.0 * len(tiers), 4.0), squeeze=False,
                             sharey=True)
    scale = 100.0 if m.unit == "-" else 1.0
    for ax, tier in zip(axes[0], tiers, strict=True):
        sub = curves[curves["itc_tier"] == tier]
        for opt, g in sub.groupby("option", sort=False):
            ax.plot(g["import_duty_rate"] * 100, g[m.name] * scale, label=str(opt))
        for label, rate in (marks or {}).items():
            ax.axvline(rate * 100, color="grey", ls=":", lw=1)
            ax.annotate(label, (rate * 100, 0.02), xycoords=("data", "axes fraction"),
                        rotation=90, fontsize=7, color="grey")
        for be in breakevens:
            if be.itc_tier == tier and be.found and be.variable == "import_duty_rate":
                ax.plot([be.value * 100], [be.import_metric * scale], "ko", ms=4)
        ax.set_title(f"ITC tier: {tier}")
        ax.set_xlabel("total duty on imported battery lines [%]")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"{m.label} [{'%' if m.unit == '-' else m.unit}]")
    axes[0][0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
