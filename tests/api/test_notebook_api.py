"""The notebook face: bessfin.Deal / run / compare / screen, tidy frames, short reprs."""

from __future__ import annotations

import io
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bessfin
from bessfin.deal import DealError
from bessfin.finance import METRIC_CATALOGUE
from bessfin.finance import lines as L
from bessfin.io import load_prices

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHORT = {"project.life_years": 4, "market.price_years": [2024], "augmentation.years": [3],
         "debt.tenor_years": 4}


@pytest.fixture(scope="module")
def deal():
    return bessfin.Deal.from_toml(EXAMPLES / "ercot_houston_2h_merchant.toml").replace(**SHORT)


@pytest.fixture(scope="module")
def result(deal):
    return bessfin.run(deal, mode="screening")


def test_replace_dotted_and_nested_agree(deal):
    a = deal.replace(**{"battery.power_mw": 50, "finance.discount_rate": 0.07})
    b = deal.replace(battery={"power_mw": 50}, finance={"discount_rate": 0.07})
    assert a == b and a.battery.power_mw == 50 and a.battery.energy_mwh == deal.battery.energy_mwh
    assert deal.battery.power_mw == 100  # the original is unchanged
    assert bessfin.Deal.from_dict(deal.to_dict()) == deal
    rte = deal.replace(**{"battery.round_trip_efficiency": 0.81}).battery
    assert rte.charge_efficiency == pytest.approx(0.9) == rte.discharge_efficiency


def test_replace_reports_bad_keys_in_one_line(deal):
    with pytest.raises(DealError, match=r"battery\.pwer_mw: unknown key; did you mean 'power_mw'"):
        deal.replace(**{"battery.pwer_mw": 5})


def test_result_repr_is_short_and_html_has_the_headline(result):
    text = repr(result)
    assert len(text) < 400 and result.deal.name in text and "screening dispatch" in text
    page = result._repr_html_()
    assert "<table>" in page and "Equity IRR, after tax" in page
    assert len(repr(result.lifetime.first_year)) < 400


def test_metrics_use_catalogue_names_and_match_json(result):
    m = result.metrics
    assert set(m.index) <= set(METRIC_CATALOGUE)
    summary = result.summary_dict()
    for name, value in m.items():
        if name in summary and summary[name] is not None:
            assert value == pytest.approx(summary[name], rel=1e-6, abs=1e-6), name
    assert m["equity_irr_after_tax"] == pytest.approx(result.pro_forma.metrics.equity_irr_after_tax)


def test_annual_is_tidy_with_units(result):
    a = result.annual
    assert a.index.name == "year" and list(a.index) == list(range(0, 5))
    money = [c for c, n in zip(a.columns, result.pro_forma.annual.index, strict=True)
             if L.line_spec(n).unit == "$"]
    assert money and all(c.endswith("_usd") for c in money)
    assert "discharged_mwh" in a.columns and "dscr" in a.columns
    # EBITDA = revenue + opex (opex negative), read through the tidy names
    assert np.allclose(a["ebitda_usd"], a["revenue_total_usd"] + a["opex_total_usd"])
    stream_cols = [c for c in a.columns if c.startswith("revenue_merchant_")]
    assert np.allclose(a.loc[1:, stream_cols].sum(axis=1),
                       result.lifetime.revenue_table()[result.lifetime.streams].sum(axis=1)
                       .to_numpy())


def test_dispatch_result_names_match_the_deal(result):
    year1 = result.lifetime.first_year.metrics
    assert "revenue_usd_per_kw_yr" in year1 and "discharged_mwh" in year1
    assert year1["revenue_total_usd"] == pytest.approx(
        sum(year1[f"revenue_merchant_{s}_usd"] for s in result.lifetime.first_year.revenue.columns))
    # the same stream names as the deal's pro forma columns
    assert {f"revenue_merchant_{s}_usd" for s in result.lifetime.streams} <= set(result.annual)


def test_own_prices_give_the_shipped_result(deal, result):
    shipped = load_prices("ercot", 2024, "HB_HOUSTON")
    again = bessfin.run(deal, prices=shipped, mode="screening")
    assert again.metrics["equity_irr_after_tax"] == pytest.approx(
        result.metrics["equity_irr_after_tax"], abs=1e-9)
    # a whole-year frame in the simple layout, keyed by its year
    frame = shipped.frame.reset_index().rename(columns={"interval_start": "timestamp_utc"})
    other = bessfin.run(deal.replace(**{"market.price_years": [2025]}), prices=frame,
                        mode="screening")
    assert other.deal.market.price_years == (2024,)
    assert other.metrics["year1_revenue_usd"] == pytest.approx(result.metrics["year1_revenue_usd"])


def test_compare_attributes_a_capex_change_to_capex_only(deal, result):
    dearer = result.deal.replace(name="dearer PCS", capex={"pcs_usd_per_kw": 170})
    comp = bessfin.compare([result, bessfin.run(dearer, mode="screening")])
    assert list(comp.assumptions.index) == ["capex.pcs_usd_per_kw"]
    att = comp.attribution["dearer PCS"]
    for driver in ("revenue", "opex", "tax", "financing", "discount rate", "ITC"):
        assert att.loc[driver].abs().max() < 1e-12, driver
    total = att.loc["end"] - att.loc["start"]
    assert att.loc["capex", "equity_irr_after_tax"] == pytest.approx(
        total["equity_irr_after_tax"], abs=1e-12)
    assert att.loc["capex", "project_npv_after_tax_usd"] < 0
    # normalised: $100/kW more PCS is $100/kW more capex
    n = comp.normalised
    assert n["capex_usd_per_kw"].iloc[1] - n["capex_usd_per_kw"].iloc[0] == pytest.approx(100.0)
    assert len(repr(comp)) < 400 and "<table" in comp._repr_html_()


def test_compare_at_one_discount_rate(result):
    other = result.deal.replace(name="other", finance={"discount_rate": 0.12})
    comp = bessfin.compare([result, other], discount_rate=0.07, mode="screening")
    for r in comp.results:
        cf = r.pro_forma.line(L.UNLEVERED_AFTER_TAX).to_numpy()
        npv = float(np.sum(cf / 1.07 ** np.arange(len(cf))))
        assert r.pro_forma.metrics.project_npv_after_tax_usd == pytest.approx(npv, rel=1e-9)
    assert "finance.discount_rate" not in comp.assumptions.index
    assert comp.attribution["other"].loc["discount rate"].abs().max() < 1e-9


def test_screen_a_frame_matches_run(deal):
    # perfect foresight: the LP optimum is the settled revenue, so tied schedules (which a
    # forecast can settle differently, ~1e-6 in IRR) cannot make screen and run disagree
    deal = deal.replace(**{"market.foresight": "perfect"})
    frame = pd.DataFrame({"id": ["base", "4h"], "battery.energy_mwh": [200.0, 400.0]})
    table = bessfin.screen(frame, base=deal, backend="serial")
    assert list(table.index) == ["base", "4h"] and (table["status"] == "ok").all()
    assert (table["dispatch_mode"] == "screening").all()
    four = bessfin.run(deal.replace(**{"battery.energy_mwh": 400}), mode="screening")
    assert table.loc["4h", "equity_irr_after_tax"] == pytest.approx(
        four.metrics["equity_irr_after_tax"], abs=1e-6)
    listed = bessfin.screen([deal, deal.replace(name="copy", battery={"energy_mwh": 400})],
                            backend="serial")
    assert list(listed.index) == [deal.name, "copy"]
    assert listed.loc["copy", "capex_usd"] == pytest.approx(table.loc["4h", "capex_usd"])
    assert callable(bessfin.screen) and bessfin.screen.load_portfolio  # still the package


def test_heartbeat_prints_plain_lines_when_not_a_terminal(monkeypatch):
    from bessfin.cli.common import Heartbeat

    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    with Heartbeat(0.05, enabled=True) as beat:
        beat.set("deal: full dispatch: year 1/20")
        time.sleep(0.3)
    lines = buf.getvalue().splitlines()
    assert len(lines) >= 4 and all(re.match(r"bessfin: \[\d+ s\] ", x) for x in lines)
    buf2 = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf2)
    with Heartbeat(0.05, enabled=False) as beat:
        beat.set("x")
        time.sleep(0.1)
    assert buf2.getvalue() == ""


def test_piped_tables_are_wide_unless_columns_says(monkeypatch):
    from bessfin.cli.common import PIPE_WIDTH, out_console

    monkeypatch.delenv("COLUMNS", raising=False)
    assert out_console().width == PIPE_WIDTH  # pytest's stdout is not a terminal
    monkeypatch.setenv("COLUMNS", "90")
    assert out_console().width == 90


def test_gridstatus_frame_as_prices(deal):
    """A gridstatus LMP frame (no AS frame) runs energy-only, as the same prices given as a
    PriceData with the energy column only."""
    from bessfin.io import from_frame

    shipped = load_prices("ercot", 2024, "HB_HOUSTON")
    gs = pd.DataFrame({"Interval Start": shipped.frame.index.tz_convert("US/Central"),
                       "Location": "HB_HOUSTON", "SPP": shipped.frame["energy"].to_numpy()})
    energy_only = from_frame(shipped.frame[["energy"]], "ercot", "HB_HOUSTON")
    a = bessfin.run(deal, prices=gs, mode="screening")
    b = bessfin.run(deal, prices=energy_only, mode="screening")
    assert a.metrics["year1_revenue_usd"] == pytest.approx(b.metrics["year1_revenue_usd"],
                                                           rel=1e-9)
    streams = [c for c in a.annual.columns if c.startswith("revenue_merchant_")]
    assert a.annual.loc[1, streams].abs().gt(0).sum() <= 2  # energy (and degradation) only


def _short_file(tmp_path, name):
    text = (EXAMPLES / name).read_text()
    for pat, new in ((r"price_years = \[[^\]]*\]", "price_years = [2024]"),
                     (r"life_years = \d+", "life_years = 4"),
                     (r"(?m)^years = \[[^\]]*\]", "years = []"),
                     (r"tenor_years = \d+", "tenor_years = 4")):
        text = re.sub(pat, new, text)
    path = tmp_path / name
    path.write_text(text)
    return path


def test_compare_cli_json_at_one_rate(tmp_path):
    import json

    from typer.testing import CliRunner

    from bessfin.cli import app

    a = _short_file(tmp_path, "ercot_houston_2h_merchant.toml")
    b = _short_file(tmp_path, "caiso_sp15_4h_ra.toml")
    r = CliRunner().invoke(app, ["compare", str(a), str(b), "--json", "--no-p50",
                                 "--discount-rate", "0.07", "--out", str(tmp_path / "o")])
    assert r.exit_code in (0, 1), r.output
    data = json.loads(r.stdout)
    assert data["discount_rate"] == 0.07
    assert "market.iso" in data["assumptions_differing"]
    assert {d["dispatch_mode"] for d in data["deals"]} == {"screening"}
    (att,) = data["attribution"].values()
    total = {k: att["end"][k] - att["start"][k] for k in att["start"]}
    steps = [v for k, v in att.items() if k not in ("start", "end")]
    for k, v in total.items():
        assert sum(s[k] for s in steps if s[k] is not None) == pytest.approx(v, abs=1e-6)
    html = (tmp_path / "o" / "comparison.html").read_text()
    assert "Why the returns differ" in html and "Assumptions that differ" in html
