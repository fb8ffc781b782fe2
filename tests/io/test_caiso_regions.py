"""CAISO AS regions: a resource is paid the system price plus its sub-region's, each with its
expanded variant (CAISO Tariff 27.1.2.1; docs/data.md). Checked on a gridstatus-shaped frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessfin.io import PriceDataError, from_gridstatus

REGIONS = ("AS_CAISO", "AS_CAISO_EXP", "AS_NP26", "AS_NP26_EXP", "AS_SP26", "AS_SP26_EXP")
SERVICES = ("Non-Spinning Reserves", "Regulation Down", "Regulation Mileage Down",
            "Regulation Mileage Up", "Regulation Up", "Spinning Reserves")


def _frames(layout: str, region_col: str = "Region") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """LMP frame, AS frame (one row per region and hour, or per region, AS type and hour) and
    the price of each (region, service): a power of two per region, so region sums are unique."""
    start = pd.date_range("2024-07-24", periods=24, freq="h", tz="US/Pacific")
    lmp = pd.concat([pd.DataFrame({"Interval Start": start, "Location": f"{n}_GEN-APND",
                                   "LMP": 40.0 + i}) for i, n in
                     enumerate(("TH_NP15", "TH_SP15", "TH_ZP26"))])
    price = {(r, s): 2.0 ** i + j / 100  # subset sums of regions are unique
             for i, r in enumerate(REGIONS) for j, s in enumerate(SERVICES)}
    if layout == "wide":
        rows = [pd.DataFrame({"Interval Start": start, region_col: r,
                              **{s: price[(r, s)] for s in SERVICES}}) for r in REGIONS]
    else:
        rows = [pd.DataFrame({"Interval Start": start, region_col: r, "AS Type": s,
                              "MCPC": price[(r, s)]}) for r in REGIONS for s in SERVICES]
    return lmp, pd.concat(rows, ignore_index=True), price


def _expected(price: dict, regions: tuple[str, ...], service: str) -> float:
    return sum(price[(r, service)] for r in regions)


@pytest.mark.parametrize("layout,region_col", [("wide", "Region"), ("long", "AS Region")])
@pytest.mark.parametrize("node,sub", [("TH_SP15", "SP26"), ("TH_NP15", "NP26"),
                                      ("TH_ZP26", "NP26")])
def test_node_is_paid_system_plus_its_subregion(layout: str, region_col: str, node: str,
                                                sub: str) -> None:
    lmp, as_df, price = _frames(layout, region_col)
    p = from_gridstatus(lmp, "caiso", as_prices=as_df, node=node)
    paid = ("AS_CAISO", "AS_CAISO_EXP", f"AS_{sub}", f"AS_{sub}_EXP")
    for col, service in [("reg_up", "Regulation Up"), ("reg_down", "Regulation Down"),
                         ("spin", "Spinning Reserves"), ("nonspin", "Non-Spinning Reserves"),
                         ("reg_up_mileage", "Regulation Mileage Up")]:
        want = _expected(price, paid, service)
        np.testing.assert_allclose(p.frame[col].to_numpy(), want, rtol=0, atol=1e-12)
        # the other sub-region is never paid, and the six-region sum is strictly more
        assert want < _expected(price, REGIONS, service)
    assert len(p.frame) == 24


def test_reserve_zone_names_the_subregion() -> None:
    lmp, as_df, price = _frames("wide")
    p = from_gridstatus(lmp, "caiso", as_prices=as_df, node="TH_NP15", reserve_zone="SP26")
    paid = ("AS_CAISO", "AS_CAISO_EXP", "AS_SP26", "AS_SP26_EXP")
    np.testing.assert_allclose(p.frame["reg_up"], _expected(price, paid, "Regulation Up"))


def test_hint_no_longer_suggests_as_caiso_alone() -> None:
    lmp, as_df, _ = _frames("wide")
    with pytest.raises(PriceDataError) as err:
        from_gridstatus(lmp, "caiso", as_prices=as_df, node="TH_SP15", reserve_zone="ZONE_X")
    msg = str(err.value)
    assert "AS_CAISO, AS_CAISO_EXP, AS_SP26, AS_SP26_EXP" in msg
    assert "df[df[" not in msg
