"""Small LPs whose optimum is worked out by hand."""

from __future__ import annotations

import pytest

from bessfin.dispatch import Battery, SolverError, dispatch
from bessfin.markets import Mileage
from tests.dispatch.helpers import frame, make_market, product

LOSSLESS = {"charge_efficiency": 1.0, "discharge_efficiency": 1.0}


def test_two_hour_arbitrage_with_losses():
    # charge 1 MW for 1 h at $10 -> stores 0.9 MWh; discharge 0.9*0.9 = 0.81 MWh at $50.
    b = Battery(power_mw=1, energy_mwh=1, charge_efficiency=0.9, discharge_efficiency=0.9,
                soc_initial=0.0, soc_terminal=0.0)
    r = dispatch(frame([10, 50]), b, market=make_market(), as_limits=None)
    assert r.total_revenue == pytest.approx(0.81 * 50 - 10, abs=1e-7)
    assert r.schedule["charge_mw"].tolist() == pytest.approx([1.0, 0.0], abs=1e-9)
    assert r.schedule["discharge_mw"].tolist() == pytest.approx([0.0, 0.81], abs=1e-9)
    assert r.schedule["soc_mwh"].tolist() == pytest.approx([0.9, 0.0], abs=1e-9)


def test_four_hours_reserve_then_energy():
    # Full 1 MWh battery, flat $20 energy, up-reserve at $5/MW-h needing 1 h of energy.
    # Best: hold 1 MW of reserve for 3 h ($15), then sell the 1 MWh in hour 4 ($20) = $35.
    mkt = make_market((product("spin", "up", hours=1.0),))
    b = Battery(power_mw=1, energy_mwh=1, soc_initial=1.0, soc_terminal=0.0, **LOSSLESS)
    r = dispatch(frame([20] * 4, spin=[5] * 4), b, market=mkt, as_limits=None)
    assert r.total_revenue == pytest.approx(35.0, abs=1e-7)
    assert r.schedule["spin_mw"].tolist() == pytest.approx([1, 1, 1, 0], abs=1e-9)
    assert r.revenue_by_stream["spin"] == pytest.approx(15.0)
    assert r.revenue_by_stream["energy"] == pytest.approx(20.0)


def test_reserve_duration_limits_award():
    # A 2-h product on a 1 MWh battery can be awarded at most 0.5 MW.
    mkt = make_market((product("nonspin", "up", hours=2.0),))
    b = Battery(power_mw=1, energy_mwh=1, soc_initial=1.0, soc_terminal=1.0, **LOSSLESS)
    r = dispatch(frame([0] * 3, nonspin=[10] * 3), b, market=mkt, as_limits=None)
    assert r.schedule["nonspin_mw"].tolist() == pytest.approx([0.5] * 3, abs=1e-9)
    assert r.total_revenue == pytest.approx(15.0)


def test_down_reserve_needs_empty_room_and_charge_headroom():
    # Empty 1 MWh battery, 1 MW charge limit: down-regulation needs room D*x*eta_c <= 1 MWh.
    mkt = make_market((product("reg_down", "down", hours=1.0),))
    b = Battery(power_mw=1, energy_mwh=1, soc_initial=0.0, soc_terminal=0.0, **LOSSLESS)
    r = dispatch(frame([30, 30], reg_down=[4, 6]), b, market=mkt, as_limits=None)
    assert r.schedule["reg_down_mw"].tolist() == pytest.approx([1, 1], abs=1e-9)
    assert r.total_revenue == pytest.approx(10.0)


def test_deployed_regulation_enters_soc_and_is_settled():
    # Reg-up at $30/MW-h beats selling energy at $10/MWh, so the whole 1 MW is awarded; 10%
    # of it is deployed each hour: SOC falls 0.1 MWh/h and 0.1 MWh is sold at $10 each hour.
    mkt = make_market((product("reg_up", "up", hours=1.0, deployment=0.1),))
    b = Battery(power_mw=1, energy_mwh=2, soc_initial=1.0, soc_terminal=0.0, **LOSSLESS)
    r = dispatch(frame([10, 10], reg_up=[30, 30]), b, market=mkt, as_limits=None)
    s = r.schedule
    assert s["reg_up_mw"].tolist() == pytest.approx([1, 1], abs=1e-9)
    assert s["soc_mwh"].tolist() == pytest.approx([1.9, 1.8], abs=1e-9)
    assert r.revenue_by_stream["reg_up_deployed_energy"] == pytest.approx(2.0, abs=1e-9)
    assert r.total_revenue == pytest.approx(62.0, abs=1e-9)


def test_mileage_revenue_scales_with_award():
    mil = Mileage(price_column="m", multiplier=4.0, accuracy=0.9, source="test")
    mkt = make_market((product("reg_up", "up", hours=1.0, mileage=mil),))
    b = Battery(power_mw=2, energy_mwh=2, soc_initial=1.0, soc_terminal=1.0, **LOSSLESS)
    r = dispatch(frame([0, 0], reg_up=[1, 1], reg_up_mileage=[0.5, 0.5]), b, market=mkt,
                 as_limits=None)
    award = r.schedule["reg_up_mw"].to_numpy()
    assert award.tolist() == pytest.approx([2, 2])
    assert r.revenue_by_stream["reg_up_mileage"] == pytest.approx((award * 4 * 0.5 * 0.9).sum())


def test_daily_cycle_limit_binds():
    # Two price spikes a day but only one cycle allowed per day.
    prices = [0, 100, 0, 100] * 6  # one UTC day
    b = Battery(power_mw=1, energy_mwh=1, soc_initial=0, soc_terminal=0, max_cycles_per_day=1,
                **LOSSLESS)
    r = dispatch(frame(prices), b, market=make_market(), as_limits=None)
    assert r.schedule["discharge_mw"].sum() == pytest.approx(1.0, abs=1e-9)
    assert r.total_revenue == pytest.approx(100.0)


def test_infeasible_problem_is_reported_with_reason():
    # Empty battery asked to end full after 1 h with only 0.1 MW of charging power.
    b = Battery(power_mw=1, charge_power_mw=0.1, energy_mwh=1, soc_initial=0.0, soc_terminal=1.0)
    with pytest.raises(SolverError, match="infeasible.*terminal state of charge"):
        dispatch(frame([10]), b, market=make_market(), as_limits=None)
