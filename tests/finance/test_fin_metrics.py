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
    rate=st.floats(-0.5, 3.0),
    flows=st.lists(st.floats(0.0, 1e9), min_size=1, max_size=30).filter(lambda f: max(f) >= 1.0),
)
def test_irr_makes_npv_zero(rate, flows):
    # Capex chosen so that NPV(rate) = 0 by construction; with capex > 0 and every later flow
    # >= 0 (one positive) NPV falls strictly with the rate, so ``rate`` is the only root.
    capex = sum(f / (1.0 + rate) ** t for t, f in enumerate(flows, start=1))
    cash = [-capex, *flows]
    res = irr_result(cash)
    assert math.isfinite(res.value), res.reason
    assert res.value == pytest.approx(rate, abs=1e-7)
    assert len(res.roots) == 1 and res.reason == ""
    pv_flows = sum(f / (1.0 + res.value) ** t for t, f in enumerate(flows, start=1))
    assert abs(npv(res.value, cash)) <= 1e-9 * max(capex, pv_flows)


@settings(max_examples=60, deadline=None)
@given(
    flows=st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=6),
    margin=st.floats(0.01, 10.0),
)
def test_irr_without_root_is_nan_with_reason(flows, margin):
    # NPV at the lowest scanned rate (-99 %) is the largest NPV of these flows; a capex above it
    # leaves NPV negative at every scanned rate: no root.
    npv_at_floor = sum(f * 100.0**t for t, f in enumerate(flows, start=1))
    cash = [-(1.0 + margin) * npv_at_floor, *flows]
    assert npv(-0.99, cash) < 0 and npv(1000.0, cash) < 0
    res = irr_result(cash)
    assert math.isnan(res.value) and res.roots == ()
    assert "does not change sign" in res.reason


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


def _flows_with_roots(*rates: float, sign: float = -1.0) -> list[float]:
    """Cash flows whose NPV polynomial in x = 1/(1+r) has exactly the given roots:
    ``sign * prod_i (x - 1/(1+r_i))`` (coefficients of x^0, x^1, ... = years 0, 1, ...)."""
    poly = np.polynomial.polynomial.polyfromroots([1.0 / (1.0 + r) for r in rates])
    return list(sign * poly)


def test_irr_two_roots_closer_than_any_grid_are_both_found():
    # Two IRRs 0.2 pp apart (10.0 % and 10.2 %): NPV is positive only between them.
    cash = _flows_with_roots(0.10, 0.102)
    res = irr_result(cash)
    assert res.kind == "multiple"
    assert list(res.roots) == pytest.approx([0.10, 0.102], abs=1e-9)
    assert npv(0.101, cash) > 0 > npv(0.099, cash) and npv(0.103, cash) < 0
    assert "multiple IRRs" in res.note and "10.0000%" in res.note and "10.2000%" in res.note


def test_irr_double_root_is_a_tangent_not_nan():
    # -(x - x0)^2: NPV <= 0 everywhere and exactly 0 at 8 %.
    cash = _flows_with_roots(0.08, 0.08)
    res = irr_result(cash)
    assert res.kind == "tangent"
    assert res.value == pytest.approx(0.08, abs=1e-6)
    assert npv(0.07, cash) < 0 and npv(0.09, cash) < 0
    assert "touches zero" in res.note and "negative at every other rate" in res.note


def test_irr_borrowing_type_flow_is_named():
    # +100 now, -110 next year: a loan at 10 %; NPV = 100 - 110/(1+r) rises with r.
    res = irr_result([100.0, -110.0])
    assert res.kind == "borrowing"
    assert res.value == pytest.approx(0.10, abs=1e-12)
    assert npv(0.05, [100.0, -110.0]) < 0 < npv(0.15, [100.0, -110.0])
    assert "borrowing-type" in res.note


def test_irr_no_real_root_with_sign_changes():
    # -100 + 50 x - 100 x^2 < 0 for every x (discriminant 50^2 - 4*100*100 < 0).
    res = irr_result([-100.0, 50.0, -100.0])
    assert res.kind == "none" and math.isnan(res.value) and res.roots == ()
    assert "does not change sign" in res.note


def test_irr_investment_type_has_no_note():
    # -100 then +110: 10 %, NPV falls with the rate.
    res = irr_result([-100.0, 110.0])
    assert res.kind == "unique" and res.note == ""
    assert res.value == pytest.approx(0.10, abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(flows=st.lists(st.floats(-1e9, 1e9), min_size=2, max_size=40))
def test_irr_roots_same_with_brentq_only(flows):
    """Newton's refinement of the polynomial roots gives the roots that brentq gives on the
    same brackets (Newton switched off: every crossing root refined by scipy), to 1e-12."""
    from bessfin.finance import metrics

    fast = irr_result(flows)
    steps = metrics._NEWTON_STEPS
    metrics._NEWTON_STEPS = 0  # Newton gives up at once: every crossing root goes to brentq
    try:
        slow = irr_result(flows)
    finally:
        metrics._NEWTON_STEPS = steps
    assert fast.kind == slow.kind
    assert fast.roots == pytest.approx(slow.roots, rel=1e-12, abs=1e-12)


def test_irr_of_a_project_needs_no_scipy(tmp_path):
    """A project-shaped IRR is settled by Newton's method: scipy (about 0.4 s to import next
    to Pyomo, per screening worker) is not loaded."""
    import subprocess
    import sys

    flows = [-1e8] + [1.2e7] * 20 + [-5e6]
    code = ("import sys; import pyomo.environ; from bessfin.finance import irr; "
            f"print(repr(irr({flows!r})), 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.split()
    assert 0.05 < float(out[0]) < 0.12  # 12 % a year on 100 for 20 years, less a final cost
    assert abs(npv(float(out[0]), flows)) <= 1e-6
    assert out[1] == "False"


@pytest.mark.parametrize("multiplicity", [5, 7, 9, 11])
def test_irr_of_flows_with_a_many_fold_root_does_not_raise(multiplicity):
    """NPV with a root of high multiplicity can change sign on the rate grid (one matrix
    product) but not in npv() (another summation order): such an interval is not handed to
    brentq, which would refuse it ("f(a) and f(b) must have different signs"); the root is
    still reported from the polynomial forms. Seen on 302 of 700 such flows before."""
    from numpy.polynomial import polynomial as poly

    rng = np.random.default_rng(multiplicity)
    for rate in (0.05, 0.1, 0.2):
        for _ in range(10):
            base = poly.polyfromroots([1.0 / (1.0 + rate)] * multiplicity)
            flows = poly.polymul(base, rng.normal(size=rng.integers(1, 6))) * 1e6
            res = irr_result(flows)  # must not raise
            assert res.kind in {"unique", "multiple", "tangent", "borrowing", "none"}
