"""Day-ahead-only deals are unchanged by the two-settlement life (issue 13).

Reference values: the ERCOT merchant example in screening mode, computed at commit 260f697,
before ``lifetime_dispatch`` took a :class:`~bessfin.dispatch.lifetime.YearSettlement`. The
full-mode run (revenue table, pro forma, ladder, metrics) was compared once by hand and was
bit-identical too; this test keeps the cheaper screening run. A deliberate change of the
dispatch core that moves these numbers (e.g. a warm start landing on another optimal vertex of
a degenerate forecast LP; tests/lifetime/test_speed_pin.py) must re-pin them in its commit.
"""

from __future__ import annotations

import math

import pytest

from bessfin.deal import run_deal

#: commit 260f697, examples/ercot_houston_2h_merchant.toml, screening mode
METRICS = {
    "project_irr_pre_tax": -0.10599953930932024,
    "project_irr_after_tax": -0.0851419571598966,
    "equity_irr_after_tax": -0.08630531028958079,
    "project_npv_pre_tax_usd": -70534225.77017969,
    "project_npv_after_tax_usd": -52184717.22706043,
    "equity_npv_after_tax_usd": -52108186.80947212,
    "debt_usd": 1110642.3458785247,
    "min_dscr": 5.342516989202231,
    "avg_dscr": 46.53289617145268,
    "llcr": 5.84493445062911,
    "lcos_usd_per_mwh": 171.1572214225509,
    "lcos_with_credits_usd_per_mwh": 142.87967312441256,
}
MERCHANT_USD = [4191629.6329226126, 4178930.4572567125, 4165429.535516945, 4151121.506150625,
                4136000.691336587, 4120061.094753775, 4103296.399225034, 4085699.9642351624,
                4980335.428435624, 4963092.99751379, 4944957.47856283, 4925921.683179757,
                4905978.070156099, 4885118.742515757, 4863335.444413422, 4840619.557892378,
                4816962.099500372, 4792353.716762248, 4760123.053076943, 4721601.827722722]


@pytest.fixture(scope="module")
def screened(ercot_deal):
    return run_deal(ercot_deal, mode="screening")


def test_da_only_example_is_unchanged(screened) -> None:
    lt = screened.lifetime
    assert lt.settlement == "da" and lt.settlements == {} and screened.settlement is None
    assert "energy" in lt.streams and "rt_deviation" not in lt.streams
    merchant = lt.annual[lt.streams].sum(axis=1).to_list()
    assert merchant[0] == pytest.approx(MERCHANT_USD[0], rel=1e-12)
    assert merchant == pytest.approx(MERCHANT_USD, rel=1e-9)
    m = screened.metrics
    for name, value in METRICS.items():
        assert m[name] == pytest.approx(value, rel=1e-9), name
    assert math.isnan(m["project_payback_year"])
    assert screened.summary_dict()["settlement"] == {"settlement": "da"}
