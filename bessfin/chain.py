"""A deal from end to end: prices -> supply -> lifetime dispatch -> pro forma -> lender checks.

Each step is a function of the previous step's output, so parity and sensitivity studies can
re-run only what changes (e.g. the pro forma for a new capex) on a cached dispatch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.deal import Deal
from bessfin.finance import (
    AugmentationInputs,
    AugmentationPerKwh,
    CapexInputs,
    FinanceInputs,
    ProForma,
    apply_conventions,
    build_pro_forma,
)
from bessfin.finance import lines as L
from bessfin.io import PriceData, load_prices
from bessfin.lifetime import LifetimeResult, lifetime_dispatch
from bessfin.supply import price_supply_option


@dataclasses.dataclass(frozen=True)
class SupplyOutcome:
    """The DC block's price and the sourcing tests, from the deal's supply option.

    ``summary`` is the option's row of :func:`bessfin.supply.compare_supply_options` (landed
    cost, 45X effect, domestic-content and MACR results); ``landed`` the per-line landed cost.
    """

    option: str
    summary: pd.Series
    landed: pd.DataFrame

    @property
    def dc_block_usd_per_kwh(self) -> float:
        """Net DC block price: landed (FOB + freight + duties) less passed-through 45X [$/kWh]."""
        return float(self.summary["net_usd_per_kwh"])


@dataclasses.dataclass(frozen=True)
class Check:
    """One bankability test."""

    name: str
    passed: bool
    value: float
    threshold: float
    reason: str


@dataclasses.dataclass
class DealResult:
    """Everything a deal run produced."""

    deal: Deal
    lifetime: LifetimeResult
    pro_forma: ProForma
    supply: SupplyOutcome | None
    checks: list[Check]

    @property
    def passed(self) -> bool:
        """All lender checks pass."""
        return all(c.passed for c in self.checks)

    def summary_dict(self) -> dict:
        """Headline metrics, JSON-serialisable."""
        m = self.pro_forma.metrics
        d = self.deal
        annual = self.lifetime.annual
        revenue = self.pro_forma.line(L.REVENUE_TOTAL)

        def num(x: float | None) -> float | None:
            return None if x is None or not np.isfinite(x) else round(float(x), 6)

        return {
            "deal": d.name,
            "market": f"{d.market.iso.upper()} {d.market.node}",
            "power_mw": d.battery.power_mw,
            "energy_mwh": d.battery.energy_mwh,
            "life_years": d.project.life_years,
            "capex_usd": round(float(-self.pro_forma.line(L.CAPEX_TOTAL).iloc[0]), 2),
            "itc_rate": num(self.pro_forma.itc.rate),
            "project_irr_pre_tax": num(m.project_irr_pre_tax),
            "project_irr_after_tax": num(m.project_irr_after_tax),
            "equity_irr_after_tax": num(m.equity_irr_after_tax),
            "project_npv_after_tax_usd": num(m.project_npv_after_tax_usd),
            "min_dscr": num(m.min_dscr),
            "avg_dscr": num(m.avg_dscr),
            "llcr": num(m.llcr),
            "debt_usd": num(m.debt_usd),
            "lcos_usd_per_mwh": num(m.lcos_usd_per_mwh),
            "lcos_with_credits_usd_per_mwh": num(m.lcos_with_credits_usd_per_mwh),
            "project_payback_year": m.project_payback_year,
            "year1_revenue_usd": round(float(revenue.loc[1]), 2),
            "year1_merchant_usd_per_kw_yr": round(
                float(annual.loc[1, self.lifetime.streams].sum()) / (d.battery.power_mw * 1e3),
                3),
            "avg_cycles_per_year": round(float(annual["cycles"].mean()), 2),
            "supply_option": None if self.supply is None else self.supply.option,
            "dc_block_usd_per_kwh": round(float(self.finance_inputs.capex.dc_block_usd_per_kwh),
                                          4),
            "checks": [dataclasses.asdict(c) for c in self.checks],
            "passed": self.passed,
            "dispatch_mode": self.lifetime.mode,
        }

    @property
    def finance_inputs(self) -> FinanceInputs:
        return self.pro_forma.inputs


def load_deal_prices(deal: Deal) -> dict[int, PriceData]:
    """Validated shipped prices for each historical year of the deal's price path."""
    m = deal.market
    return {
        y: load_prices(m.iso, y, m.node, market=m.market, on_missing=m.on_missing)
        for y in sorted(set(m.price_years))
    }


def resolve_supply(deal: Deal) -> SupplyOutcome | None:
    """Price the DC block of the deal's supply option on its import date."""
    s = deal.supply
    if s is None:
        return None
    on_date = s.import_date or deal.project.boc_date
    kwh = deal.battery.energy_mwh * 1000.0
    rec, landed = price_supply_option(
        s.option, kwh, on_date, deal.project.boc_date, steel_iron_us=s.steel_iron_us,
        scenario=s.tariff_scenario, pass_through=s.pass_through_45x,
    )
    return SupplyOutcome(option=s.option, summary=pd.Series(rec, name=s.option), landed=landed)


#: Capex amounts that ``capex.multiplier`` scales (every line of the build-up).
_CAPEX_AMOUNTS = ("dc_block_usd_per_kwh", "pcs_usd_per_kw", "bos_usd_per_kwh", "epc_usd_per_kwh",
                  "interconnection_usd_per_kw", "development_usd")


def deal_capex(deal: Deal, supply: SupplyOutcome | None) -> CapexInputs:
    """The deal's capex build-up: the DC block priced by its supply option when it has one,
    every line scaled by ``capex.multiplier``."""
    capex = deal.capex.model_dump(exclude={"multiplier"})
    if supply is not None:
        capex["dc_block_usd_per_kwh"] = supply.dc_block_usd_per_kwh
    for key in _CAPEX_AMOUNTS:
        capex[key] *= deal.capex.multiplier
    return CapexInputs(**capex)


def finance_inputs(
    deal: Deal, lifetime: LifetimeResult, supply: SupplyOutcome | None
) -> FinanceInputs:
    """Assemble the pro forma's inputs: the deal's sections, the supply-priced DC block and
    its sourcing results, and the augmentation the lifetime dispatch decided."""
    itc = deal.itc
    if supply is not None:
        updates = {}
        if itc.dc_adjusted_pct is None:
            updates["dc_adjusted_pct"] = float(supply.summary["dc_adjusted_pct"])
        if itc.macr is None:
            updates["macr"] = float(supply.summary["macr"])
        updates["dc_steel_iron_us"] = deal.supply.steel_iron_us
        itc = itc.model_copy(update=updates)
    aug = deal.augmentation
    per_kwh = {
        y: AugmentationPerKwh(usd_per_kwh=aug.usd_per_kwh, energy_mwh=mwh)
        for y, mwh in lifetime.augmentation_mwh().items()
    }
    return FinanceInputs(
        power_mw=deal.battery.power_mw,
        energy_mwh=deal.battery.energy_mwh,
        capex=deal_capex(deal, supply),
        opex=deal.opex,
        itc=itc,
        tax=apply_conventions(deal.tax, deal.finance.conventions),
        debt=deal.debt,
        contracts=deal.contracts,
        augmentation=AugmentationInputs(per_kwh=per_kwh),
        discount_rate=deal.finance.discount_rate,
    )


def _downside(inputs: FinanceInputs, lifetime: LifetimeResult, factor: float) -> ProForma:
    """The same project with merchant revenue scaled by ``factor`` and no debt (for CFADS).

    The wear cost of throughput (``degradation``) is a cost, not revenue: it is not scaled."""
    revenue = lifetime.revenue_table().copy()
    earning = [s for s in lifetime.streams if s != "degradation"]
    revenue[earning] *= factor
    return build_pro_forma(inputs.model_copy(update={"debt": None}), revenue)


#: Rounding slack for threshold comparisons (a 100 % merchant share computes as 1.0000000000000002).
_TOL = 1e-9


def lender_checks(deal: Deal, pro_forma: ProForma, lifetime: LifetimeResult) -> list[Check]:
    """Evaluate the deal's lender criteria with reasons."""
    lender, m = deal.lender, pro_forma.metrics
    checks: list[Check] = []
    if lender.min_dscr is not None:
        ok = bool(np.isfinite(m.min_dscr) and m.min_dscr >= lender.min_dscr - _TOL)
        checks.append(Check(
            "min DSCR", ok, float(m.min_dscr), lender.min_dscr,
            "no debt: DSCR undefined" if not np.isfinite(m.min_dscr) else
            f"minimum DSCR {m.min_dscr:.2f}x {'>=' if ok else '<'} {lender.min_dscr:.2f}x",
        ))
    tenor = deal.debt.tenor_years if deal.debt is not None else deal.project.life_years
    years = list(range(1, tenor + 1))
    if lender.max_merchant_share is not None:
        merchant = sum(pro_forma.line(L.merchant_line(s)).loc[years].sum()
                       for s in lifetime.streams)
        total = pro_forma.line(L.REVENUE_TOTAL).loc[years].sum()
        share = float(merchant / total) if total else float("nan")
        ok = bool(share <= lender.max_merchant_share + _TOL)
        checks.append(Check(
            "merchant share", ok, share, lender.max_merchant_share,
            f"merchant revenue is {share:.0%} of revenue over years 1-{tenor} "
            f"({'<=' if ok else '>'} {lender.max_merchant_share:.0%})",
        ))
    if lender.downside_min_dscr is not None:
        no_service = pro_forma.debt is None or not (
            -pro_forma.line(L.DEBT_SERVICE).loc[years].to_numpy() > 0).any()
        if no_service:
            checks.append(Check("downside DSCR", False, float("nan"), lender.downside_min_dscr,
                                "no debt service to cover: no [debt] section, or debt sized "
                                "to $0"))
        else:
            down = _downside(pro_forma.inputs, lifetime, lender.downside_revenue_factor)
            cfads = down.line(L.CFADS).loc[years].to_numpy()
            service = -pro_forma.line(L.DEBT_SERVICE).loc[years].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                dscr = np.where(service > 0, cfads / service, np.inf)
            worst = float(dscr.min())
            ok = bool(worst >= lender.downside_min_dscr - _TOL)
            checks.append(Check(
                "downside DSCR", ok, worst, lender.downside_min_dscr,
                f"with merchant revenue at {lender.downside_revenue_factor:.0%} of base, minimum "
                f"DSCR {worst:.2f}x {'>=' if ok else '<'} {lender.downside_min_dscr:.2f}x",
            ))
    if lender.min_equity_irr is not None:
        irr = m.equity_irr_after_tax
        ok = bool(np.isfinite(irr) and irr >= lender.min_equity_irr - _TOL)
        checks.append(Check(
            "equity IRR", ok, float(irr), lender.min_equity_irr,
            f"after-tax equity IRR {irr:.1%} {'>=' if ok else '<'} {lender.min_equity_irr:.1%}",
        ))
    return checks


def value_deal(
    deal: Deal, lifetime: LifetimeResult, supply: SupplyOutcome | None = None
) -> tuple[ProForma, list[Check]]:
    """Pro forma and lender checks of a deal on a given lifetime dispatch (no re-dispatch)."""
    inputs = finance_inputs(deal, lifetime, supply)
    pf = build_pro_forma(inputs, lifetime.revenue_table())
    return pf, lender_checks(deal, pf, lifetime)


def dispatch_deal(
    deal: Deal,
    *,
    prices: dict[int, PriceData] | None = None,
    mode: Literal["full", "screening"] = "full",
    cache: dict | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LifetimeResult:
    """Dispatch every operating year of the deal."""
    m = deal.market
    return lifetime_dispatch(
        prices if prices is not None else load_deal_prices(deal),
        deal.battery,
        life_years=deal.project.life_years,
        path=m.price_path(),
        degradation=deal.degradation,
        augmentation=deal.augmentation,
        horizon=m.horizon_spec(),
        products=None if m.products is None else list(m.products),
        as_limits=m.as_limits_spec(),
        threads=threads,
        progress=progress,
        mode=mode,
        cache=cache,
    )


def run_deal(
    deal: Deal,
    *,
    prices: dict[int, PriceData] | None = None,
    mode: Literal["full", "screening"] = "full",
    cache: dict | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DealResult:
    """Run a deal: supply, lifetime dispatch, pro forma and lender checks."""
    supply = resolve_supply(deal)
    lifetime = dispatch_deal(deal, prices=prices, mode=mode, cache=cache, threads=threads,
                             progress=progress)
    pf, checks = value_deal(deal, lifetime, supply)
    return DealResult(deal=deal, lifetime=lifetime, pro_forma=pf, supply=supply, checks=checks)
