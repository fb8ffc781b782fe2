"""Screening mode: anchors on year-1 prices, piecewise-linear in capacity, never extrapolated."""

from __future__ import annotations

import pytest

from bessfin import Battery, load_prices
from bessfin.dispatch import Augmentation, Degradation, PricePath, lifetime_dispatch

BATTERY = Battery(power_mw=10, energy_mwh=20, max_cycles_per_day=2.0, degradation_cost=5.0)


@pytest.fixture(scope="module")
def prices():
    data = load_prices("spp", 2022, "SPPNORTH_HUB")
    return {2022: data}


def _total(annual, streams):
    return annual[streams].sum(axis=1)


def test_year_one_result_is_on_the_path_price_level(prices):
    path = PricePath(years=(2022,), level=1.1, escalation=0.03)
    r = lifetime_dispatch(prices, BATTERY, life_years=3, path=path, mode="screening",
                          partial_year="annualise")
    # the shipped SPP year is partial: annual values are the hourly dispatch scaled once by
    # hours_in_year / hours_used (issue 11); first_year keeps the unscaled hours
    k = 8760 / prices[2022].report.n_hours
    assert r.coverage[2022].factor == pytest.approx(k)
    assert k * r.first_year.total_revenue == pytest.approx(_total(r.annual, r.streams).loc[1])
    full = lifetime_dispatch(prices, BATTERY, life_years=3, path=path, mode="full",
                             partial_year="annualise")
    assert _total(r.annual, r.streams).loc[1] == pytest.approx(
        _total(full.annual, full.streams).loc[1], rel=1e-9)


def test_capacity_outside_the_anchors_is_dispatched_not_extrapolated(prices):
    fade = Degradation(calendar_per_year=0.2, per_cycle=0.0, minimum=0.3)
    aug = Augmentation(years=(3,), restore_to=1.3)
    path = PricePath(years=(2022,))
    kw = {"life_years": 4, "path": path, "degradation": fade, "augmentation": aug,
          "partial_year": "annualise"}
    fast = lifetime_dispatch(prices, BATTERY, mode="screening", **kw)
    full = lifetime_dispatch(prices, BATTERY, mode="full", **kw)
    cf = fast.annual["capacity_factor"].tolist()
    assert cf == pytest.approx([1.0, 0.8, 1.3, 1.1])
    # 1.0 and 1.3 are anchors (exact); 0.8 and 1.1 are interpolated between anchors
    fast_rev, full_rev = _total(fast.annual, fast.streams), _total(full.annual, full.streams)
    assert fast_rev.loc[1] == pytest.approx(full_rev.loc[1], rel=1e-9)
    assert fast_rev.loc[3] == pytest.approx(full_rev.loc[3], rel=1e-9)
    assert (abs(fast_rev / full_rev - 1) < 0.03).all()
