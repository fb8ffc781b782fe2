"""A deal end to end: lifetime dispatch feeds the pro forma, and the numbers reconcile."""

from __future__ import annotations

import numpy as np
import pytest

from bessfin.deal import dispatch_deal, value_deal
from bessfin.finance import irr, npv


def test_lifetime_degrades_and_augments(short_result, short_deal):
    a = short_result.lifetime.annual
    cf = a["capacity_factor"].to_numpy()
    d = short_deal.degradation
    # year 2 capacity = 1 - calendar - per_cycle * year-1 cycles
    assert cf[1] == pytest.approx(1 - d.calendar_per_year - d.per_cycle * a["cycles"].iloc[0])
    assert cf[2] == pytest.approx(1.0)  # augmented at the start of year 3
    added = a.loc[3, "augmentation_mwh"]
    assert added == pytest.approx((1 - (cf[1] - d.calendar_per_year - d.per_cycle
                                        * a["cycles"].iloc[1])) * 200.0)
    # the augmentation is priced in the pro forma at the deal's $/kWh
    capex_aug = -short_result.pro_forma.line("capex: augmentation (capitalised)").loc[3]
    assert capex_aug == pytest.approx(added * 1000 * short_deal.augmentation.usd_per_kwh)


def test_revenue_flows_into_pro_forma(short_result):
    a, pf = short_result.lifetime.annual, short_result.pro_forma
    for s in short_result.lifetime.streams:
        np.testing.assert_allclose(pf.line(f"revenue: merchant {s}").loc[1:].to_numpy(),
                                   a[s].to_numpy())
    total = pf.line("revenue: total")
    ebitda = pf.line("EBITDA")
    opex = pf.line("opex: total")
    np.testing.assert_allclose(ebitda.to_numpy(), (total + opex).to_numpy())


def test_year_one_equals_single_year_dispatch(short_result):
    from bessfin.dispatch import dispatch

    first = short_result.lifetime.first_year
    again = dispatch("ercot 2024 HB_HOUSTON", short_result.deal.battery,
                     horizon=short_result.deal.market.horizon_spec())
    assert "persistence-day" in first.horizon.label  # the deal default
    assert again.total_revenue == pytest.approx(first.total_revenue, rel=1e-9)
    assert short_result.lifetime.annual.loc[1, "energy"] == pytest.approx(
        first.revenue_by_stream["energy"])


def test_irr_makes_npv_zero(short_result):
    cf = short_result.pro_forma.line("unlevered after-tax cash flow").to_numpy()
    rate = short_result.pro_forma.metrics.project_irr_after_tax
    # The example's unlevered flows change sign once (capex, then positive years): one root.
    assert cf[0] < 0 and (cf[1:] > 0).all()
    assert np.isfinite(rate)
    assert npv(rate, cf) == pytest.approx(0.0, abs=1e-6 * abs(cf[0]))
    assert irr(cf) == pytest.approx(rate)
    # Discounting at a rate above (below) the IRR gives a negative (positive) NPV.
    assert npv(rate + 0.01, cf) < 0 < npv(rate - 0.01, cf)


def test_supply_prices_dc_block(short_result):
    s = short_result.supply
    assert s is not None and s.option == "china-import"
    assert short_result.finance_inputs.capex.dc_block_usd_per_kwh == pytest.approx(
        s.dc_block_usd_per_kwh)
    # on 2025-12-01 the China battery stack was 30.9 % (policy_facts 3a)
    assert s.summary["duty_usd_per_kwh"] / s.summary["fob_usd_per_kwh"] == pytest.approx(0.309)


def test_screening_mode_close_to_full(short_deal, short_result):
    fast = dispatch_deal(short_deal, mode="screening")
    full = short_result.lifetime.annual
    rev = lambda a: a[short_result.lifetime.streams].sum(axis=1)  # noqa: E731
    err = (rev(fast.annual) - rev(full)) / rev(full)
    assert err.abs().max() < 0.02
    pf, _ = value_deal(short_deal, fast, short_result.supply)
    assert pf.metrics.project_irr_after_tax == pytest.approx(
        short_result.pro_forma.metrics.project_irr_after_tax, abs=0.005)


def test_lender_checks_have_reasons(short_result):
    names = [c.name for c in short_result.checks]
    assert names == ["min DSCR", "merchant share", "downside DSCR"]
    for c in short_result.checks:
        assert c.reason and (c.passed == (c.value >= c.threshold) or c.name == "merchant share")


def test_toll_reduces_merchant_share(short_deal, short_result):
    from bessfin.finance import ContractInputs, TollInputs

    tolled = short_deal.model_copy(update={"contracts": ContractInputs(
        toll=TollInputs(price_usd_per_kw_month=9.0, share=0.5, tenor_years=4))})
    pf, checks = value_deal(tolled, short_result.lifetime, short_result.supply)
    merchant = pf.line("revenue: merchant energy").loc[1]
    assert merchant == pytest.approx(0.5 * short_result.lifetime.annual.loc[1, "energy"])
    assert pf.line("revenue: tolling").loc[1] == pytest.approx(9.0 * 12 * 50_000)


def test_all_merchant_passes_a_100_percent_merchant_limit(short_result):
    # the merchant share of an all-merchant deal is 1 up to rounding; a 100 % limit must pass
    check = next(c for c in short_result.checks if c.name == "merchant share")
    assert check.value == pytest.approx(1.0) and check.threshold == 1.0
    assert check.passed


def test_capex_multiplier_scales_every_line_including_supply_priced_block(short_deal, short_result):
    from bessfin.deal import Deal

    bigger = short_deal.model_copy(update={"capex": short_deal.capex.model_copy(
        update={"multiplier": 1.1})})
    assert isinstance(bigger, Deal) and short_deal.supply is not None
    pf, _ = value_deal(bigger, short_result.lifetime, short_result.supply)
    base = short_result.pro_forma.line("capex: total").loc[0]
    assert pf.line("capex: total").loc[0] == pytest.approx(1.1 * base)


def test_downside_scales_revenue_not_wear_cost(short_result):
    from bessfin.deal.checks import _downside

    f = 0.75
    inputs, lt = short_result.finance_inputs, short_result.lifetime
    base = _downside(inputs, lt, 1.0).line("CFADS").loc[1]
    down = _downside(inputs, lt, f).line("CFADS").loc[1]
    earning = sum(lt.annual.loc[1, s] for s in lt.streams if s != "degradation")
    assert lt.annual.loc[1, "degradation"] < 0
    assert base - down == pytest.approx((1 - f) * earning)


def test_capex_amounts_cover_every_capex_line():
    from bessfin.deal.inputs import _CAPEX_AMOUNTS
    from bessfin.finance import CapexInputs

    numeric = {k for k, f in CapexInputs.model_fields.items() if f.annotation in (float, "float")}
    assert numeric == set(_CAPEX_AMOUNTS)


def test_deal_without_supply_runs(short_deal, short_result):
    # a deal that prices its DC block directly (no [supply]) values on the same dispatch
    direct = short_deal.model_copy(update={"supply": None, "capex": short_deal.capex.model_copy(
        update={"dc_block_usd_per_kwh": 200.0})})
    pf, checks = value_deal(direct, short_result.lifetime, None)
    assert pf.line("capex: cells / DC block").loc[0] == pytest.approx(-200.0 * 200 * 1000)
    assert checks
