"""Symmetric regulation (one award regulating both ways, NYISO/ISO-NE/MISO), solved by hand."""

from __future__ import annotations

import pytest

from bessfin.dispatch import Battery, dispatch
from tests.dispatch.helpers import frame, make_market, product

LOSSLESS = {"charge_efficiency": 1.0, "discharge_efficiency": 1.0}


def test_symmetric_award_needs_room_both_ways():
    # 10 MW / 20 MWh at 90 % SOC (18 MWh), 1 h sustain, energy worthless, reg $10/MW-h.
    # 'up' alone: x <= min(10 MW, 18 MWh / 1 h) = 10. Symmetric also needs 1 h of charging
    # room: 18 + x <= 20 -> x <= 2 MW (the battery may not discharge: energy is free but the
    # terminal SOC must return to 90 %, and with no losses moving energy earns nothing).
    for direction, award in (("up", 10.0), ("symmetric", 2.0)):
        mkt = make_market((product("reg", direction, hours=1.0),))
        b = Battery(power_mw=10, energy_mwh=20, soc_initial=0.9, soc_terminal=0.9, **LOSSLESS)
        r = dispatch(frame([0.0], reg=[10.0]), b, market=mkt, as_limits=None)
        assert r.schedule["reg_mw"].iloc[0] == pytest.approx(award, abs=1e-7), direction
        assert r.total_revenue == pytest.approx(10.0 * award, abs=1e-6), direction


def test_symmetric_award_holds_charge_and_discharge_headroom():
    # Half-full 10 MW / 40 MWh lossless battery; charging at -$5/MWh earns $5/MWh, reg pays
    # $4/MW-h. A symmetric award x needs charge headroom c + x <= 10, so each MW of reg
    # displaces a MW of paid charging: charging (5 > 4) wins, the award is 0.
    # At $6/MW-h reg wins: x = 10, c = 0.
    mkt = make_market((product("reg", "symmetric", hours=1.0),))
    b = Battery(power_mw=10, energy_mwh=40, soc_initial=0.5, soc_terminal=0.0, **LOSSLESS)
    low = dispatch(frame([-5.0], reg=[4.0]), b, market=mkt, as_limits=None)
    assert low.schedule["charge_mw"].iloc[0] == pytest.approx(10.0, abs=1e-7)
    assert low.schedule["reg_mw"].iloc[0] == pytest.approx(0.0, abs=1e-7)
    high = dispatch(frame([-5.0], reg=[6.0]), b, market=mkt, as_limits=None)
    assert high.schedule["reg_mw"].iloc[0] == pytest.approx(10.0, abs=1e-7)
    assert high.schedule["charge_mw"].iloc[0] == pytest.approx(0.0, abs=1e-7)
    assert high.total_revenue == pytest.approx(60.0, abs=1e-6)


def test_symmetric_deployment_costs_the_round_trip_loss():
    # Symmetric award deploys alpha each way: SOC changes by alpha x (eta_c - 1/eta_d) per
    # hour, the energy bought and sold cancels at one price, and the up part wears the cells.
    # x = 10 MW, alpha = 0.1, eta_c = eta_d = 0.9: dSOC = 1 * (0.9 - 1/0.9) = -0.2111 MWh/h.
    mkt = make_market((product("reg", "symmetric", hours=1.0, deployment=0.1),))
    b = Battery(power_mw=10, energy_mwh=40, soc_initial=0.5, soc_terminal=0.0,
                charge_efficiency=0.9, discharge_efficiency=0.9, degradation_cost=2.0)
    r = dispatch(frame([0.0, 0.0], reg=[50.0, 50.0]), b, market=mkt, as_limits=None)
    s = r.schedule
    assert s["reg_mw"].tolist() == pytest.approx([10.0, 10.0], abs=1e-7)
    assert s["charge_mw"].tolist() == pytest.approx([0.0, 0.0], abs=1e-7)
    assert s["discharge_mw"].tolist() == pytest.approx([0.0, 0.0], abs=1e-7)
    d_soc = 0.1 * 10.0 * (0.9 - 1 / 0.9)
    assert s["soc_mwh"].tolist() == pytest.approx([20.0 + d_soc, 20.0 + 2 * d_soc], abs=1e-7)
    assert r.revenue_by_stream["reg_deployed_energy"] == pytest.approx(0.0, abs=1e-9)
    # 2 h x 10 MW x $50 capacity, less wear on 2 x 1 MWh deployed up at $2/MWh
    assert r.revenue_by_stream["degradation"] == pytest.approx(-4.0, abs=1e-7)
    assert r.total_revenue == pytest.approx(1000.0 - 4.0, abs=1e-6)
