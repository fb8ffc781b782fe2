"""A deal from end to end: prices -> supply -> lifetime dispatch -> pro forma -> lender checks.

Each step is a function of the previous step's output, so parity and sensitivity studies can
re-run only what changes (e.g. the pro forma for a new capex) on a cached dispatch.
"""

from __future__ import annotations

import dataclasses
import html
import os
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.deal.checks import Check, Verdict, investment_verdict, lender_checks, lender_verdict
from bessfin.deal.inputs import finance_inputs, itc_contradictions, itc_flags, resolve_supply
from bessfin.deal.ladder import Ladder, as_haircut, region_summed_as, revenue_ladder
from bessfin.deal.own_prices import read_gridstatus_export
from bessfin.deal.schema import Deal
from bessfin.dispatch import (
    DA_ONLY,
    LifetimeResult,
    RealTimeSettlement,
    TwoSettlementResult,
    YearSettlement,
    lifetime_dispatch,
    two_settlement,
)
from bessfin.finance import METRIC_SPECS, FinanceInputs, ProForma, build_pro_forma
from bessfin.finance import lines as L
from bessfin.io import (
    PriceData,
    load_prices,
    read_prices,
    split_years,
)
from bessfin.supply import SupplyOutcome

__all__ = ["DealResult", "attach_ladder", "deal_settlement", "dispatch_deal",
           "load_deal_forecasts", "load_deal_rt_prices", "load_deal_prices", "run_deal",
           "two_settle_deal", "value_deal"]


@dataclasses.dataclass(repr=False)
class DealResult:
    """Everything a deal run produced."""

    deal: Deal
    lifetime: LifetimeResult
    pro_forma: ProForma
    supply: SupplyOutcome | None
    checks: list[Check]
    #: revenue ladder (ceiling -> capped -> base), when computed (:func:`attach_ladder`)
    ladder: Ladder | None = None
    #: ``settlement = "da+rt"``: the year-1 two-settlement of each year-1 price year (DA-only
    #: and DA+RT; every operating year is two-settled in ``lifetime``), else ``None``
    settlement: dict[int, TwoSettlementResult] | None = None

    @property
    def investment(self) -> Verdict:
        """The investment view: project NPV >= 0 and equity IRR >= hurdle."""
        return investment_verdict(self.deal, self.pro_forma)

    @property
    def lender(self) -> Verdict:
        """The lender view: pass / fail / not assessed (no ``[lender]`` criteria)."""
        return lender_verdict(self.deal, self.pro_forma, self.checks)

    @property
    def passed(self) -> bool:
        """The lender view passed (False when it failed or was not assessed)."""
        return self.lender.status == "pass"

    @property
    def lender_failed(self) -> bool:
        """An assessed lender check failed (the CLI's exit code 1)."""
        return self.lender.status == "fail"

    def input_notes(self) -> list[str]:
        """Lines every output prints next to the metrics: part years annualised, the MACR
        test not assessed, an [itc] override (empty when there is nothing to say)."""
        out = [f"price year {y} annualised: {c.describe()}; revenue and throughput x "
               f"{c.factor:.4g} (hours_in_year / hours_used)"
               for y, c in self.lifetime.annualised.items()]
        flags = itc_flags(self.deal, self.supply)
        if flags["macr_status"] == "not assessed":
            out.append("ITC: MACR test applies (BOC after 2025-12-31) but not assessed (no "
                       "[supply], no [itc] macr): the ITC rate assumes it passes")
        if flags["itc_override"] is not None:
            o = flags["itc_override"]
            out.append(f"ITC override: {o['reason']}"
                       + (f" ({'; '.join(o['differences'])})" if o["differences"] else ""))
        return out

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
            **itc_flags(d, self.supply),
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
            "verdicts": {"investment": self.investment.as_dict(),
                         "lender": self.lender.as_dict()},
            "investment_verdict": self.investment.status,
            "lender_verdict": self.lender.status,
            "hurdle_rate": d.finance.hurdle_rate,
            "discount_rate": d.finance.discount_rate,
            "irr_notes": dict(m.irr_notes),
            "debt_sizing": None if self.pro_forma.debt is None else {
                "binding": self.pro_forma.debt.binding,
                "dscr_sized_usd": num(self.pro_forma.debt.dscr_sized_amount),
                "gearing_cap_usd": num(self.pro_forma.debt.gearing_cap),
                "notes": list(self.pro_forma.debt.notes)},
            "checks": [dataclasses.asdict(c) for c in self.checks],
            "passed": self.passed,
            "dispatch_mode": self.lifetime.mode,
            "foresight": d.market.foresight,
            "horizon": self.lifetime.first_year.horizon.label,
            "price_source": d.market.price_source(),
            "price_path": self.lifetime.combine,
            "settlement": self.settlement_summary(),
            "price_year_coverage": [c.as_dict() for c in self.lifetime.coverage.values()],
            "annualised_price_years": sorted(self.lifetime.annualised),
            "input_notes": self.input_notes(),
            **self._ladder_dict(),
        }

    def _ladder_dict(self) -> dict:
        out: dict = {}
        if self.ladder is not None:
            out["revenue_ladder"] = self.ladder.to_dict()
        if region_summed_as(self.deal):
            out["as_prices_upper_bound"] = {
                "reason": "shipped CAISO AS prices are sums over the six AS regions "
                "(market_data/SOURCES.md); a resource is paid only its regions' prices",
                "revenue_at_lower_as_prices": as_haircut(self.lifetime,
                                                         self.deal.battery.power_mw)}
        return out

    def settlement_summary(self) -> dict:
        """DA-only and DA+RT year-1 revenue (nameplate capacity, year-1 prices) by price year
        and their mean [$/kW-yr]; the life figures are on the revenue ladder."""
        if not self.settlement:
            return {"settlement": "da"}
        years = {y: r.summary_dict() for y, r in sorted(self.settlement.items())}
        keys = ("da_only_usd_per_kw_year", "da_rt_usd_per_kw_year", "rt_uplift_usd_per_kw_year")
        mean = {k: round(float(np.mean([v[k] for v in years.values()])), 3) for k in keys}
        da_only = float(np.mean([r.da_only_revenue for r in self.settlement.values()]))
        uplift = float(np.mean([r.rt_uplift for r in self.settlement.values()]))
        return {"settlement": "da+rt", "rt_foresight": self.deal.market.rt_foresight,
                **mean, "rt_uplift_pct": None if da_only <= 0 else round(
                    100.0 * uplift / da_only, 2),
                "by_price_year": years,
                "pro_forma_revenue": "DA+RT: every operating year two-settled (docs/lifetime.md)"}

    @property
    def finance_inputs(self) -> FinanceInputs:
        return self.pro_forma.inputs

    # -- the notebook face: tidy frames named as the JSON, CSV, Excel and report -------

    @property
    def annual(self) -> pd.DataFrame:
        """The pro forma as a tidy frame: index ``year`` (0 = COD), one column per line in
        catalogue order, snake-case with its unit (``revenue_merchant_energy_usd``,
        ``cfads_usd``, ``discharged_mwh``, ``dscr``; see
        :func:`bessfin.finance.lines.column_name`)."""
        return L.tidy_lines(self.pro_forma.annual)

    @property
    def metrics(self) -> pd.Series:
        """Headline metrics named and ordered as the metric catalogue
        (:data:`bessfin.finance.METRIC_SPECS`); fractions as fractions, money in $."""
        s = self.summary_dict()
        m = self.pro_forma.metrics
        out = {}
        for spec in METRIC_SPECS:  # unrounded where the pro forma has it, else the summary's
            if hasattr(m, spec.name) or spec.name in s:
                v = getattr(m, spec.name) if hasattr(m, spec.name) else s[spec.name]
                out[spec.name] = np.nan if v is None else float(v)
        return pd.Series(out, name=self.deal.name, dtype=float)

    def _headline(self) -> list[tuple[str, str]]:
        from bessfin.finance import metric as spec_of

        def fmt(name: str) -> str:
            v = self.metrics.get(name, np.nan)
            unit = spec_of(name).unit
            if not np.isfinite(v):
                return "n/a"
            if unit == "fraction":
                return f"{100 * v:.2f} %"
            if unit == "$":
                return f"${v / 1e6:,.2f}M"
            return f"{v:,.2f}" + ("x" if unit == "x" else f" {unit}")

        names = ("equity_irr_after_tax", "project_irr_after_tax", "project_npv_after_tax_usd",
                 "min_dscr", "capex_usd", "year1_merchant_usd_per_kw_yr")
        return [(spec_of(n).label, fmt(n)) for n in names]

    def __repr__(self) -> str:
        d = self.deal
        head = ", ".join(f"{k} {v}" for k, v in self._headline()[:4])
        checks = "no lender checks" if not self.checks else (
            "checks pass" if self.passed else
            f"FAIL: {', '.join(c.name for c in self.checks if not c.passed)}")
        text = (f"DealResult({d.name!r}, {d.market.iso.upper()} {d.market.node}, "
                f"{d.battery.power_mw:g} MW / {d.battery.energy_mwh:g} MWh, "
                f"{d.project.life_years} yr, {self.lifetime.mode} dispatch: {head}; {checks})")
        return text if len(text) < 400 else text[:396] + "...)"

    def _repr_html_(self) -> str:
        d = self.deal
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:right'>{html.escape(v)}</td></tr>"
                       for k, v in self._headline())
        rows += "".join(
            f"<tr><th style='text-align:left'>{html.escape(c.name)}</th><td>"
            f"{'pass' if c.passed else '<b>FAIL</b>'}: {html.escape(c.reason)}</td></tr>"
            for c in self.checks)
        title = (f"{d.name}: {d.market.iso.upper()} {d.market.node}, {d.battery.power_mw:g} MW"
                 f" / {d.battery.energy_mwh:g} MWh, {d.project.life_years} yr, "
                 f"{self.lifetime.mode} dispatch")
        return (f"<table><caption style='text-align:left'><b>{html.escape(title)}</b>"
                f"</caption>{rows}</table><p><small>result.metrics, result.annual (pro forma "
                "by year), result.summary_dict()</small></p>")


def _read_own(path: str, deal: Deal, as_paths: tuple[str, ...] | None = None,
              fmt: str = "bessfin") -> PriceData:
    """A price file of the deal (its own prices or its forecast), validated like prices."""
    m = deal.market
    if fmt == "gridstatus":
        return read_gridstatus_export(path, m, as_paths or ())
    return read_prices(path, m.iso, m.node, on_missing=m.on_missing,
                       price_column=m.price_column)


def load_deal_prices(deal: Deal) -> dict[int, PriceData]:
    """Validated prices for each historical year of the deal's price path: its own price file
    when it names one, else the shipped data."""
    m = deal.market
    if m.price_file is not None:
        data = _read_own(m.price_file, deal, m.as_price_files, m.price_format)
        return split_years(data, m.price_years, partial=m.on_missing == "drop-days")
    return {
        y: load_prices(m.iso, y, m.node, market=m.market, on_missing=m.on_missing)
        for y in sorted(set(m.price_years))
    }


def load_deal_forecasts(
    deal: Deal, prices: dict[int, PriceData]
) -> dict[int, pd.DataFrame] | None:
    """The deal's forecast file by price year (``foresight = "file"``), else ``None``.

    The file is validated like prices; it must carry every price column and hour of the
    prices it forecasts."""
    m = deal.market
    if m.forecast_file is None:
        return None
    data = _read_own(m.forecast_file, deal)
    out = {}
    for y, actual in prices.items():
        missing = [c for c in actual.frame.columns if c not in data.frame.columns]
        if missing:
            raise ValueError(f"{m.forecast_file}: forecast lacks price columns {missing}; "
                             "expected the columns of the prices")
        frame = data.frame.reindex(actual.frame.index)[list(actual.frame.columns)]
        gap = frame["energy"].isna().to_numpy()
        if gap.any():
            raise ValueError(f"{m.forecast_file}: no forecast for {int(gap.sum())} hour(s) of "
                             f"price year {y} (first {actual.frame.index[gap.argmax()]}); "
                             "expected every hour of the prices")
        out[y] = frame
    return out


def deal_settlement(deal: Deal) -> YearSettlement:
    """How the deal's operating years settle: day-ahead only, or day-ahead plus real-time on
    the deal's RT prices (``[market] settlement``)."""
    m = deal.market
    if m.settlement == "da":
        return DA_ONLY
    source = m.rt_price_file or f"shipped {m.iso.upper()} real-time prices ({m.node})"
    return RealTimeSettlement(load_deal_rt_prices(deal), m.rt_foresight, source=source)


def load_deal_rt_prices(deal: Deal) -> dict[int, PriceData]:
    """Real-time prices for each price year: ``rt_price_file`` or the shipped RT files."""
    m = deal.market
    if m.rt_price_file is not None:
        data = _read_own(m.rt_price_file, deal, None, m.price_format)
        return split_years(data, m.price_years, partial=m.on_missing == "drop-days")
    return {y: load_prices(m.iso, y, m.node, market="rtm", on_missing=m.on_missing)
            for y in sorted(set(m.price_years))}


def two_settle_deal(
    deal: Deal, prices: dict[int, PriceData] | None = None, threads: int | None = None
) -> dict[int, TwoSettlementResult]:
    """Year-1 two-settlement of each price year: the DA schedule decided as the deal decides
    it (foresight, horizon, products, award limits), then the RT re-dispatch."""
    m = deal.market
    prices = prices if prices is not None else load_deal_prices(deal)
    rt = load_deal_rt_prices(deal)
    forecasts = load_deal_forecasts(deal, prices)
    return {
        y: two_settlement(
            prices[y], rt[y], deal.battery, horizon=m.horizon_spec(),
            rt_foresight=m.rt_foresight,
            products=None if m.products is None else list(m.products),
            as_limits=m.as_limits_spec(),
            forecast=None if forecasts is None else forecasts[y], threads=threads)
        for y in sorted(prices)
    }


def value_deal(
    deal: Deal, lifetime: LifetimeResult, supply: SupplyOutcome | None = None
) -> tuple[ProForma, list[Check]]:
    """Pro forma and lender checks of a deal on a given lifetime dispatch (no re-dispatch)."""
    inputs = finance_inputs(deal, lifetime, supply)
    pf = build_pro_forma(inputs, lifetime.revenue_table())
    return pf, lender_checks(deal, pf, lifetime)


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def dispatch_deal(
    deal: Deal,
    *,
    prices: dict[int, PriceData] | None = None,
    mode: Literal["full", "screening"] = "full",
    cache: dict | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> LifetimeResult:
    """Dispatch every operating year of the deal; ``workers`` threads dispatch its price
    years side by side (``None``: one per available core; the numbers do not depend on
    it), or the price-year worker processes ``cache`` carries (``bessfin run``,
    :func:`bessfin.dispatch.pool.price_year_workers`)."""
    m = deal.market
    prices = prices if prices is not None else load_deal_prices(deal)
    return lifetime_dispatch(
        prices,
        deal.battery,
        life_years=deal.project.life_years,
        path=m.price_path_spec(),
        forecasts=load_deal_forecasts(deal, prices),
        degradation=deal.degradation,
        augmentation=deal.augmentation,
        horizon=m.horizon_spec(),
        products=None if m.products is None else list(m.products),
        as_limits=m.as_limits_spec(),
        threads=threads,
        progress=progress,
        mode=mode,
        cache=cache,
        partial_year=m.partial_year,
        workers=available_cores() if workers is None else workers,
        settlement=deal_settlement(deal),
    )


def run_deal(
    deal: Deal,
    *,
    prices: dict[int, PriceData] | None = None,
    mode: Literal["full", "screening"] = "full",
    cache: dict | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    ladder: bool = False,
) -> DealResult:
    """Run a deal: supply, lifetime dispatch, pro forma and lender checks; with ``ladder``
    also the revenue ladder (two screening-mode re-dispatches, docs/dispatch.md)."""
    supply = resolve_supply(deal)
    itc_contradictions(deal, supply)  # refuse before the (long) dispatch, not after
    cache = {} if cache is None else cache
    prices = prices if prices is not None else load_deal_prices(deal)
    lifetime = dispatch_deal(deal, prices=prices, mode=mode, cache=cache, threads=threads,
                             progress=progress)
    pf, checks = value_deal(deal, lifetime, supply)
    result = DealResult(deal=deal, lifetime=lifetime, pro_forma=pf, supply=supply,
                        checks=checks, settlement=lifetime.settlements or None)
    return attach_ladder(result, prices=prices, cache=cache) if ladder else result


def attach_ladder(result: DealResult, *, prices: dict[int, PriceData] | None = None,
                  cache: dict | None = None) -> DealResult:
    """Compute the deal's revenue ladder and keep it on the result (returned)."""
    result.ladder = revenue_ladder(result, prices=prices, cache=cache)
    return result
