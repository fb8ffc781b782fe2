"""The metric catalogue: one name per metric, unit suffixes that match the unit."""

from __future__ import annotations

import dataclasses

import pytest

from bessfin.finance import METRIC_CATALOGUE, METRIC_SPECS, Metrics, lower_is_better, metric
from bessfin.finance.lines import LINE_SPECS, line_spec, short_label, stream_of

SUFFIX = {"$": "_usd", "$/MWh": "_usd_per_mwh", "$/kW-yr": "_usd_per_kw_yr",
          "$/kWh": "_usd_per_kwh", "year": "_year"}
UNIT_WORDS = ("_usd", "_mwh", "_mw", "_kw", "_kwh")


def test_every_pro_forma_metric_is_catalogued():
    fields = {f.name for f in dataclasses.fields(Metrics)} - {"irr_notes", "discount_rate"}
    assert fields <= set(METRIC_CATALOGUE)
    assert len(METRIC_CATALOGUE) == len(METRIC_SPECS)  # no name twice


@pytest.mark.parametrize("spec", METRIC_SPECS, ids=lambda s: s.name)
def test_name_carries_the_unit(spec):
    if spec.unit in SUFFIX:
        assert spec.name.endswith(SUFFIX[spec.unit])
    elif spec.unit in ("fraction", "x"):
        assert not any(w in spec.name for w in UNIT_WORDS)
    else:
        assert spec.unit == "cycles/yr" and spec.name == "avg_cycles_per_year"
    assert spec.direction in ("higher", "lower", None)


def test_directions():
    assert lower_is_better("lcos_usd_per_mwh") and lower_is_better("project_payback_year")
    assert not lower_is_better("equity_irr_after_tax")
    with pytest.raises(ValueError, match="unknown metric 'debt_amount'"):
        metric("debt_amount")


def test_line_accessors():
    assert stream_of("revenue: merchant reg_up") == "reg_up"
    assert stream_of("revenue: tolling") is None
    assert short_label("revenue: tolling") == "tolling"
    assert line_spec("revenue: merchant energy").name == "revenue: merchant {}"
    with pytest.raises(KeyError, match="not a pro forma line"):
        line_spec("revenue: nonsense")
    assert len({s.name for s in LINE_SPECS}) == len(LINE_SPECS)
