"""Every shipped price file loads through load_prices with the documented shape."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bessfin.io import (
    PriceData,
    PriceDataError,
    UnknownSeriesError,
    available,
    load_prices,
    parse_price_spec,
)

COMBOS = [c for c in available() if not (c[0] == "caiso" and c[2] == 2023)]


def test_available_lists_every_shipped_file_and_only_present_nodes() -> None:
    combos = available()
    files = {(iso, mk, y) for iso, mk, y, _ in combos}
    assert len(files) == 15  # the 15 CSV files in market_data/
    assert ("ercot", "dam", 2024, "HB_HOUSTON") in combos
    assert ("caiso", "dam", 2023, "TH_SP15") in combos
    # pjm 2022 carries WESTERN HUB only; pjm 2025 carries PJM-RTO only (file headers).
    assert ("pjm", "dam", 2022, "PJM-RTO") not in combos
    assert ("pjm", "dam", 2025, "WESTERN HUB") not in combos
    assert ("pjm", "rtm", 2024, "PJM-RTO") in combos


@pytest.mark.parametrize(("iso", "market", "year", "node"), COMBOS)
def test_every_shipped_series_loads(iso: str, market: str, year: int, node: str) -> None:
    p = load_prices(iso, year, node, market=market)
    assert isinstance(p, PriceData)
    f = p.frame
    assert f.index.name == "interval_start"
    assert str(f.index.tz) == "UTC"
    assert f.index.is_monotonic_increasing and f.index.is_unique
    assert (np.diff(f.index.asi8) == 3_600_000_000).all()  # hourly, no gap
    assert list(f.columns)[0] == "energy"
    assert (f.dtypes == np.float64).all()
    if iso == "spp":
        assert len(f) == 1415
    else:
        assert len(f) == (8784 if year == 2024 else 8760)
    assert p.report.n_hours == len(f)
    assert p.node == node
    # NaN only where the product is not offered.
    for col in f.columns[1:]:
        pid = col.removesuffix("_mileage")
        avail = p.product_available(pid)
        assert not f[col][avail].isna().any()
        assert f[col][~avail].isna().all()
    assert not f["energy"].isna().any()


def test_products_per_file() -> None:
    assert list(load_prices("ercot", 2024, "HB_HOUSTON").frame.columns) == [
        "energy",
        "reg_up",
        "reg_down",
        "rrs",
        "ecrs",
        "nonspin",
    ]
    assert list(load_prices("ercot", 2024, "HB_HOUSTON", market="rtm").frame.columns) == ["energy"]
    assert list(load_prices("caiso", 2024, "TH_SP15").frame.columns) == [
        "energy",
        "reg_up",
        "reg_down",
        "spin",
        "nonspin",
        "reg_up_mileage",
        "reg_down_mileage",
    ]
    assert list(load_prices("pjm", 2024, "WESTERN HUB").frame.columns) == ["energy"]


def test_values_match_the_csv() -> None:
    p = load_prices("ercot", 2024, "hb_houston")
    first = p.frame.iloc[0]
    assert p.frame.index[0] == pd.Timestamp("2024-01-01T06:00Z")
    assert first["energy"] == 15.84 and first["reg_up"] == 1.11 and first["ecrs"] == 0.06
    c = load_prices("caiso", 2024, "TH_SP15")
    assert c.frame["energy"].iloc[0] == 46.08
    assert c.frame["spin"].iloc[0] == 0.35


@pytest.mark.parametrize(("iso", "node"), [("ercot", "HB_HOUSTON"), ("caiso", "TH_NP15")])
def test_dst_days_2024(iso: str, node: str) -> None:
    p = load_prices(iso, 2024, node)
    per_day = pd.Series(1, index=p.local_index.tz_localize(None).normalize()).groupby(level=0).sum()
    assert per_day[pd.Timestamp("2024-03-10")] == 23
    assert per_day[pd.Timestamp("2024-11-03")] == 25
    assert set(per_day.drop([pd.Timestamp("2024-03-10"), pd.Timestamp("2024-11-03")])) == {24}
    assert p.report.dst_days == {dt.date(2024, 3, 10): 23, dt.date(2024, 11, 3): 25}
    assert p.report.spring_forward_days == (dt.date(2024, 3, 10),)
    assert p.report.fall_back_days == (dt.date(2024, 11, 3),)
    # The fall-back hour 01:00 appears twice in local time, once per offset.
    local = p.local_index
    repeated = local[(local.hour == 1) & (local.normalize().day == 3) & (local.month == 11)]
    assert len(repeated) == 2
    assert {t.utcoffset() for t in repeated} == {
        dt.timedelta(hours=-5 if iso == "ercot" else -7),
        dt.timedelta(hours=-6 if iso == "ercot" else -8),
    }
    # The spring-forward hour 02:00 does not exist.
    spring = local[(local.month == 3) & (local.day == 10)]
    assert 2 not in set(spring.hour)


def test_filled_rows_counted() -> None:
    assert load_prices("ercot", 2024, "HB_HOUSTON").report.n_filled == 170
    assert load_prices("ercot", 2024, "HB_HOUSTON", market="rtm").report.n_filled == 2
    assert load_prices("caiso", 2025, "TH_SP15").report.n_filled == 96
    assert load_prices("caiso", 2024, "TH_SP15").report.n_filled == 0


def test_caiso_2023_raises_with_the_gap_described() -> None:
    with pytest.raises(PriceDataError) as err:
        load_prices("caiso", 2023, "TH_SP15")
    msg = str(err.value)
    assert "caiso_2023_dam.csv" in msg
    assert "'lmp_th_sp15'" in msg
    assert "264 row(s)" in msg
    assert "first 2023-01-01T08:00Z" in msg
    assert "rows 0, 1, 2" in msg
    assert "drop-days" in msg and "11 affected local day" in msg
    e = err.value
    assert e.column == "lmp_th_sp15" and e.count == 264
    assert e.timestamps[0] == "2023-01-01T08:00Z" and e.timestamps[-1] == "2023-01-12T07:00Z"


def test_caiso_2023_drop_days() -> None:
    p = load_prices("caiso", 2023, "TH_SP15", on_missing="drop-days")
    assert len(p.frame) == 8760 - 264
    assert sorted(p.report.dropped_days) == [dt.date(2023, 1, d) for d in range(1, 12)]
    assert all("24 NaN hour(s) in lmp_th_sp15" in r for r in p.report.dropped_days.values())
    assert p.frame.index[0] == pd.Timestamp("2023-01-12T08:00Z")
    assert p.frame.index.is_monotonic_increasing
    assert not p.frame.isna().any().any()
    assert "dropped days (11)" in p.report.summary()


def test_spp_ramp_products_unavailable_before_march() -> None:
    p = load_prices("spp", 2022, "SPPNORTH_HUB")
    un = p.report.products_unavailable
    assert set(un) == {"ramp_up", "ramp_down"}
    assert un["ramp_up"][0] == dt.date(2022, 2, 1) and un["ramp_up"][-1] == dt.date(2022, 2, 28)
    assert len(un["ramp_up"]) == 28
    feb = p.local_index.month == 2
    assert p.frame.loc[feb, "ramp_up"].isna().all()
    assert not p.frame.loc[~feb, "ramp_up"].isna().any()
    assert any("partial year" in n for n in p.report.notes)
    assert "ramp_up: 28 day(s): 2022-02-01..2022-02-28" in p.report.summary()


@pytest.mark.parametrize(
    "node", ["TH_SP15", "th_sp15", "TH_SP15_GEN-APND", "th_sp15_gen-apnd", " Th_Sp15 "]
)
def test_caiso_node_variants(node: str) -> None:
    p = load_prices("CAISO", 2024, node)
    assert p.node == "TH_SP15"
    assert p.frame["energy"].iloc[0] == 46.08


def test_pjm_node_with_space_and_spec_string() -> None:
    a = load_prices("pjm 2024 western hub")
    b = load_prices("pjm", 2024, "WESTERN HUB")
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.node == "WESTERN HUB"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ercot 2024 HB_HOUSTON", ("ercot", 2024, "HB_HOUSTON")),
        ("  ERCOT   2025  hb_north ", ("ercot", 2025, "hb_north")),
        ("caiso:2024:TH_SP15_GEN-APND", ("caiso", 2024, "TH_SP15_GEN-APND")),
        ("pjm, 2024, WESTERN HUB", ("pjm", 2024, "WESTERN HUB")),
    ],
)
def test_parse_price_spec(text: str, expected: tuple[str, int, str]) -> None:
    assert parse_price_spec(text) == expected


@pytest.mark.parametrize("text", ["ercot HB_HOUSTON", "ercot 24 HB_HOUSTON", "2024 ercot x", ""])
def test_parse_price_spec_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="<iso> <year> <node>"):
        parse_price_spec(text)


def test_unknown_names_list_what_is_available() -> None:
    with pytest.raises(
        UnknownSeriesError, match=r"ercot 2024 has nodes \['HB_BUSAVG'.*'LZ_WEST'\]"
    ):
        load_prices("ercot", 2024, "HB_NOWHERE")
    with pytest.raises(UnknownSeriesError, match=r"years are \[2024, 2025\]"):
        load_prices("ercot", 2023, "HB_HOUSTON")
    with pytest.raises(
        UnknownSeriesError, match=r"shipped ISOs are \['caiso', 'ercot', 'pjm', 'spp'\]"
    ):
        load_prices("ieso", 2024, "ZONE_J")
    with pytest.raises(UnknownSeriesError, match=r"markets are \['dam'\]"):
        load_prices("caiso", 2024, "TH_SP15", market="rtm")
    with pytest.raises(UnknownSeriesError, match=r"pjm 2022 has nodes \['WESTERN HUB'\]"):
        load_prices("pjm", 2022, "PJM-RTO")


def test_bad_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="on_missing must be one of"):
        load_prices("ercot", 2024, "HB_HOUSTON", on_missing="fill")  # type: ignore[arg-type]
