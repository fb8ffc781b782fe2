"""Dispatch on shipped ISO prices: physics over a full year, horizons, DST days."""

from __future__ import annotations

import numpy as np
import pytest

from bessfin.dispatch import Battery, Horizon, dispatch, market_series
from bessfin.dispatch.coefficients import coefficients, structure
from bessfin.dispatch.horizons import window_starts
from bessfin.io import from_frame
from tests.dispatch.test_properties import assert_physical

BATTERY = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)


@pytest.fixture(scope="module")
def ercot_year(ercot_2024):
    return dispatch(ercot_2024, BATTERY)


def test_full_year_co_optimised_is_physical(ercot_year, ercot_2024):
    s = ercot_year.schedule
    assert len(s) == 8784
    assert_physical(s, BATTERY, ercot_2024.market)
    # ECRS needs 2 h of energy in 2024: awards never exceed (SOC - min) * eta_d / 2
    day_cycles = s["discharge_mw"].groupby(
        s.index.tz_convert("America/Chicago").date).sum() / BATTERY.energy_mwh
    assert day_cycles.max() <= 2.0 + 1e-6


def test_revenue_streams_reconcile_with_objective(ercot_year):
    # settling at the prices the LP decided on reproduces its objective
    by_stream = ercot_year.revenue_by_stream
    assert by_stream.sum() == pytest.approx(ercot_year.total_revenue)
    assert ercot_year.monthly_revenue.to_numpy().sum() == pytest.approx(ercot_year.total_revenue)
    assert set(by_stream.index) >= {"energy", "reg_up", "reg_down", "rrs", "ecrs", "nonspin"}
    assert by_stream["degradation"] < 0


def test_objective_equals_settled_revenue(ercot_2024):
    from bessfin.dispatch.solver import CompiledModel

    ser = market_series(ercot_2024.frame.iloc[: 24 * 14], ercot_2024.market)
    model = CompiledModel(structure(ser, BATTERY), coefficients(ser, BATTERY))
    sol = model.solve()
    r = dispatch(ercot_2024, BATTERY, end="2024-01-15", as_limits=None)
    assert r.total_revenue == pytest.approx(sol.objective, rel=1e-9)


def test_perfect_foresight_beats_rolling_and_forecast(caiso_2024):
    b = Battery(power_mw=50, energy_mwh=200)
    period = {"start": "2024-07-01", "end": "2024-08-01"}
    perfect = dispatch(caiso_2024, b, **period)
    rolling = dispatch(caiso_2024, b, horizon=Horizon("day", 24), **period)
    forecast = dispatch(caiso_2024, b, horizon=Horizon("day", 24, "persistence-day"), **period)
    week = dispatch(caiso_2024, b, horizon=Horizon("day", 24, "persistence-week"), **period)
    for other in (rolling, forecast, week):
        assert other.total_revenue <= perfect.total_revenue + 1e-6
        assert other.perfect_foresight_revenue == pytest.approx(perfect.total_revenue)
        assert 0 < other.capture_ratio <= 1 + 1e-9
        assert_physical(other.schedule, b, caiso_2024.market)


def test_dst_days_are_23_and_25_hours(ercot_2024):
    spring = dispatch(ercot_2024, BATTERY, start="2024-03-10", end="2024-03-11")
    fall = dispatch(ercot_2024, BATTERY, start="2024-11-03", end="2024-11-04")
    assert len(spring.schedule) == 23
    assert len(fall.schedule) == 25
    ser = market_series(ercot_2024.frame, ercot_2024.market)
    starts = window_starts(ser, "day")
    assert len(starts) == 366
    lengths = np.diff(np.r_[starts, len(ser)])
    assert sorted(set(lengths.tolist())) == [23, 24, 25]
    rolled = dispatch(ercot_2024, BATTERY, horizon=Horizon("day", 24), start="2024-11-02",
                      end="2024-11-05", compare_to_perfect=False)
    assert rolled.windows == 3 and len(rolled.schedule) == 73


def test_ecrs_duration_changes_with_rtc_plus_b():
    from bessfin.io import load_prices

    data = load_prices("ercot", 2025, "HB_HOUSTON")
    ser = market_series(data.frame, data.market)
    ecrs = ser.products[ser.product_ids.index("ecrs")]
    local = ser.index.tz_convert("America/Chicago")
    assert set(ecrs.duration_h[local.date < np.datetime64("2025-12-05")]) == {2.0}
    assert set(ecrs.duration_h[local.date >= np.datetime64("2025-12-05")]) == {1.0}


def test_energy_only_ignores_products(ercot_2024):
    r = dispatch(ercot_2024, BATTERY, products=[], end="2024-01-08")
    assert list(r.revenue.columns) == ["energy", "degradation"]
    assert not any(c.endswith("_mw") and c not in ("charge_mw", "discharge_mw")
                   for c in r.schedule.columns)
    # Same answer as prices that carry no products at all: the product columns are ignored.
    energy_only = from_frame(ercot_2024.frame[["energy"]], ercot_2024.market, ercot_2024.node)
    bare = dispatch(energy_only, BATTERY, end="2024-01-08")
    assert r.total_revenue == pytest.approx(bare.total_revenue, rel=1e-9)
    np.testing.assert_allclose(r.schedule[["charge_mw", "discharge_mw", "soc_mwh"]],
                               bare.schedule[["charge_mw", "discharge_mw", "soc_mwh"]], atol=1e-6)
