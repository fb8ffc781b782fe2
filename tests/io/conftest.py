"""gridstatus-shaped frames for NYISO, ISO-NE and MISO, shared by the io tests and the tests of
the user entry points (``bessfin dispatch --as-prices``, a deal's ``as_price_file``).

Layouts (gridstatus/gridstatus snapshot 9ddfaff, 2026-08-15):

* LMP (all three): ``Time, Interval Start, Interval End, Market, Location, Location Type,
  LMP, Energy, Congestion, Loss``, long by location, local tz-aware interval starts
  (NYISO/ISO-NE ``US/Eastern``, MISO ``EST``).
* NYISO ``get_as_prices_day_ahead_hourly``: ``Interval Start, Interval End, Zone,
  10 Min Spin Reserves, 10 Min Non-Spin Reserves, 30 Min Reserves, Regulation Capacity``,
  one row per load zone and hour.
* ISO-NE ``ISONEAPI.get_regulation_clearing_prices_real_time_5_min``: ``Interval Start,
  Interval End, Reg Service Clearing Price, Reg Capacity Clearing Price`` (5-minute);
  ``get_reserve_zone_prices_designations_real_time_hourly_final``: ``Interval Start,
  Interval End, Reserve Zone Id, Reserve Zone Name, Ten Min Spin Requirement, TMNSR Clearing
  Price, TMNSR Designated MW, TMOR Clearing Price, TMOR Designated MW, TMSR Clearing Price,
  TMSR Designated MW, Total 10 Min Requirement, Total 30 Min Requirement``;
  ``get_reserve_requirements_prices_forecast_day_ahead`` (DASI, zone 7000).
* MISO ``MISOAPI.get_as_mcp_day_ahead_ex_post``: ``Interval Start, Interval End, Zone,
  Ramp Down, Ramp Up, Regulation, STR, Spin, Supplemental`` (wide by product, long by zone).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

RNG = np.random.default_rng(13)
LMP_COLUMNS = ["Time", "Interval Start", "Interval End", "Market", "Location", "Location Type",
               "LMP", "Energy", "Congestion", "Loss"]


def hours(start: str, end: str, tz: str) -> pd.DatetimeIndex:
    """Local hourly interval starts [start, end) (DST days have 23 or 25 hours)."""
    utc = pd.date_range(pd.Timestamp(start, tz=tz), pd.Timestamp(end, tz=tz), freq="h",
                        inclusive="left").tz_convert("UTC")
    return utc.tz_convert(tz)


def price_shape(n: int, low: float, high: float) -> np.ndarray:
    """A daily price shape between low and high with noise (realistic ranges per product)."""
    h = np.arange(n) % 24
    base = low + (high - low) * (0.5 + 0.5 * np.sin((h - 11) * np.pi / 12))
    return np.round(base + RNG.normal(0, (high - low) * 0.05, n), 2)


def lmp_frame(starts: pd.DatetimeIndex, locations: dict[str, np.ndarray], market: str,
              loc_type: str) -> pd.DataFrame:
    """A gridstatus LMP frame: one row per location and interval."""
    rows = []
    for loc, lmp in locations.items():
        loss = np.round(lmp * 0.02, 2)
        cong = np.round(lmp * 0.05, 2)
        rows.append(pd.DataFrame({
            "Time": starts, "Interval Start": starts, "Interval End": starts + pd.Timedelta("1h"),
            "Market": market, "Location": loc, "Location Type": loc_type, "LMP": lmp,
            "Energy": lmp - loss - cong, "Congestion": cong, "Loss": loss,
        }))
    return (pd.concat(rows, ignore_index=True).sort_values(["Interval Start", "Location"])
            .reset_index(drop=True)[LMP_COLUMNS])


NYISO_ZONES = ["CAPITL", "LONGIL", "N.Y.C.", "WEST"]


@pytest.fixture(scope="module")
def nyiso() -> dict[str, pd.DataFrame]:
    # 2 - 4 Nov 2024 local: the fall-back day (3 Nov) has 25 hours
    starts = hours("2024-11-02", "2024-11-05", "US/Eastern")
    n = len(starts)
    lmp = lmp_frame(starts, {z: price_shape(n, 22, 95) for z in NYISO_ZONES},
                    "DAY_AHEAD_HOURLY", "Zone")
    parts = []
    for z in NYISO_ZONES:  # one row per load zone and hour, zone prices differ (east / west)
        east = z in ("LONGIL", "N.Y.C.")
        parts.append(pd.DataFrame({
            "Interval Start": starts, "Interval End": starts + pd.Timedelta("1h"), "Zone": z,
            "10 Min Spin Reserves": price_shape(n, 2, 12 if east else 6),
            "10 Min Non-Spin Reserves": price_shape(n, 0.5, 6 if east else 3),
            "30 Min Reserves": price_shape(n, 0.1, 2),
            "Regulation Capacity": price_shape(n, 6, 18),
        }))
    asp = pd.concat(parts, ignore_index=True).sort_values(["Interval Start", "Zone"])
    return {"lmp": lmp, "as": asp.reset_index(drop=True)}


@pytest.fixture(scope="module")
def isone() -> dict[str, pd.DataFrame]:
    starts = hours("2024-07-15", "2024-07-18", "US/Eastern")
    n = len(starts)
    lmp = lmp_frame(starts, {".H.INTERNAL_HUB": price_shape(n, 28, 110),
                             ".Z.MAINE": price_shape(n, 25, 90)}, "DAY_AHEAD_HOURLY", "Hub")
    five = pd.date_range(starts[0], periods=n * 12, freq="5min")
    reg = pd.DataFrame({
        "Interval Start": five, "Interval End": five + pd.Timedelta("5min"),
        "Reg Service Clearing Price": np.round(RNG.uniform(0.05, 0.9, len(five)), 3),
        "Reg Capacity Clearing Price": np.round(RNG.uniform(8, 45, len(five)), 2),
    })
    zones = {7000: ".Z.ROS", 7001: ".Z.CT", 7002: ".Z.SWCT", 7003: ".Z.NEMABSTN"}
    parts = []
    for zid, zname in zones.items():
        spike = np.where(np.arange(n) % 24 == 18, 25.0, 0.0)  # evening scarcity hour
        parts.append(pd.DataFrame({
            "Interval Start": starts, "Interval End": starts + pd.Timedelta("1h"),
            "Reserve Zone Id": zid, "Reserve Zone Name": zname,
            "Ten Min Spin Requirement": 1200.0,
            "TMNSR Clearing Price": np.round(spike * 0.8 + (zid - 6999) * 0.1, 2),
            "TMNSR Designated MW": 900.0,
            "TMOR Clearing Price": np.round(spike * 0.5, 2),
            "TMOR Designated MW": 700.0,
            "TMSR Clearing Price": np.round(spike + 0.5 + (zid - 6999) * 0.1, 2),
            "TMSR Designated MW": 1300.0,
            "Total 10 Min Requirement": 1800.0, "Total 30 Min Requirement": 2600.0,
        }))
    rt = pd.concat(parts, ignore_index=True).sort_values(["Interval Start", "Reserve Zone Id"])
    return {"lmp": lmp, "reg": reg, "rt": rt.reset_index(drop=True)}


@pytest.fixture(scope="module")
def miso() -> dict[str, pd.DataFrame]:
    # MISO frames are in EST all year: 72 hours over the March DST change (no 23-hour day)
    starts = pd.date_range("2024-03-09", periods=72, freq="h", tz="EST")
    n = len(starts)
    lmp = lmp_frame(starts, {"INDIANA.HUB": price_shape(n, 18, 75),
                             "MINN.HUB": price_shape(n, 10, 60)}, "DAY_AHEAD_HOURLY", "Hub")
    parts = []
    for k in (1, 2, 3):
        parts.append(pd.DataFrame({
            "Interval Start": starts, "Interval End": starts + pd.Timedelta("1h"),
            "Zone": f"Zone {k}",
            "Ramp Down": 0.0, "Ramp Up": np.round(RNG.uniform(0, 1.5, n), 2),
            "Regulation": price_shape(n, 7 + k, 16), "STR": price_shape(n, 0.1, 2),
            "Spin": price_shape(n, 0.8, 5), "Supplemental": price_shape(n, 0.3, 3),
        }))
    asm = pd.concat(parts, ignore_index=True).sort_values(["Interval Start", "Zone"])
    return {"lmp": lmp, "as": asm.reset_index(drop=True)}
