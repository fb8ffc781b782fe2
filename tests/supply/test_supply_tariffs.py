"""Tariff schedule: China 8507.60.0020 timeline, other origins, scenarios, stacking, errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bessfin.supply import (
    LAYERS,
    duty,
    get_scenario,
    list_scenarios,
    scenario_params,
    tariff_table,
    valid_items,
    valid_origins,
)

# (date, composite % for Chinese 8507.60.0020) - pf 3a; each change, the day before and after.
CHINA_TIMELINE = [
    ("2025-01-01", 10.9),
    ("2025-02-03", 10.9),
    ("2025-02-04", 20.9),
    ("2025-02-05", 20.9),
    ("2025-03-03", 20.9),
    ("2025-03-04", 30.9),
    ("2025-03-05", 30.9),
    ("2025-04-04", 30.9),
    ("2025-04-05", 40.9),  # 10 % reciprocal baseline (pf 3a, corrected 2026-12-02)
    ("2025-04-08", 40.9),
    ("2025-04-09", 114.9),  # 84 %: the announced 34 % never applied
    ("2025-04-10", 155.9),
    ("2025-04-11", 155.9),
    ("2025-05-13", 155.9),
    ("2025-05-14", 40.9),
    ("2025-05-15", 40.9),
    ("2025-11-09", 40.9),
    ("2025-11-10", 30.9),
    ("2025-11-11", 30.9),
    ("2025-12-31", 30.9),
    ("2026-01-01", 48.4),
    ("2026-01-02", 48.4),
    ("2026-02-23", 48.4),
    ("2026-02-24", 38.4),
    ("2026-02-25", 38.4),
    ("2026-07-23", 38.4),
    ("2026-07-24", 28.4),
    ("2026-07-25", 28.4),
    ("2026-11-25", 28.4),
    ("2030-06-30", 28.4),
]


@pytest.mark.parametrize(("day", "pct"), CHINA_TIMELINE)
def test_china_battery_timeline(day: str, pct: float) -> None:
    res = duty("battery", "china", day)
    assert res.total_rate == pytest.approx(pct / 100, abs=1e-12)
    assert sum(c.rate for c in res.layers) == pytest.approx(res.total_rate, abs=1e-15)


def test_hts_alias_same_as_item_name() -> None:
    assert duty("8507.60.0020", "CN", "2025-04-10").total_rate == pytest.approx(1.559)


FENT, RECIP = "ieepa_fentanyl", "ieepa_reciprocal"


@pytest.mark.parametrize(
    ("day", "layers"),
    [
        ("2025-01-01", {"mfn": 3.4, "section301": 7.5}),
        ("2025-04-10", {"mfn": 3.4, "section301": 7.5, FENT: 20, RECIP: 125}),
        ("2025-11-10", {"mfn": 3.4, "section301": 7.5, FENT: 10, RECIP: 10}),
        ("2026-01-01", {"mfn": 3.4, "section301": 25, FENT: 10, RECIP: 10}),
        ("2026-02-24", {"mfn": 3.4, "section301": 25, "section122": 10}),
        ("2026-07-24", {"mfn": 3.4, "section301": 25}),
    ],
)
def test_china_battery_layers(day: str, layers: dict[str, float]) -> None:
    got = {k: round(v * 100, 9) for k, v in duty("battery", "china", day).by_layer().items() if v}
    assert got == layers


def test_breakdown_rows_carry_status_and_source() -> None:
    res = duty("battery", "china", "2026-03-01")
    df = res.breakdown()
    assert set(df["layer"]) == {"mfn", "section301", "section122", "adcvd"}
    assert df["rate"].sum() == pytest.approx(res.total_rate)
    assert df.set_index("layer").loc["section122", "status"] == "DISPUTED"
    assert all(df["source"].str.len() > 0)
    assert set(df["status"]) <= {"VERIFIED", "DERIVED", "UNCERTAIN", "DISPUTED"}


# ---- other origins (pf 3b) -------------------------------------------------------------------

ALL_FOREIGN = [o for o in valid_origins() if o != "us"]


@pytest.mark.parametrize(
    ("origin", "day", "pct"),
    [
        ("south_korea", "2025-01-01", 0.0),
        ("south_korea", "2025-04-04", 0.0),
        ("south_korea", "2025-04-05", 10.0),
        ("south_korea", "2025-04-09", 10.0),
        ("south_korea", "2025-08-06", 10.0),
        ("south_korea", "2025-08-07", 15.0),
        ("south_korea", "2026-02-23", 15.0),
        ("south_korea", "2026-02-24", 10.0),
        ("south_korea", "2026-07-24", 0.0),
        ("japan", "2025-01-01", 3.4),
        ("japan", "2025-08-07", 18.4),
        ("eu", "2025-08-07", 18.4),
        ("vietnam", "2025-08-06", 13.4),
        ("vietnam", "2025-08-07", 23.4),
        ("malaysia", "2025-08-07", 22.4),
        ("thailand", "2025-08-07", 22.4),
        ("cambodia", "2025-08-07", 22.4),
        ("malaysia", "2026-02-24", 13.4),
        ("malaysia", "2026-07-24", 3.4),
        ("mexico", "2025-06-01", 0.0),
        ("mexico", "2026-03-01", 0.0),
        ("us", "2025-04-10", 0.0),
    ],
)
def test_other_origins_battery(origin: str, day: str, pct: float) -> None:
    assert duty("battery", origin, day).total_rate == pytest.approx(pct / 100, abs=1e-12)


@pytest.mark.parametrize("origin", ALL_FOREIGN)
@pytest.mark.parametrize("item", ["battery", "pcs", "transformer"])
def test_all_ieepa_zero_from_2026_02_24(origin: str, item: str) -> None:
    before = duty(item, origin, "2026-02-23").by_layer()
    for day in ("2026-02-24", "2026-05-01", "2026-11-25"):
        layers = duty(item, origin, day).by_layer()
        assert layers["ieepa_fentanyl"] == 0.0
        assert layers["ieepa_reciprocal"] == 0.0
    if origin != "mexico":
        assert before["ieepa_reciprocal"] > 0


def test_us_origin_has_no_layers() -> None:
    res = duty("enclosure", "us", "2026-03-01")
    assert res.total_rate == 0.0 and res.layers == ()
    assert any("US origin" in n for n in res.notes)


def test_korea_mfn_row_is_marked_uncertain() -> None:
    res = duty("battery", "korea", "2025-01-01")
    (mfn,) = [c for c in res.layers if c.layer == "mfn"]
    assert mfn.rate == 0.0 and mfn.status == "UNCERTAIN"


# ---- Section 232 content and stacking ---------------------------------------------------------


def test_enclosure_232_on_metal_share_and_122_on_rest() -> None:
    # China enclosure 2026-03-01, 60 % steel/aluminium: MFN 0 + s301 25 + s122 10*0.4 + s232 50*0.6
    res = duty("enclosure", "china", "2026-03-01", steel_aluminium_share=0.6)
    by = res.by_layer()
    assert by["section232_steel_aluminium"] == pytest.approx(0.30)
    assert by["section122"] == pytest.approx(0.04)
    assert by["section301"] == pytest.approx(0.25)
    assert res.total_rate == pytest.approx(0.59)


def test_enclosure_232_rate_step_on_2025_06_04() -> None:
    kw = {"steel_aluminium_share": 1.0}
    assert duty("enclosure", "vietnam", "2025-06-03", **kw).by_layer()[
        "section232_steel_aluminium"
    ] == pytest.approx(0.25)
    assert duty("enclosure", "vietnam", "2025-06-04", **kw).by_layer()[
        "section232_steel_aluminium"
    ] == pytest.approx(0.50)


def test_copper_cable_from_2025_08_01_and_reciprocal_not_on_copper_portion() -> None:
    # Before the copper 232 start the share is not needed.
    assert duty("copper_cable", "korea", "2025-07-31").total_rate == pytest.approx(0.10)
    # Korea 2025-09-01: MFN 0 (KORUS) + reciprocal 15 * 0.5 + copper 50 * 0.5
    res = duty("copper_cable", "korea", "2025-09-01", copper_share=0.5)
    assert res.by_layer()["ieepa_reciprocal"] == pytest.approx(0.075)
    assert res.by_layer()["section232_copper"] == pytest.approx(0.25)
    assert res.total_rate == pytest.approx(0.325)


def test_missing_content_share_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="steel_aluminium_share"):
        duty("enclosure", "china", "2026-03-01")
    with pytest.raises(ValueError, match="copper_share"):
        duty("copper_cable", "china", "2026-03-01")


def test_content_shares_validated() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        duty("enclosure", "china", "2026-03-01", steel_aluminium_share=1.2)


# ---- scenarios --------------------------------------------------------------------------------


def test_scenario_names() -> None:
    assert {
        "current-law",
        "section122-15pct",
        "section122-extended",
        "section301-excess-capacity",
        "enclosure-232-exempt",
        "eu-japan-all-in",
        "section122-battery-exempt",
    } <= set(list_scenarios())


def test_section122_15pct_only_changes_window() -> None:
    sc = "section122-15pct"
    assert duty("battery", "china", "2026-03-01", sc).total_rate == pytest.approx(0.434)
    assert duty("battery", "korea", "2026-03-01", sc).total_rate == pytest.approx(0.15)
    for day in ("2026-02-23", "2026-07-24", "2025-06-01"):
        assert duty("battery", "china", day, sc).total_rate == pytest.approx(
            duty("battery", "china", day).total_rate
        )


def test_section122_extended_keeps_surcharge_after_july() -> None:
    assert duty("battery", "china", "2026-11-25", "section122-extended").total_rate == (
        pytest.approx(0.384)
    )
    assert duty("battery", "china", "2026-07-23", "section122-extended").total_rate == (
        pytest.approx(0.384)
    )


def test_section301_excess_capacity_user_rate_and_date() -> None:
    name = "section301-excess-capacity"
    assert duty("battery", "china", "2026-09-01", name).total_rate == pytest.approx(0.534)
    sc = get_scenario(
        name, section301_excess_capacity_pct=50, section301_excess_capacity_from="2026-10-01"
    )
    assert duty("battery", "china", "2026-09-30", sc).total_rate == pytest.approx(0.284)
    assert duty("battery", "china", "2026-10-01", sc).total_rate == pytest.approx(0.784)
    # Other origins and other Chinese items unchanged.
    assert duty("battery", "vietnam", "2026-10-01", sc).total_rate == pytest.approx(0.034)
    assert duty("pcs", "china", "2026-10-01", sc).total_rate == pytest.approx(
        duty("pcs", "china", "2026-10-01").total_rate
    )


def test_enclosure_232_exempt_drops_232_and_charges_122_on_full_value() -> None:
    sc = "enclosure-232-exempt"
    res = duty("enclosure", "china", "2026-03-01", sc, steel_aluminium_share=0.6)
    by = res.by_layer()
    assert by["section232_steel_aluminium"] == 0.0
    assert by["section122"] == pytest.approx(0.10)
    # Share not needed when no 232 layer applies.
    assert duty("enclosure", "china", "2026-03-01", "enclosure-232-exempt").total_rate == (
        pytest.approx(0.35)
    )


def test_eu_japan_all_in() -> None:
    sc = "eu-japan-all-in"
    assert duty("battery", "japan", "2025-09-01", sc).total_rate == pytest.approx(0.15)
    assert duty("battery", "eu", "2025-09-01", sc).total_rate == pytest.approx(0.15)
    assert duty("battery", "korea", "2025-09-01", sc).total_rate == pytest.approx(0.15)
    assert duty("battery", "vietnam", "2025-09-01", sc).total_rate == pytest.approx(0.234)
    assert duty("battery", "japan", "2025-05-01", sc).total_rate == pytest.approx(0.134)


def test_section122_battery_exempt() -> None:
    sc = "section122-battery-exempt"
    assert duty("battery", "china", "2026-03-01", sc).total_rate == pytest.approx(0.284)
    assert duty("pcs", "china", "2026-03-01", sc).by_layer()["section122"] == pytest.approx(0.10)


def test_param_override_changes_only_that_layer() -> None:
    sc = get_scenario("current-law", mfn_pcs_pct=2.5)
    base = duty("pcs", "japan", "2025-09-01").by_layer()
    new = duty("pcs", "japan", "2025-09-01", sc).by_layer()
    assert new["mfn"] - base["mfn"] == pytest.approx(0.025)
    assert {k: v for k, v in new.items() if k != "mfn"} == {
        k: v for k, v in base.items() if k != "mfn"
    }


# Layers each scenario may change relative to current-law, and the items/origins it may touch.
SCENARIO_SCOPE = {
    "section122-15pct": ({"section122"}, None, None),
    "section122-extended": ({"section122"}, None, None),
    "section301-excess-capacity": ({"section301"}, {"battery"}, {"china"}),
    "enclosure-232-exempt": (
        {"section232_steel_aluminium", "section122", "ieepa_reciprocal"},
        {"enclosure"},
        None,
    ),
    "eu-japan-all-in": ({"ieepa_reciprocal"}, None, {"japan", "eu"}),
    "section122-battery-exempt": ({"section122"}, {"battery"}, None),
}
GRID_DATES = [date(2025, 1, 1) + timedelta(days=d) for d in range(0, 900, 23)]


@pytest.mark.parametrize("name", sorted(SCENARIO_SCOPE))
def test_scenario_changes_only_its_scope(name: str) -> None:
    layers, items, origins = SCENARIO_SCOPE[name]
    changed = False
    for item in valid_items():
        for origin in valid_origins():
            for day in GRID_DATES:
                kw = {"steel_aluminium_share": 0.5, "copper_share": 0.4}
                a = duty(item, origin, day, **kw).by_layer()
                b = duty(item, origin, day, name, **kw).by_layer()
                diff = {k for k in LAYERS if abs(a[k] - b[k]) > 1e-12}
                if diff:
                    changed = True
                    assert diff <= layers, (item, origin, day, diff)
                    assert items is None or item in items, (item, origin, day)
                    assert origins is None or origin in origins, (item, origin, day)
    assert changed, f"scenario {name} changed nothing on the grid"


# ---- errors -----------------------------------------------------------------------------------


def test_unknown_origin_lists_valid() -> None:
    with pytest.raises(ValueError, match="valid origins: .*south_korea"):
        duty("battery", "atlantis", "2025-06-01")


def test_unknown_item_lists_valid() -> None:
    with pytest.raises(ValueError, match="valid items: battery, pcs"):
        duty("flux capacitor", "china", "2025-06-01")


def test_date_before_table_start() -> None:
    with pytest.raises(ValueError, match="before the tariff table start 2025-01-01"):
        duty("battery", "china", "2024-12-31")
    with pytest.raises(ValueError, match="ISO"):
        duty("battery", "china", "01/02/2025")


def test_unknown_scenario_and_param() -> None:
    with pytest.raises(ValueError, match="valid scenarios: current-law"):
        duty("battery", "china", "2025-06-01", "free-trade-utopia")
    with pytest.raises(ValueError, match="valid parameters"):
        get_scenario("current-law", section999_pct=1)
    with pytest.raises(ValueError, match="non-negative"):
        get_scenario("current-law", section122_pct=-5)


def test_post_july_2026_note() -> None:
    assert duty("battery", "china", "2026-11-25").notes
    assert not duty("battery", "china", "2026-03-01").notes


# ---- data integrity ---------------------------------------------------------------------------


def test_every_row_sourced_and_param_documented() -> None:
    raw = tariff_table()
    params = scenario_params()
    assert raw["row_id"].is_unique
    assert (raw["source"].str.len() > 0).all()
    assert set(raw["status"]) <= {"VERIFIED", "DERIVED", "UNCERTAIN", "DISPUTED"}
    for cell in list(raw["rate"]) + list(raw["effective_from"]):
        if str(cell).startswith("param:"):
            assert str(cell)[6:] in params.index
    assert (params["rationale"].str.len() > 20).all()
    assert set(params["status"]) <= {"UNCERTAIN", "DISPUTED"}
    # Rows whose rate is a parameter can never be VERIFIED.
    is_param = raw["rate"].astype(str).str.startswith("param:")
    assert not (is_param & (raw["status"] == "VERIFIED")).any()


@pytest.mark.parametrize("name", sorted(list_scenarios()))
def test_no_overlapping_rows_for_a_layer(name: str) -> None:
    for item in valid_items():
        for origin in valid_origins():
            for day in GRID_DATES:
                res = duty(item, origin, day, name, steel_aluminium_share=0.5, copper_share=0.4)
                layers = [c.layer for c in res.layers if c.row_id != "cn-bat-301-xc"]
                assert len(layers) == len(set(layers)), (item, origin, day, layers)


# ---- properties -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    item=st.sampled_from(valid_items()),
    origin=st.sampled_from(valid_origins()),
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31)),
    scenario=st.sampled_from(sorted(list_scenarios())),
    steel=st.floats(0, 0.5),
    copper=st.floats(0, 0.5),
)
def test_duty_nonnegative_and_breakdown_sums(
    item: str, origin: str, day: date, scenario: str, steel: float, copper: float
) -> None:
    res = duty(item, origin, day, scenario, steel_aluminium_share=steel, copper_share=copper)
    assert res.total_rate >= 0
    assert all(c.rate >= 0 and 0 <= c.base_share <= 1 for c in res.layers)
    assert sum(c.rate for c in res.layers) == pytest.approx(res.total_rate, abs=1e-12)
    assert sum(res.by_layer().values()) == pytest.approx(res.total_rate, abs=1e-12)
    if origin == "us":
        assert res.total_rate == 0


def test_duty_rates_matrix_matches_duty() -> None:
    from bessfin.supply import duty_rates

    m = duty_rates("2025-09-01", origins=("china", "vietnam", "us"))
    assert m.loc["battery", "china"] == pytest.approx(0.409)
    assert m.loc["battery", "vietnam"] == pytest.approx(0.234)
    assert m.loc["pcs", "china"] == pytest.approx(duty("pcs", "china", "2025-09-01").total_rate)
    assert (m["us"] == 0).all()
