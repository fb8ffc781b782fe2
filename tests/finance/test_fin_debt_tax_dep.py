"""Debt sizing, income tax / credit mechanics and depreciation tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bessfin.finance import (
    MACRS_HALF_YEAR,
    blended_target_dscr,
    depreciable_basis,
    depreciation_schedule,
    income_tax,
    monetise_credit,
    size_debt,
)

# --- debt ------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    n=st.integers(2, 30),
    rate=st.floats(0.0, 0.15),
)
def test_sculpted_dscr_sized_debt_hits_target_every_year(data, n, rate):
    tenor = data.draw(st.integers(1, n))
    cfads = np.array([0.0] + data.draw(st.lists(st.floats(1e4, 1e8), min_size=n, max_size=n)))
    target = np.array([np.nan] + data.draw(st.lists(st.floats(1.0, 2.5), min_size=n, max_size=n)))
    d = size_debt(cfads, target, rate, tenor, "sculpted", sizing="dscr")
    years = slice(1, tenor + 1)
    assert cfads[years] / d.debt_service[years] == pytest.approx(target[years], rel=1e-12)
    assert d.debt_service[tenor + 1 :] == pytest.approx(np.zeros(n - tenor))
    assert d.closing_balance[tenor] == pytest.approx(0.0, abs=1e-6 * d.amount)
    assert d.interest + d.principal == pytest.approx(d.debt_service)
    pv = sum(cfads[t] / target[t] / (1 + rate) ** t for t in range(1, tenor + 1))
    assert d.amount == pytest.approx(pv)


def test_annuity_dscr_sized_uses_weakest_year():
    cfads = np.array([0.0, 13.0, 11.0, 15.0])
    d = size_debt(cfads, np.full(4, 1.25), 0.05, 3, "annuity", sizing="dscr")
    payment = 11.0 / 1.25
    assert d.debt_service[1:] == pytest.approx([payment] * 3)
    assert d.amount == pytest.approx(payment * (1 - 1.05**-3) / 0.05)
    assert d.closing_balance[3] == pytest.approx(0.0, abs=1e-9)


def test_gearing_cap_scales_sculpted_profile_and_fee():
    cfads = np.array([0.0, 10.0, 20.0])
    full = size_debt(cfads, np.full(3, 1.3), 0.06, 2, "sculpted")
    capped = size_debt(
        cfads,
        np.full(3, 1.3),
        0.06,
        2,
        "sculpted",
        gearing_cap=full.amount / 2,
        upfront_fee_pct=0.02,
    )
    assert capped.binding == "gearing" and full.binding == "dscr"
    assert capped.debt_service == pytest.approx(full.debt_service / 2)
    assert capped.upfront_fee == pytest.approx(0.02 * full.amount / 2)


def test_debt_validation():
    with pytest.raises(ValueError, match="tenor"):
        size_debt(np.array([0.0, 1.0]), np.full(2, 1.3), 0.05, 2)
    with pytest.raises(ValueError, match=">= 1.0"):
        size_debt(np.array([0.0, 1.0]), np.full(2, 0.9), 0.05, 1)


def test_blended_target_dscr():
    t = blended_target_dscr(np.array([0.0, 50.0, 100.0]), np.array([0.0, 50.0, 0.0]), 1.2, 1.3)
    assert t[0] == pytest.approx(1.3)  # no revenue -> merchant target
    assert t[1] == pytest.approx(1 / (0.5 / 1.2 + 0.5 / 1.3))
    assert t[2] == pytest.approx(1.2)


# --- tax -------------------------------------------------------------------------------------


def test_income_tax_carry_forward_with_state_deduction():
    # TI: y1 -10 (NOL 10 both), y2 +4 (uses 4, NOL 6), y3 +20:
    # state 0.05 x (20 - 6) = 0.7; federal 0.21 x (20 - 0.7 - 6) = 2.793
    r = income_tax(np.array([0.0, -10.0, 4.0, 20.0]), 0.21, 0.05, "carry_forward")
    assert r.state_tax == pytest.approx([0, 0, 0, 0.7])
    assert r.federal_tax == pytest.approx([0, 0, 0, 2.793])
    assert r.nol_federal == pytest.approx([0, 10, 6, 0])


def test_income_tax_used_as_arise():
    r = income_tax(np.array([0.0, -10.0, 20.0]), 0.21, 0.05, "used_as_arise")
    assert r.state_tax == pytest.approx([0, -0.5, 1.0])
    assert r.federal_tax == pytest.approx([0, 0.21 * -9.5, 0.21 * 19.0])


def test_direct_credit_carryforward_and_transfer():
    fed = np.array([0.0, 1.0, 2.0, 3.0])
    credits = np.array([0.0, 5.0, 0.0, 0.0])
    c = monetise_credit(credits, fed, "direct", 0.92, "carry_forward")
    assert c.used_against_tax == pytest.approx([0, 1, 2, 2])
    assert c.carryforward == pytest.approx([0, 4, 2, 0])
    t = monetise_credit(credits, fed, "transfer", 0.92, "carry_forward")
    assert t.transfer_proceeds == pytest.approx([0, 4.6, 0, 0])
    u = monetise_credit(credits, fed, "direct", 0.92, "used_as_arise")
    assert u.value == pytest.approx(credits)


# --- depreciation ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", sorted(MACRS_HALF_YEAR))
def test_macrs_tables_sum_to_one(cls):
    assert sum(MACRS_HALF_YEAR[cls]) == pytest.approx(1.0, abs=1e-4)
    assert len(MACRS_HALF_YEAR[cls]) == cls + 1  # half-year convention adds a year


def test_depreciation_basis_bonus_and_writeoff():
    assert depreciable_basis(120.0, 36.0) == pytest.approx(102.0)
    dep = depreciation_schedule(102.0, 10)
    assert dep[:8] == pytest.approx([0, 20.4, 32.64, 19.584, 11.7504, 11.7504, 5.8752, 0])
    half = depreciation_schedule(100.0, 10, bonus_fraction=0.5)
    assert half[1] == pytest.approx(50 + 10) and half[2] == pytest.approx(16)
    full = depreciation_schedule(100.0, 10, bonus_fraction=1.0)
    assert full[1] == pytest.approx(100) and full[2:].sum() == pytest.approx(0)
    short = depreciation_schedule(100.0, 3)
    assert short == pytest.approx([0, 20, 32, 48])  # years 4-6 written off in year 3
    dropped = depreciation_schedule(100.0, 3, write_off_remaining=False)
    assert dropped.sum() == pytest.approx(71.2)
    later = depreciation_schedule(100.0, 12, start_year=10)
    assert later[10:] == pytest.approx([20, 32, 48])
    with pytest.raises(ValueError, match="macrs_class"):
        depreciation_schedule(1.0, 5, macrs_class=3)


def test_debt_above_capex_is_noted():
    # CFADS 50/yr for 10 years at 5 %, DSCR 1.0: DSCR debt = 50 * annuity factor = 386.1 > 100.
    cf = np.array([0.0] + [50.0] * 10)
    sched = size_debt(cf, np.full(11, 1.0), 0.05, 10, "sculpted", sizing="dscr", capex=100.0)
    expected = 50.0 * (1 - 1.05**-10) / 0.05
    assert sched.amount == pytest.approx(expected)
    assert any("exceeds capex" in n for n in sched.notes)
    # Within capex: no note.
    ok = size_debt(cf, np.full(11, 1.0), 0.05, 10, "sculpted", sizing="dscr", capex=1000.0)
    assert ok.notes == ()


def test_zero_debt_from_one_non_positive_loan_year_is_noted():
    # Annuity: one loan year with CFADS -1 makes the level payment min(CFADS/DSCR) <= 0.
    cf = np.array([0.0, 50.0, 50.0, -1.0, 50.0, 50.0])
    sched = size_debt(cf, np.full(6, 1.3), 0.05, 5, "annuity", capex=200.0)
    assert sched.amount == 0.0
    assert any("debt sized to $0" in n and "year(s) 3" in n for n in sched.notes)
    # Sculpted on the same flows: debt is sized, year 3 carries no service and says so.
    sc = size_debt(cf, np.full(6, 1.3), 0.05, 5, "sculpted", capex=200.0)
    assert sc.amount > 0 and sc.debt_service[3] == 0.0
    assert any("no debt service in loan year(s) 3" in n for n in sc.notes)
