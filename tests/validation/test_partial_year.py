"""Issue 11 item 1: a part price year is refused unless the deal opts in to annualising it."""

from __future__ import annotations

import pandas as pd
import pytest

from bessfin.deal import deal_from_dict, run_deal
from bessfin.dispatch import PartialYearError, PricePath, price_coverage
from bessfin.io import hours_in_year, load_prices
from bessfin.markets import get_market

from .deal_dict import base_deal


def _spp_deal(**market) -> dict:
    d = base_deal()
    d["market"] = {"iso": "spp", "node": "SPPNORTH_HUB", "price_years": [2022],
                   "as_limits": "none", **market}
    d["project"]["life_years"] = 2
    d["augmentation"] = {}
    d.pop("debt")
    d["lender"] = {}
    return d


@pytest.fixture(scope="module")
def spp():
    return load_prices("spp", 2022, "SPPNORTH_HUB")


def test_hours_in_year_counts_leap_years_and_ignores_dst():
    assert hours_in_year(2022, "America/Chicago") == 8760
    assert hours_in_year(2024, "America/Chicago") == 8784
    assert hours_in_year(2023, "UTC") == 8760


def test_the_shipped_spp_file_is_catalogued_partial_and_covers_1415_hours(spp):
    assert [f.partial for f in get_market("spp").files] == [True]
    assert not any(f.partial for iso in ("ercot", "caiso", "pjm") for f in get_market(iso).files)
    c = spp.coverage(2022)
    assert (c.hours_used, c.hours_in_year, c.days_dropped, c.complete) == (1415, 8760, 0, False)
    assert c.factor == pytest.approx(8760 / 1415)


def test_a_deal_on_spp_is_refused_before_any_dispatch():
    deal = deal_from_dict(_spp_deal(), "spp.toml")
    with pytest.raises(PartialYearError) as e:
        run_deal(deal, mode="screening")
    msg = str(e.value)
    assert "price year 2022" in msg and "1,415 of 8,760 hours" in msg
    assert 'partial_year = "annualise"' in msg and "\n" not in msg


def test_with_the_opt_in_revenue_and_cycles_are_scaled_once_by_hours(spp):
    deal = deal_from_dict(_spp_deal(partial_year="annualise"), "spp.toml")
    r = run_deal(deal, mode="full")
    k = 8760 / 1415
    fy = r.lifetime.first_year
    year1 = r.lifetime.annual.loc[1]
    # year 1 (capacity 1.0, no escalation): exactly the hourly dispatch x k, once
    assert year1[r.lifetime.streams].sum() == pytest.approx(k * fy.total_revenue, rel=1e-9)
    assert year1["cycles"] == pytest.approx(k * fy.cycles, rel=1e-9)
    s = r.summary_dict()
    assert s["year1_merchant_usd_per_kw_yr"] == pytest.approx(
        k * fy.total_revenue / (deal.battery.power_mw * 1e3), rel=1e-4)
    assert s["annualised_price_years"] == [2022]
    assert s["price_year_coverage"] == [{"year": 2022, "hours_used": 1415, "hours_in_year": 8760,
                                         "days_dropped": 0, "complete": False,
                                         "annualisation_factor": round(k, 6)}]
    assert any("price year 2022 annualised: 1,415 of 8,760 hours" in n
               for n in s["input_notes"])


def test_dropped_days_make_a_year_partial():
    data = load_prices("caiso", 2023, "TH_SP15", on_missing="drop-days")
    c = data.coverage(2023)
    assert c.days_dropped == len(data.report.dropped_days) > 0
    assert c.hours_used < 8760 and not c.complete
    with pytest.raises(PartialYearError, match=r"day\(s\) dropped"):
        price_coverage({2023: data}, PricePath(years=(2023,)), "refuse")
    ok = price_coverage({2023: data}, PricePath(years=(2023,)), "annualise")
    assert ok[2023].factor == pytest.approx(8760 / c.hours_used)


def test_a_complete_year_is_never_scaled():
    data = load_prices("ercot", 2024, "HB_HOUSTON")
    c = price_coverage({2024: data}, PricePath(years=(2024,)), "refuse")[2024]
    assert c.complete and c.factor == 1.0 and c.hours_used == 8784


def test_unknown_policy_is_refused(spp):
    with pytest.raises(ValueError, match="partial_year must be"):
        price_coverage({2022: spp}, PricePath(years=(2022,)), "scale")


def test_the_deal_key_is_validated():
    from bessfin.deal import DealError

    with pytest.raises(DealError, match="market.partial_year"):
        deal_from_dict(_spp_deal(partial_year="yes"))


def test_index_is_unchanged_for_first_year(spp):
    """first_year keeps the hourly dispatch on the 1,415 real hours (reports plot those)."""
    deal = deal_from_dict(_spp_deal(partial_year="annualise"))
    r = run_deal(deal, mode="screening")
    assert len(r.lifetime.first_year.schedule) == 1415
    assert isinstance(r.lifetime.first_year.schedule.index, pd.DatetimeIndex)


def test_coverage_counts_hours_not_rows_for_sub_hourly_prices():
    # a complete year at 15-minute resolution is 4 x 8,784 rows but 8,784 hours: never scaled
    import numpy as np
    import pandas as pd

    from bessfin.io import from_frame

    idx = pd.date_range("2024-01-01", "2025-01-01", freq="15min", tz="America/Chicago",
                        inclusive="left").tz_convert("UTC")
    frame = pd.DataFrame({"energy": np.full(len(idx), 20.0)}, index=idx)
    cov = from_frame(frame, "ercot", "HB_HOUSTON").coverage(2024)
    assert cov.hours_used == 8784
    assert cov.complete and cov.factor == 1.0
