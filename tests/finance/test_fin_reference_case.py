"""The reference case, checked by independent arithmetic written out here (no library helpers).

$120M capex at year 0, $15M/yr revenue, $2M/yr O&M, 20 years, 30 % ITC = $36M, depreciable basis
$120M - 0.5 x $36M = $102M on 5-year MACRS half-year (20, 32, 19.2, 11.52, 11.52, 5.76 %), 21 %
federal tax, no state tax.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bessfin.finance import DebtInputs, TaxInputs, build_pro_forma

M = 1e6
N = 20
DEP = [0.0, 20.4 * M, 32.64 * M, 19.584 * M, 11.7504 * M, 11.7504 * M, 5.8752 * M] + [0.0] * 14


def bisect_irr(cash: list[float], lo: float = -0.5, hi: float = 1.0) -> float:
    """IRR by plain bisection on NPV (independent of scipy/brentq)."""

    def f(r: float) -> float:
        return sum(c / (1.0 + r) ** t for t, c in enumerate(cash))

    assert f(lo) * f(hi) < 0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if f(lo) * f(mid) <= 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def test_depreciation_is_macrs_on_102m(make_inputs, make_revenue):
    pf = build_pro_forma(make_inputs(), make_revenue())
    dep = pf.line("memo: tax depreciation").to_numpy()
    assert dep == pytest.approx(DEP, abs=1e-6)
    assert dep.sum() == pytest.approx(102 * M)


def test_all_equity_losses_used_as_arise_direct_credit(make_inputs, make_revenue):
    pf = build_pro_forma(make_inputs(), make_revenue())
    expected_tax = [0.0] + [0.21 * (13 * M - DEP[t]) for t in range(1, N + 1)]
    # Year 1: 0.21 x (13 - 20.4) = -1.554M (a benefit); year 7 onwards 0.21 x 13 = 2.73M.
    assert expected_tax[1] == pytest.approx(-1.554 * M)
    assert expected_tax[7] == pytest.approx(2.73 * M)
    assert -pf.line("tax: federal").to_numpy() == pytest.approx(expected_tax, abs=1e-6)
    assert pf.line("ITC: used against tax")[1] == pytest.approx(36 * M)

    expected_cash = [-120 * M] + [
        13 * M - expected_tax[t] + (36 * M if t == 1 else 0.0) for t in range(1, N + 1)
    ]
    assert expected_cash[1] == pytest.approx(50.554 * M)
    got = pf.line("cash flow to equity").to_numpy()
    assert got == pytest.approx(expected_cash, abs=1e-6)
    assert pf.line("unlevered after-tax cash flow").to_numpy() == pytest.approx(expected_cash)

    irr_ref = bisect_irr(expected_cash)
    assert pf.metrics.project_irr_after_tax == pytest.approx(irr_ref, abs=1e-9)
    assert pf.metrics.equity_irr_after_tax == pytest.approx(irr_ref, abs=1e-9)
    # Pre-tax: -120 then 13/yr for 20 years.
    pre = [-120 * M] + [13 * M] * N
    assert pf.metrics.project_irr_pre_tax == pytest.approx(bisect_irr(pre), abs=1e-9)
    # numpy polynomial roots as a second method: sum c_t x^t = 0 with x = 1/(1+r).
    roots = np.roots(pre[::-1])
    x = [z.real for z in roots if abs(z.imag) < 1e-9 and 0 < z.real < 1.5]
    assert pf.metrics.project_irr_pre_tax == pytest.approx(1 / x[0] - 1, abs=1e-8)


def test_all_equity_nol_carry_forward_and_transfer_at_92c(make_inputs, make_revenue):
    tax_in = TaxInputs(
        loss_treatment="carry_forward", itc_monetisation="transfer", transfer_price=0.92
    )
    pf = build_pro_forma(make_inputs(tax=tax_in), make_revenue())
    nol, expected_tax = 0.0, [0.0]
    for t in range(1, N + 1):
        income = 13 * M - DEP[t]
        if income < 0:
            nol -= income
            expected_tax.append(0.0)
        else:
            used = min(nol, income)
            nol -= used
            expected_tax.append(0.21 * (income - used))
    # By hand: NOL reaches 33.624M in year 3 and runs out in year 8: 0.21 x (13 - 11) = 0.42M.
    assert expected_tax[:8] == [0.0] * 8
    assert expected_tax[8] == pytest.approx(0.42 * M)
    assert -pf.line("tax: federal").to_numpy() == pytest.approx(expected_tax, abs=1e-6)
    assert pf.line("memo: NOL federal (closing)")[3] == pytest.approx(33.624 * M)
    assert pf.line("ITC: transfer proceeds")[1] == pytest.approx(33.12 * M)
    expected_cash = [-120 * M] + [
        13 * M - expected_tax[t] + (33.12 * M if t == 1 else 0.0) for t in range(1, N + 1)
    ]
    assert pf.line("cash flow to equity").to_numpy() == pytest.approx(expected_cash, abs=1e-6)
    assert pf.metrics.equity_irr_after_tax == pytest.approx(bisect_irr(expected_cash), abs=1e-9)


def test_fifty_percent_annuity_debt_at_7pct_15_years(make_inputs, make_revenue):
    debt = DebtInputs(rate=0.07, tenor_years=15, repayment="annuity", max_gearing=0.5)
    pf = build_pro_forma(make_inputs(debt=debt), make_revenue())
    payment = 60 * M * 0.07 / (1 - 1.07**-15)
    assert payment == pytest.approx(6_587_677, abs=1)
    assert pf.debt is not None and pf.debt.binding == "gearing"  # DSCR alone would allow ~91M
    assert pf.debt.dscr_sized_amount == pytest.approx(10 * M * (1 - 1.07**-15) / 0.07)
    assert pf.line("debt: drawdown")[0] == pytest.approx(60 * M)

    balance, interest, principal, tax, equity = 60 * M, [0.0], [0.0], [0.0], [-60 * M]
    for t in range(1, N + 1):
        i = 0.07 * balance if t <= 15 else 0.0
        p = payment - i if t <= 15 else 0.0
        balance -= p
        interest.append(i)
        principal.append(p)
        tax_t = 0.21 * (13 * M - DEP[t] - i)
        tax.append(tax_t)
        ds = payment if t <= 15 else 0.0
        equity.append(13 * M - ds - tax_t + (36 * M if t == 1 else 0.0))
    assert interest[1] == pytest.approx(4.2 * M)
    assert principal[1] == pytest.approx(payment - 4.2 * M)
    assert balance == pytest.approx(0.0, abs=1e-3)
    assert -pf.line("debt: interest").to_numpy() == pytest.approx(interest, abs=1e-6)
    assert -pf.line("debt: principal").to_numpy() == pytest.approx(principal, abs=1e-6)
    ds_line = -pf.line("debt service").to_numpy()
    assert ds_line[1:16] == pytest.approx([payment] * 15)
    assert ds_line[16:] == pytest.approx([0.0] * 5)
    assert -pf.line("tax: federal").to_numpy() == pytest.approx(tax, abs=1e-6)
    assert pf.line("cash flow to equity").to_numpy() == pytest.approx(equity, abs=1e-6)
    assert pf.metrics.equity_irr_after_tax == pytest.approx(bisect_irr(equity), abs=1e-9)
    assert pf.metrics.min_dscr == pytest.approx(13 * M / payment)
    assert pf.metrics.avg_dscr == pytest.approx(13 * M / payment)
    # LLCR: PV at 7 % of 13M over 15 years / 60M.
    llcr = sum(13 * M / 1.07**t for t in range(1, 16)) / (60 * M)
    assert pf.metrics.llcr == pytest.approx(llcr)
    assert pf.metrics.gearing == pytest.approx(0.5)


def test_lcos_hand_computed(make_inputs, make_revenue):
    pf = build_pro_forma(make_inputs(), make_revenue())
    pv_cost = 120 * M + sum(2 * M / 1.08**t for t in range(1, N + 1))
    pv_mwh = sum(100_000 / 1.08**t for t in range(1, N + 1))
    assert pf.metrics.lcos_usd_per_mwh == pytest.approx(pv_cost / pv_mwh)
    pv_credit = 36 * M / 1.08
    assert pf.metrics.lcos_with_credits_usd_per_mwh == pytest.approx((pv_cost - pv_credit) / pv_mwh)
    assert math.isnan(pf.metrics.min_dscr) and math.isnan(pf.metrics.llcr)


def test_payback_year_hand_computed(make_inputs, make_revenue):
    pf = build_pro_forma(make_inputs(), make_revenue())
    cum = pf.line("unlevered after-tax cash flow").cumsum()
    first_positive = int(np.flatnonzero(cum.to_numpy() >= 0)[0])
    assert (cum.to_numpy()[first_positive:] >= 0).all()
    assert pf.metrics.project_payback_year == first_positive
    # -120 + 50.554 + 17.1244 + 14.38264 + 12.67758 + 12.67758 = -12.58 after year 5; +11.38 -> y7.
    assert first_positive == 7
