"""Price paths over the life: price years as scenarios (mean), the former alternation (cycle),
and a forward curve on energy and ancillary prices."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bessfin import Battery, dispatch, load_prices
from bessfin.dispatch import Degradation, ForwardCurve, PricePath
from bessfin.dispatch import lifetime_dispatch as _lifetime_dispatch


def lifetime_dispatch(*args, **kwargs):
    """July slices stand in for price years (mechanics, not a year's value): valued as-is
    (issue 11 refuses a part year by default)."""
    return _lifetime_dispatch(*args, partial_year="as-is", **kwargs)


BATTERY = Battery(power_mw=10, energy_mwh=20, max_cycles_per_day=2.0, degradation_cost=5.0)


def _july(iso: str, year: int, node: str):
    d = load_prices(iso, year, node)
    local = d.local_index.tz_localize(None)
    keep = (local >= pd.Timestamp(f"{year}-07-01")) & (local < pd.Timestamp(f"{year}-08-01"))
    return dataclasses.replace(d, frame=d.frame[keep])


@pytest.fixture(scope="module")
def prices():
    """July of ERCOT HB_HOUSTON 2024 and 2025 stand in for two price years (fast)."""
    return {2024: _july("ercot", 2024, "HB_HOUSTON"), 2025: _july("ercot", 2025, "HB_HOUSTON")}


def _total(annual, streams):
    return annual[streams].sum(axis=1)


def test_mean_of_years_is_the_mean_of_single_year_runs(prices):
    fade = Degradation(calendar_per_year=0.02, per_cycle=0.0001)
    path = PricePath(years=(2024, 2025), escalation=0.03)
    r = lifetime_dispatch(prices, BATTERY, life_years=3, path=path, degradation=fade)
    cf = 1.0
    for year in (1, 2, 3):
        scale = 1.03 ** (year - 1)
        runs = []
        for py in (2024, 2025):  # independent: each price year dispatched alone at this cf
            data = dataclasses.replace(prices[py], frame=prices[py].frame * scale)
            runs.append(dispatch(data, BATTERY, capacity_factor=cf, compare_to_perfect=False))
        assert r.annual.loc[year, "capacity_factor"] == pytest.approx(cf, rel=1e-12)
        assert _total(r.annual, r.streams).loc[year] == pytest.approx(
            np.mean([x.total_revenue for x in runs]), rel=1e-9)
        for py, x in zip((2024, 2025), runs, strict=True):
            got = r.scenarios.loc[(year, py), r.streams].sum()
            assert got == pytest.approx(x.total_revenue, rel=1e-9)
        # one degradation path: next year's capacity follows the scenarios' mean cycles
        cycles = np.mean([x.discharged_mwh for x in runs]) / BATTERY.energy_mwh
        cf = cf - fade.calendar_per_year - fade.per_cycle * cycles
    assert (r.annual["price_years"] == 2).all()
    # scenario tables for P50/P90 carry the common degradation path
    one = r.scenario_revenue(2025)
    assert list(one.index) == [1, 2, 3] and "discharged_mwh" in one.columns


def test_cycle_reproduces_the_former_alternation(prices):
    # values computed by bessfin before price paths became scenarios (commit 85f3e52,
    # lifetime_dispatch with PricePath(years=(2024, 2025), escalation=0.02) on these Julys,
    # before AS award limits existed: uncapped here)
    path = PricePath(years=(2024, 2025), escalation=0.02, combine="cycle")
    full = lifetime_dispatch(prices, BATTERY, life_years=4, path=path, as_limits=None)
    assert _total(full.annual, full.streams).round(4).tolist() == pytest.approx(
        [38587.1604, 39375.9123, 39179.5099, 39622.7303], abs=1e-3)
    assert full.annual["capacity_factor"].tolist() == pytest.approx(
        [1.0, 0.978037043752048, 0.956382399320588, 0.9344708411587981], rel=1e-12)
    fast = lifetime_dispatch(prices, BATTERY, life_years=4, path=path, mode="screening",
                             as_limits=None)
    assert _total(fast.annual, fast.streams).round(4).tolist() == pytest.approx(
        [38587.1604, 39357.8102, 38949.912, 39579.6715], abs=1e-3)
    assert full.scenarios.index.get_level_values("price_year").tolist() == [
        2024, 2025, 2024, 2025]


def test_energy_multiplier_scales_energy_revenue_of_a_flat_energy_only_case(prices):
    flat = Battery(power_mw=10, energy_mwh=20, round_trip_efficiency=0.9)  # no wear cost
    no_fade = Degradation(calendar_per_year=0.0, per_cycle=0.0)
    k = 1.7
    path = PricePath(years=(2024,), curve=ForwardCurve(energy=(1.0, k), ancillary=(1.0, 0.2)))
    r = lifetime_dispatch(prices, flat, life_years=2, path=path, degradation=no_fade,
                          products=[])
    assert r.streams == ["energy", "degradation"]
    assert r.annual.loc[2, "energy"] == pytest.approx(k * r.annual.loc[1, "energy"], rel=1e-9)
    assert r.annual.loc[2, "energy_price_scale"] == pytest.approx(k)
    assert r.annual.loc[2, "as_price_scale"] == pytest.approx(0.2)


def test_energy_level_curve_sets_the_scenario_mean_price(prices):
    flat = Battery(power_mw=10, energy_mwh=20, round_trip_efficiency=0.9)
    no_fade = Degradation(calendar_per_year=0.0, per_cycle=0.0)
    mean = float(prices[2024].frame["energy"].mean())
    path = PricePath(years=(2024,), curve=ForwardCurve(kind="level", energy=(mean, 2 * mean)))
    r = lifetime_dispatch(prices, flat, life_years=2, path=path, degradation=no_fade,
                          products=[])
    assert r.annual["energy_price_scale"].tolist() == pytest.approx([1.0, 2.0])
    assert r.annual.loc[2, "energy"] == pytest.approx(2 * r.annual.loc[1, "energy"], rel=1e-9)


def test_ancillary_multiplier_moves_ancillary_streams_not_energy_prices(prices):
    path = PricePath(years=(2024,), curve=ForwardCurve(ancillary=(1.0, 0.0001)))
    no_fade = Degradation(calendar_per_year=0.0, per_cycle=0.0)
    r = lifetime_dispatch(prices, BATTERY, life_years=2, path=path, degradation=no_fade)
    as_streams = [s for s in r.streams if s not in ("energy", "degradation")
                  and not s.endswith("_deployed_energy")]
    assert sum(r.annual.loc[2, s] for s in as_streams) < 0.01 * sum(
        r.annual.loc[1, s] for s in as_streams)
    # with ancillary prices ~0 the battery arbitrages energy: more energy revenue than in year 1
    assert r.annual.loc[2, "energy"] > r.annual.loc[1, "energy"]


def test_curve_shorter_than_life_is_an_error(prices):
    path = PricePath(years=(2024,), curve=ForwardCurve(energy=(1.0,)))
    with pytest.raises(ValueError, match="1 values for a 2-year life"):
        lifetime_dispatch(prices, BATTERY, life_years=2, path=path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]),
                                st.one_of(st.none(), st.floats(-1e9, 1e9),
                                          st.just(float("nan"))), min_size=1),
                min_size=1, max_size=12))
def test_price_year_mean_equals_the_frame_mean(rows):
    """The operating year's mean over price years equals pandas' ``fillna(0).mean()`` of the
    rows, keys in order of first appearance (an independent computation)."""
    from bessfin.dispatch.lifetime import _mean_row

    rows = [{"year": 1, "price_year": 2000 + i, **r} for i, r in enumerate(rows)]
    expected = pd.DataFrame(rows).drop(columns=["year", "price_year"]).astype(float)
    expected = expected.fillna(0.0).mean().to_dict()
    got = _mean_row(rows, skip=("year", "price_year"))
    assert list(got) == list(expected)
    assert got == pytest.approx(expected, rel=1e-15, abs=0.0)
