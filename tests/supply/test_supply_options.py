"""Named supply options: data provenance, CEA consistency, DC/MACR outcomes, 45X effect."""

from __future__ import annotations

import pytest

from bessfin.supply import (
    EquipmentItem,
    compare_supply_options,
    list_supply_options,
    supply_option,
    supply_option_lines,
)

NAMES = ["china-import", "korea-japan", "us-cells-foreign-partner", "fully-domestic"]


def test_names_and_provenance() -> None:
    assert set(NAMES) <= set(list_supply_options())
    for name in NAMES:
        lines = supply_option_lines(name)
        assert lines["source"].str.contains(r"pf 4\.").all()
        assert set(lines["status"]) <= {"VERIFIED", "DERIVED", "UNCERTAIN", "DISPUTED"}


def test_china_import_reproduces_cea_218_with_10_9pct_tariff() -> None:
    # pf 4.11: China-made $218/kWh incl. 10.89 % tariff; our 2025-01-01 stack is 10.9 %.
    df = compare_supply_options(1000.0, "2025-01-01", "2025-03-01", names=["china-import"])
    assert df.loc["china-import", "landed_usd_per_kwh"] == pytest.approx(218.0, rel=2e-4)


def test_fully_domestic_is_cea_256_and_45x_pass_through() -> None:
    df = compare_supply_options(
        400_000.0, "2026-06-01", "2026-06-01", names=["fully-domestic"], pass_through=1.0
    )
    row = df.loc["fully-domestic"]
    assert row["landed_usd_per_kwh"] == pytest.approx(256.0)
    assert row["x45_price_effect_usd_per_kwh"] == pytest.approx(-45.0)
    assert row["net_usd_per_kwh"] == pytest.approx(211.0)
    later = compare_supply_options(
        400_000.0, "2026-06-01", "2026-06-01", names=["fully-domestic"], pass_through=0.5,
        sale_year=2031,
    )
    assert later.loc["fully-domestic", "x45_price_effect_usd_per_kwh"] == pytest.approx(-11.25)


def test_dc_macr_outcomes() -> None:
    df = compare_supply_options(100_000.0, "2026-11-25", "2027-06-01")
    assert df.loc["china-import", "dc_adjusted_pct"] == 0.0
    assert df.loc["china-import", "macr"] == 0.0
    assert not df.loc["china-import", "macr_passes"]
    # Foreign-partner US cells: DC 100 %, MACR = 162.4 / 256 = 0.634 (passes 60 % in 2027).
    assert df.loc["us-cells-foreign-partner", "dc_adjusted_pct"] == pytest.approx(1.0)
    assert df.loc["us-cells-foreign-partner", "macr"] == pytest.approx(162.4 / 256)
    assert df.loc["us-cells-foreign-partner", "macr_passes"]
    df29 = compare_supply_options(100_000.0, "2026-11-25", "2029-06-01",
                                  names=["us-cells-foreign-partner"])
    assert not df29.loc["us-cells-foreign-partner", "macr_passes"]
    assert df.loc["korea-japan", "dc_adjusted_pct"] == pytest.approx(162.4 / 236.4)


def test_line_overrides_and_extra_items() -> None:
    kr = supply_option("korea-japan", 1000.0)
    jp = supply_option("korea-japan", 1000.0, line_overrides={"cells": {"origin": "japan"}})
    assert kr[0].origin == "south_korea" and jp[0].origin == "japan"
    assert kr[0].fob_cost_usd == pytest.approx(74_000.0)
    pcs = EquipmentItem(name="pcs", item="pcs", origin="china", fob_cost_usd=10_000,
                        freight_usd=0, supplier_is_pfe=True)
    df = compare_supply_options(1000.0, "2026-11-25", "2027-06-01", names=["fully-domestic"],
                                extra_items=[pcs])
    assert df.loc["fully-domestic", "macr"] == pytest.approx(256_000 / 266_000)
    with pytest.raises(ValueError, match="unknown lines"):
        supply_option("korea-japan", 1000.0, line_overrides={"anodes": {"origin": "japan"}})


def test_unknown_option() -> None:
    with pytest.raises(ValueError, match="valid options: china-import"):
        supply_option("moon-base", 1.0)
    with pytest.raises(ValueError, match="energy_kwh"):
        supply_option("china-import", 0.0)
