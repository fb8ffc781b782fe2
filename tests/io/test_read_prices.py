"""read_prices on user files: layouts, every bad-data rule and its message, drop-days, Parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bessfin.io import PriceDataError, from_frame, load_prices, read_prices
from bessfin.io.validate import ENERGY_MEDIAN_ABS_MAX, KWH_MAX_ABS, KWH_MEDIAN_ABS_MAX

START = pd.Timestamp("2024-05-01T05:00Z")  # local midnight in ERCOT (CDT)


def simple(n: int = 72, start: pd.Timestamp = START, **extra: np.ndarray) -> pd.DataFrame:
    """Simple-layout ERCOT frame: timestamp_utc strings, lmp and reg_up."""
    ts = pd.date_range(start, periods=n, freq="h")
    df = pd.DataFrame(
        {
            "timestamp_utc": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lmp": 20.0 + 30.0 * np.sin(np.arange(n) / 24 * 2 * np.pi) ** 2,
            "reg_up": 2.0 + np.arange(n) % 5,
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


def write(df: pd.DataFrame, tmp_path: Path, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    if name.endswith(".parquet"):
        df.to_parquet(path)
    else:
        df.to_csv(path, index=False)
    return path


def error(path: Path, iso: str = "ercot", **kw: object) -> PriceDataError:
    with pytest.raises(PriceDataError) as err:
        read_prices(path, iso, **kw)  # type: ignore[arg-type]
    return err.value


# --- layouts -------------------------------------------------------------------------


def test_simple_layout(tmp_path: Path) -> None:
    df = simple()
    p = read_prices(write(df, tmp_path), "ercot", "HB_NORTH")
    assert list(p.frame.columns) == ["energy", "reg_up"]
    assert p.frame.index[0] == START and len(p.frame) == 72
    np.testing.assert_array_equal(p.frame["energy"].to_numpy(), df["lmp"].to_numpy())
    assert p.node == "HB_NORTH"
    assert p.source.endswith("prices.csv")
    assert p.report.dst_days == {}


@pytest.mark.parametrize("time_col", ["timestamp", "interval_start", "timestamp_local"])
def test_offset_timestamps_across_fall_back(tmp_path: Path, time_col: str) -> None:
    # Two local days around the 2024-11-03 fall-back, written in local time with offsets.
    ts = pd.date_range("2024-11-02T05:00Z", "2024-11-04T06:00Z", freq="h", inclusive="left")
    local = ts.tz_convert("America/Chicago")
    df = pd.DataFrame({time_col: [t.isoformat() for t in local], "price": np.linspace(10, 60, 49)})
    assert (local.strftime("%H") == "01").sum() == 3  # 01:00 on the 2nd, twice on the 3rd
    p = read_prices(write(df, tmp_path), "ercot")
    assert len(p.frame) == 49
    assert p.report.dst_days == {dt.date(2024, 11, 3): 25}
    assert (p.frame.index == ts).all()


def test_shipped_layout_file(tmp_path: Path) -> None:
    src = Path(load_prices("ercot", 2024, "HB_HOUSTON").source)
    df = pd.read_csv(src).iloc[:48]
    path = write(df, tmp_path, "ercot_two_days.csv")
    p = read_prices(path, "ercot", "hb_houston")
    ref = load_prices("ercot", 2024, "HB_HOUSTON").frame.iloc[:48]
    pd.testing.assert_frame_equal(p.frame, ref)
    with pytest.raises(
        PriceDataError, match=r"several node columns.*node=\.\.\. naming one of.*'HB_HOUSTON'"
    ):
        read_prices(path, "ercot")
    with pytest.raises(PriceDataError, match=r"no energy price column for node 'HB_NOWHERE'"):
        read_prices(path, "ercot", "HB_NOWHERE")


def test_shipped_layout_caiso_columns_and_suffix(tmp_path: Path) -> None:
    src = Path(load_prices("caiso", 2024, "TH_NP15").source)
    path = write(pd.read_csv(src).iloc[100:148], tmp_path)
    p = read_prices(path, "caiso", "TH_ZP26_GEN-APND")
    assert p.node == "TH_ZP26"
    ref = load_prices("caiso", 2024, "TH_ZP26").frame.iloc[100:148]
    pd.testing.assert_frame_equal(p.frame, ref)


def test_parquet_round_trip(tmp_path: Path) -> None:
    p = load_prices("caiso", 2024, "TH_SP15")
    path = tmp_path / "caiso.parquet"
    p.frame.to_parquet(path)
    q = read_prices(path, "caiso", "TH_SP15", year=2024)
    pd.testing.assert_frame_equal(q.frame, p.frame)
    assert q.report.dst_days == p.report.dst_days


def test_parquet_with_tz_aware_column(tmp_path: Path) -> None:
    ts = pd.date_range(START, periods=48, freq="h").tz_convert("America/Chicago")
    df = pd.DataFrame({"timestamp": ts, "energy": np.linspace(5, 50, 48)})
    p = read_prices(write(df, tmp_path, "x.parquet"), "ercot")
    assert p.frame.index[0] == START


def test_from_frame() -> None:
    idx = pd.date_range(START, periods=24, freq="h", name="interval_start")
    p = from_frame(pd.DataFrame({"energy": np.linspace(5, 50, 24)}, index=idx), "ercot")
    assert p.frame.index.equals(idx) and p.source == "frame"
    bad = pd.DataFrame({"energy": np.r_[np.nan, np.linspace(5, 50, 23)]}, index=idx)
    with pytest.raises(PriceDataError, match=r"^frame: column 'energy': NaN prices"):
        from_frame(bad, "ercot")


def test_unsorted_rows_are_sorted_and_noted(tmp_path: Path) -> None:
    df = simple().iloc[::-1]
    p = read_prices(write(df, tmp_path), "ercot")
    assert p.frame.index.is_monotonic_increasing
    assert any("sorted" in n for n in p.report.notes)


# --- bad data ------------------------------------------------------------------------


def test_missing_hours(tmp_path: Path) -> None:
    df = simple().drop(index=[10, 11, 12])
    e = error(write(df, tmp_path, "gappy.csv"))
    msg = str(e)
    assert "gappy.csv" in msg and "'timestamp_utc'" in msg
    assert "missing hours" in msg and "in 3 hour(s)" in msg
    assert "first 2024-05-01T15:00Z, 2024-05-01T16:00Z, 2024-05-01T17:00Z" in msg
    assert "rows 9" in msg  # the last row before the gap
    assert "expected one row per hour" in msg


def test_duplicated_timestamps(tmp_path: Path) -> None:
    df = simple()
    df = pd.concat([df.iloc[:6], df.iloc[5:6], df.iloc[6:]], ignore_index=True)
    msg = str(error(write(df, tmp_path, "dups.csv")))
    assert "dups.csv" in msg and "duplicated timestamps in 2 row(s)" in msg
    assert "rows 5, 6" in msg and "2024-05-01T10:00Z" in msg
    assert "each UTC hour once" in msg


def test_nan_price(tmp_path: Path) -> None:
    df = simple()
    df.loc[[7, 30], "lmp"] = np.nan
    msg = str(error(write(df, tmp_path, "holes.csv")))
    assert "holes.csv: column 'lmp': NaN prices (energy) in 2 row(s)" in msg
    assert "rows 7, 30" in msg and "first 2024-05-01T12:00Z, 2024-05-02T11:00Z" in msg
    assert "2 affected local day(s)" in msg


def test_nan_product_price(tmp_path: Path) -> None:
    df = simple()
    df.loc[40, "reg_up"] = np.nan
    e = error(write(df, tmp_path))
    assert e.column == "reg_up" and e.rows == (40,) and e.count == 1
    assert "a price in every hour in which the product is offered" in str(e)


def test_non_numeric_value(tmp_path: Path) -> None:
    df = simple()
    df["lmp"] = df["lmp"].astype(object)
    df.loc[4, "lmp"] = "n/a"
    msg = str(error(write(df, tmp_path, "text.csv")))
    assert "text.csv: column 'lmp': non-numeric values (energy) in 1 row(s)" in msg
    assert "rows 4" in msg and "'n/a'" in msg and "2024-05-01T09:00Z" in msg


def test_infinite_value(tmp_path: Path) -> None:
    df = simple()
    df.loc[8, "reg_up"] = np.inf
    e = error(write(df, tmp_path))
    assert "infinite values (reg_up)" in str(e) and e.rows == (8,) and e.column == "reg_up"


def test_nan_text_is_missing_not_non_numeric(tmp_path: Path) -> None:
    df = simple()
    df["lmp"] = df["lmp"].astype(object)
    df.loc[3, "lmp"] = "NaN"
    e = error(write(df, tmp_path))
    assert "NaN prices" in str(e) and e.rows == (3,)


def test_cents_are_refused(tmp_path: Path) -> None:
    df = simple()
    df["lmp"] *= 100.0  # cents/MWh
    assert df["lmp"].abs().median() > ENERGY_MEDIAN_ABS_MAX
    msg = str(error(write(df, tmp_path, "cents.csv")))
    assert "cents.csv: column 'lmp'" in msg and "mis-scaled" in msg
    assert "expected $/MWh" in msg and "in 72 row(s)" in msg


def test_dollars_per_kwh_are_refused(tmp_path: Path) -> None:
    df = simple()
    df["lmp"] /= 1000.0
    assert df["lmp"].abs().median() < KWH_MEDIAN_ABS_MAX and df["lmp"].abs().max() < KWH_MAX_ABS
    msg = str(error(write(df, tmp_path, "kwh.csv")))
    assert "kwh.csv: column 'lmp'" in msg
    assert "looks like $/kWh" in msg and "expected $/MWh" in msg


def test_low_but_real_prices_pass(tmp_path: Path) -> None:
    # Many near-zero hours but real spikes: not $/kWh.
    df = simple()
    df["lmp"] = 0.1
    df.loc[20, "lmp"] = 45.0
    assert len(read_prices(write(df, tmp_path), "ercot").frame) == 72


def test_capacity_prices_mis_scaled(tmp_path: Path) -> None:
    df = simple()
    df["reg_up"] = 5000.0
    msg = str(error(write(df, tmp_path)))
    assert "column 'reg_up'" in msg and "expected $/MW-h" in msg


def test_timestamps_not_on_the_hour(tmp_path: Path) -> None:
    df = simple(start=START + pd.Timedelta(minutes=30))
    msg = str(error(write(df, tmp_path, "halfhour.csv")))
    assert "halfhour.csv: column 'timestamp_utc': timestamps not on the hour in 72 row(s)" in msg
    assert "2024-05-01T05:30:00Z" in msg


def test_naive_local_timestamps(tmp_path: Path) -> None:
    df = simple().rename(columns={"timestamp_utc": "timestamp"})
    df["timestamp"] = df["timestamp"].str.rstrip("Z")
    msg = str(error(write(df, tmp_path, "naive.csv")))
    assert "naive.csv: column 'timestamp': naive timestamps" in msg
    assert "in 72 row(s)" in msg and "'2024-05-01T05:00:00'" in msg
    assert "timestamp_utc" in msg and "tz_localize" in msg  # how to fix it


def test_naive_timestamp_utc_is_utc(tmp_path: Path) -> None:
    df = simple()
    df["timestamp_utc"] = df["timestamp_utc"].str.rstrip("Z")
    assert read_prices(write(df, tmp_path), "ercot").frame.index[0] == START


def test_unparseable_timestamp(tmp_path: Path) -> None:
    df = simple()
    df.loc[3, "timestamp_utc"] = "yesterday"
    e = error(write(df, tmp_path))
    assert e.rows == (3,) and "yesterday" in str(e)


def test_year_other_than_the_file(tmp_path: Path) -> None:
    msg = str(error(write(simple(), tmp_path, "may.csv"), year=2023))
    assert "may.csv" in msg and "outside the requested year 2023" in msg
    assert "the data cover 2024-05-01T05:00Z .. 2024-05-04T04:00Z" in msg
    assert "2023-01-01T06:00Z" in msg  # expected span starts at local midnight
    msg = str(error(write(simple(), tmp_path, "may.csv"), year=2024))
    assert "do not cover the requested year 2024" in msg


def test_no_energy_or_time_column(tmp_path: Path) -> None:
    df = simple().rename(columns={"lmp": "value"})
    assert "no energy price column" in str(error(write(df, tmp_path)))
    df = simple().rename(columns={"timestamp_utc": "when"})
    assert "no timestamp column" in str(error(write(df, tmp_path)))


# --- products not offered ------------------------------------------------------------


def test_ecrs_before_launch_is_nan_by_design(tmp_path: Path) -> None:
    start = pd.Timestamp("2023-06-08T05:00Z")  # ECRS launched 2023-06-10
    n = 96
    ecrs = np.full(n, 3.0)
    ecrs[:24] = np.nan  # 8 June: blank
    df = simple(n=n, start=start, ecrs=ecrs)  # 9 June: values present but not offered
    p = read_prices(write(df, tmp_path), "ercot")
    assert p.report.products_unavailable == {"ecrs": (dt.date(2023, 6, 8), dt.date(2023, 6, 9))}
    assert p.frame["ecrs"].iloc[:48].isna().all()
    assert not p.frame["ecrs"].iloc[48:].isna().any()
    assert any("ecrs: 24 price(s)" in note for note in p.report.notes)
    np.testing.assert_array_equal(p.product_available("ecrs"), np.arange(n) >= 48)
    # After launch a NaN is an error again.
    df.loc[60, "ecrs"] = np.nan
    assert error(write(df, tmp_path)).rows == (60,)


# --- drop-days -----------------------------------------------------------------------


def test_drop_days_for_nan_and_gap(tmp_path: Path) -> None:
    df = simple(n=96)
    df.loc[30, "reg_up"] = np.nan  # day 2
    df = df.drop(index=[80])  # day 4
    p = read_prices(write(df, tmp_path), "ercot", on_missing="drop-days")
    assert p.report.dropped_days == {
        dt.date(2024, 5, 2): "1 NaN hour(s) in reg_up (reg_up)",
        dt.date(2024, 5, 4): "1 missing hour(s)",
    }
    assert len(p.frame) == 48 and p.frame.index.is_monotonic_increasing
    assert not p.frame.isna().any().any()


def test_drop_days_does_not_hide_format_errors(tmp_path: Path) -> None:
    df = simple()
    df = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(PriceDataError, match="duplicated timestamps"):
        read_prices(write(df, tmp_path), "ercot", on_missing="drop-days")


# --- properties ----------------------------------------------------------------------

_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(gap_start=st.integers(1, 150), gap_len=st.integers(1, 30))
def test_any_gap_reports_its_first_missing_hour(gap_start: int, gap_len: int) -> None:
    idx = pd.date_range(START, periods=200, freq="h", name="interval_start")
    frame = pd.DataFrame({"energy": np.linspace(5, 80, 200)}, index=idx)
    holed = frame.drop(index=idx[gap_start : gap_start + gap_len])
    with pytest.raises(PriceDataError) as err:
        from_frame(holed, "ercot")
    e = err.value
    assert e.count == gap_len
    assert e.timestamps[0] == idx[gap_start].strftime("%Y-%m-%dT%H:%MZ")
    assert e.rows == (gap_start - 1,)
    assert f"in {gap_len} hour(s)" in str(e)


@_SETTINGS
@given(holes=st.sets(st.integers(0, 24 * 7 - 1), min_size=1, max_size=12))
def test_drop_days_drops_exactly_the_days_with_nan(holes: set[int]) -> None:
    idx = pd.date_range(START, periods=24 * 7, freq="h", name="interval_start")
    energy = np.linspace(5, 80, len(idx))
    energy[sorted(holes)] = np.nan
    local_day = idx.tz_convert("America/Chicago").date
    bad_days = {local_day[i] for i in holes}
    if bad_days == set(local_day):  # nothing would be left: refused, never an empty series
        with pytest.raises(PriceDataError, match="no day left"):
            from_frame(pd.DataFrame({"energy": energy}, index=idx), "ercot",
                       on_missing="drop-days")
        return
    p = from_frame(
        pd.DataFrame({"energy": energy}, index=idx), "ercot", on_missing="drop-days"
    )
    assert set(p.report.dropped_days) == bad_days
    kept = np.array([d not in bad_days for d in local_day])
    assert p.frame.index.equals(idx[kept])
    assert not p.frame["energy"].isna().any()


# --- more layouts and edge cases -----------------------------------------------------


def test_fall_back_hour_written_with_one_offset_is_a_duplicate(tmp_path: Path) -> None:
    # 01:00 on 2024-11-03 written twice with the CDT offset: the second is really CST.
    ts = pd.date_range("2024-11-03T05:00Z", periods=25, freq="h").tz_convert("America/Chicago")
    text = [t.isoformat() for t in ts]
    text[2] = text[1]  # '2024-11-03T01:00:00-05:00' twice
    df = pd.DataFrame({"timestamp": text, "price": np.linspace(10, 40, 25)})
    e = error(write(df, tmp_path, "fallback.csv"))
    assert "duplicated timestamps" in str(e) and e.rows == (1, 2)
    assert e.timestamps[0] == "2024-11-03T06:00Z"


def test_node_column_only_gives_the_node(tmp_path: Path) -> None:
    df = simple().rename(columns={"lmp": "SPP_HB_NORTH"}).drop(columns="reg_up")
    p = read_prices(write(df, tmp_path), "ercot")
    assert p.node == "HB_NORTH" and list(p.frame.columns) == ["energy"]


def test_empty_file(tmp_path: Path) -> None:
    path = write(simple().iloc[:0], tmp_path, "empty.csv")
    assert "no rows" in str(error(path))


def test_summary_text() -> None:
    text = load_prices("ercot", 2024, "HB_HOUSTON").report.summary()
    assert "hours: 8784 (2024-01-01T06:00Z .. 2025-01-01T05:00Z)" in text
    assert "imputed (filled) rows: 170" in text
    assert "DST days: 2024-03-10 (23 h), 2024-11-03 (25 h)" in text
    assert "dropped days: none" in text
