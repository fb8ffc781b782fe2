"""Physics and economics that hold for any prices: checked with hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bessfin.dispatch import Battery, dispatch
from tests.dispatch.helpers import frame, make_market, product

prices = st.lists(st.floats(-50, 300, allow_nan=False), min_size=6, max_size=30)
fast = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(level=st.floats(0, 1000), rte=st.floats(0.7, 1.0), hours=st.integers(2, 48))
def test_flat_price_earns_no_arbitrage(level, rte, hours):
    # (a negative flat price does pay a battery to absorb energy: that is not arbitrage)
    b = Battery.from_rte(rte, power_mw=10, energy_mwh=40, soc_initial=0.5)
    r = dispatch(frame([level] * hours), b, market=make_market(), as_limits=None)
    scale = max(1.0, abs(level))
    assert r.total_revenue <= 1e-6 * scale  # no arbitrage gain
    # a solver at its optimality tolerance (1e-7 on costs) may cycle a few MWh for nothing at a
    # near-zero price: that loses at most a few micro-dollars, never earns
    assert r.total_revenue >= -1e-5 * scale


@fast
@given(p=prices, e1=st.floats(1, 4), extra=st.floats(0, 4))
def test_revenue_non_decreasing_in_energy(p, e1, extra):
    def rev(e):
        b = Battery(power_mw=1, energy_mwh=e, soc_initial=0.0, soc_terminal=0.0)
        return dispatch(frame(p), b, market=make_market(), as_limits=None).total_revenue

    assert rev(e1 + extra) >= rev(e1) - 1e-7


@fast
@given(p=prices, p1=st.floats(0.5, 2), extra=st.floats(0, 2))
def test_revenue_non_decreasing_in_power(p, p1, extra):
    def rev(pw):
        b = Battery(power_mw=pw, energy_mwh=2, soc_initial=0.0, soc_terminal=0.0)
        return dispatch(frame(p), b, market=make_market(), as_limits=None).total_revenue

    assert rev(p1 + extra) >= rev(p1) - 1e-7


@fast
@given(
    p=prices,
    up=st.lists(st.floats(0, 60), min_size=30, max_size=30),
    dn=st.lists(st.floats(0, 60), min_size=30, max_size=30),
    rte=st.floats(0.75, 1.0),
)
def test_schedule_is_physical(p, up, dn, rte):
    """Energy balance, SOC bounds, headroom and sustain hold in every hour."""
    n = len(p)
    mkt = make_market((product("reg_up", "up", 1.0, deployment=0.1),
                       product("nonspin", "up", 4.0), product("reg_down", "down", 1.0, 0.1)))
    b = Battery.from_rte(rte, power_mw=5, energy_mwh=10, soc_min=0.1, soc_max=0.9,
                         self_discharge_per_hour=0.001)
    r = dispatch(frame(p, reg_up=up[:n], nonspin=up[::-1][:n], reg_down=dn[:n]), b,
                 market=mkt, as_limits=None)
    assert_physical(r.schedule, b, mkt)


def assert_physical(s, b: Battery, mkt, tol: float = 1e-6) -> None:
    """Independent check of a schedule against the battery's physics."""
    ec, ed = b.charge_efficiency, b.discharge_efficiency
    c, d, soc = s["charge_mw"].to_numpy(), s["discharge_mw"].to_numpy(), s["soc_mwh"].to_numpy()
    prev = np.r_[b.soc_initial * b.energy_mwh, soc[:-1]]
    flow = ec * c - d / ed
    up_need = np.zeros_like(c)
    dn_room = np.zeros_like(c)
    up_mw = np.zeros_like(c)
    dn_mw = np.zeros_like(c)
    for p in mkt.products:
        x = s[f"{p.id}_mw"].to_numpy()
        assert (x >= -tol).all()
        hours = p.durations[-1].hours
        if p.direction == "up":
            flow -= p.deployment_fraction * x / ed
            up_need += hours * x / ed
            up_mw += x
        else:
            flow += p.deployment_fraction * x * ec
            dn_room += hours * x * ec
            dn_mw += x
    retention = 1 - b.self_discharge_per_hour
    np.testing.assert_allclose(soc, retention * prev + flow, atol=1e-6)
    lo, hi = b.soc_min * b.energy_mwh, b.soc_max * b.energy_mwh
    assert (soc >= lo - tol).all() and (soc <= hi + tol).all()
    assert (c <= b.p_charge + tol).all() and (d <= b.power_mw + tol).all()
    assert (d - c + up_mw <= b.power_mw + tol).all()
    assert (c - d + dn_mw <= b.p_charge + tol).all()
    for level in (prev, soc):
        assert (level - up_need >= lo - tol).all()
        assert (level + dn_room <= hi + tol).all()
    assert soc[-1] >= b.terminal_fraction * b.energy_mwh - tol
