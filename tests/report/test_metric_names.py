"""One name per metric: the JSON summary, the report's key metrics and the screen columns use
the metric catalogue's names, and each value matches the pro forma's metric of that name."""

from __future__ import annotations

import math

import pytest

from bessfin.finance import METRIC_CATALOGUE
from bessfin.report import data
from bessfin.screen import RANKABLE
from bessfin.screen.worker import METRICS as SCREEN_COLUMNS

#: Summary keys that describe the deal rather than measure it; ``settlement`` is the nested
#: two-settlement report (its rule and year-1 DA-only / DA+RT revenue, docs/dispatch.md), not a
#: pro forma metric.
NOT_METRICS = {"deal", "market", "power_mw", "energy_mwh", "life_years", "checks", "passed",
               "dispatch_mode", "supply_option", "checks_failed", "foresight", "horizon",
               "price_source", "price_path", "verdicts", "investment_verdict",
               "lender_verdict", "irr_notes", "debt_sizing", "discount_rate", "hurdle_rate",
               "settlement",
               # input facts shown next to the metrics (issue 11), not metrics themselves
               "price_year_coverage", "annualised_price_years", "macr_status", "itc_override",
               "input_notes"}


def test_summary_keys_are_catalogued(result):
    summary = result.summary_dict()
    keys = set(summary) - NOT_METRICS
    assert keys <= set(METRIC_CATALOGUE), keys - set(METRIC_CATALOGUE)
    m = result.pro_forma.metrics
    for name in ("project_npv_after_tax_usd", "debt_usd", "project_irr_after_tax", "min_dscr"):
        value = getattr(m, name)
        assert summary[name] == pytest.approx(round(value, 6)) or math.isnan(value)
    assert summary["project_payback_year"] == m.project_payback_year
    assert set(SCREEN_COLUMNS) - NOT_METRICS <= set(METRIC_CATALOGUE)
    assert set(RANKABLE) <= set(SCREEN_COLUMNS)


def test_key_metrics_use_catalogue_labels(result):
    for k in data.key_metrics(result):
        spec = METRIC_CATALOGUE[k.name]
        assert (k.label, k.kind) == (spec.label, spec.format)
