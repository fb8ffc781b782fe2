"""Sub-hourly price loading: regular 5/15-minute frames, gaps, DST, hourly AS alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessfin.dispatch import Battery, dispatch
from bessfin.io import PriceDataError, from_frame, from_gridstatus


def _ercot_rt_15min(day: str, n_days: int = 1) -> pd.DataFrame:
    """gridstatus ``ERCOT.get_spp(market="REAL_TIME_15_MIN")`` shape: one row per location
    and 15-minute interval (``Time``, ``Interval Start``, ``Interval End``, ``Location``,
    ``Location Type``, ``Market``, ``SPP``)."""
    start = pd.Timestamp(day, tz="US/Central")
    end = (pd.Timestamp(day) + pd.Timedelta(days=n_days)).tz_localize("US/Central")  # local days
    idx = pd.date_range(start, end, freq="15min", inclusive="left")
    rows = []
    for loc, base in (("HB_HOUSTON", 30.0), ("HB_NORTH", 25.0)):
        rows.append(pd.DataFrame({
            "Time": idx, "Interval Start": idx, "Interval End": idx + pd.Timedelta("15min"),
            "Location": loc, "Location Type": "Trading Hub", "Market": "REAL_TIME_15_MIN",
            "SPP": base + 10 * np.sin(np.arange(len(idx)) / 7.0)}))
    return pd.concat(rows, ignore_index=True)


def _ercot_as_hourly(day: str, n_days: int = 1) -> pd.DataFrame:
    start = pd.Timestamp(day, tz="US/Central")
    idx = pd.date_range(start, start + pd.Timedelta(days=n_days), freq="h", inclusive="left")
    k = np.arange(len(idx), dtype=float)
    return pd.DataFrame({"Time": idx, "Interval Start": idx,
                         "Interval End": idx + pd.Timedelta("1h"), "Market": "DAM",
                         "Regulation Up": 5 + k, "Regulation Down": 2 + 0 * k,
                         "Responsive Reserves": 8 + 0 * k, "Non-Spinning Reserves": 1 + 0 * k})


def test_ercot_15_minute_spp_loads_and_dispatches() -> None:
    lmp = _ercot_rt_15min("2024-08-20", 2)
    p = from_gridstatus(lmp, "ercot", node="HB_HOUSTON",
                        as_prices=_ercot_as_hourly("2024-08-20", 2))
    assert p.interval_minutes == 15 and len(p.frame) == 2 * 96
    assert "intervals: 192 x 15 min" in p.report.summary()
    # the hourly AS price applies to each of the hour's four intervals
    reg = p.frame["reg_up"].to_numpy().reshape(-1, 4)
    assert (reg == reg[:, :1]).all() and reg[1, 0] == 6.0
    assert any("each sub-hourly LMP interval" in n for n in p.report.notes)
    r = dispatch(p, Battery(power_mw=10, energy_mwh=20), as_limits=None)
    assert r.summary_dict()["interval_minutes"] == 15 and r.summary_dict()["hours"] == 48


def test_caiso_5_minute_lmp_loads() -> None:
    """gridstatus ``CAISO.get_lmp(market="REAL_TIME_5_MIN")`` shape."""
    idx = pd.date_range("2024-07-01", periods=12 * 24, freq="5min", tz="US/Pacific")
    lmp = pd.DataFrame({"Time": idx, "Interval Start": idx,
                        "Interval End": idx + pd.Timedelta("5min"), "Market": "REAL_TIME_5_MIN",
                        "Location": "TH_SP15_GEN-APND", "Location Type": "Trading Hub",
                        "LMP": 40.0 + np.arange(len(idx)) % 17, "Energy": 40.0,
                        "Congestion": 0.0, "Loss": 0.0})
    p = from_gridstatus(lmp, "caiso", node="TH_SP15")
    assert p.interval_minutes == 5 and len(p.frame) == 288


def test_15_minute_gap_is_named_and_drop_days_drops_the_day() -> None:
    lmp = _ercot_rt_15min("2024-08-20", 2)
    lmp = lmp[lmp["Location"] == "HB_NORTH"].reset_index(drop=True).drop(index=[10, 11, 12])
    with pytest.raises(PriceDataError, match=r"missing 15-minute intervals .* in 3 15-minute"):
        from_gridstatus(lmp, "ercot")
    p = from_gridstatus(lmp, "ercot", on_missing="drop-days")
    assert len(p.frame) == 96 and list(p.report.dropped_days.values()) == [
        "3 missing 15-minute interval(s)"]


def test_dst_days_have_92_and_100_intervals() -> None:
    for day, n in (("2024-03-10", 92), ("2024-11-03", 100)):
        lmp = _ercot_rt_15min(day)
        p = from_gridstatus(lmp[lmp["Location"] == "HB_NORTH"], "ercot")
        assert len(p.frame) == n
        assert list(p.report.dst_days.values()) == [n // 4]


def test_30_minute_canonical_frame_and_year_bounds() -> None:
    idx = pd.date_range("2024-05-01T05:00Z", periods=96, freq="30min", name="interval_start")
    p = from_frame(pd.DataFrame({"energy": np.linspace(10, 60, 96)}, index=idx), "ercot")
    assert p.interval_minutes == 30
