"""NYISO, ISO-NE and MISO prices in frames shaped exactly as gridstatus returns them (layouts
and builders: tests/io/conftest.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessfin.deal import load_deal, run_deal
from bessfin.dispatch import Battery, dispatch
from bessfin.io import (
    PriceDataError,
    UnknownSeriesError,
    from_gridstatus,
    load_prices,
    read_prices,
)
from tests.deals.conftest import EXAMPLES
from tests.io.conftest import hours, lmp_frame, price_shape


def _battery() -> Battery:
    return Battery.from_rte(0.85, power_mw=50, energy_mwh=200, max_cycles_per_day=1.5)


def _check_dispatch(prices, products: list[str]) -> None:
    """Dispatch on the loaded prices: every product can be awarded and physics hold."""
    b = _battery()
    r = dispatch(prices, b)
    s = r.schedule
    assert np.isfinite(r.total_revenue) and r.total_revenue > 0
    for pid in products:
        assert f"{pid}_mw" in s.columns
        assert pid in r.revenue_by_stream.index
    market = prices.market
    up = [f"{p.id}_mw" for p in market.products if p.needs_up and p.id in products]
    down = [f"{p.id}_mw" for p in market.products if p.needs_down and p.id in products]
    tol = 1e-6
    assert (s["discharge_mw"] - s["charge_mw"] + s[up].sum(axis=1) <= b.power_mw + tol).all()
    assert (s["charge_mw"] - s["discharge_mw"] + s[down].sum(axis=1) <= b.p_charge + tol).all()
    assert (s["soc_mwh"] >= -tol).all() and (s["soc_mwh"] <= b.energy_mwh + tol).all()
    # revenue by stream adds up to the total and the capacity streams are price x award
    assert r.revenue_by_stream.sum() == pytest.approx(r.total_revenue, rel=1e-9)
    for pid in products:
        paid = float((prices.frame[pid] * s[f"{pid}_mw"]).sum())
        assert r.revenue_by_stream[pid] == pytest.approx(paid, rel=1e-9, abs=1e-6)


def _deal_on(prices, iso: str, node: str):
    """The ERCOT example deal moved to another ISO and run on user prices for 2 years (a few
    days of prices: the deal opts in to annualising the part year, issue 11)."""
    d = load_deal(EXAMPLES / "ercot_houston_2h_merchant.toml")
    year = int(prices.local_index[0].year)
    d = d.model_copy(update={
        "project": d.project.model_copy(update={"life_years": 2}),
        "market": d.market.model_copy(update={"iso": iso, "node": node, "price_years": (year,),
                                              "products": None, "partial_year": "annualise"}),
        "augmentation": d.augmentation.model_copy(update={"years": ()}),
        "debt": d.debt.model_copy(update={"tenor_years": 2}),
    })
    return run_deal(d, prices={year: prices}, mode="full")


def _check_deal(prices, iso: str, node: str, products: list[str]) -> None:
    res = _deal_on(prices, iso, node)
    annual = res.lifetime.annual
    for pid in products:
        assert pid in res.lifetime.streams
        assert annual.loc[1, pid] > 0
    year1 = float(annual.loc[1, res.lifetime.streams].sum())
    assert np.isfinite(year1) and year1 > 0


# --------------------------------------------------------------------------- NYISO

def test_nyiso_frames_load_by_zone(nyiso):
    p = from_gridstatus(nyiso["lmp"], "nyiso", as_prices=nyiso["as"], node="N.Y.C.")
    assert p.node == "N.Y.C."
    assert len(p.frame) == 24 + 25 + 24
    assert p.report.dst_days == {pd.Timestamp("2024-11-03").date(): 25}
    assert list(p.frame.columns) == ["energy", "reg", "spin10", "nonsync10", "res30"]
    want = nyiso["as"][nyiso["as"]["Zone"] == "N.Y.C."]
    np.testing.assert_array_equal(p.frame["spin10"], want["10 Min Spin Reserves"])
    np.testing.assert_array_equal(p.frame["reg"], want["Regulation Capacity"])
    lmp = nyiso["lmp"][nyiso["lmp"]["Location"] == "N.Y.C."]
    np.testing.assert_array_equal(p.frame["energy"], lmp["LMP"])
    # another zone gets its own reserve prices
    q = from_gridstatus(nyiso["lmp"], "nyiso", as_prices=nyiso["as"], node="west")
    assert not np.array_equal(q.frame["spin10"], p.frame["spin10"])


def test_nyiso_movement_price_from_raw_column(nyiso):
    asp = nyiso["as"].copy()
    asp["NYCA Regulation Movement ($/MW)"] = 0.15
    p = from_gridstatus(nyiso["lmp"], "nyiso", as_prices=asp, node="LONGIL")
    assert (p.frame["reg_mileage"] == 0.15).all()


def test_nyiso_dispatch_and_deal(nyiso):
    p = from_gridstatus(nyiso["lmp"], "nyiso", as_prices=nyiso["as"], node="N.Y.C.")
    products = ["reg", "spin10", "nonsync10", "res30"]
    _check_dispatch(p, products)
    res = _deal_on(p, "nyiso", "N.Y.C.")
    assert set(products) <= set(res.lifetime.streams)
    assert np.isfinite(float(res.lifetime.annual.loc[1, res.lifetime.streams].sum()))


# --------------------------------------------------------------------------- ISO-NE


def test_isone_regulation_5min_and_zonal_reserves(isone):
    p = from_gridstatus(isone["lmp"], "isone", as_prices=[isone["reg"], isone["rt"]],
                        node=".H.INTERNAL_HUB", reserve_zone="7000")
    assert len(p.frame) == 72
    # hourly price = mean of the twelve 5-minute prices (computed independently by reshape)
    cap = isone["reg"]["Reg Capacity Clearing Price"].to_numpy().reshape(-1, 12).mean(axis=1)
    svc = isone["reg"]["Reg Service Clearing Price"].to_numpy().reshape(-1, 12).mean(axis=1)
    np.testing.assert_allclose(p.frame["reg"], cap, rtol=1e-12)
    np.testing.assert_allclose(p.frame["reg_mileage"], svc, rtol=1e-12)
    ros = isone["rt"][isone["rt"]["Reserve Zone Id"] == 7000]
    np.testing.assert_array_equal(p.frame["tmsr"], ros["TMSR Clearing Price"])
    np.testing.assert_array_equal(p.frame["tmor"], ros["TMOR Clearing Price"])
    assert any("averaged to 72 hours" in n for n in p.report.notes)
    # a zone by its name picks other prices
    ct = from_gridstatus(isone["lmp"], "isone", as_prices=[isone["reg"], isone["rt"]],
                         node=".H.INTERNAL_HUB", reserve_zone=".Z.CT")
    assert (ct.frame["tmnsr"] > p.frame["tmnsr"]).all()


def test_isone_several_zones_need_a_zone(isone):
    with pytest.raises(PriceDataError, match=r"several regions.*reserve_zone="):
        from_gridstatus(isone["lmp"], "isone", as_prices=isone["rt"], node=".H.INTERNAL_HUB")


def test_isone_incomplete_5min_hour_is_refused(isone):
    reg = isone["reg"].drop(index=[30])
    with pytest.raises(PriceDataError, match=r"incomplete hours of 5-minute AS prices.*12 "):
        from_gridstatus(isone["lmp"], "isone", as_prices=reg, node=".H.INTERNAL_HUB")


def test_isone_product_in_two_frames_is_refused(isone):
    with pytest.raises(PriceDataError,
                       match=r"product 'reg(_mileage)?' also in frame \(gridstatus AS #1\)"):
        from_gridstatus(isone["lmp"], "isone", as_prices=[isone["reg"], isone["reg"]],
                        node=".H.INTERNAL_HUB")


def test_isone_day_ahead_dasi_frame():
    starts = hours("2025-03-01", "2025-03-03", "US/Eastern")  # DASI starts 2025-03-01
    n = len(starts)
    lmp = lmp_frame(starts, {".H.INTERNAL_HUB": price_shape(n, 30, 120)}, "DAY_AHEAD_HOURLY", "Hub")
    da = pd.DataFrame({
        "Interval Start": starts, "Interval End": starts + pd.Timedelta("1h"),
        "EIR Designation MW": 300.0, "FER Clearing Price": price_shape(n, 0.2, 3),
        "Forecasted Energy Req MW": 15000.0, "Ten Min Spin Req MW": 600.0,
        "TMNSR Clearing Price": price_shape(n, 0.5, 4), "TMNSR Designation MW": 1100.0,
        "TMOR Clearing Price": price_shape(n, 0.3, 2), "TMOR Designation MW": 800.0,
        "TMSR Clearing Price": price_shape(n, 1, 6), "TMSR Designation MW": 700.0,
        "Total Ten Min Req MW": 1700.0, "Total Thirty Min Req MW": 2500.0,
    })
    p = from_gridstatus(lmp, "isone", as_prices=da)
    assert list(p.frame.columns) == ["energy", "tmsr", "tmnsr", "tmor", "eir"]
    np.testing.assert_array_equal(p.frame["eir"], da["FER Clearing Price"])
    _check_dispatch(p, ["tmsr", "tmnsr", "tmor", "eir"])


def test_isone_dasi_close_out_is_netted():
    # gridstatus get_ancillary_services_strike_prices_day_ahead: several publications per
    # hour; the last one counts. Day-ahead prices net of the expected close-out charge.
    starts = hours("2025-03-01", "2025-03-02", "US/Eastern")
    n = len(starts)
    lmp = lmp_frame(starts, {".H.INTERNAL_HUB": price_shape(n, 30, 120)}, "DAY_AHEAD_HOURLY", "Hub")
    da = pd.DataFrame({"Interval Start": starts, "Interval End": starts + pd.Timedelta("1h"),
                       "TMSR Clearing Price": 5.0, "TMOR Clearing Price": 2.0,
                       "FER Clearing Price": 1.5})
    early = pd.Timestamp("2025-02-28 10:00", tz="US/Eastern")
    strike = pd.concat([
        pd.DataFrame({"Interval Start": starts, "Interval End": starts + pd.Timedelta("1h"),
                      "Publish Time": early + pd.Timedelta(hours=h),
                      "Expected Closeout Charge": charge, "Strike Price": 95.0})
        for h, charge in ((0, 9.9), (2, np.linspace(0.0, 1.15, n)))
    ]).sort_values(["Interval Start", "Publish Time"])
    p = from_gridstatus(lmp, "isone", as_prices=[da, strike])
    last = np.linspace(0.0, 1.15, n)
    np.testing.assert_allclose(p.frame["tmsr"], 5.0 - last)
    np.testing.assert_allclose(p.frame["tmor"], 2.0 - last)
    np.testing.assert_allclose(p.frame["eir"], 1.5 - last)
    assert any("close-out" in n and "netted" in n for n in p.report.notes)
    with pytest.raises(PriceDataError, match="award charges but no prices"):
        from_gridstatus(lmp, "isone", as_prices=strike)


def test_isone_dispatch_and_deal(isone):
    p = from_gridstatus(isone["lmp"], "isone", as_prices=[isone["reg"], isone["rt"]],
                        node=".H.INTERNAL_HUB", reserve_zone="7000")
    _check_dispatch(p, ["reg", "tmsr", "tmnsr", "tmor"])
    _check_deal(p, "isone", ".H.INTERNAL_HUB", ["reg"])


# --------------------------------------------------------------------------- MISO


def test_miso_frames_load_in_est(miso):
    p = from_gridstatus(miso["lmp"], "miso", as_prices=miso["as"], node="INDIANA.HUB",
                        reserve_zone="Zone 2")
    assert len(p.frame) == 72
    assert p.report.dst_days == {}  # EST: 24 hours every day
    assert list(p.frame.columns) == ["energy", "reg", "spin", "supp", "str", "ramp_up",
                                     "ramp_down"]
    z2 = miso["as"][miso["as"]["Zone"] == "Zone 2"]
    np.testing.assert_array_equal(p.frame["reg"], z2["Regulation"])
    np.testing.assert_array_equal(p.frame["str"], z2["STR"])
    assert p.local_index[0].hour == 0 and p.local_index[0].day == 9


def test_miso_zone_is_required(miso):
    with pytest.raises(PriceDataError, match=r"several regions \['Zone 1', 'Zone 2', 'Zone 3'\]"):
        from_gridstatus(miso["lmp"], "miso", as_prices=miso["as"], node="INDIANA.HUB")
    with pytest.raises(PriceDataError, match=r"no rows of reserve zone 'Zone 9'"):
        from_gridstatus(miso["lmp"], "miso", as_prices=miso["as"], node="INDIANA.HUB",
                        reserve_zone="Zone 9")


def test_miso_dispatch_and_deal(miso):
    p = from_gridstatus(miso["lmp"], "miso", as_prices=miso["as"], node="INDIANA.HUB",
                        reserve_zone="zone 1")
    products = ["reg", "spin", "supp", "str", "ramp_up", "ramp_down"]
    _check_dispatch(p, products)
    _check_deal(p, "miso", "INDIANA.HUB", ["reg"])


# --------------------------------------------------------------------------- shipped names


@pytest.mark.parametrize(("iso", "node"), [("nyiso", "N.Y.C."), ("isone", ".H.INTERNAL_HUB"),
                                           ("miso", "INDIANA.HUB")])
def test_no_shipped_data_points_to_user_prices(iso, node):
    with pytest.raises(UnknownSeriesError, match=r"ships no .* prices.*from_gridstatus.*"
                       r"read_prices"):
        load_prices(iso, 2024, node)


# --------------------------------------------------------------------------- saved frames


def test_saved_gridstatus_frames_read_like_the_frames(nyiso, miso, tmp_path):
    """A gridstatus frame saved with to_csv / to_parquet reads to the same PriceData."""
    nyiso["lmp"].to_csv(tmp_path / "nyiso_lmp.csv", index=False)
    nyiso["as"].to_csv(tmp_path / "nyiso_as.csv", index=False)
    got = read_prices(tmp_path / "nyiso_lmp.csv", "nyiso", "N.Y.C.",
                      as_prices=tmp_path / "nyiso_as.csv")
    want = from_gridstatus(nyiso["lmp"], "nyiso", as_prices=nyiso["as"], node="N.Y.C.")
    pd.testing.assert_frame_equal(got.frame, want.frame)
    miso["lmp"].to_parquet(tmp_path / "miso_lmp.parquet")
    got = read_prices(tmp_path / "miso_lmp.parquet", "miso", "INDIANA.HUB",
                      as_prices=[miso["as"]], reserve_zone="Zone 3")
    want = from_gridstatus(miso["lmp"], "miso", as_prices=miso["as"], node="INDIANA.HUB",
                           reserve_zone="Zone 3")
    pd.testing.assert_frame_equal(got.frame, want.frame)
    with pytest.raises(PriceDataError, match=r"must (lie in|cover)|year"):
        read_prices(tmp_path / "miso_lmp.parquet", "miso", "INDIANA.HUB", year=2024)
