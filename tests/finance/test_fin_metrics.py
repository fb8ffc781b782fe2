"""NPV, IRR, LCOS, payback, DSCR/LLCR helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bessfin.finance import irr, irr_result, lcos, npv, payback_year
from bessfin.finance.metrics import dscr_series, llcr


def test_npv_year_zero_undiscounted():
    assert npv(0.10, [-100.0, 110.0]) == pytest.approx(0.0)
    assert npv(0.0, [1.0, 2.0, 3.0]) == 6.0


def test_irr_simple_cases():
    assert irr([-100.0, 110.0]) == pytest.approx(0.10)
    # -100, 0, 121 -> 10 %
    assert irr([-100.0, 0.0, 121.0]) == pytest.approx(0.10)
    # Loss-making project: negative IRR is returned, not NaN. 40 x^2 + 50 x - 100 = 0, x = 1/(1+r).
    x = (-50.0 + math.sqrt(50.0**2 + 4 * 40.0 * 100.0)) / 80.0
    assert irr([-100.0, 50.0, 40.0]) == pytest.approx(1 / x - 1)
    assert irr([-100.0, 50.0, 40.0]) < 0


@pytest.mark.parametrize(
    ("cash", "fragment"),
    [
        ([100.0, 10.0, 5.0], "all positive"),
        ([-100.0, -10.0, 0.0], "all negative"),
        ([0.0, 0.0], "all cash flows are zero"),
        ([-100.0, float("nan")], "NaN"),
    ],
)
def test_irr_undefined_gives_nan_with_reason(cash, fragment):
    res = irr_result(cash)
    assert math.isnan(res.value)
    assert fragment in res.reason
    assert math.isnan(irr(cash))


def test_irr_multiple_roots_reported():
    # (1+r)^-t polynomial with roots at 10 % and 20 %: -1, 2.3, -1.32
    res = irr_result([-1.0, 2.3, -1.32])
    assert sorted(res.roots) == pytest.approx([0.10, 0.20])
    assert res.value == pytest.approx(0.10)
    assert "multiple IRRs" in res.reason


@settings(max_examples=60, deadline=None)
@given(
    capex=st.floats(1.0, 1e9),
    flows=st.lists(st.floats(0.0, 1e9), min_size=1, max_size=30),
)
def test_irr_makes_npv_zero(capex, flows):
    cash = [-capex, *flows]
    res = irr_result(cash)
    if sum(flows) == 0.0:
        assert math.isnan(res.value)
        return
    if math.isnan(res.value):  # only when the IRR is outside the scanned range (-99 %, 100000 %)
        assert "does not change sign" in res.reason
        assert npv(-0.99, cash) * npv(1000.0, cash) > 0
        return
    scale = capex + sum(flows)
    assert abs(npv(res.value, cash)) <= 1e-9 * scale * (1 + res.value) ** -len(cash) + 1e-6 * scale


@settings(max_examples=60, deadline=None)
@given(
    capex=st.floats(1e5, 1e9),
    opex=st.floats(0.0, 1e7),
    mwh=st.lists(st.floats(1.0, 1e6), min_size=1, max_size=25),
    rate=st.floats(0.0, 0.2),
)
def test_lcos_is_the_price_that_zeroes_npv(capex, opex, mwh, rate):
    costs = np.array([capex] + [opex] * len(mwh))
    energy = np.array([0.0, *mwh])
    price = lcos(rate, costs, energy)
    assert price > 0
    assert npv(rate, price * energy - costs) == pytest.approx(0.0, abs=1e-6 * capex)


def test_lcos_with_credits_lower_and_nan_without_energy():
    costs, energy = [100.0, 10.0, 10.0], [0.0, 1.0, 1.0]
    assert lcos(0.0, costs, energy) == pytest.approx(60.0)
    assert lcos(0.0, costs, energy, credits=[0.0, 30.0, 0.0]) == pytest.approx(45.0)
    assert math.isnan(lcos(0.0, costs, [0.0, 0.0, 0.0]))


def test_payback_year():
    assert payback_year([-100.0, 30.0, 30.0, 40.0, 10.0]) == 3
    assert payback_year([-100.0, 30.0, 30.0]) is None
    assert payback_year([-100.0, 150.0, -80.0, 50.0]) == 3  # dips below zero again in year 2


def test_dscr_and_llcr():
    d = dscr_series([0.0, 13.0, 13.0, 13.0], [0.0, 10.0, 10.0, 0.0])
    assert np.isnan(d[0]) and np.isnan(d[3])
    assert d[1:3] == pytest.approx([1.3, 1.3])
    # PV at 10 % of CFADS in years 1..2 / debt
    assert llcr(0.10, [0.0, 11.0, 12.1, 99.0], [0.0, 5.0, 5.0, 0.0], 10.0) == pytest.approx(2.0)
    assert math.isnan(llcr(0.10, [0.0, 1.0], [0.0, 0.0], 0.0))
