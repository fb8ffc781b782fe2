"""Ancillary award limits (market depth): an independent LP, neutrality, feasibility, updates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from bessfin.dispatch import (
    Battery,
    Cap,
    CompiledModel,
    Horizon,
    SolverError,
    apply_as_limits,
    dispatch,
)
from bessfin.dispatch.coefficients import coefficients, structure
from bessfin.dispatch.limits import normalise, parse_limit
from bessfin.dispatch.series import market_series
from tests.dispatch.helpers import frame, make_market, product
from tests.dispatch.test_properties import assert_physical

ENERGY = [20.0, 80.0, 10.0, 90.0, 30.0, 60.0]
REG_UP = [30.0, 5.0, 40.0, 50.0, 25.0, 35.0]


def independent_lp(energy, reg, p_mw, e_mwh, eta, alpha, cap_mw, soc0=0.5) -> float:
    """The same dispatch problem written out for scipy's linprog: one up product with
    1 h sustain, hourly, no wear cost or cycle limits. Variables per hour t, in blocks:
    charge c, discharge d, award x, stored energy S (end of hour). Returns max revenue [$]."""
    n = len(energy)
    nv = 4 * n
    c_, d_, x_, s_ = (lambda t, k=k: k * n + t for k in range(4))
    cost = np.zeros(nv)
    for t in range(n):
        cost[c_(t)] = energy[t]  # minimise -revenue: charging costs lambda
        cost[d_(t)] = -energy[t]
        cost[x_(t)] = -(reg[t] + alpha * energy[t])  # capacity price + deployed energy sold
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    start = soc0 * e_mwh
    for t in range(n):
        # S_t - S_{t-1} - eta c + d / eta + alpha x / eta = 0
        row = np.zeros(nv)
        row[s_(t)] = 1.0
        row[c_(t)] = -eta
        row[d_(t)] = 1.0 / eta
        row[x_(t)] = alpha / eta
        if t > 0:
            row[s_(t - 1)] = -1.0
        a_eq.append(row)
        b_eq.append(start if t == 0 else 0.0)
        # up headroom: d - c + x <= P
        row = np.zeros(nv)
        row[d_(t)], row[c_(t)], row[x_(t)] = 1.0, -1.0, 1.0
        a_ub.append(row)
        b_ub.append(p_mw)
        # sustain 1 h at both ends of the hour: S - x / eta >= 0
        for prev in (True, False):
            row = np.zeros(nv)
            row[x_(t)] = 1.0 / eta
            if prev and t == 0:
                a_ub.append(row)
                b_ub.append(start)
                continue
            row[s_(t - 1) if prev else s_(t)] = -1.0
            a_ub.append(row)
            b_ub.append(0.0)
    row = np.zeros(nv)  # terminal: S_end >= S_0
    row[s_(n - 1)] = -1.0
    a_ub.append(row)
    b_ub.append(-start)
    bounds = ([(0, p_mw)] * n + [(0, p_mw)] * n + [(0, min(p_mw, cap_mw))] * n
              + [(0, e_mwh)] * n)
    res = linprog(cost, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=b_eq,
                  bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return -res.fun


def _one_product_case():
    mkt = make_market((product("reg_up", "up", hours=1.0, deployment=0.1),))
    b = Battery.from_rte(0.81, power_mw=10, energy_mwh=20)
    return mkt, b, frame(ENERGY, reg_up=REG_UP)


@pytest.mark.parametrize("limit", [0.3, {"mw": 3}, "3MW", Cap(fraction=0.3)])
def test_binding_cap_reproduces_an_independent_lp(limit):
    mkt, b, prices = _one_product_case()
    capped = dispatch(prices, b, market=mkt, as_limits={"reg_up": limit})
    uncapped = dispatch(prices, b, market=mkt, as_limits=None)
    want = independent_lp(ENERGY, REG_UP, 10, 20, 0.9, 0.1, cap_mw=3.0)
    assert capped.total_revenue == pytest.approx(want, rel=1e-9, abs=1e-6)
    award = capped.schedule["reg_up_mw"].to_numpy()
    assert award.max() == pytest.approx(3.0)  # the cap binds ...
    assert award.max() <= 3.0 + 1e-9
    assert uncapped.total_revenue > capped.total_revenue + 1.0  # ... and costs revenue
    assert uncapped.total_revenue == pytest.approx(
        independent_lp(ENERGY, REG_UP, 10, 20, 0.9, 0.1, cap_mw=np.inf), rel=1e-9)
    assert capped.as_limits_mw == {"reg_up": pytest.approx(3.0)}
    assert capped.summary_dict()["as_limits"][0]["origin"] == "user"


@pytest.mark.parametrize("limit", [1.0, {"mw": 10}, {"mw": 1e4}])
def test_cap_at_or_above_power_changes_nothing(limit, ercot_2024):
    b = Battery(power_mw=10, energy_mwh=20, max_cycles_per_day=2.0, degradation_cost=5.0)
    week = {"start": "2024-08-05", "end": "2024-08-12"}
    free = dispatch(ercot_2024, b, as_limits=None, **week)
    at_power = dispatch(ercot_2024, b, as_limits={p: limit for p in
                                                  ("reg_up", "reg_down", "rrs", "ecrs",
                                                   "nonspin")}, **week)
    assert at_power.total_revenue == pytest.approx(free.total_revenue, rel=1e-9)


def test_defaults_cap_real_dispatch_and_are_recorded(ercot_2024):
    b = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)
    week = {"start": "2024-08-05", "end": "2024-08-12"}
    capped = dispatch(ercot_2024, b, **week)  # default: the market's depth defaults
    free = dispatch(ercot_2024, b, as_limits=None, **week)
    market = ercot_2024.market
    for p in market.products:
        want = p.depth_for(2024).fraction * 100.0
        assert capped.as_limits_mw[p.id] == pytest.approx(want)
        assert capped.schedule[f"{p.id}_mw"].max() <= want + 1e-7
    assert capped.as_limits_mw["rrs"] == pytest.approx(2300 / 7800 * 100)  # fact rows A1/B4
    assert free.as_limits_mw == dict.fromkeys(capped.as_limits_mw)
    assert capped.total_revenue <= free.total_revenue + 1e-6
    assert_physical(capped.schedule, b, market)


def test_update_moves_caps_like_a_fresh_build(ercot_2024):
    """A cap is a bound change: re-solving a built model with new caps (and a degraded
    capacity) equals building the capped model afresh, in both directions."""
    b = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)
    ser = market_series(ercot_2024.frame.iloc[24 * 200: 24 * 207], ercot_2024.market)
    capped, _, _ = apply_as_limits(ser, b.power_mw, "default")
    c_free = coefficients(ser, b)
    c_cap = coefficients(capped, b, capacity_factor=0.8)
    assert structure(ser, b) == structure(capped, b)  # same LP, no extra rows
    live = CompiledModel(structure(ser, b), c_free)
    free_obj = live.solve().objective
    live.update(c_cap)
    fresh = CompiledModel(structure(capped, b), c_cap).solve()
    again = live.solve()
    assert again.objective == pytest.approx(fresh.objective, rel=1e-9)
    assert np.all(again.reserve <= c_cap.reserve_max + 1e-7)
    live.update(c_free)
    assert live.solve().objective == pytest.approx(free_obj, rel=1e-9)


def test_lifetime_re_solves_keep_the_caps(ercot_2024):
    """Operating years re-solve cached models with new capacity factors: caps stay."""
    b = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0)
    week = {"start": "2024-08-05", "end": "2024-08-12"}
    cache: dict = {}
    dispatch(ercot_2024, b, as_limits=None, cache=cache, **week)
    year2 = dispatch(ercot_2024, b, capacity_factor=0.9, cache=cache, **week)
    assert year2.models_built == 0  # re-solved, not rebuilt
    fresh = dispatch(ercot_2024, b, capacity_factor=0.9, **week)
    assert year2.total_revenue == pytest.approx(fresh.total_revenue, rel=1e-9)
    for pid, mw in year2.as_limits_mw.items():
        assert year2.schedule[f"{pid}_mw"].max() <= mw + 1e-7


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(2, 30),
    caps=st.lists(st.floats(0, 1), min_size=3, max_size=3),
    soc=st.tuples(st.floats(0, 0.3), st.floats(0.7, 1.0), st.floats(0, 1), st.floats(0, 1)),
    cycles=st.one_of(st.none(), st.floats(0.2, 3)),
)
def test_caps_never_make_a_feasible_case_infeasible(seed, n, caps, soc, cycles):
    rng = np.random.default_rng(seed)
    mkt = make_market((product("reg_up", "up", 1.0, deployment=0.1),
                       product("nonspin", "up", 4.0),
                       product("reg_down", "down", 1.0, deployment=0.1)))
    lo, hi, init, term = soc
    b = Battery.from_rte(0.85, power_mw=5, energy_mwh=10, soc_min=lo, soc_max=hi,
                         soc_initial=min(hi, lo + init * (hi - lo)),
                         soc_terminal=min(hi, lo + term * (hi - lo)),
                         max_cycles_per_day=cycles, self_discharge_per_hour=0.001)
    prices = frame(rng.uniform(-50, 200, n), reg_up=rng.uniform(0, 60, n),
                   nonspin=rng.uniform(0, 60, n), reg_down=rng.uniform(0, 60, n))
    try:
        free = dispatch(prices, b, market=mkt, as_limits=None)
    except SolverError:  # the property is about cases that are feasible uncapped
        return
    limits = dict(zip(("reg_up", "nonspin", "reg_down"), caps, strict=True))
    capped = dispatch(prices, b, market=mkt, as_limits=limits)  # must not raise
    assert capped.total_revenue <= free.total_revenue + 1e-6 * max(1, abs(free.total_revenue))
    for pid, f in limits.items():
        assert capped.schedule[f"{pid}_mw"].max() <= f * 5 + 1e-7
    assert_physical(capped.schedule, b, mkt)


def test_product_without_defaults_is_a_clear_error():
    mkt, b, prices = _one_product_case()
    with pytest.raises(ValueError, match="reg_up.*no market-depth default"):
        dispatch(prices, b, market=mkt)


@pytest.mark.parametrize(("value", "match"), [
    (3, r"3 is not a fraction of power in \[0, 1\].*3MW"),
    ("-1MW", "expected a fraction"),
    ({"mw": 1, "fraction": 0.1}, "exactly one"),
    ({"kw": 1}, "kw"),
    (True, "expected a fraction"),
    ("lots", "expected a fraction"),
])
def test_bad_limits_are_one_line_errors(value, match):
    with pytest.raises(ValueError, match=match):
        parse_limit("reg_up", value)


def test_limit_spellings():
    assert normalise(None) is None and normalise("none") is None
    assert normalise("default") == {}
    assert normalise({"rrs": "none", "ecrs": "default", "reg_up": "2.5 MW"}) == {
        "rrs": None, "ecrs": "default", "reg_up": Cap(mw=2.5)}
    with pytest.raises(ValueError, match="ERCOT has no product 'regup'"):
        dispatch("ercot 2024 HB_HOUSTON", Battery(power_mw=1, energy_mwh=2),
                 as_limits={"regup": 0.1}, end="2024-01-02")


def test_year_outside_the_depth_data_uses_the_nearest_and_says_so(ercot_2024):
    week = ercot_2024.frame.iloc[24 * 200: 24 * 203].copy()
    week.index = week.index + pd.DateOffset(years=6)  # 2030: beyond the depth data
    r = dispatch(week, Battery(power_mw=100, energy_mwh=200), market="ercot")
    assert r.as_limits_mw["rrs"] == pytest.approx(2300 / 13888 * 100)  # the 2025 row
    assert any("no depth data for 2030; used 2025" in n for n in r.notes)


def test_forecast_horizons_keep_the_caps(caiso_2024):
    b = Battery(power_mw=50, energy_mwh=200)
    r = dispatch(caiso_2024, b, horizon=Horizon("day", 24, "persistence-day"),
                 start="2024-07-01", end="2024-07-08")
    for pid, mw in r.as_limits_mw.items():
        assert mw == pytest.approx(600 / 11454 * 50)  # CAISO 2024 assumption rows
        assert r.schedule[f"{pid}_mw"].max() <= mw + 1e-7
    assert r.perfect_foresight_revenue >= r.total_revenue - 1e-6  # capped ceiling, same caps
