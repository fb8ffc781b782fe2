"""Day-ahead plus real-time two-settlement: arithmetic, AS headroom in RT, RT == DA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bessfin.dispatch import Battery, Horizon, series_from
from bessfin.dispatch.two_settlement import two_settlement
from bessfin.io import load_prices
from tests.dispatch.helpers import frame, make_market, product

IDX = pd.date_range("2024-05-01T05:00Z", periods=4, freq="h", name="interval_start")
LOSSLESS = Battery(power_mw=1, energy_mwh=1, charge_efficiency=1.0, discharge_efficiency=1.0,
                   soc_initial=0.0, soc_terminal=0.0)


def test_settlement_arithmetic_hand_solved() -> None:
    """1 MW / 1 MWh lossless, empty at start and end, energy only.

    DA prices 10, 50, 20, 60: the DA schedule charges, discharges, charges, discharges
    (q_DA = -1, 1, -1, 1 MW), DA-only revenue -10 + 50 - 20 + 60 = 80.
    RT prices 30, 20, 5, 100 (known: perfect RT foresight): cycling in hours 0-1 now loses
    (buy 30, sell 20), so RT idles there and cycles 5 -> 100: q_RT = 0, 0, -1, 1.
    Settlement: DA energy 80; deviation (0+1) x 30 + (0-1) x 20 + 0 x 5 + 0 x 100 = 10;
    DA+RT = 90 = RT energy value (-5 + 100 = 95) + DA position x (DA - RT price)
    (-1 x -20 + 1 x 30 - 1 x 15 + 1 x -40 = -5).
    """
    da = pd.DataFrame({"energy": [10.0, 50.0, 20.0, 60.0]}, index=IDX)
    rt = pd.DataFrame({"energy": [30.0, 20.0, 5.0, 100.0]}, index=IDX)
    r = two_settlement(da, rt, LOSSLESS, market="ercot", rt_foresight="perfect")
    assert r.rt_schedule["da_position_mw"].tolist() == pytest.approx([-1, 1, -1, 1])
    q_rt = r.rt_schedule["discharge_mw"] - r.rt_schedule["charge_mw"]
    assert q_rt.tolist() == pytest.approx([0, 0, -1, 1], abs=1e-9)
    assert r.revenue["da_energy"].tolist() == pytest.approx([-10, 50, -20, 60])
    assert r.revenue["rt_deviation"].tolist() == pytest.approx([30, -20, 0, 0], abs=1e-9)
    assert r.da_only_revenue == pytest.approx(80)
    assert r.da_rt_revenue == pytest.approx(90)
    assert r.rt_uplift == pytest.approx(10)


def test_15_minute_rt_against_hourly_da_hand_solved() -> None:
    """Same battery, one DA hour at 40 with the DA schedule idle (no spread to trade) and
    15-minute RT prices 10, 10, 90, 90 within... a 2-hour horizon: hour 0 DA 40, hour 1 DA 40.
    RT quarter-hours of hour 0: 10 x 4; of hour 1: 90 x 4. RT charges 1 MW for the four
    quarters of hour 0 (1 MWh) and discharges them in hour 1: deviation = -1 x 10 x 1 h
    + 1 x 90 x 1 h = 80; DA-only = 0."""
    da = pd.DataFrame({"energy": [40.0, 40.0]}, index=IDX[:2])
    rt_idx = pd.date_range(IDX[0], periods=8, freq="15min", name="interval_start")
    rt = pd.DataFrame({"energy": [10.0] * 4 + [90.0] * 4}, index=rt_idx)
    r = two_settlement(da, rt, LOSSLESS, market="ercot", rt_foresight="perfect")
    assert r.da_only_revenue == pytest.approx(0.0, abs=1e-9)
    assert r.revenue["da_energy"].abs().sum() == pytest.approx(0.0, abs=1e-9)
    assert r.revenue["rt_deviation"].sum() == pytest.approx(80.0)
    assert r.summary_dict()["rt_interval_minutes"] == 15


def test_hour_ahead_hand_solved_against_perfect_and_persistence() -> None:
    """Same battery (empty at start and end of the day). DA 10, 50, 20, 60: the DA schedule
    cycles twice (q_DA = -1, 1, -1, 1), DA-only 80. RT 60, 15, 5, 100.

    Hour-ahead: each hour sees its own RT price and the DA prices of the later hours.
    h0 [60 | 50 20 60]: charging at 60 pays less than charging at 20 and selling at 60
    (-60+50-20+60 = 30 < 40): idle. h1 [15 | 20 60]: charge at 15, sell at 60 (45 > 40):
    charge. h2 [5 | 60], full: hold. h3 [100]: discharge. q = 0, -1, 0, 1, RT energy value
    -15 + 100 = 85. Perfect RT foresight: charge at 5, sell at 100 (95). Persistence: the
    first day has no RT history and is decided on its DA prices: the DA schedule, value 50.
    DA+RT = DA-only + RT value - q_DA . lambda_RT = 80 + V - 50: hour-ahead 115 (uplift 35),
    perfect 125 (45), persistence 80 (0).
    """
    da = pd.DataFrame({"energy": [10.0, 50.0, 20.0, 60.0]}, index=IDX)
    rt = pd.DataFrame({"energy": [60.0, 15.0, 5.0, 100.0]}, index=IDX)
    expected = {"hour-ahead": ([0, -1, 0, 1], 35.0), "perfect": ([0, 0, -1, 1], 45.0),
                "persistence": ([-1, 1, -1, 1], 0.0)}
    for foresight, (q, uplift) in expected.items():
        r = two_settlement(da, rt, LOSSLESS, market="ercot", rt_foresight=foresight)
        q_rt = r.rt_schedule["discharge_mw"] - r.rt_schedule["charge_mw"]
        assert q_rt.tolist() == pytest.approx(q, abs=1e-9), foresight
        assert r.da_only_revenue == pytest.approx(80.0)
        assert r.rt_uplift == pytest.approx(uplift, abs=1e-9), foresight
    assert two_settlement(da, rt, LOSSLESS, market="ercot").rt_foresight == "hour-ahead"


def test_hour_ahead_15_minute_decides_each_interval_on_its_own_price() -> None:
    """1 MW / 1 MWh lossless, 0.25 MWh stored at the start, empty allowed at the end.
    DA 50 then 60: the DA schedule buys 0.75 MWh at 50 and sells 1 MWh at 60
    (q_DA = -0.75, +1 MW; DA-only 22.5). RT quarter-hours of hour 0: 70, 100, 200, 30;
    hour 1: 60 x 4 (0.25 MWh per quarter at full power).

    Hour-ahead, quarter by quarter, each seeing only its own RT price:
    q0 [70 | 50 50 50 | 60 x4]: sell now (17.5), re-buy 0.75 at 50, sell at 60: 25, beats
    holding (buy 0.75 at 50, sell 1 at 60: 22.5): discharge. q1 [100 | 50 50 | 60s], empty:
    idle. q2 [200 | 50 | 60s], empty: idle (the 200 was not known at q0). q3 [30 | 60s]:
    charge; hour 1 sells the 0.25 MWh. RT value 17.5 - 7.5 + 15 = 25.
    Perfect RT foresight (or the whole hour known at its start) buys at 70 to sell at both
    100 and 200: q = -1, +1, +1, -1, value -17.5 + 25 + 50 - 7.5 + 15 = 65.
    q_DA . lambda_RT x dt = -0.75 x 0.25 x 400 + 60 = -15, so DA+RT = 22.5 + V + 15:
    hour-ahead 62.5 (uplift 40), perfect 102.5 (uplift 80).
    """
    battery = LOSSLESS.model_copy(update={"soc_initial": 0.25, "soc_terminal": 0.0})
    da = pd.DataFrame({"energy": [50.0, 60.0]}, index=IDX[:2])
    rt_idx = pd.date_range(IDX[0], periods=8, freq="15min", name="interval_start")
    rt = pd.DataFrame({"energy": [70.0, 100.0, 200.0, 30.0] + [60.0] * 4}, index=rt_idx)
    for foresight, q_hour0, uplift in (("hour-ahead", [1, 0, 0, -1], 40.0),
                                       ("perfect", [-1, 1, 1, -1], 80.0)):
        r = two_settlement(da, rt, battery, market="ercot", rt_foresight=foresight)
        q = (r.rt_schedule["discharge_mw"] - r.rt_schedule["charge_mw"]).to_numpy()
        assert q[:4].tolist() == pytest.approx(q_hour0, abs=1e-9), foresight
        assert q[4:].sum() * 0.25 == pytest.approx(0.25)
        assert r.da_only_revenue == pytest.approx(22.5)
        assert r.rt_uplift == pytest.approx(uplift), foresight


@pytest.fixture(scope="module")
def fortnight() -> tuple:
    da = load_prices("ercot 2024 HB_HOUSTON")
    rt = load_prices("ercot", 2024, "HB_HOUSTON", market="rtm")
    return da, rt


BATTERY = Battery(power_mw=100, energy_mwh=200, max_cycles_per_day=2.0, degradation_cost=5.0)
PERIOD = {"start": "2024-08-01", "end": "2024-08-15"}


@pytest.mark.parametrize("foresight", ["perfect", "hour-ahead"])
@pytest.mark.parametrize("limits", [None, "default"])
def test_rt_equal_to_da_gives_da_only(fortnight: tuple, foresight: str, limits) -> None:
    """RT prices equal to DA prices and a DA schedule optimal for them: an RT re-dispatch
    on the same prices cannot gain. Hour-ahead sees the true price of each hour and the DA
    (= true) prices of the rest of the day and must end each day with the DA schedule's
    stored energy, so the DA schedule stays optimal in every window."""
    da, _ = fortnight
    kw = {} if limits == "default" else {"as_limits": None}
    r = two_settlement(da, da, BATTERY, rt_foresight=foresight, **kw, **PERIOD)
    assert r.da_rt_revenue == pytest.approx(r.da_only_revenue, rel=1e-7)
    assert r.award_shortfall_mwh == 0.0


def _daily_discharge(r, series) -> pd.Series:
    """Discharged plus deployed up energy per local day [MWh] of an RT schedule."""
    s = r.rt_schedule
    deployed = sum(p.product.deployment_fraction * s[f"{p.id}_mw"]
                   for p in series.products if p.product.needs_up)
    day = s.index.tz_convert("US/Central").tz_localize(None).normalize()
    return (s["discharge_mw"] + deployed).groupby(day).sum()  # hourly: MW x 1 h


@pytest.mark.parametrize("foresight", ["perfect", "hour-ahead", "persistence"])
def test_rt_redispatch_respects_as_headroom_and_reserve(fortnight: tuple, foresight: str) -> None:
    da, rt = fortnight
    r = two_settlement(da, rt, BATTERY, rt_foresight=foresight, as_limits=None, **PERIOD)
    s, d = r.rt_schedule, r.da.schedule
    up = ["reg_up", "rrs", "ecrs", "nonspin"]
    # awards are exactly the DA awards
    for p in [*up, "reg_down"]:
        assert np.allclose(s[f"{p}_mw"], d[f"{p}_mw"], atol=1e-6)
    assert s[[f"{p}_mw" for p in up]].to_numpy().sum() > 100  # awards exist: not vacuous
    tol = 1e-6
    net = s["discharge_mw"] - s["charge_mw"]
    assert (net + s[[f"{p}_mw" for p in up]].sum(axis=1) <= 100 + tol).all()
    assert (-net + s["reg_down_mw"] <= 100 + tol).all()
    # stored energy covers each up (down) award for its sustain duration, at the end of
    # each interval, with the durations of the market rules the LP used
    series, _, _ = series_from(da, **PERIOD)
    need_up = sum(p.duration_h * s[f"{p.id}_mw"].to_numpy() / BATTERY.discharge_efficiency
                  for p in series.products if p.product.needs_up)
    need_dn = sum(p.duration_h * s[f"{p.id}_mw"].to_numpy() * BATTERY.charge_efficiency
                  for p in series.products if p.product.needs_down)
    soc = s["soc_mwh"].to_numpy()
    assert (soc - need_up >= -tol).all()
    assert (soc + need_dn <= 200 + tol).all()
    assert r.award_shortfall_mwh == 0.0
    # the daily cycle limit holds over each whole day (hour-ahead decides inside the day)
    assert (_daily_discharge(r, series) <= 2.0 * 200 + 1e-6).all()
    if foresight == "hour-ahead":  # each day ends with at least the DA schedule's energy
        day = s.index.tz_convert("US/Central").tz_localize(None).normalize()
        last = ~day.duplicated(keep="last")
        assert (s["soc_mwh"].to_numpy()[last] >= d["soc_mwh"].to_numpy()[last] - tol).all()
    if foresight == "perfect":
        # keeping the DA schedule is feasible in RT, so with RT prices known the energy
        # streams cannot fall below DA-only (deployed energy settles at RT vs DA prices and
        # is left out; its wear is the same on both sides: the awards are equal)
        two = r.revenue[["da_energy", "rt_deviation", "degradation"]].to_numpy().sum()
        one = r.da.revenue[["energy", "degradation"]].to_numpy().sum()
        assert two >= one - 1e-7 * abs(one)


_prices = st.lists(st.floats(-50, 300, allow_nan=False), min_size=30, max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(da=_prices, rt=_prices, n=st.integers(6, 30), rte=st.floats(0.75, 1.0),
       up=st.lists(st.floats(0, 40), min_size=30, max_size=30),
       dn=st.lists(st.floats(0, 40), min_size=30, max_size=30),
       energy_only=st.booleans())
def test_rt_uplift_is_never_negative_with_perfect_foresight_on_both_legs(
        da, rt, n, rte, up, dn, energy_only) -> None:
    """Holding the DA schedule is feasible in the RT re-dispatch (same battery, same awards),
    so with RT prices known the RT leg earns at least what the DA schedule earns at RT prices:
    (q_RT - q_DA) x RT price - wear (d_RT - d_DA) >= 0. Energy only, that is RT uplift >= 0.
    With awards, deployed energy settles at the RT price in DA+RT and at the DA price in
    DA-only (the awards, hence its quantity, are equal), so the uplift net of that price
    difference is >= 0."""
    mkt = make_market((product("reg_up", "up", 1.0, deployment=0.1),
                       product("reg_down", "down", 1.0, deployment=0.1)))
    b = Battery.from_rte(rte, power_mw=5, energy_mwh=10, soc_initial=0.5,
                         max_cycles_per_day=2.0, degradation_cost=3.0)
    da_frame = frame(da[:n], reg_up=up[:n], reg_down=dn[:n])
    r = two_settlement(da_frame, frame(rt[:n]), b, market=mkt, rt_foresight="perfect",
                       products=[] if energy_only else None, as_limits=None)
    assert r.award_shortfall_mwh == 0.0
    deployed_gap = 0.0
    if not energy_only:
        s = r.rt_schedule
        gap = s["rt_price"].to_numpy() - s["da_price"].to_numpy()
        deployed_gap = float((0.1 * gap * (s["reg_up_mw"] - s["reg_down_mw"]).to_numpy()).sum())
    tol = 1e-6 * (1.0 + sum(abs(x) for x in da[:n] + rt[:n]) * b.power_mw)
    assert r.rt_uplift - deployed_gap >= -tol
    if energy_only:
        assert r.rt_uplift >= -tol


@pytest.mark.parametrize(("iso", "node", "period"), [
    ("ercot", "HB_HOUSTON", {"start": "2024-08-01", "end": "2024-08-22"}),
    ("pjm", "WESTERN HUB", {"start": "2024-01-08", "end": "2024-01-29"}),
])
def test_perfect_rt_foresight_bounds_hour_ahead(iso: str, node: str, period: dict) -> None:
    """The hour-ahead schedule is feasible for the perfect-foresight RT LP (same awards,
    cycle limits, and it ends at least at the DA schedule's final energy, itself at least
    the terminal), so perfect foresight earns at least as much; a violated cycle limit or
    award in the hour-ahead walk could break this. DA leg as a deal decides it."""
    da = load_prices(iso, 2024, node)
    rt = load_prices(iso, 2024, node, market="rtm")
    r = {f: two_settlement(da, rt, BATTERY, horizon=Horizon("day", 24, "persistence-day"),
                           rt_foresight=f, **period) for f in ("perfect", "hour-ahead")}
    perfect, hour = r["perfect"].rt_uplift, r["hour-ahead"].rt_uplift
    assert perfect >= hour - 1e-6 * abs(perfect)
    assert hour != 0.0 and perfect > 0.0  # not vacuous: both re-dispatch
    assert r["hour-ahead"].award_shortfall_mwh == 0.0
