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
    # the base RT strategy is hour-ahead (changed deliberately from persistence, which loses
    # money re-dispatching on yesterday's RT prices: docs/dispatch.md)
    assert s["settlement"] == "da+rt" and s["rt_foresight"] == "hour-ahead"
    year = s["by_price_year"][2024]
    assert year["da_rt_usd_per_kw_year"] == pytest.approx(
        year["da_only_usd_per_kw_year"] + year["rt_uplift_usd_per_kw_year"], abs=2e-3)
    # the DA leg is the deal's own year-1 dispatch (same foresight, products, limits)
    assert r.settlement[2024].da_only_revenue == pytest.approx(
        r.lifetime.first_year.total_revenue, rel=1e-6)
    assert "pro forma" in s["pro_forma_revenue"]


def test_pjm_two_settlement_deal(base) -> None:
    """PJM WESTERN HUB 2024 (shipped DA and hourly RT LMPs) through a deal: the DA leg is the
    deal's own year-1 dispatch, the RT leg the hour-ahead base, and the per-kW figures add
    up."""
    deal = deal_from_dict(_short(base, iso="pjm", node="WESTERN HUB", settlement="da+rt"))
    assert deal.market.rt_foresight == "hour-ahead"
    r = run_deal(deal, mode="screening")
    s = r.summary_dict()["settlement"]
    year = s["by_price_year"][2024]
    two = r.settlement[2024]
    assert two.rt_foresight == "hour-ahead" and two.rt_node == "WESTERN HUB"
    assert two.da_only_revenue == pytest.approx(r.lifetime.first_year.total_revenue, rel=1e-6)
    assert year["da_rt_usd_per_kw_year"] == pytest.approx(
        year["da_only_usd_per_kw_year"] + year["rt_uplift_usd_per_kw_year"], abs=2e-3)
    assert two.award_shortfall_mwh == 0.0
    assert len(two.rt_schedule) == 8784  # every hour of leap year 2024
    assert two.rt_uplift != 0.0
