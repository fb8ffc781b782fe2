"""Landed cost: per-layer duty columns reconcile with FOB, freight and totals."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bessfin.supply import LAYERS, EquipmentItem, landed_cost, valid_items, valid_origins

ITEMS = [
    EquipmentItem(name="cells", item="battery", origin="china", fob_cost_usd=600,
                  freight_pct=0.05, supplier_is_pfe=True),
    EquipmentItem(name="pcs", item="inverter", origin="jp", fob_cost_usd=200, freight_usd=10),
    EquipmentItem(name="enclosure", item="enclosure", origin="vietnam", fob_cost_usd=100,
                  freight_usd=20, steel_aluminium_share=0.7),
    EquipmentItem(name="cable", item="cable", origin="us", fob_cost_usd=100, freight_usd=0,
                  us_manufactured=True),
]
LAYER_COLS = [f"duty_{k}_usd" for k in LAYERS]


def test_landed_by_hand() -> None:
    df = landed_cost(ITEMS, "2026-03-01").set_index("name")
    assert df.loc["cells", "freight_usd"] == pytest.approx(30.0)
    assert df.loc["cells", "duty_mfn_usd"] == pytest.approx(20.4)
    assert df.loc["cells", "duty_section301_usd"] == pytest.approx(150.0)
    assert df.loc["cells", "duty_section122_usd"] == pytest.approx(60.0)
    assert df.loc["cells", "landed_usd"] == pytest.approx(860.4)
    # Japan PCS: MFN default 0 (UNCERTAIN param) + s122 10 %.
    assert df.loc["pcs", "duty_total_usd"] == pytest.approx(20.0)
    assert df.loc["enclosure", "duty_section232_steel_aluminium_usd"] == pytest.approx(35.0)
    assert df.loc["enclosure", "duty_section122_usd"] == pytest.approx(3.0)
    assert df.loc["cable", "landed_usd"] == pytest.approx(100.0)
    assert df["landed_usd"].sum() == pytest.approx(860.4 + 230 + 158 + 100)


def test_reconciles() -> None:
    df = landed_cost(ITEMS, "2025-09-15", "section122-15pct")
    assert df[LAYER_COLS].sum(axis=1).to_numpy() == pytest.approx(df["duty_total_usd"].to_numpy())
    assert (df["fob_usd"] * df["duty_rate"]).to_numpy() == pytest.approx(
        df["duty_total_usd"].to_numpy()
    )
    assert (df["fob_usd"] + df["freight_usd"] + df["duty_total_usd"]).to_numpy() == (
        pytest.approx(df["landed_usd"].to_numpy())
    )
    assert df["landed_usd"].sum() == pytest.approx(
        df["fob_usd"].sum() + df["freight_usd"].sum() + df[LAYER_COLS].to_numpy().sum()
    )


def test_item_and_origin_normalised() -> None:
    assert (ITEMS[1].item, ITEMS[1].origin) == ("pcs", "japan")


def test_validation_errors() -> None:
    base = {"name": "x", "item": "battery", "origin": "china", "fob_cost_usd": 1.0}
    with pytest.raises(ValidationError, match="exactly one of freight_pct"):
        EquipmentItem(**base)
    with pytest.raises(ValidationError, match="exactly one of freight_pct"):
        EquipmentItem(**base, freight_pct=0.1, freight_usd=1.0)
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        EquipmentItem(**base, freight_pct=5)
    with pytest.raises(ValidationError, match="requires origin='us'"):
        EquipmentItem(**base, freight_usd=0, us_manufactured=True)
    with pytest.raises(ValidationError, match="valid origins"):
        EquipmentItem(**{**base, "origin": "narnia"}, freight_usd=0)
    with pytest.raises(ValidationError, match="valid items"):
        EquipmentItem(**{**base, "item": "widget"}, freight_usd=0)
    with pytest.raises(ValueError, match="at least one"):
        landed_cost([], "2026-01-01")
    with pytest.raises(ValueError, match="before the tariff table start"):
        landed_cost(ITEMS, "2024-06-01")


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(valid_items()),
            st.sampled_from(valid_origins()),
            st.floats(0, 1e8),
            st.floats(0, 1),
            st.floats(0, 0.5),
        ),
        min_size=1,
        max_size=6,
    ),
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
)
def test_landed_reconciles_property(
    lines: list[tuple[str, str, float, float, float]], day: date
) -> None:
    items = [
        EquipmentItem(name=f"l{i}", item=it, origin=o, fob_cost_usd=fob, freight_pct=fr,
                      steel_aluminium_share=share, copper_share=share,
                      us_manufactured=(o == "us"))
        for i, (it, o, fob, fr, share) in enumerate(lines)
    ]
    df = landed_cost(items, day)
    assert (df[LAYER_COLS] >= 0).all().all()
    assert df["landed_usd"].sum() == pytest.approx(
        df["fob_usd"].sum() + df["freight_usd"].sum() + df[LAYER_COLS].to_numpy().sum(),
        rel=1e-9, abs=1e-6,
    )
