"""Domestic content adjusted percentage and MACR, computed by hand on a small equipment list."""

from __future__ import annotations

import pytest

from bessfin.supply import (
    EquipmentItem,
    assess_sourcing,
    dc_adjusted_pct,
    dc_threshold,
    macr,
    macr_threshold_est,
)


def _items(pre_contract: bool = False) -> list[EquipmentItem]:
    return [
        EquipmentItem(name="cells", item="battery", origin="china", fob_cost_usd=600,
                      freight_pct=0.05, supplier_is_pfe=True,
                      pre_june_2025_contract=pre_contract),
        EquipmentItem(name="pcs", item="pcs", origin="us", fob_cost_usd=200, freight_usd=10,
                      us_manufactured=True),
        EquipmentItem(name="enclosure", item="enclosure", origin="vietnam", fob_cost_usd=100,
                      freight_usd=20, steel_aluminium_share=0.7),
        EquipmentItem(name="cable", item="copper_cable", origin="us", fob_cost_usd=100,
                      freight_usd=0, us_manufactured=True),
        EquipmentItem(name="civil steel", item="enclosure", origin="us", fob_cost_usd=300,
                      freight_usd=0, manufactured_product=False),
    ]


def test_dc_and_macr_by_hand_fob() -> None:
    items = _items()
    # Manufactured products: 600 + 200 + 100 + 100 = 1000; US-made 300; PFE 600.
    assert dc_adjusted_pct(items) == pytest.approx(0.30)
    assert macr(items) == pytest.approx(0.40)


def test_dc_and_macr_by_hand_landed() -> None:
    items = _items()
    # Landed 2026-03-01 (current-law): cells 600 + 30 + 600*0.384 = 860.4;
    # pcs 210; enclosure 100 + 20 + 100*(0.5*0.7 + 0.1*0.3) = 158; cable 100.
    total = 860.4 + 210 + 158 + 100
    kw = {"cost_basis": "landed", "on_date": "2026-03-01"}
    assert dc_adjusted_pct(items, **kw) == pytest.approx(310 / total)
    assert macr(items, **kw) == pytest.approx((total - 860.4) / total)
    with pytest.raises(ValueError, match="on_date"):
        macr(items, cost_basis="landed")


@pytest.mark.parametrize(
    ("boc", "dc_thr", "macr_thr"),
    [
        ("2024-06-01", 0.40, None),
        ("2025-06-15", 0.40, None),
        ("2025-06-16", 0.45, None),
        ("2025-12-31", 0.45, None),
        ("2026-01-01", 0.50, 0.55),
        ("2026-12-31", 0.50, 0.55),
        ("2027-01-01", 0.55, 0.60),
        ("2028-07-01", 0.55, 0.65),
        ("2029-07-01", 0.55, 0.70),
        ("2030-01-01", 0.55, 0.75),
        ("2034-01-01", 0.55, 0.75),
    ],
)
def test_thresholds_by_boc(boc: str, dc_thr: float, macr_thr: float | None) -> None:
    assert dc_threshold(boc) == dc_thr
    assert macr_threshold_est(boc) == macr_thr


def test_assess_fail_and_reasons() -> None:
    res = assess_sourcing(_items(), "2026-05-01", steel_iron_us=True)
    assert res.dc_adjusted_pct == pytest.approx(0.30) and not res.dc_passes
    assert res.macr == pytest.approx(0.40) and not res.macr_passes
    assert any("MACR 40.0% < EST threshold 55%" in r for r in res.reasons)
    assert res.finance_inputs() == {
        "dc_adjusted_pct": pytest.approx(0.30),
        "macr": pytest.approx(0.40),
        "dc_steel_iron_us": True,
    }


def test_macr_not_applicable_before_2026() -> None:
    res = assess_sourcing(_items(), "2025-12-31", steel_iron_us=True)
    assert not res.macr_applicable and res.macr_passes and res.macr_threshold is None
    assert res.macr == pytest.approx(0.40)


def test_pass_case_and_steel_iron_flag() -> None:
    items = [
        EquipmentItem(name="cells", item="battery", origin="us", fob_cost_usd=450,
                      freight_usd=0, us_manufactured=True, supplier_is_pfe=True),
        EquipmentItem(name="modules", item="battery", origin="us", fob_cost_usd=150,
                      freight_usd=0, us_manufactured=True),
        EquipmentItem(name="pcs", item="pcs", origin="korea", fob_cost_usd=400, freight_pct=0.02),
    ]
    res = assess_sourcing(items, "2026-03-01", steel_iron_us=True)
    assert res.dc_adjusted_pct == pytest.approx(0.60) and res.dc_passes
    assert res.macr == pytest.approx(0.55) and res.macr_passes  # exactly at threshold passes
    res2 = assess_sourcing(items, "2027-03-01", steel_iron_us=False)
    assert not res2.dc_passes and not res2.macr_passes
    assert any("steel/iron" in r for r in res2.reasons)


def test_pre_june_2025_contract_carve_out() -> None:
    items = _items(pre_contract=True)
    assert macr(items, placed_in_service="2029-06-01") == pytest.approx(1.0)
    assert macr(items, placed_in_service="2030-01-01") == pytest.approx(0.40)
    res = assess_sourcing(items, "2026-05-01", True)
    assert res.macr == pytest.approx(0.40)
    assert any("NOT applied" in r for r in res.reasons)


def test_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        macr([])
    only_civil = [_items()[-1]]
    with pytest.raises(ValueError, match="no manufactured products"):
        dc_adjusted_pct(only_civil)
    with pytest.raises(ValueError, match="cost_basis"):
        macr(_items(), cost_basis="invoice")  # type: ignore[arg-type]
