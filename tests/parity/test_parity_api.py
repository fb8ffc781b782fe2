"""Parity API: pricing, the duty knob, ITC tiers, break-evens checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessfin.deal import value_deal
from bessfin.studies import (
    COLUMNS,
    CustomOption,
    breakeven_cell_price,
    breakeven_tariff,
    compare_options,
    parity_curves,
    plot_parity_curves,
    price_option,
)
from bessfin.supply import LAYERS, duty, list_supply_options

KWH = 200_000.0
CN_FOB = 196.59  # supply_options.toml china-import line [$/kWh]
US_DC = 256.0  # fully-domestic: 93.60 cells + 162.40 integration [$/kWh]
US_INTEGRATION = 162.40


def _custom(name: str) -> CustomOption:
    return CustomOption(name, (
        {"name": "cells", "item": "battery", "origin": "japan", "usd_per_kwh": 80.0,
         "freight_pct": 0.02, "supplier_is_pfe": False, "us_manufactured": False, "x45": []},
        {"name": "integration", "item": "battery", "origin": "us", "usd_per_kwh": 150.0,
         "freight_pct": 0.0, "supplier_is_pfe": False, "us_manufactured": True,
         "x45": ["module"]},
    ), "test option")


def _pv_factor(deal) -> float:
    """B: $ of PV(costs) per $ of initial capex = 1 + (property tax + insurance) x
    sum_t (1 + e)^(t-1) / (1 + d)^t (opex lines that scale with capex)."""
    o, d, n = deal.opex, deal.finance.discount_rate, deal.project.life_years
    t = np.arange(1, n + 1)
    return 1.0 + (o.property_tax_pct_capex + o.insurance_pct_capex) * float(
        np.sum((1 + o.escalation) ** (t - 1) / (1 + d) ** t))


# ------------------------------------------------------------------------------------------
# pricing and the duty knob
# ------------------------------------------------------------------------------------------


def test_duty_layers_add_up_to_the_landed_duty():
    """The tidy duty-layer frame and the landed cost come from the same duty calls: per line,
    sum(layer rate) x FOB = duty charged; China's battery stack sums to 48.4 % (facts 2026-01)."""
    for name in list_supply_options():
        out = price_option(name, KWH, "2026-01-15", "2026-03-01")
        layers, lc = out.duty_layers, out.landed.set_index("name")
        assert list(layers.columns) == ["line", "layer", "rate", "base_share", "status",
                                        "source", "note"]
        rate = layers.groupby("line")["rate"].sum().reindex(lc.index, fill_value=0.0)
        assert np.allclose(rate * lc["fob_usd"], lc["duty_total_usd"], rtol=1e-12, atol=1e-6)
        assert ((layers["base_share"] >= 0) & (layers["base_share"] <= 1)).all()
    cn = price_option("china-import", KWH, "2026-01-15", "2026-03-01")
    batt = cn.landed.loc[cn.landed["item"] == "battery", "name"]
    total = cn.duty_layers[cn.duty_layers["line"].isin(batt)].groupby("line")["rate"].sum()
    assert np.allclose(total, 0.484)


def test_duty_override_shows_as_one_layer():
    out = price_option("china-import", KWH, "2026-01-15", "2026-03-01", import_duty_rate=0.25)
    batt = set(out.landed.loc[out.landed["item"] == "battery", "name"])
    rows = out.duty_layers[out.duty_layers["line"].isin(batt)]
    assert len(rows) == len(batt)
    assert (rows["layer"] == "import duty override").all()
    assert (rows["rate"] == 0.25).all()


def test_china_stack_on_2026_01_15_is_48_4_pct():
    s = price_option("china-import", KWH, "2026-01-15", "2026-03-01").summary
    assert s["duty_rate_imported"] == pytest.approx(0.484)
    assert s["landed_usd_per_kwh"] == pytest.approx(CN_FOB * 1.484)


@pytest.mark.parametrize("rate", [0.0, 0.25, 0.584, 1.5])
def test_duty_override_replaces_scenario_duty(rate):
    opt = _custom("jp")
    lc = price_option(opt, KWH, "2026-01-15", "2026-03-01", import_duty_rate=rate).landed
    cells = lc.set_index("name").loc["cells"]
    fob = 80.0 * KWH
    assert cells["duty_total_usd"] == pytest.approx(rate * fob)
    assert cells["landed_usd"] == pytest.approx(fob * (1 + rate) + 0.02 * fob)
    assert all(cells[f"duty_{k}_usd"] == 0.0 for k in LAYERS)  # no scenario duty left
    us = lc.set_index("name").loc["integration"]
    assert us["duty_total_usd"] == 0.0 and us["landed_usd"] == pytest.approx(150.0 * KWH)


def test_duty_override_at_the_scenario_rate_changes_nothing():
    rate = duty("battery", "china", "2026-01-15").total_rate
    a = price_option("china-import", KWH, "2026-01-15", "2026-03-01").summary
    b = price_option("china-import", KWH, "2026-01-15", "2026-03-01",
                     import_duty_rate=rate).summary
    assert bool(b["duty_overridden"]) and not bool(a["duty_overridden"])
    for col in ("duty_usd", "landed_usd", "net_usd"):
        assert float(a[col]) == pytest.approx(float(b[col]), rel=1e-12)


def test_negative_duty_rate_refused():
    with pytest.raises(ValueError, match="import_duty_rate"):
        price_option("china-import", KWH, "2026-01-15", "2026-03-01", import_duty_rate=-0.1)


# ------------------------------------------------------------------------------------------
# compare_options
# ------------------------------------------------------------------------------------------


def test_compare_columns_and_deal_tier_matches_chain(deal, lifetime):
    table = compare_options(deal, lifetime)
    assert list(table.columns) == list(COLUMNS)
    assert list(table.index.get_level_values("option")) == list(list_supply_options())
    # the "deal" tier of the deal's own option reproduces the chain's value_deal
    from bessfin.deal import resolve_supply

    pf, _ = value_deal(deal, lifetime, resolve_supply(deal))
    row = table.loc[("china-import", "deal")]
    assert row["project_irr_after_tax"] == pytest.approx(pf.metrics.project_irr_after_tax,
                                                         abs=1e-12)
    assert row["lcos_with_credits_usd_per_mwh"] == pytest.approx(
        pf.metrics.lcos_with_credits_usd_per_mwh, rel=1e-12)
    assert row["itc_rate"] == pf.itc.rate == 0.0


def test_identical_options_give_identical_rows(deal, lifetime):
    table = compare_options(deal, lifetime, [_custom("a"), _custom("b")],
                            itc_tiers=["pwa", "pwa+dc"])
    num = table.select_dtypes("number")
    for tier in ("pwa", "pwa+dc"):
        pd.testing.assert_series_equal(num.loc[("a", tier)], num.loc[("b", tier)],
                                       check_names=False, rtol=0, atol=0)
    assert np.isfinite(num["project_irr_after_tax"]).all()


def test_macr_failure_zeroes_the_itc_and_says_why(deal, deal_2025, lifetime):
    row = compare_options(deal, lifetime, ["china-import"], itc_tiers=["pwa+ec+dc"]).iloc[0]
    assert row["macr"] == 0.0 and not row["macr_pass"]
    assert row["itc_rate"] == 0.0
    assert "MACR 0% < 55%" in row["itc_reason"] and "credit is zero" in row["itc_reason"]
    # BOC 2025: no MACR test, the same option keeps 30% + 10% energy community
    row = compare_options(deal_2025, lifetime, ["china-import"], itc_tiers=["pwa+ec+dc"]).iloc[0]
    assert row["itc_rate"] == pytest.approx(0.40)
    assert "not applicable" in row["itc_reason"] or "MACR" not in row["itc_reason"]


def test_tiers_and_dc_bonus_only_where_earned(deal, lifetime):
    t = compare_options(deal, None, ["fully-domestic", "korea-japan", "china-import"],
                        itc_tiers=["none", "base", "base+dc", "pwa", "pwa+ec", "pwa+dc"])
    rate = t["itc_rate"]
    assert rate[("fully-domestic", "none")] == 0.0
    assert rate[("fully-domestic", "base")] == pytest.approx(0.06)
    assert rate[("fully-domestic", "base+dc")] == pytest.approx(0.08)
    assert rate[("fully-domestic", "pwa")] == pytest.approx(0.30)
    assert rate[("fully-domestic", "pwa+ec")] == pytest.approx(0.40)
    assert rate[("fully-domestic", "pwa+dc")] == pytest.approx(0.40)
    # Korean cells: DC 68.7% >= 50% (BOC 2026) earns the bonus; China fails MACR: 0 everywhere
    assert t.loc[("korea-japan", "pwa+dc"), "dc_adjusted_pct"] == pytest.approx(162.4 / 236.4)
    assert rate[("korea-japan", "pwa+dc")] == pytest.approx(0.40)
    assert (rate.xs("china-import", level="option") == 0.0).all()
    # without dispatch the IRR / LCOS columns are NaN
    assert t["project_irr_after_tax"].isna().all()


def test_dc_bonus_needs_us_steel(deal, lifetime):
    no_steel = deal.model_copy(update={"supply": deal.supply.model_copy(
        update={"steel_iron_us": False})})
    row = compare_options(no_steel, None, ["fully-domestic"], itc_tiers=["pwa+dc"]).iloc[0]
    assert not row["dc_pass"] and row["itc_rate"] == pytest.approx(0.30)
    assert "steel/iron" in row["itc_reason"]


def test_unknown_names_list_the_valid_ones(deal, lifetime):
    with pytest.raises(ValueError, match="valid options: china-import"):
        compare_options(deal, None, ["mars-import"])
    with pytest.raises(ValueError, match="valid tiers: deal"):
        compare_options(deal, None, ["china-import"], itc_tiers=["platinum"])
    with pytest.raises(ValueError, match="valid metrics"):
        breakeven_tariff(deal, lifetime, "china-import", "fully-domestic", metric="vibes")
    with pytest.raises(ValueError, match="needs a lifetime"):
        breakeven_tariff(deal, None, "china-import", "fully-domestic")
    with pytest.raises(ValueError, match="no imported battery line"):
        breakeven_tariff(deal, None, "fully-domestic", "china-import",
                         metric="net_dc_block_usd_per_kwh")


# ------------------------------------------------------------------------------------------
# curves and break-evens
# ------------------------------------------------------------------------------------------


def test_tariff_lowers_import_irr_monotonically(deal_2025, lifetime):
    rates = np.linspace(0.0, 1.5, 16)
    c = parity_curves(deal_2025, lifetime, ["china-import", "fully-domestic"], rates=rates,
                      metric="project_irr_after_tax", itc_tiers=["pwa"])
    cn = c[c.option == "china-import"]["project_irr_after_tax"].to_numpy()
    us = c[c.option == "fully-domestic"]["project_irr_after_tax"].to_numpy()
    assert np.all(np.diff(cn) < 0)
    assert np.ptp(us) == 0.0
    lc = parity_curves(deal_2025, lifetime, ["china-import"], rates=rates,
                       metric="lcos_with_credits_usd_per_mwh", itc_tiers=["pwa"])
    assert np.all(np.diff(lc["lcos_with_credits_usd_per_mwh"].to_numpy()) > 0)


@pytest.mark.parametrize("metric", ["project_irr_after_tax", "project_irr_pre_tax",
                                    "equity_irr_after_tax", "lcos_with_credits_usd_per_mwh",
                                    "project_npv_after_tax_usd"])
@pytest.mark.parametrize("tier", ["none", "pwa"])
def test_metrics_equal_at_breakeven_tariff(deal_2025, lifetime, metric, tier):
    be = breakeven_tariff(deal_2025, lifetime, "china-import", "fully-domestic",
                          metric=metric, itc_tier=tier)
    assert be.found, be.message
    tol = 1e-6 * (1.0 if metric.endswith(("tax",)) else max(1.0, abs(be.domestic_metric)))
    assert abs(be.import_metric - be.domestic_metric) <= tol
    # re-evaluate independently through compare_options at the solved rate
    t = compare_options(deal_2025, lifetime, ["china-import"], itc_tiers=[tier],
                        import_duty_rate=be.value).iloc[0]
    assert t[metric] == pytest.approx(be.domestic_metric, rel=1e-6, abs=1e-6)


def test_symmetric_itc_breakeven_is_capex_parity(deal_2025, lifetime):
    """Same ITC rate on both sides (BOC 2025, no MACR test): every metric breaks even where the
    landed DC blocks are equal, CN_FOB x (1 + r) = 256 -> r = 256 / 196.59 - 1."""
    hand = US_DC / CN_FOB - 1.0
    for metric, tier in [("lcos_usd_per_mwh", "none"), ("lcos_with_credits_usd_per_mwh", "pwa"),
                         ("project_irr_after_tax", "pwa"), ("net_dc_block_usd_per_kwh", "pwa")]:
        be = breakeven_tariff(deal_2025, lifetime, "china-import", "fully-domestic",
                              metric=metric, itc_tier=tier)
        assert be.value == pytest.approx(hand, abs=1e-8), metric


def test_lcos_breakeven_with_asymmetric_itc_matches_hand_calculation(deal, lifetime):
    """BOC 2026: China fails MACR (no ITC), US gets the 6% base tier. LCOS with credits is equal
    when CN capex exceeds US capex by PV(US credit cash) / B, with the credit = 6% x eligible
    capex x 0.92 transfer price, received in year 1."""
    kwh, kw = KWH, 100_000.0
    c = deal.capex
    eligible = US_DC * kwh + c.pcs_usd_per_kw * kw + (c.bos_usd_per_kwh + c.epc_usd_per_kwh) * kwh
    credit_pv = 0.06 * eligible * 0.92 / 1.09
    hand = (US_DC * kwh - credit_pv / _pv_factor(deal)) / (CN_FOB * kwh) - 1.0
    be = breakeven_tariff(deal, lifetime, "china-import", "fully-domestic",
                          metric="lcos_with_credits_usd_per_mwh", itc_tier="base")
    assert be.value == pytest.approx(hand, abs=1e-9)
    assert 0.2 < hand < 0.3


def test_no_breakeven_is_reported_clearly(deal, lifetime):
    # 30% ITC on the US side only: even duty-free Chinese blocks have a higher LCOS with credits
    be = breakeven_tariff(deal, lifetime, "china-import", "fully-domestic",
                          metric="lcos_with_credits_usd_per_mwh", itc_tier="pwa", max_rate=1.0)
    assert not be.found and be.value is None
    assert be.message.startswith("no break-even in [0%, 100%]: fully-domestic has the better")
    d = be.to_dict()
    assert d["value"] is None and d["bracket"] == [0.0, 1.0]


def test_breakeven_cell_price_by_hand(deal):
    """$/kWh metrics need no dispatch: CN landed 196.59 x 1.484; US = cell + 162.40."""
    cn = CN_FOB * 1.484
    be = breakeven_cell_price(deal, None, "china-import", "fully-domestic",
                              metric="net_dc_block_usd_per_kwh", itc_tier="none")
    assert be.value == pytest.approx(cn - US_INTEGRATION, abs=1e-8)
    # 30% ITC on the US side only (China fails MACR): (p + 162.40) x 0.7 = CN landed
    be = breakeven_cell_price(deal, None, "china-import", "fully-domestic",
                              metric="dc_block_net_of_itc_usd_per_kwh", itc_tier="pwa")
    assert be.value == pytest.approx(cn / 0.7 - US_INTEGRATION, abs=1e-8)
    # the same with the 58.4% CSIS stack on the Chinese block
    be = breakeven_cell_price(deal, None, "china-import", "fully-domestic",
                              metric="dc_block_net_of_itc_usd_per_kwh", itc_tier="pwa",
                              import_duty_rate=0.584)
    assert be.value == pytest.approx(CN_FOB * 1.584 / 0.7 - US_INTEGRATION, abs=1e-8)


def test_breakeven_cell_price_irr(deal_2025, lifetime):
    be = breakeven_cell_price(deal_2025, lifetime, "china-import", "fully-domestic",
                              metric="project_irr_after_tax", itc_tier="pwa")
    assert be.found
    assert abs(be.import_metric - be.domestic_metric) <= 1e-6
    # same ITC on both sides -> equal DC blocks: cell = CN landed at 48.4% - integration
    assert be.value == pytest.approx(CN_FOB * 1.484 - US_INTEGRATION, abs=1e-6)


def test_macr_threshold_crossing_is_a_jump_not_a_breakeven(deal, lifetime):
    """US cells from a PFE partner: MACR = 162.4 / (p + 162.4) >= 55% only while
    p <= 132.87 $/kWh, so the ITC drops to 0 there and the IRR jumps."""
    be = breakeven_cell_price(deal, lifetime, "china-import", "us-cells-foreign-partner",
                              metric="project_irr_after_tax", itc_tier="pwa")
    assert not be.found
    assert be.value == pytest.approx(US_INTEGRATION / 0.55 - US_INTEGRATION, abs=1e-6)
    assert "jumps" in be.message


def test_custom_option_line_overrides_and_x45(deal):
    t = compare_options(deal, None, [_custom("jp")], pass_through_45x=1.0,
                        line_overrides={"jp": {"integration": {"usd_per_kwh": 100.0}}}).iloc[0]
    assert t["fob_usd_per_kwh"] == pytest.approx(180.0)
    assert t["x45_effect_usd_per_kwh"] == pytest.approx(-10.0)  # module 45X fully passed
    # Japan entry 2026-01-15: MFN 3.4% + reciprocal 15% on the cells, freight 2%
    assert t["landed_usd_per_kwh"] == pytest.approx(80 * (1 + 0.184 + 0.02) + 100.0)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_file(deal, tmp_path, suffix):
    import matplotlib  # noqa: F401  (a core dependency)
    curves = parity_curves(deal, None, ["china-import", "fully-domestic"],
                           metric="net_dc_block_usd_per_kwh", itc_tiers=["none", "pwa"])
    be = breakeven_tariff(deal, None, "china-import", "fully-domestic",
                          metric="net_dc_block_usd_per_kwh", itc_tier="none")
    path = plot_parity_curves(curves, tmp_path / f"c{suffix}", breakevens=[be],
                              marks={"48.4%": 0.484})
    assert path.exists() and path.stat().st_size > 1000


# ------------------------------------------------------------------------------------------
# the one ITC assembly: precedence
# ------------------------------------------------------------------------------------------


def test_itc_assembly_precedence(deal):
    """Deal run: an explicit [itc] DC % that differs from the option's is refused unless marked
    as an override (issue 11), and then wins; a tier: the option's own DC % (only if the tier
    claims DC) and MACR, and the tier's PWA / energy-community settings."""
    from bessfin.deal import DealError, itc_inputs, resolve_supply
    from bessfin.studies import ITC_TIERS

    supply = resolve_supply(deal)
    assert itc_inputs(deal, supply).dc_adjusted_pct == pytest.approx(supply.dc_adjusted_pct)
    assert itc_inputs(deal, supply).macr == pytest.approx(supply.macr)
    contradicting = deal.model_copy(update={"itc": deal.itc.model_copy(
        update={"dc_adjusted_pct": 0.91, "macr": 0.77})})
    with pytest.raises(DealError, match="contradicts the supply chain"):
        itc_inputs(contradicting, supply)
    explicit = deal.model_copy(update={"itc": deal.itc.model_copy(
        update={"dc_adjusted_pct": 0.91, "macr": 0.77, "override": True,
                "override_reason": "test: explicit values win"})})
    run = itc_inputs(explicit, supply)
    assert (run.dc_adjusted_pct, run.macr) == (0.91, 0.77)
    tier = itc_inputs(explicit, supply, ITC_TIERS["deal"])
    assert tier.dc_adjusted_pct == pytest.approx(supply.dc_adjusted_pct)
    assert tier.macr == pytest.approx(supply.macr)
    base = itc_inputs(explicit, supply, ITC_TIERS["base"])
    assert base.dc_adjusted_pct is None and base.pwa is False and base.energy_community is False
    assert itc_inputs(deal, None) is deal.itc
