"""The Pyomo dispatch LP against an independent numpy/highspy build of docs/dispatch.md.

``benchmarks/direct_highspy.py`` builds the constraint matrix directly from the equations in
``docs/dispatch.md`` (vectorised numpy, no Pyomo). Both sides must reach the same optimum on
real shipped weeks, and bessfin's optimal schedule must be feasible in the direct LP with the
same objective (so the two are the same LP, not merely two LPs with equal optima).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.direct_highspy import (
    build_lp,
    run_rolling_direct,
    solve_direct,
)
from bessfin.dispatch import Battery, Horizon, market_series, run_horizon, settle
from bessfin.dispatch.coefficients import coefficients, structure
from bessfin.dispatch.solver import CompiledModel

ERCOT_BATTERY = Battery(
    power_mw=100,
    energy_mwh=200,
    max_cycles_per_day=2.0,
    degradation_cost=5.0,
    self_discharge_per_hour=0.002,
)
CAISO_BATTERY = Battery(
    power_mw=50,
    energy_mwh=200,
    charge_power_mw=40,
    max_cycles_per_day=1.5,
    max_cycles_per_year=300,
    degradation_cost=3.0,
    self_discharge_per_hour=0.001,
    soc_min=0.05,
    soc_max=0.95,
    availability=0.97,
)


def _week(data, start: str, end: str):
    local = data.frame.index.tz_convert(data.market.timezone).tz_localize(None)
    keep = (local >= start) & (local < end)
    return market_series(data.frame[keep], data.market)


def _assert_feasible_in_direct(ser, battery, sol, *, horizon_cycle_limit: bool) -> None:
    """bessfin's optimal schedule satisfies every row of the direct LP and has its objective."""
    lp = build_lp(ser, battery, horizon_cycle_limit=horizon_cycle_limit)
    c = coefficients(ser, battery)
    x = np.concatenate(
        [sol.charge, sol.discharge, sol.reserve.ravel(), sol.soc, [c.soc_initial_energy]]
    )
    tol = 1e-6 * max(1.0, battery.energy_mwh)
    ax = lp.matrix @ x
    assert np.all(ax >= lp.row_lower - tol)
    assert np.all(ax <= lp.row_upper + tol)
    assert np.all(x >= lp.col_lower - tol)
    assert np.all(x <= lp.col_upper + tol)
    assert lp.cost @ x == pytest.approx(sol.objective, rel=1e-9)


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-08-05", "2024-08-12"), ("2024-10-30", "2024-11-06")],  # summer; DST fall-back
)
def test_ercot_week_co_optimised_matches(ercot_2024, start, end):
    ser = _week(ercot_2024, start, end)
    assert ser.product_ids == ("reg_up", "reg_down", "rrs", "ecrs", "nonspin")
    b = ERCOT_BATTERY
    sol = CompiledModel(structure(ser, b), coefficients(ser, b)).solve()
    direct = solve_direct(ser, b)
    assert direct.objective == pytest.approx(sol.objective, rel=1e-7)
    assert sol.reserve.sum() > 0  # ancillary awards are actually taken
    _assert_feasible_in_direct(ser, b, sol, horizon_cycle_limit=False)


def test_caiso_week_with_mileage_matches(caiso_2024):
    ser = _week(caiso_2024, "2024-07-08", "2024-07-15")
    assert any(p.product.mileage is not None for p in ser.products)
    b = CAISO_BATTERY
    for horizon_limit in (False, True):
        s = structure(ser, b, horizon_cycle_limit=horizon_limit)
        sol = CompiledModel(s, coefficients(ser, b)).solve()
        direct = solve_direct(ser, b, horizon_cycle_limit=horizon_limit)
        assert direct.objective == pytest.approx(sol.objective, rel=1e-7)
        _assert_feasible_in_direct(ser, b, sol, horizon_cycle_limit=horizon_limit)


def test_symmetric_regulation_week_matches(caiso_2024):
    # The CAISO week with Reg Up declared symmetric (one award regulating both ways, as in
    # NYISO, ISO-NE and MISO) and Reg Down left out: both builds give the same LP.
    mkt = caiso_2024.market
    sym = mkt.model_copy(update={"products": tuple(
        p.model_copy(update={"direction": "symmetric"}) if p.id == "reg_up" else p
        for p in mkt.products if p.id != "reg_down")})
    local = caiso_2024.frame.index.tz_convert(mkt.timezone).tz_localize(None)
    week = caiso_2024.frame[(local >= "2024-07-08") & (local < "2024-07-15")]
    ser = market_series(week, sym)
    assert [p.product.direction for p in ser.products][0] == "symmetric"
    b = CAISO_BATTERY
    sol = CompiledModel(structure(ser, b), coefficients(ser, b)).solve()
    direct = solve_direct(ser, b)
    assert direct.objective == pytest.approx(sol.objective, rel=1e-7)
    assert sol.reserve[0].sum() > 0  # the symmetric award is taken
    _assert_feasible_in_direct(ser, b, sol, horizon_cycle_limit=False)


def test_coefficients_follow_the_documented_objective(caiso_2024):
    # docs/dispatch.md: x value = pi + m a mu + sigma alpha lam - [up] alpha c_deg  [$/MW-h]
    ser = _week(caiso_2024, "2024-07-08", "2024-07-15")
    b = CAISO_BATTERY
    c = coefficients(ser, b)
    lam = ser.energy_price
    np.testing.assert_allclose(c.charge_value, -lam)
    np.testing.assert_allclose(c.discharge_value, lam - b.degradation_cost)
    for k, p in enumerate(ser.products):
        prod = p.product
        up = prod.direction == "up"
        mil = prod.mileage.multiplier * prod.mileage.accuracy if prod.mileage else 0.0
        want = (
            p.capacity_price
            + mil * p.mileage_price
            + (1 if up else -1) * prod.deployment_fraction * lam
            - (prod.deployment_fraction * b.degradation_cost if up else 0.0)
        )
        np.testing.assert_allclose(c.reserve_value[k], want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("battery", [ERCOT_BATTERY, CAISO_BATTERY], ids=["ercot", "budget"])
def test_rolling_two_weeks_matches(ercot_2024, battery):
    # two weeks with a daily roll and 24 h lookahead; CAISO_BATTERY adds the annual budget
    ser = _week(ercot_2024, "2024-03-04", "2024-03-18")  # crosses DST spring-forward 03-10
    horizon = Horizon(window="day", lookahead_hours=24)
    sched = run_horizon(ser, battery, horizon)
    direct = run_rolling_direct(ser, battery, horizon)
    assert direct.windows == sched.windows == 14
    assert direct.models_built == sched.models_built
    revenue = settle(sched, ser, battery).to_numpy().sum()
    assert settle(direct, ser, battery).to_numpy().sum() == pytest.approx(revenue, rel=1e-7)
    np.testing.assert_allclose(direct.soc, sched.soc, atol=1e-5 * battery.energy_mwh)
    np.testing.assert_allclose(direct.discharge, sched.discharge, atol=1e-5 * battery.power_mw)
