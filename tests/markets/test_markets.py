"""Market definitions: data loads, rules resolve by date, the docs page is current."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from bessfin.markets import Market, get_market, markets
from bessfin.markets.docs import markets_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_markets():
    assert set(markets()) == {"ercot", "caiso", "pjm", "spp", "nyiso", "isone", "miso"}
    assert {k for k, m in markets().items() if m.shipped} == {"ercot", "caiso", "pjm", "spp"}
    assert [p.id for p in get_market("ERCOT").products] == [
        "reg_up", "reg_down", "rrs", "ecrs", "nonspin"]
    assert get_market("caiso").product("reg_up").mileage is not None
    assert get_market("pjm").products == ()


@pytest.mark.parametrize(("pid", "day", "hours"), [
    ("ecrs", "2025-12-04", 2.0), ("ecrs", "2025-12-05", 1.0), ("nonspin", "2025-12-05", 4.0),
    ("reg_up", "2025-12-04", 1.0), ("reg_up", "2025-12-05", 0.5), ("rrs", "2025-12-05", 0.5),
])
def test_ercot_durations_by_date(pid, day, hours):
    assert get_market("ercot").product(pid).duration_hours(pd.DatetimeIndex([day]))[0] == hours


def test_availability_dates():
    ecrs = get_market("ercot").product("ecrs")
    assert ecrs.available(pd.DatetimeIndex(["2023-06-09", "2023-06-10"])).tolist() == [
        False, True]


def test_node_columns():
    assert get_market("caiso").node_column("TH_SP15_GEN-APND") == "lmp_th_sp15"
    assert get_market("pjm").node_column("WESTERN HUB") == "lmp_western_hub"


def test_unknown_names_list_the_known_ones():
    with pytest.raises(KeyError, match="known markets"):
        get_market("ieso")
    with pytest.raises(KeyError, match="products are"):
        get_market("pjm").product("reg_up")


def test_bad_definition_is_rejected():
    data = get_market("spp").model_dump()
    data["products"][0]["direction"] = "sideways"
    with pytest.raises(ValidationError, match="direction"):
        Market.model_validate(data)
    data = get_market("spp").model_dump()
    data["colour"] = "red"
    with pytest.raises(ValidationError, match="colour"):
        Market.model_validate(data)


def test_docs_page_is_current():
    assert (ROOT / "docs" / "markets.md").read_text() == markets_markdown(), (
        "docs/markets.md is stale: run `python -m bessfin.markets.docs > docs/markets.md`"
    )


def _shipped_years(m: Market) -> list[int]:
    return sorted({y for f in m.files for y in f.years})


@pytest.mark.parametrize("iso", ["ercot", "caiso", "pjm", "spp"])
def test_depth_defaults_load_for_every_shipped_product_and_year(iso):
    m = get_market(iso)
    facts = {f.id: f for f in m.facts}
    for p in m.products:
        assert {d.year for d in p.depth} >= set(_shipped_years(m)), (iso, p.id)
        for year in _shipped_years(m):
            d = p.depth_for(year)
            assert d.year == year
            assert 0 <= d.fraction <= 1
            assert d.reason and d.facts and all(facts[f].source for f in d.facts)
            if d.status == "assumption":
                assert d.assumption
            else:  # sourced: the fleet-share form
                assert d.fraction == pytest.approx(d.procured_mw / d.fleet_mw)
    if not m.products:
        assert m.facts == ()


@pytest.mark.parametrize(("pid", "year", "share"), [
    ("rrs", 2024, 2300 / 7800), ("rrs", 2025, 2300 / 13888), ("ecrs", 2024, 1660 / 7800),
    ("ecrs", 2023, 2100 / 3890), ("reg_up", 2024, 0.03),
])
def test_ercot_depth_follows_the_fact_rows(pid, year, share):
    assert get_market("ercot").product(pid).depth_for(year).fraction == pytest.approx(share)


def test_depth_outside_the_data_uses_the_nearest_year():
    rrs = get_market("ercot").product("rrs")
    assert rrs.depth_for(2031).year == 2025
    assert rrs.depth_for(2019).year == 2023


def test_depth_row_needs_one_form_and_known_facts():
    data = get_market("ercot").model_dump()
    data["products"][2]["depth"][0]["share"] = 0.5  # both forms
    with pytest.raises(ValidationError, match="exactly one form"):
        Market.model_validate(data)
    data = get_market("ercot").model_dump()
    data["products"][2]["depth"][0]["facts"] = ["Z9"]
    with pytest.raises(ValidationError, match="Z9"):
        Market.model_validate(data)
