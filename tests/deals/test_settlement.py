"""Deals with settlement = "da+rt": schema rules and the reported DA-only / DA+RT revenue."""

from __future__ import annotations

import pytest

from bessfin.deal import DealError, deal_from_dict, run_deal

from .conftest import short_market_dict as _short


def test_settlement_rules(base) -> None:
    assert deal_from_dict(_short(base)).market.settlement == "da"
    with pytest.raises(DealError, match="needs market = 'dam'"):
        deal_from_dict(_short(base, settlement="da+rt", market="rtm"))
    with pytest.raises(DealError, match="rt_price_file needs settlement"):
        deal_from_dict(_short(base, rt_price_file="rt.csv"))
    with pytest.raises(DealError, match="settlement"):
        deal_from_dict(_short(base, settlement="rt"))


def test_da_rt_deal_reports_both_revenues(base) -> None:
    deal = deal_from_dict(_short(base, settlement="da+rt"))
    r = run_deal(deal, mode="screening")
    s = r.summary_dict()["settlement"]
    assert s["settlement"] == "da+rt" and s["rt_foresight"] == "persistence"
    year = s["by_price_year"][2024]
    assert year["da_rt_usd_per_kw_year"] == pytest.approx(
        year["da_only_usd_per_kw_year"] + year["rt_uplift_usd_per_kw_year"], abs=2e-3)
    # the DA leg is the deal's own year-1 dispatch (same foresight, products, limits)
    assert r.settlement[2024].da_only_revenue == pytest.approx(
        r.lifetime.first_year.total_revenue, rel=1e-6)
    assert "pro forma" in s["pro_forma_revenue"]
