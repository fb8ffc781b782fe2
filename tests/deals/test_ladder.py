"""Revenue ladder: rungs re-dispatch the deal's battery; capture = rung / ceiling; rungs are
ordered ceiling >= capped >= base (year 1 exactly, the life within the screening error)."""

from __future__ import annotations

import json

import pytest

from bessfin.deal import attach_ladder, load_deal_prices
from bessfin.dispatch import dispatch
from bessfin.dispatch import named_horizon as horizon

TOL = 1e-6  # relative solver tolerance on ordering


@pytest.fixture(scope="module")
def laddered(short_result):
    import copy

    r = copy.copy(short_result)
    return attach_ladder(r)


def test_capture_is_rung_over_ceiling(laddered) -> None:
    lad = laddered.ladder
    names = [r.name for r in lad.rungs]
    assert names == ["ceiling", "capped", "base"]
    top = lad.rung("ceiling")
    kw = laddered.deal.battery.power_mw * 1e3
    years = laddered.deal.project.life_years
    for r in lad.rungs:
        assert r.year1_capture == pytest.approx(r.year1_usd / top.year1_usd, rel=1e-12)
        assert r.life_capture == pytest.approx(r.life_usd / top.life_usd, rel=1e-12)
        assert r.year1_usd_per_kw_yr == pytest.approx(r.year1_usd / kw, rel=1e-12)
        assert r.life_usd_per_kw_yr == pytest.approx(r.life_usd / years / kw, rel=1e-12)
    assert top.year1_capture == 1.0


def test_rungs_are_ordered(laddered) -> None:
    c, k, b = (laddered.ladder.rung(n) for n in ("ceiling", "capped", "base"))
    assert c.year1_usd >= k.year1_usd * (1 - TOL)
    assert k.year1_usd >= b.year1_usd * (1 - TOL)
    # the life: screening-mode rungs against the base's full mode (error < 1 % per year)
    assert c.life_usd >= k.life_usd * (1 - TOL)
    assert k.life_usd >= b.life_usd * 0.99
    assert b.year1_usd > 0


def test_base_rung_is_the_deal_result_and_upper_rungs_are_independent_dispatches(
        laddered) -> None:
    lt = laddered.lifetime
    base = laddered.ladder.rung("base")
    assert base.year1_usd == pytest.approx(float(lt.annual.loc[1, lt.streams].sum()))
    # year-1 ceiling and capped rungs = a direct perfect-foresight dispatch of the battery
    deal = laddered.deal
    prices = load_deal_prices(deal)[2024]
    for name, limits in (("ceiling", None), ("capped", "default")):
        r = dispatch(prices, deal.battery, horizon=horizon("perfect"), as_limits=limits,
                     compare_to_perfect=False)
        assert laddered.ladder.rung(name).year1_usd == pytest.approx(r.total_revenue,
                                                                     rel=1e-6)


def test_ladder_in_json_summary(laddered) -> None:
    s = json.loads(json.dumps(laddered.summary_dict()))
    rungs = s["revenue_ladder"]["rungs"]
    assert [r["name"] for r in rungs] == ["ceiling", "capped", "base"]
    assert s["year1_merchant_usd_per_kw_yr"] == pytest.approx(
        rungs[2]["year1_usd_per_kw_yr"], abs=1e-3)


def test_as_haircut_cuts_ancillary_capacity_revenue_only(short_result) -> None:
    from bessfin.deal.ladder import as_haircut
    from bessfin.markets import get_market

    lt = short_result.lifetime
    power = short_result.deal.battery.power_mw
    products = {p.id for p in get_market("ercot").products}
    products |= {f"{p}_mileage" for p in products}
    y1 = lt.annual.loc[1]
    ancillary = sum(float(y1[s]) for s in lt.streams if s in products)
    assert ancillary > 0
    h = as_haircut(lt, power, cut=0.1)
    total = float(y1[lt.streams].sum())
    assert h["year1_usd"] == pytest.approx(total - 0.1 * ancillary, rel=1e-12)


def test_drop_models_keeps_memos_and_the_models_asked_for() -> None:
    from bessfin.dispatch.lifetime import drop_models, model_keys

    cache = {("price year", 2024): {"a": 1, "b": 2}, "top": 3, "year results": {"k": 4}}
    keep = {(("price year", 2024), "a")}
    assert model_keys(cache) == keep | {(("price year", 2024), "b"), (None, "top")}
    assert drop_models(cache, keep) == 2
    assert cache == {("price year", 2024): {"a": 1}, "year results": {"k": 4}}


def test_ladder_of_a_persistence_deal_reuses_the_life_models(short_deal) -> None:
    """On the job's cache the rungs (perfect foresight in daily windows seeing the next day)
    re-dispatch on the persistence-day life's own window models: nothing is built. A deal
    dispatched as one year-long LP has other structures: its rungs build window models and
    drop them afterwards."""
    from bessfin.deal import run_deal
    from bessfin.dispatch.lifetime import model_keys

    short = {"project": short_deal.project.model_copy(update={"life_years": 2}),
             "augmentation": short_deal.augmentation.model_copy(update={"years": ()}),
             "debt": short_deal.debt.model_copy(update={"tenor_years": 2})}
    deal = short_deal.model_copy(update=short)
    assert deal.market.horizon_spec().forecast == "persistence-day"
    cache: dict = {}
    result = run_deal(deal, cache=cache)
    models = model_keys(cache)
    attach_ladder(result, cache=cache)
    assert model_keys(cache) == models  # nothing built, nothing dropped
    year_long = deal.model_copy(update={"market": deal.market.model_copy(
        update={"foresight": "perfect", "horizon": "perfect"})})
    mine: dict = {}
    own = run_deal(year_long, cache=mine)
    before = model_keys(mine)
    lad = attach_ladder(own, cache=mine).ladder
    assert model_keys(mine) == before  # the rungs' window models were dropped
    # the rolling ceiling with the deal's limits equals the year-long LP in year 1
    assert lad.rung("capped").year1_usd == pytest.approx(lad.rung("base").year1_usd, rel=1e-6)
