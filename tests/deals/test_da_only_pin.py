"""Day-ahead-only deals are unchanged by the two-settlement life (issue 13).

Reference values: the ERCOT merchant example in screening mode, computed on main at fa435cd,
before ``lifetime_dispatch`` took a :class:`~bessfin.dispatch.lifetime.YearSettlement` (the
same comparisons at 260f697 and ff90295 were bit-identical too). The full-mode run (revenue
table, scenarios, pro forma, ladder, metrics) was compared once by hand against both and was
bit-identical; this test keeps the cheaper screening run. A deliberate change of the dispatch
core that moves these numbers (e.g. a warm start landing on another optimal vertex of a
degenerate forecast LP; tests/lifetime/test_speed_pin.py) must re-pin them in its commit.
"""

from __future__ import annotations

import math

import pytest

from bessfin.deal import run_deal

#: main at fa435cd (after the screening grid anchors), examples/ercot_houston_2h_merchant.toml,
#: screening mode
METRICS = {
    "project_irr_pre_tax": -0.10612565932129109,
    "project_irr_after_tax": -0.08525766223085815,
    "equity_irr_after_tax": -0.0864227503019105,
    "project_npv_pre_tax_usd": -70538055.67497839,
    "project_npv_after_tax_usd": -52188547.13185914,
    "equity_npv_after_tax_usd": -52112035.125691876,
    "debt_usd": 1110436.0433363887,
    "min_dscr": 5.3428118749270865,
    "avg_dscr": 46.93677988245178,
    "llcr": 5.845530296040332,
    "lcos_usd_per_mwh": 171.14480398428995,
    "lcos_with_credits_usd_per_mwh": 142.86933501395208,
}
MERCHANT_USD = [4191575.887099325, 4178872.021226477, 4165366.309569336, 4151053.3886948824,
                4135927.578861775, 4119982.8817881993, 4103212.978294878, 4085611.2258223444,
                4980273.744082936, 4963025.792621731, 4944884.6367985625, 4925843.085997661,
                4905893.5967512885, 4885028.269776697, 4863238.846873665, 4840516.707681356,
                4816852.866293255, 4792237.967728842, 4754220.255315898, 4710824.495205211]


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
