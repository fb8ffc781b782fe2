"""Lender checks and the two verdicts: the investment view and the lender view.

* **Investment view** (:func:`investment_verdict`): PASS only if the after-tax project NPV at
  the deal's discount rate is >= 0 and the after-tax equity IRR is >= the hurdle
  (``[finance] hurdle``, default the discount rate). When the equity flows have no single
  investment-type IRR (several roots, a double root, borrowing-type, none), the IRR test is
  replaced by its equivalent for conventional flows, equity NPV at the hurdle >= 0, and says so.
* **Lender view** (:func:`lender_verdict`): the ``[lender]`` checks; none set is
  "not assessed", never "pass". Checks run on the SAME debt as the base case.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.deal.schema import Deal
from bessfin.dispatch import LifetimeResult
from bessfin.finance import FinanceInputs, ProForma, build_pro_forma, irr_result, npv
from bessfin.finance import lines as L

__all__ = ["Check", "Verdict", "investment_verdict", "lender_assessed", "lender_checks",
           "lender_verdict", "p90_revenue", "sizing_note"]

Status = Literal["pass", "fail", "not assessed"]


@dataclasses.dataclass(frozen=True)
class Check:
    """One bankability test."""

    name: str
    passed: bool
    value: float
    threshold: float
    reason: str
    #: False where the check cannot fail on this deal (DSCR-sized debt tested against its own
    #: sizing target, a 100 % merchant-share limit): it passes but proves nothing
    binding: bool = True


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One view's verdict: ``status`` pass / fail / not assessed, a headline and its reasons."""

    view: str
    status: Status
    headline: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"status": self.status, "headline": self.headline, "reasons": list(self.reasons)}


def p90_revenue(lifetime: LifetimeResult) -> tuple[pd.DataFrame, str] | None:
    """The P90 revenue table across price years, or None when there is no such distribution.

    Needs ``combine = "mean"`` and at least two price years. The price-year scenarios (each
    operating year on that price year alone, same degradation path) are ranked by total
    revenue over the life; P90 is the 10th percentile by linear interpolation between the two
    bracketing scenarios' tables (numpy's default percentile rule), so with 2 price years it is
    0.9 x the lower + 0.1 x the higher year."""
    if lifetime.scenarios is None or lifetime.combine != "mean":
        return None
    years = sorted({int(y) for y in lifetime.scenarios.index.get_level_values("price_year")})
    if len(years) < 2:
        return None
    tables = {y: lifetime.scenario_revenue(y) for y in years}
    earning = [s for s in lifetime.streams if s != "degradation"]
    ranked = sorted(years, key=lambda y: float(tables[y][earning].to_numpy().sum()))
    q = 0.1 * (len(ranked) - 1)
    i = int(np.floor(q))
    j = min(i + 1, len(ranked) - 1)
    w = q - i
    table = tables[ranked[i]] * (1.0 - w) + tables[ranked[j]] * w
    label = (f"P90 across {len(years)} price years ({1 - w:.0%} {ranked[i]} + {w:.0%} "
             f"{ranked[j]}, ranked by life revenue)")
    return table, label


def _p90_check(deal: Deal, pro_forma: ProForma, lifetime: LifetimeResult, years: list[int],
               threshold: float, default: bool) -> Check | None:
    """Minimum DSCR on P90 revenue across price years, on the base case's debt service."""
    p90 = p90_revenue(lifetime)
    service = -pro_forma.line(L.DEBT_SERVICE).loc[years].to_numpy()
    if p90 is None or pro_forma.debt is None or not (service > 0).any():
        return None
    table, label = p90
    down = build_pro_forma(pro_forma.inputs.model_copy(update={"debt": None}), table)
    cfads = down.line(L.CFADS).loc[years].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        dscr = np.where(service > 0, cfads / service, np.inf)
    worst = float(dscr.min())
    ok = bool(worst >= threshold - _TOL)
    why = " (no downside_min_dscr set: debt service must at least be covered)" if default else ""
    return Check("P90 DSCR", ok, worst, threshold,
                 f"{label}, same debt: minimum DSCR {worst:.2f}x {'>=' if ok else '<'} "
                 f"{threshold:.2f}x{why}")


def _downside(inputs: FinanceInputs, lifetime: LifetimeResult, factor: float) -> ProForma:
    """The same project with merchant revenue scaled by ``factor`` and no debt (for CFADS).

    The wear cost of throughput (``degradation``) is a cost, not revenue: it is not scaled."""
    revenue = lifetime.revenue_table().copy()
    earning = [s for s in lifetime.streams if s != "degradation"]
    revenue[earning] *= factor
    return build_pro_forma(inputs.model_copy(update={"debt": None}), revenue)


#: Rounding slack for threshold comparisons (a 100 % merchant share computes as 1.0000000000000002).
_TOL = 1e-9


def lender_assessed(deal: Deal) -> bool:
    """True when the deal sets at least one lender criterion."""
    lender = deal.lender
    return any(v is not None for v in (lender.min_dscr, lender.max_merchant_share,
                                       lender.downside_min_dscr, lender.min_equity_irr))


def sizing_note(pro_forma: ProForma) -> str:
    """Which sizing test set the debt, in words ("" without debt)."""
    d = pro_forma.debt
    if d is None:
        return ""
    cap = "no gearing cap" if not np.isfinite(d.gearing_cap) else (
        f"gearing cap ${d.gearing_cap / 1e6:,.1f}M")
    return (f"debt ${d.amount / 1e6:,.1f}M set by the {d.binding.upper()} test "
            f"(DSCR-sized ${d.dscr_sized_amount / 1e6:,.1f}M, {cap})")


def _downside_check(deal: Deal, pro_forma: ProForma, lifetime: LifetimeResult,
                    years: list[int], threshold: float, default: bool) -> Check:
    """Minimum DSCR with merchant revenue at the downside factor, on the base case's debt."""
    lender = deal.lender
    name = "downside DSCR"
    no_service = pro_forma.debt is None or not (
        -pro_forma.line(L.DEBT_SERVICE).loc[years].to_numpy() > 0).any()
    if no_service:
        return Check(name, False, float("nan"), threshold,
                     "no debt service to cover: no [debt] section, or debt sized to $0")
    down = _downside(pro_forma.inputs, lifetime, lender.downside_revenue_factor)
    cfads = down.line(L.CFADS).loc[years].to_numpy()
    service = -pro_forma.line(L.DEBT_SERVICE).loc[years].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        dscr = np.where(service > 0, cfads / service, np.inf)
    worst = float(dscr.min())
    ok = bool(worst >= threshold - _TOL)
    why = " (no downside_min_dscr set: debt service must at least be covered)" if default else ""
    return Check(
        name, ok, worst, threshold,
        f"downside: merchant revenue at {lender.downside_revenue_factor:.0%} of "
        f"base, same debt: minimum DSCR {worst:.2f}x {'>=' if ok else '<'} {threshold:.2f}x"
        f"{why}",
    )


def lender_checks(deal: Deal, pro_forma: ProForma, lifetime: LifetimeResult) -> list[Check]:
    """Evaluate the deal's lender criteria with reasons (empty when none is set).

    With sculpted debt sized by the DSCR test, the base-case minimum DSCR equals the target by
    construction; the check says so, and a downside check on the same debt (at 1.00x when
    ``downside_min_dscr`` is not set) is added so that the lender view can fail."""
    if not lender_assessed(deal):
        return []
    lender, m = deal.lender, pro_forma.metrics
    checks: list[Check] = []
    d = pro_forma.debt
    # DSCR-sized debt (sculpted or annuity) has DSCR >= target on sizing CFADS <= base CFADS.
    by_construction = d is not None and d.amount > 0 and d.binding == "dscr"
    if lender.min_dscr is not None:
        ok = bool(np.isfinite(m.min_dscr) and m.min_dscr >= lender.min_dscr - _TOL)
        target = float(np.nanmin(d.target_dscr)) if by_construction and d is not None else 0.0
        tail = (f"; debt sized by the DSCR test to >= {target:.2f}x on sizing CFADS, so this "
                "check cannot fail by construction: see the downside and P90 checks"
                if by_construction and lender.min_dscr <= target + _TOL else "")
        checks.append(Check(
            "min DSCR", ok, float(m.min_dscr), lender.min_dscr,
            "no debt: DSCR undefined" if not np.isfinite(m.min_dscr) else
            f"minimum DSCR {m.min_dscr:.2f}x {'>=' if ok else '<'} {lender.min_dscr:.2f}x"
            f"{tail}", binding=not tail,
        ))
    tenor = deal.debt.tenor_years if deal.debt is not None else deal.project.life_years
    years = list(range(1, tenor + 1))
    if lender.max_merchant_share is not None:
        merchant = sum(pro_forma.line(L.merchant_line(s)).loc[years].sum()
                       for s in lifetime.streams)
        total = pro_forma.line(L.REVENUE_TOTAL).loc[years].sum()
        share = float(merchant / total) if total else float("nan")
        ok = bool(share <= lender.max_merchant_share + _TOL)
        vacuous = " (a 100% limit cannot bind)" if lender.max_merchant_share >= 1.0 else ""
        checks.append(Check(
            "merchant share", ok, share, lender.max_merchant_share,
            f"merchant revenue is {share:.0%} of revenue over years 1-{tenor}, limit "
            f"{lender.max_merchant_share:.0%}{vacuous}", binding=not vacuous,
        ))
    if lender.downside_min_dscr is not None or by_construction:
        default = lender.downside_min_dscr is None
        threshold = 1.0 if default else float(lender.downside_min_dscr)
        checks.append(_downside_check(deal, pro_forma, lifetime, years, threshold, default))
        p90 = _p90_check(deal, pro_forma, lifetime, years, threshold, default)
        if p90 is not None:
            checks.append(p90)
    if lender.min_equity_irr is not None:
        irr = m.equity_irr_after_tax
        ok = bool(np.isfinite(irr) and irr >= lender.min_equity_irr - _TOL)
        checks.append(Check(
            "equity IRR", ok, float(irr), lender.min_equity_irr,
            f"after-tax equity IRR {irr:.1%} {'>=' if ok else '<'} {lender.min_equity_irr:.1%}",
        ))
    return checks


def lender_verdict(deal: Deal, pro_forma: ProForma, checks: list[Check]) -> Verdict:
    """The lender view: fail if any check fails, not assessed without ``[lender]`` criteria."""
    sizing = sizing_note(pro_forma)
    notes = tuple(pro_forma.debt.notes) if pro_forma.debt is not None else ()
    info = tuple(x for x in (sizing, *notes) if x)
    if not checks:
        return Verdict("lender", "not assessed",
                       "NOT ASSESSED: no [lender] criteria set", info)
    failed = [c for c in checks if not c.passed]
    if failed:
        return Verdict("lender", "fail",
                       f"FAIL: {len(failed)} of {len(checks)} lender checks not met",
                       tuple(f"{c.name}: {c.reason}" for c in failed) + info)
    idle = sum(not c.binding for c in checks)
    headline = (f"PASS: all {len(checks)} lender checks met" if not idle else
                f"PASS: {len(checks) - idle} binding lender check(s) met ({idle} more cannot "
                "fail on this deal)")
    return Verdict("lender", "pass", headline,
                   tuple(f"{c.name}: {c.reason}" for c in checks) + info)


def investment_verdict(deal: Deal, pro_forma: ProForma) -> Verdict:
    """The investment view: project NPV at the discount rate >= 0 and equity IRR >= hurdle."""
    m = pro_forma.metrics
    rate, hurdle = deal.finance.discount_rate, deal.finance.hurdle_rate
    hurdle_src = "discount rate" if deal.finance.hurdle is None else "[finance] hurdle"
    reasons: list[str] = []
    npv_ok = bool(m.project_npv_after_tax_usd >= 0.0)
    reasons.append(f"project NPV after tax at {rate:.1%}: "
                   f"${m.project_npv_after_tax_usd / 1e6:,.1f}M ({'>=' if npv_ok else '<'} 0)")
    equity = pro_forma.line(L.EQUITY).to_numpy()
    res = irr_result(equity)
    if res.kind == "unique":
        irr_ok = bool(res.value >= hurdle - _TOL)
        reasons.append(f"equity IRR after tax {res.value:.1%} {'>=' if irr_ok else '<'} hurdle "
                       f"{hurdle:.1%} ({hurdle_src})")
    else:
        eq_npv = npv(hurdle, equity)
        irr_ok = bool(eq_npv >= 0.0)
        reasons.append(f"equity IRR not a single return ({res.note}); tested instead: equity NPV "
                       f"at the hurdle {hurdle:.1%} = ${eq_npv / 1e6:,.1f}M "
                       f"({'>=' if irr_ok else '<'} 0)")
    if npv_ok and irr_ok:
        return Verdict("investment", "pass", "PASS: NPV >= 0 and equity IRR >= hurdle",
                       tuple(reasons))
    failed = [r for r, ok in zip(reasons, (npv_ok, irr_ok), strict=True) if not ok]
    return Verdict("investment", "fail",
                   "FAIL: " + ("negative NPV" if not npv_ok else "")
                   + (" and " if not npv_ok and not irr_ok else "")
                   + ("equity IRR below hurdle" if not irr_ok else ""),
                   tuple(failed) + tuple(r for r in reasons if r not in failed))
