"""Tornado and P50/P90: directions a finance person expects."""

from __future__ import annotations

import pandas as pd
import pytest

from bessfin.studies import LEVERS, p_values, price_year_distribution, tornado


def test_tornado_directions(short_result):
    levers = tuple(lv for lv in LEVERS if lv.parameter in ("capex", "ITC tier", "price level"))
    t = tornado(short_result, levers=levers).set_index("parameter")
    base = t["base_value"].iloc[0]
    assert t.loc["capex", "low_value"] > base > t.loc["capex", "high_value"]
    assert t.loc["ITC tier", "low_value"] < base < t.loc["ITC tier", "high_value"]
    assert t.loc["price level", "low_value"] < base < t.loc["price level", "high_value"]


def test_price_year_distribution(short_deal):
    # the deal's own price years (not every shipped year of its node), named by source
    two = short_deal.model_copy(update={"market": short_deal.market.model_copy(
        update={"price_years": (2025, 2024)})})
    dist = price_year_distribution(two)
    assert list(dist["price_year"]) == [2024, 2025]
    assert set(dist["price_source"]) == {"shipped ERCOT 2024-2025 DAM HB_HOUSTON"}
    assert list(price_year_distribution(short_deal)["price_year"]) == [2024]
    # 2025 was a much weaker ERCOT year than 2024 (policy_facts 5.2)
    rev = dist.set_index("price_year")["year1_revenue_usd"]
    assert rev[2025] < rev[2024]
    v = dist.set_index("price_year")["value"]
    assert v[2025] < v[2024]  # the weaker year gives the lower metric
    # Two years, linear interpolation between them: P50 is their mean, P90 (exceeded with 90 %
    # probability) lies a tenth of the way up from the weaker year.
    lo, hi = v[2025], v[2024]
    p = p_values(dist)
    assert p["years"] == 2
    assert p["p50"] == pytest.approx((lo + hi) / 2, rel=1e-12)
    assert p["p90"] == pytest.approx(lo + 0.1 * (hi - lo), rel=1e-12)
    assert p["p90"] < p["p50"]


def test_p_values_are_median_and_tenth_percentile():
    # Ten equally likely outcomes 1..10: the median is 5.5; the value exceeded with 90 %
    # probability, interpolated linearly between order statistics, is 1 + 0.1 * 9 = 1.9.
    dist = pd.DataFrame({"value": [7.0, 1.0, 10.0, 3.0, 5.0, 2.0, 9.0, 4.0, 8.0, 6.0]})
    p = p_values(dist)
    assert p == {"p50": pytest.approx(5.5), "p90": pytest.approx(1.9), "years": 10}


def test_levers_scale_the_deal_own_values(short_deal):
    from bessfin.studies.sensitivity import _capex, _price

    low_price = short_deal.model_copy(update={"market": short_deal.market.model_copy(
        update={"price_level": 0.8})})
    assert _price(low_price, -1).market.price_level == pytest.approx(0.64)
    assert _price(low_price, +1).market.price_level == pytest.approx(0.96)
    assert _capex(short_deal, +1).capex.multiplier == pytest.approx(1.1)
