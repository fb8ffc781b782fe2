"""Tornado and P50/P90: directions a finance person expects."""

from __future__ import annotations

import numpy as np
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
    assert p == {"p50": pytest.approx(5.5), "p90": pytest.approx(1.9), "years": 10, "note": ""}


def test_p_values_of_a_year_without_an_irr_are_undefined_and_say_why():
    # A year whose IRR does not exist cannot be ranked against the others: no number for
    # P50 / P90, and the note names the year and the pro forma's reason in words.
    dist = pd.DataFrame({"price_year": [2024, 2025], "metric": "project_irr_after_tax",
                         "value": [-0.015, float("nan")],
                         "note": ["", "NPV does not change sign or touch zero for rates in "
                                      "(-0.99, 1000): IRR undefined"]})
    p = p_values(dist)
    assert np.isnan(p["p50"]) and np.isnan(p["p90"]) and p["years"] == 2
    assert p["note"].startswith("P50 and P90 undefined: Project IRR, after tax does not "
                                "exist on price year 2025 alone (NPV does not change sign")


def _two_year(deal):
    """The short deal cut to 2 years without augmentation: year 2 is interpolated between the
    screening anchors (capacity ~0.97), so screening and full lives differ."""
    return deal.model_copy(update={
        "project": deal.project.model_copy(update={"life_years": 2}),
        "augmentation": deal.augmentation.model_copy(update={"years": ()}),
        "debt": deal.debt.model_copy(update={"tenor_years": 2}),
    })


@pytest.fixture(scope="module")
def two_year(short_deal):
    """(full-mode result, the model cache of its life), as ``bessfin run`` passes it on."""
    from bessfin.deal import run_deal

    cache: dict = {}
    return run_deal(_two_year(short_deal), mode="full", cache=cache), cache


def test_screening_delta_agrees_with_full_lives(two_year):
    """The delta method (base + screening change) against exact full-mode lives, on every
    re-dispatched bar end: within 0.1 pp of IRR (measured on this deal: see
    docs/deals.md#sensitivities), while the bars themselves move the IRR by pp."""
    two_year_result, cache = two_year
    levers = tuple(lv for lv in LEVERS if lv.redispatch)
    fast = tornado(two_year_result, levers=levers, cache=cache).set_index("parameter")
    full = tornado(two_year_result, levers=levers, mode="full", cache=cache).set_index(
        "parameter")
    assert set(fast["low_method"]) | set(fast["high_method"]) == {"screening delta"}
    assert set(full["low_method"]) | set(full["high_method"]) == {"re-dispatched"}
    assert (fast["mode"] == "screening").all() and (full["mode"] == "full").all()
    for col in ("low_value", "high_value"):
        diff = (fast[col] - full.loc[fast.index, col]).abs()
        assert (diff < 1e-3).all(), diff
    # the comparison has teeth: the price bar is far wider than the tolerance
    swing = full.loc["price level", "high_value"] - full.loc["price level", "low_value"]
    assert swing > 0.02


def test_every_bar_starts_at_the_reported_base(two_year):
    """Both modes: base_value is the result's own metric in every row, and a lever that
    re-dispatches an unchanged deal lands exactly on it (the delta's origin is the deal's own
    screening life, not the full one)."""
    from bessfin.studies.sensitivity import Lever, _update

    same = Lever("price level x1", "x1", "x1",
                 lambda d, s: _update(d, "market", price_level=d.market.price_level), True)
    two_year_result, cache = two_year  # an unchanged deal's years are all memoised there
    reported = two_year_result.pro_forma.metrics.project_irr_after_tax
    for mode in ("screening", "full"):
        t = tornado(two_year_result, levers=(*LEVERS, same), mode=mode, cache=cache)
        assert (t["base_value"] == reported).all()
        row = t.set_index("parameter").loc["price level x1"]
        assert row["low_value"] == reported and row["high_value"] == reported


def test_levers_scale_the_deal_own_values(short_deal):
    from bessfin.studies.sensitivity import _capex, _price

    low_price = short_deal.model_copy(update={"market": short_deal.market.model_copy(
        update={"price_level": 0.8})})
    assert _price(low_price, -1).market.price_level == pytest.approx(0.64)
    assert _price(low_price, +1).market.price_level == pytest.approx(0.96)
    assert _capex(short_deal, +1).capex.multiplier == pytest.approx(1.1)


def test_tornado_in_worker_processes_matches_in_process(short_deal):
    """Spreading the re-dispatches over processes (each on its own model cache) gives the
    same bars as one process, to the warm-start tolerance of tests/lifetime/test_speed_pin.py
    (another optimal vertex of a degenerate forecast LP)."""
    from bessfin.deal import run_deal
    from bessfin.studies.sensitivity import LEVERS

    deal = short_deal.model_copy(update={
        "project": short_deal.project.model_copy(update={"life_years": 2}),
        "augmentation": short_deal.augmentation.model_copy(update={"years": ()}),
        "debt": short_deal.debt.model_copy(update={"tenor_years": 2}),
    })
    result = run_deal(deal)
    levers = tuple(lv for lv in LEVERS if lv.parameter in ("price level", "capex"))
    one = tornado(result, levers=levers).set_index("parameter")
    two = tornado(result, levers=levers, workers=2).set_index("parameter")
    assert two["low_value"].to_list() == pytest.approx(one["low_value"].to_list(), rel=1e-3)
    assert two["high_value"].to_list() == pytest.approx(one["high_value"].to_list(), rel=1e-3)
    assert one.loc["price level", "low_value"] < one.loc["price level", "high_value"]


def test_a_screening_result_re_dispatches_in_its_own_mode(two_year):
    """A screening-mode base has no full life to shift to: both tornado modes re-dispatch the
    moved deals in screening mode, with the same values, named as re-dispatched."""
    from bessfin.deal import run_deal

    full_result, cache = two_year
    result = run_deal(full_result.deal, mode="screening", cache=cache)
    levers = tuple(lv for lv in LEVERS if lv.parameter == "price level")
    a = tornado(result, levers=levers, cache=cache)
    b = tornado(result, levers=levers, cache=cache, mode="full")
    assert a[["low_value", "high_value"]].equals(b[["low_value", "high_value"]])
    assert {a.loc[0, "low_method"], b.loc[0, "high_method"]} == {"re-dispatched"}
    assert a.loc[0, "base_value"] == result.pro_forma.metrics.project_irr_after_tax
