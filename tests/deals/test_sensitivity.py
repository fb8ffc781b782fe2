"""Tornado and P50/P90: directions a finance person expects."""

from __future__ import annotations

import pytest

from bessfin.sensitivity import LEVERS, p_values, price_year_distribution, tornado


def test_tornado_directions(short_result):
    levers = tuple(lv for lv in LEVERS if lv.parameter in ("capex", "ITC tier", "price level"))
    t = tornado(short_result, levers=levers).set_index("parameter")
    base = t["base_value"].iloc[0]
    assert t.loc["capex", "low_value"] > base > t.loc["capex", "high_value"]
    assert t.loc["ITC tier", "low_value"] < base < t.loc["ITC tier", "high_value"]
    assert t.loc["price level", "low_value"] < base < t.loc["price level", "high_value"]


def test_price_year_distribution(short_deal):
    dist = price_year_distribution(short_deal)
    assert list(dist["price_year"]) == [2024, 2025]
    p = p_values(dist)
    assert p["years"] == 2 and p["p90"] <= p["p50"]
    # 2025 was a much weaker ERCOT year than 2024 (policy_facts 5.2)
    rev = dist.set_index("price_year")["year1_revenue_usd"]
    assert rev[2025] < rev[2024]


def test_levers_scale_the_deal_own_values(short_deal):
    from bessfin.sensitivity import _capex, _price

    low_price = short_deal.model_copy(update={"market": short_deal.market.model_copy(
        update={"price_level": 0.8})})
    assert _price(low_price, -1).market.price_level == pytest.approx(0.64)
    assert _price(low_price, +1).market.price_level == pytest.approx(0.96)
    assert _capex(short_deal, +1).capex.multiplier == pytest.approx(1.1)
