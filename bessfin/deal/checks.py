"""Lender checks: the deal's bankability tests evaluated on its pro forma, with reasons."""

from __future__ import annotations

import dataclasses

import numpy as np

from bessfin.deal.schema import Deal
from bessfin.dispatch import LifetimeResult
from bessfin.finance import FinanceInputs, ProForma, build_pro_forma
from bessfin.finance import lines as L

__all__ = ["Check", "lender_checks"]


@dataclasses.dataclass(frozen=True)
class Check:
    """One bankability test."""

    name: str
    passed: bool
    value: float
    threshold: float
    reason: str


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
