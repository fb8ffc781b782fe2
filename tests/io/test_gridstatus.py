"""gridstatus-shaped frames (built here from shipped data) give the shipped PriceData."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessfin.io import GRIDSTATUS_AS_COLUMNS, PriceDataError, from_gridstatus, load_prices

ERCOT_NODES = ["HB_HOUSTON", "HB_NORTH", "LZ_WEST"]
ERCOT_AS = {  # gridstatus ERCOT get_as_prices names
    "reg_up": "Regulation Up",
    "reg_down": "Regulation Down",
    "rrs": "Responsive Reserves",
    "ecrs": "ERCOT Contingency Reserve Service",
    "nonspin": "Non-Spinning Reserves",
}
ERCOT_AS_TYPES = {
    "reg_up": "REGUP",
    "reg_down": "REGDN",
    "rrs": "RRS",
    "ecrs": "ECRS",
    "nonspin": "NSPIN",
}


def _day(iso: str, year: int, node: str, day: str) -> pd.DataFrame:
    p = load_prices(iso, year, node)
    local = p.local_index
    return p.frame[local.strftime("%Y-%m-%d") == day]


def _lmp_frame(iso: str, year: int, nodes: list[str], day: str, price: str) -> pd.DataFrame:
    """Long LMP frame as gridstatus returns it: local tz-aware Interval Start, Location."""
    parts = []
    for node in nodes:
        f = _day(iso, year, node, day)
        start = f.index.tz_convert(load_prices(iso, year, node).market.timezone)
        parts.append(
            pd.DataFrame(
                {
                    "Time": start,
                    "Interval Start": start,
                    "Interval End": start + pd.Timedelta(hours=1),
                    "Location": node if iso != "caiso" else f"{node}_GEN-APND",
                    "Location Type": "Trading Hub",
                    "Market": "DAY_AHEAD_HOURLY",
                    price: f["energy"].to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def ercot_fallback_day() -> pd.DataFrame:
    # 3 Nov 2024: the 25-hour fall-back day.
    return _day("ercot", 2024, "HB_HOUSTON", "2024-11-03")


def _ercot_wide(f: pd.DataFrame) -> pd.DataFrame:
    start = f.index.tz_convert("US/Central")
    out = pd.DataFrame(
        {
            "Time": start,
            "Interval Start": start,
            "Interval End": start + pd.Timedelta(hours=1),
            "Market": "DAM",
        }
    )
    for pid, name in ERCOT_AS.items():
        out[name] = f[pid].to_numpy()
    return out


def _ercot_long(f: pd.DataFrame) -> pd.DataFrame:
    start = f.index.tz_convert("US/Central")
    rows = [
        pd.DataFrame({"Interval Start": start, "AS Type": t, "MCPC": f[pid].to_numpy()})
        for pid, t in ERCOT_AS_TYPES.items()
    ]
    return pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=1)


def test_ercot_wide_round_trip(ercot_fallback_day: pd.DataFrame) -> None:
    lmp = _lmp_frame("ercot", 2024, ERCOT_NODES, "2024-11-03", "SPP")
    p = from_gridstatus(lmp, "ercot", as_prices=_ercot_wide(ercot_fallback_day), node="hb_houston")
    assert len(p.frame) == 25
    pd.testing.assert_frame_equal(p.frame, ercot_fallback_day)
    assert p.node == "HB_HOUSTON"
    assert p.report.dst_days == {pd.Timestamp("2024-11-03").date(): 25}


def test_ercot_long_round_trip(ercot_fallback_day: pd.DataFrame) -> None:
    lmp = _lmp_frame("ercot", 2024, ERCOT_NODES, "2024-11-03", "SPP")
    p = from_gridstatus(lmp, "ercot", as_prices=_ercot_long(ercot_fallback_day), node="HB_HOUSTON")
    pd.testing.assert_frame_equal(p.frame, ercot_fallback_day)


def test_ercot_short_names_and_other_node() -> None:
    f = _day("ercot", 2024, "LZ_WEST", "2024-03-10")  # 23-hour day
    start = f.index.tz_convert("America/Chicago")
    wide = pd.DataFrame(
        {
            "Interval Start": start,
            "RegUp": f["reg_up"].to_numpy(),
            "RegDown": f["reg_down"].to_numpy(),
            "RRS": f["rrs"].to_numpy(),
            "ECRS": f["ecrs"].to_numpy(),
            "NonSpin": f["nonspin"].to_numpy(),
        }
    )
    lmp = _lmp_frame("ercot", 2024, ERCOT_NODES, "2024-03-10", "SPP")
    p = from_gridstatus(lmp, "ercot", as_prices=wide, node="LZ_WEST")
    assert len(p.frame) == 23
    pd.testing.assert_frame_equal(p.frame, f)


def test_caiso_lmp_and_mileage_round_trip() -> None:
    f = _day("caiso", 2024, "TH_SP15", "2024-07-24")
    start = f.index.tz_convert("US/Pacific")
    wide = pd.DataFrame(
        {
            "Interval Start": start,
            "Region": "AS_CAISO_EXP",
            "Regulation Up": f["reg_up"].to_numpy(),
            "Regulation Down": f["reg_down"].to_numpy(),
            "Spinning Reserves": f["spin"].to_numpy(),
            "Non-Spinning Reserves": f["nonspin"].to_numpy(),
            "Regulation Mileage Up": f["reg_up_mileage"].to_numpy(),
            "Regulation Mileage Down": f["reg_down_mileage"].to_numpy(),
        }
    )
    lmp = _lmp_frame("caiso", 2024, ["TH_NP15", "TH_SP15", "TH_ZP26"], "2024-07-24", "LMP")
    p = from_gridstatus(lmp, "caiso", as_prices=wide, node="TH_SP15")
    assert p.node == "TH_SP15_GEN-APND"
    pd.testing.assert_frame_equal(p.frame, f)


def test_lmp_only_single_location_needs_no_node() -> None:
    f = _day("ercot", 2024, "HB_NORTH", "2024-08-20")
    lmp = _lmp_frame("ercot", 2024, ["HB_NORTH"], "2024-08-20", "SPP")
    p = from_gridstatus(lmp, "ercot")
    assert list(p.frame.columns) == ["energy"]
    pd.testing.assert_series_equal(p.frame["energy"], f["energy"])
    assert p.node == "HB_NORTH"


def test_several_locations_without_node_is_an_error() -> None:
    lmp = _lmp_frame("ercot", 2024, ERCOT_NODES, "2024-08-20", "SPP")
    with pytest.raises(PriceDataError, match=r"3 locations and no node given.*HB_HOUSTON"):
        from_gridstatus(lmp, "ercot")
    with pytest.raises(PriceDataError, match=r"no location matching node 'HB_PAN'"):
        from_gridstatus(lmp, "ercot", node="HB_PAN")


def test_nan_as_price_is_refused(ercot_fallback_day: pd.DataFrame) -> None:
    wide = _ercot_wide(ercot_fallback_day)
    wide.loc[5, "Regulation Up"] = np.nan
    lmp = _lmp_frame("ercot", 2024, ["HB_HOUSTON"], "2024-11-03", "SPP")
    with pytest.raises(PriceDataError) as err:
        from_gridstatus(lmp, "ercot", as_prices=wide)
    msg = str(err.value)
    assert msg.startswith("frame")
    assert "'Regulation Up'" in msg and "NaN prices (reg_up) in 1 row(s)" in msg
    assert "rows 5" in msg and "2024-11-03T10:00Z" in msg


def test_missing_as_hour_is_a_nan_price(ercot_fallback_day: pd.DataFrame) -> None:
    wide = _ercot_wide(ercot_fallback_day).drop(index=[2])
    lmp = _lmp_frame("ercot", 2024, ["HB_HOUSTON"], "2024-11-03", "SPP")
    with pytest.raises(PriceDataError, match=r"'Regulation Up': NaN prices.*2024-11-03T07:00Z"):
        from_gridstatus(lmp, "ercot", as_prices=wide)


def test_naive_interval_start_is_refused() -> None:
    lmp = _lmp_frame("ercot", 2024, ["HB_HOUSTON"], "2024-08-20", "SPP")
    lmp["Interval Start"] = lmp["Interval Start"].dt.tz_localize(None)
    with pytest.raises(PriceDataError, match=r"'Interval Start': naive timestamps.*tz_localize"):
        from_gridstatus(lmp, "ercot")


def test_irregular_or_off_grid_sub_hourly_frame_is_refused() -> None:
    """Sub-hourly prices load (tests/io/test_subhourly.py); an irregular step or a start
    off the step's grid does not."""
    start = pd.date_range("2024-08-20", periods=8, freq="7min", tz="US/Central")
    lmp = pd.DataFrame({"Interval Start": start, "Location": "HB_NORTH", "SPP": 30.0})
    with pytest.raises(PriceDataError, match=r"irregular interval starts.*expected a regular"):
        from_gridstatus(lmp, "ercot")
    start = pd.date_range("2024-08-20 00:02", periods=8, freq="15min", tz="US/Central")
    lmp = pd.DataFrame({"Interval Start": start, "Location": "HB_NORTH", "SPP": 30.0})
    with pytest.raises(PriceDataError, match=r"not on the 15-minute grid in 8 row\(s\)"):
        from_gridstatus(lmp, "ercot")


def test_long_frame_duplicates_and_regions_refused(ercot_fallback_day: pd.DataFrame) -> None:
    lmp = _lmp_frame("ercot", 2024, ["HB_HOUSTON"], "2024-11-03", "SPP")
    long = _ercot_long(ercot_fallback_day)
    with pytest.raises(PriceDataError, match=r"duplicated \(Interval Start, AS Type\)"):
        from_gridstatus(lmp, "ercot", as_prices=pd.concat([long, long.iloc[:1]]))
    wide = _ercot_wide(ercot_fallback_day)
    wide = pd.concat([wide.assign(Region="AS_NP26"), wide.assign(Region="AS_SP26")])
    with pytest.raises(PriceDataError, match=r"several regions \['AS_NP26', 'AS_SP26'\]"):
        from_gridstatus(lmp, "ercot", as_prices=wide)


def test_unknown_as_frame_is_refused() -> None:
    lmp = _lmp_frame("ercot", 2024, ["HB_HOUSTON"], "2024-08-20", "SPP")
    bad = pd.DataFrame({"Interval Start": lmp["Interval Start"], "Foo": 1.0})
    with pytest.raises(PriceDataError, match=r"no known ercot service column"):
        from_gridstatus(lmp, "ercot", as_prices=bad)


def test_mapping_targets_are_market_columns() -> None:
    from bessfin.markets import get_market

    for iso, mapping in GRIDSTATUS_AS_COLUMNS.items():
        m = get_market(iso)
        ids = {p.id for p in m.products}
        ids |= {p.id + "_mileage" for p in m.products if p.mileage}
        assert set(mapping.values()) <= ids, iso


def test_names_come_from_the_market_data(ercot_fallback_day: pd.DataFrame) -> None:
    """A name added to a product's gridstatus_names is recognised; removing it breaks the
    match (the aliases live in the market data, not in the adapter)."""
    from bessfin.markets import get_market

    ercot = get_market("ercot")
    wide = _ercot_wide(ercot_fallback_day).rename(columns={ERCOT_AS["reg_up"]: "Reg Up Custom"})
    lmp = _lmp_frame("ercot", 2024, ERCOT_NODES, "2024-11-03", "SPP")
    renamed = ercot.model_copy(update={"products": tuple(
        p.model_copy(update={"gridstatus_names": ("Reg Up Custom",)}) if p.id == "reg_up" else p
        for p in ercot.products)})
    p = from_gridstatus(lmp, renamed, as_prices=wide, node="hb_houston")
    pd.testing.assert_frame_equal(p.frame, ercot_fallback_day)
    assert "Reg Up Custom" not in GRIDSTATUS_AS_COLUMNS["ercot"]
    assert GRIDSTATUS_AS_COLUMNS["ercot"]["Regulation Up"] == "reg_up"
