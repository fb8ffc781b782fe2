"""Deals with settlement = "da+rt": schema rules, the two-settlement carried through the life
and the pro forma, the DA-only rung and RT uplift on the ladder, and `bessfin run`."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from bessfin.deal import DealError, deal_from_dict, load_deal_prices, run_deal
from bessfin.deal.ladder import RUNGS, revenue_ladder
from bessfin.dispatch.results import is_ancillary_stream, is_energy_stream
from bessfin.finance import lines as L

from .conftest import EXAMPLES
from .conftest import short_market_dict as _short


def test_settlement_rules(base) -> None:
    assert deal_from_dict(_short(base)).market.settlement == "da"
    with pytest.raises(DealError, match="needs market = 'dam'"):
        deal_from_dict(_short(base, settlement="da+rt", market="rtm"))
    with pytest.raises(DealError, match="rt_price_file needs settlement"):
        deal_from_dict(_short(base, rt_price_file="rt.csv"))
    with pytest.raises(DealError, match="settlement"):
        deal_from_dict(_short(base, settlement="rt"))


def test_two_settlement_streams_scale_with_energy_prices() -> None:
    """Screening mode scales DA energy and RT deviation by the energy-price growth, and the
    AS haircut never cuts them (they are energy, not ancillary capacity)."""
    for s in ("energy", "da_energy", "rt_deviation", "reg_up_deployed_energy"):
        assert is_energy_stream(s) and not is_ancillary_stream(s)
    for s in ("reg_up", "reg_up_mileage", "rrs"):
        assert is_ancillary_stream(s) and not is_energy_stream(s)
    assert not is_energy_stream("degradation") and not is_ancillary_stream("degradation")


@pytest.fixture(scope="module")
def dart(base):
    """A 2-year, one-price-year ERCOT deal settled DA+RT (the hour-ahead RT base), screening
    mode, with its ladder's DA-only rung."""
    deal = deal_from_dict(_short(base, settlement="da+rt"))
    r = run_deal(deal, mode="screening")
    only = tuple(s for s in RUNGS if s.name == "da_only")
    r.ladder = revenue_ladder(r, rungs=only)
    return r


def test_pro_forma_carries_the_two_settlement(dart) -> None:
    lt, two = dart.lifetime, dart.settlement[2024]
    assert lt.settlement == "da+rt" and set(lt.settlements) == {2024}
    assert {"da_energy", "rt_deviation"} <= set(lt.streams) and "energy" not in lt.streams
    # year 1 (nameplate capacity, year-1 prices) is the two-settlement itself
    assert float(lt.annual.loc[1, lt.streams].sum()) == pytest.approx(two.da_rt_revenue,
                                                                      rel=1e-12)
    assert float(lt.annual.loc[1, "discharged_mwh"]) == pytest.approx(two.discharged_mwh,
                                                                      rel=1e-12)
    assert two.discharged_mwh == pytest.approx(
        two.rt_schedule["discharge_mw"].sum() + two.deployed_mwh, rel=1e-12)
    for stream in ("da_energy", "rt_deviation"):
        line = dart.pro_forma.line(L.merchant_line(stream))
        assert float(line.loc[1]) == pytest.approx(float(lt.annual.loc[1, stream]), rel=1e-12)
    assert float(dart.pro_forma.line(L.REVENUE_TOTAL).loc[1]) == pytest.approx(
        two.da_rt_revenue, rel=1e-9)
    # the report schedule is the physical RT schedule with the DA+RT streams
    fy = lt.first_year
    assert fy.total_revenue == pytest.approx(two.da_rt_revenue, rel=1e-12)
    assert (fy.schedule["discharge_mw"] == two.rt_schedule["discharge_mw"]).all()
    s = dart.summary_dict()["settlement"]
    # the base RT strategy is hour-ahead (changed deliberately from persistence, which loses
    # money re-dispatching on yesterday's RT prices: docs/dispatch.md)
    assert s["settlement"] == "da+rt" and s["rt_foresight"] == "hour-ahead"
    assert s["pro_forma_revenue"].startswith("DA+RT")
    year = s["by_price_year"][2024]
    assert year["da_rt_usd_per_kw_year"] == pytest.approx(
        year["da_only_usd_per_kw_year"] + year["rt_uplift_usd_per_kw_year"], abs=2e-3)


def test_ladder_shows_da_only_and_the_rt_uplift(dart, base) -> None:
    lad = dart.ladder
    assert [r.name for r in lad.rungs] == ["da_only", "base"]
    da_only, top = lad.rung("da_only"), lad.rung("base")
    # the DA-only rung is the deal settled day-ahead only, in the deal's mode ...
    plain = run_deal(deal_from_dict(_short(base)), mode="screening")
    per_year = plain.lifetime.annual[plain.lifetime.streams].sum(axis=1)
    assert da_only.life_mode == "screening"
    assert da_only.year1_usd == pytest.approx(float(per_year.loc[1]), rel=1e-6)
    assert da_only.life_usd == pytest.approx(float(per_year.sum()), rel=1e-6)
    # ... and its year 1 is the DA leg of the two-settlement
    assert da_only.year1_usd == pytest.approx(dart.settlement[2024].da_only_revenue, rel=1e-6)
    up = lad.uplift("rt_uplift")
    assert up.over == "da_only"
    assert up.year1_usd == pytest.approx(top.year1_usd - da_only.year1_usd, rel=1e-12)
    assert up.life_usd == pytest.approx(top.life_usd - da_only.life_usd, rel=1e-12)
    assert up.year1_pct == pytest.approx(100 * up.year1_usd / da_only.year1_usd, rel=1e-12)
    assert up.life_pct == pytest.approx(100 * up.life_usd / da_only.life_usd, rel=1e-12)
    ladder_json = json.loads(json.dumps(dart.summary_dict()["revenue_ladder"]))
    assert ladder_json["uplifts"]["rt_uplift"]["life_usd"] == pytest.approx(up.life_usd)


def test_rt_prices_equal_to_da_prices_give_the_da_only_life(base, tmp_path) -> None:
    """Perfect foresight on both legs and RT prices = DA prices: the RT re-dispatch has
    nothing to gain, so every operating year (escalated, degraded) earns what the DA-only
    life earns and the RT uplift is zero."""
    perfect = {"foresight": "perfect", "horizon": "perfect"}
    da_deal = deal_from_dict(_short(base, **perfect))
    da = load_deal_prices(da_deal)[2024]
    rt_file = tmp_path / "rt_equals_da.csv"
    pd.DataFrame({"timestamp_utc": da.frame.index.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "energy": da.frame["energy"].to_numpy()}).to_csv(rt_file, index=False)
    dart_deal = deal_from_dict(_short(base, **perfect, settlement="da+rt",
                                      rt_foresight="perfect", rt_price_file=str(rt_file)))
    assert dart_deal.market.escalation > 0  # later years are scaled: RT prices must be too
    one = run_deal(da_deal, mode="full").lifetime
    two = run_deal(dart_deal, mode="full").lifetime
    assert two.settlement == "da+rt" and one.settlement == "da"
    total_one = one.annual[one.streams].sum(axis=1)
    total_two = two.annual[two.streams].sum(axis=1)
    assert total_two.to_list() == pytest.approx(total_one.to_list(), rel=1e-7)
    assert two.annual["discharged_mwh"].to_list() == pytest.approx(
        one.annual["discharged_mwh"].to_list(), rel=1e-6)
    assert two.annual["capacity_factor"].to_list() == pytest.approx(
        one.annual["capacity_factor"].to_list(), rel=1e-9)
    assert (two.annual["rt_deviation"].abs() <= 1e-6 * total_one.abs()).all()


def _short_dart_toml(tmp_path) -> str:
    """The ERCOT DA+RT example cut to 2 years on 2024 prices."""
    text = (EXAMPLES / "ercot_houston_2h_dart.toml").read_text()
    for old, new in (("life_years = 20", "life_years = 2"),
                     ("price_years = [2024, 2025]", "price_years = [2024]"),
                     ("years = [9]", "years = []"), ("tenor_years = 10", "tenor_years = 2")):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "dart.toml"
    path.write_text(text)
    return str(path)


def test_bessfin_run_prints_da_only_and_da_rt_and_values_da_rt(tmp_path) -> None:
    """One text run (the JSON is ``summary_dict``, tested above): the two-settlement line, the
    ladder's DA-only, base and RT-uplift rows, and the pro forma's year-1 merchant revenue is
    the DA+RT base rung, not the DA-only rung."""
    from bessfin.cli import app

    path = _short_dart_toml(tmp_path)
    res = CliRunner().invoke(app, ["run", path, "--mode", "screening", "--no-report",
                                   "--no-sensitivity"])
    assert res.exit_code in (0, 1), res.output
    out = res.stdout
    assert "two-settlement (year 1, RT hour-ahead" in out
    assert "DA-only" in out and "DA+RT" in out and "pro forma revenue: DA+RT" in out
    assert "RT uplift: DA+RT base case minus DA-only: year 1" in out
    rows = {cells[0]: cells[1:] for ln in out.splitlines() if ln.startswith("│")
            for cells in [[c.strip() for c in ln.strip("│").split("│")]]}
    assert {"ceiling", "capped", "da_only", "base", "rt_uplift (vs da_only)"} <= set(rows)
    year1 = {k: float(rows[k][1]) for k in ("da_only", "base")}  # [$/kW-yr]
    uplift = float(rows["rt_uplift (vs da_only)"][1])
    assert uplift == pytest.approx(year1["base"] - year1["da_only"], abs=0.11)
    assert year1["base"] != year1["da_only"]
    pro_forma = float(rows["Year-1 merchant revenue [$/kW-yr]"][0])
    assert pro_forma == pytest.approx(year1["base"], abs=0.051)


def test_html_report_shows_the_uplift_and_the_settlement_assumption(dart) -> None:
    from bessfin.report.assumptions import key_assumptions
    from bessfin.report.html import _ladder_section

    section = _ladder_section(dart)
    assert "RT uplift: DA+RT base case minus DA-only" in section
    assert "base case settled day-ahead only (DA-only)" in section
    table = key_assumptions(dart).set_index("item")
    assert table.loc["settlement", "value"].startswith(
        "day-ahead + real-time every operating year; RT re-dispatch on each interval's own "
        "RT price and the DA prices of the rest of the day")


def test_price_years_two_settled_side_by_side_change_nothing(base) -> None:
    """Two price years two-settled in two threads give exactly the serial numbers (each price
    year has its own DA and RT models; the forecast plans are kept under a lock)."""
    from bessfin.deal import dispatch_deal

    data = _short(base, settlement="da+rt")
    data["project"]["life_years"] = 1
    data["market"]["price_years"] = [2024, 2025]
    data["market"]["products"] = []  # energy only: the threads are what is tested (fast)
    deal = deal_from_dict(data)
    serial = dispatch_deal(deal, mode="full", workers=1)
    threaded = dispatch_deal(deal, mode="full", workers=2)
    assert serial.settlement == "da+rt" and set(serial.settlements) == {2024, 2025}
    assert threaded.scenarios.equals(serial.scenarios)
    assert threaded.annual.equals(serial.annual)


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
    # year 1 of the life is the two-settlement itself (the pro forma carries DA+RT)
    assert two.da_rt_revenue == pytest.approx(r.lifetime.first_year.total_revenue, rel=1e-9)
    assert year["da_rt_usd_per_kw_year"] == pytest.approx(
        year["da_only_usd_per_kw_year"] + year["rt_uplift_usd_per_kw_year"], abs=2e-3)
    assert two.award_shortfall_mwh == 0.0
    assert len(two.rt_schedule) == 8784  # every hour of leap year 2024
    assert two.rt_uplift != 0.0
