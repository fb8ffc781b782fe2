"""Pro forma structure: reconciliation, contracts, augmentation, debt sizing, validation."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from bessfin.finance import (
    AugmentationInputs,
    AugmentationPerKwh,
    CapacityContractInputs,
    ContractInputs,
    DebtInputs,
    FloorInputs,
    ItcInputs,
    OpexInputs,
    TaxInputs,
    TollInputs,
    build_pro_forma,
)
from bessfin.finance.lines import LINE_SPECS, line_spec, merchant_lines, sum_terms

M = 1e6
N = 20
MACRS5 = [0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576]


def varied_revenue() -> pd.DataFrame:
    years = np.arange(1, N + 1)
    return pd.DataFrame(
        {
            "energy": 9 * M * 0.97 ** (years - 1),
            "reg_up": 3 * M + 0.1 * M * (years % 3),
            "discharged_mwh": 120_000.0 - 500.0 * years,
        },
        index=pd.RangeIndex(1, N + 1, name="year"),
    )


TOLL = TollInputs(price_usd_per_kw_month=10.0, share=0.5, escalation=0.02, tenor_years=7)
RA = CapacityContractInputs(
    # 20 MW: with the 0.5 toll and the 0.3 floor the contracts sell exactly the 100 MW battery
    # (each MW once, issue 11; it was 50 MW, 130 MW in all)
    price_usd_per_kw_month=5.0, contracted_mw=20.0, start_year=2, tenor_years=5
)
FLOOR = FloorInputs(floor_usd_per_kw_month=3.0, share=0.3, upside_share=0.25, tenor_years=10)


def complex_inputs(make_inputs, **overrides):
    fields = {
        "opex": OpexInputs(
            fixed_om_usd_per_kw_yr=25.0,
            variable_om_usd_per_mwh=1.5,
            property_tax_pct_capex=0.01,
            insurance_pct_capex=0.005,
            land_lease_usd_per_yr=200_000.0,
            escalation=0.025,
        ),
        "contracts": ContractInputs(toll=TOLL, capacity=RA, floor=FLOOR),
        "augmentation": AugmentationInputs(
            costs_usd={8: 5 * M},
            per_kwh={12: AugmentationPerKwh(usd_per_kwh=150.0, energy_mwh=40.0)},
        ),
        "tax": TaxInputs(
            state_rate=0.06, loss_treatment="carry_forward", itc_monetisation="direct"
        ),
        "debt": DebtInputs(
            rate=0.065, tenor_years=12, upfront_fee_pct=0.015, max_gearing=0.7, merchant_haircut=0.8
        ),
    }
    fields.update(overrides)
    return make_inputs(**fields)


def rows(pf, prefix):
    return pf.annual.loc[[i for i in pf.annual.index if i.startswith(prefix)]]


def test_lines_reconcile(make_inputs):
    pf = build_pro_forma(complex_inputs(make_inputs), varied_revenue())
    a = pf.annual
    rev = rows(pf, "revenue: ").drop("revenue: total")
    assert rev.sum().to_numpy() == pytest.approx(a.loc["revenue: total"].to_numpy())
    opex = rows(pf, "opex: ").drop("opex: total")
    assert opex.sum().to_numpy() == pytest.approx(a.loc["opex: total"].to_numpy())
    assert (a.loc["revenue: total"] + a.loc["opex: total"]).to_numpy() == pytest.approx(
        a.loc["EBITDA"].to_numpy()
    )
    capex = rows(pf, "capex: ").drop("capex: total")
    assert capex.sum().to_numpy() == pytest.approx(a.loc["capex: total"].to_numpy())
    ops = a.columns >= 1
    assert (a.loc["EBITDA"] + a.loc["capex: total"])[ops].to_numpy() == pytest.approx(
        a.loc["CFADS"][ops].to_numpy()
    )
    eq_pre = a.loc["cash flow to equity (pre-tax)"]
    assert (a.loc["CFADS"] + a.loc["debt service"])[ops].to_numpy() == pytest.approx(
        eq_pre[ops].to_numpy()
    )
    assert eq_pre[0] == pytest.approx(
        a.loc["capex: total", 0] + a.loc["debt: drawdown", 0] + a.loc["debt: upfront fee", 0]
    )
    equity = eq_pre + a.loc["tax: state"] + a.loc["tax: federal"]
    equity += a.loc["ITC: transfer proceeds"] + a.loc["ITC: used against tax"]
    assert equity.to_numpy() == pytest.approx(a.loc["cash flow to equity"].to_numpy())
    assert (a.loc["debt: interest"] + a.loc["debt: principal"]).to_numpy() == pytest.approx(
        a.loc["debt service"].to_numpy()
    )
    assert a.loc["memo: debt balance (closing)", 12] == pytest.approx(0.0, abs=1e-3)
    unlev = a.loc["unlevered pre-tax cash flow"] + a.loc["unlevered tax: state"]
    unlev += a.loc["unlevered tax: federal"] + a.loc["unlevered ITC"]
    assert unlev.to_numpy() == pytest.approx(a.loc["unlevered after-tax cash flow"].to_numpy())
    assert list(a.columns) == list(range(N + 1))


def test_toll_ra_and_floor_hand_computed(make_inputs):
    rev = varied_revenue()
    pf = build_pro_forma(complex_inputs(make_inputs), rev)
    raw_e = rev["energy"].to_numpy()
    raw_r = rev["reg_up"].to_numpy()
    scale = np.array([0.5] * 7 + [1.0] * 13)  # tolled share 0.5 in years 1..7
    assert pf.line("revenue: merchant energy").to_numpy()[1:] == pytest.approx(raw_e * scale)
    assert pf.line("revenue: merchant reg_up").to_numpy()[1:] == pytest.approx(raw_r * scale)
    toll = [10 * 12 * 50_000 * 1.02 ** (t - 1) if t <= 7 else 0.0 for t in range(1, N + 1)]
    assert pf.line("revenue: tolling").to_numpy()[1:] == pytest.approx(toll)
    ra = [1.2 * M if 2 <= t <= 6 else 0.0 for t in range(1, N + 1)]  # 5 $/kW-mo x 12 x 20,000 kW
    assert pf.line("revenue: resource adequacy").to_numpy()[1:] == pytest.approx(ra)
    level = 3 * 12 * 0.3 * 100_000  # 1.08M in years 1..10
    covered = 0.3 * (raw_e + raw_r)
    top = [
        max(level - c, 0) if t <= 10 else 0 for t, c in zip(range(1, N + 1), covered, strict=True)
    ]
    up = [
        0.25 * max(c - level, 0) if t <= 10 else 0
        for t, c in zip(range(1, N + 1), covered, strict=True)
    ]
    assert pf.line("revenue: floor top-up").to_numpy()[1:] == pytest.approx(top)
    assert -pf.line("revenue: floor upside paid").to_numpy()[1:] == pytest.approx(up)
    assert sum(up) > 0  # the case exercises the upside share


def test_augmentation_capitalised_vs_expensed(make_inputs, make_revenue):
    base = build_pro_forma(make_inputs(), make_revenue())
    aug = AugmentationInputs(costs_usd={8: 5 * M})
    cap = build_pro_forma(make_inputs(augmentation=aug), make_revenue())
    extra = cap.line("memo: tax depreciation") - base.line("memo: tax depreciation")
    expected = np.zeros(N + 1)
    expected[8:14] = [5 * M * p for p in MACRS5]
    assert extra.to_numpy() == pytest.approx(expected)
    assert cap.line("capex: augmentation (capitalised)")[8] == pytest.approx(-5 * M)
    assert cap.line("CFADS")[8] == pytest.approx(13 * M - 5 * M)
    assert cap.line("EBITDA")[8] == pytest.approx(13 * M)

    exp = build_pro_forma(
        make_inputs(augmentation=AugmentationInputs(costs_usd={8: 5 * M}, treatment="expense")),
        make_revenue(),
    )
    assert exp.line("opex: augmentation (expensed)")[8] == pytest.approx(-5 * M)
    assert exp.line("EBITDA")[8] == pytest.approx(8 * M)
    assert exp.line("memo: tax depreciation").to_numpy() == pytest.approx(
        base.line("memo: tax depreciation").to_numpy()
    )

    per_kwh = AugmentationInputs(
        per_kwh={8: AugmentationPerKwh(usd_per_kwh=125.0, energy_mwh=40.0)}, itc_eligible=True
    )
    elig = build_pro_forma(make_inputs(augmentation=per_kwh), make_revenue())
    assert elig.line("memo: ITC generated")[8] == pytest.approx(0.3 * 5 * M)
    extra = elig.line("memo: tax depreciation") - base.line("memo: tax depreciation")
    assert extra.sum() == pytest.approx(5 * M - 0.5 * 0.3 * 5 * M)


@pytest.mark.parametrize("haircut", [1.0, 0.75])
def test_sculpted_pro_forma_hits_target_dscr(haircut, make_inputs):
    debt = DebtInputs(
        rate=0.07, tenor_years=15, max_gearing=1.0, sizing="dscr", merchant_haircut=haircut
    )
    pf = build_pro_forma(
        make_inputs(debt=debt, contracts=ContractInputs(toll=TOLL)), varied_revenue()
    )
    sizing = pf.line("memo: sizing CFADS").to_numpy()[1:16]
    ds = -pf.line("debt service").to_numpy()[1:16]
    target = pf.line("memo: target DSCR").to_numpy()[1:16]
    assert sizing / ds == pytest.approx(target, rel=1e-12)
    assert target[0] < 1.3 and target[-1] == pytest.approx(1.3)  # blended while tolled
    if haircut == 1.0:
        assert pf.line("memo: DSCR").to_numpy()[1:16] == pytest.approx(target)
    else:
        assert pf.metrics.min_dscr > 1.3  # P50 DSCR above target when sized on P90


def test_gearing_binds_when_lower(make_inputs, make_revenue):
    debt = DebtInputs(rate=0.07, tenor_years=15, max_gearing=0.3)
    pf = build_pro_forma(make_inputs(debt=debt), make_revenue())
    assert pf.debt.binding == "gearing"
    assert pf.metrics.debt_usd == pytest.approx(36 * M)
    assert pf.metrics.min_dscr > 1.3


def test_itc_rules_flow_into_pro_forma(make_inputs, make_revenue):
    itc = ItcInputs(boc_date=date(2026, 3, 1), macr=0.48)
    pf = build_pro_forma(make_inputs(itc=itc), make_revenue())
    assert pf.itc.rate == 0.0
    assert pf.line("ITC: used against tax").sum() == 0.0
    assert pf.line("memo: tax depreciation").sum() == pytest.approx(120 * M)
    ok = build_pro_forma(
        make_inputs(itc=ItcInputs(boc_date=date(2026, 3, 1), macr=0.6)), make_revenue()
    )
    assert ok.line("ITC: used against tax")[1] == pytest.approx(36 * M)


def test_itc_year_and_eligible_lines(make_inputs, make_revenue):
    capex = make_inputs().capex.model_copy(
        update={"interconnection_usd_per_kw": 100.0, "development_usd": 2 * M}
    )
    pf = build_pro_forma(make_inputs(capex=capex, tax=TaxInputs(itc_year=2)), make_revenue())
    # credit on 120M only (interconnection 10M and development 2M excluded); transfer at 0.92 in y2.
    assert pf.line("ITC: transfer proceeds")[2] == pytest.approx(0.92 * 0.3 * 120 * M)
    assert pf.line("ITC: transfer proceeds")[1] == 0.0
    assert pf.line("capex: total")[0] == pytest.approx(-132 * M)
    assert pf.line("memo: tax depreciation").sum() == pytest.approx(132 * M - 18 * M)


def test_undefined_irr_is_nan_with_note(make_inputs, make_revenue):
    tax = TaxInputs(loss_treatment="carry_forward")
    pf = build_pro_forma(
        make_inputs(tax=tax, itc=ItcInputs(rate_override=0.0)), make_revenue(energy=0.0)
    )
    assert math.isnan(pf.metrics.project_irr_pre_tax)
    assert "no sign change" in pf.metrics.irr_notes["project_irr_pre_tax"]
    assert pf.metrics.project_payback_year is None


@pytest.mark.parametrize("escalation", [0.0, 0.03])
def test_lcos_price_zeroes_project_npv(escalation, make_inputs, make_revenue):
    no_tax = TaxInputs(federal_rate=0.0, itc_monetisation="transfer", transfer_price=0.92)
    opex = OpexInputs(
        fixed_om_usd_per_kw_yr=20.0, variable_om_usd_per_mwh=2.0, escalation=escalation
    )
    inputs = make_inputs(tax=no_tax, opex=opex)
    first = build_pro_forma(inputs, make_revenue())
    price = first.metrics.lcos_usd_per_mwh
    assert price > 0
    at_lcos = build_pro_forma(inputs, make_revenue(energy=price * 100_000.0))
    assert at_lcos.metrics.project_npv_pre_tax_usd == pytest.approx(0.0, abs=1.0)
    price_cr = first.metrics.lcos_with_credits_usd_per_mwh
    assert price_cr < price
    at_cr = build_pro_forma(inputs, make_revenue(energy=price_cr * 100_000.0))
    assert at_cr.metrics.project_npv_after_tax_usd == pytest.approx(0.0, abs=1.0)


# --- validation ------------------------------------------------------------------------------


def test_input_validation_messages():
    with pytest.raises(ValidationError, match=r"dscr_target\) must be >= 1.0, got 0.8"):
        DebtInputs(rate=0.07, tenor_years=10, max_gearing=0.5, dscr_merchant=0.8)
    with pytest.raises(ValidationError, match="did you mean 0.3"):
        TollInputs(price_usd_per_kw_month=9.0, share=30, tenor_years=5)
    with pytest.raises(ValidationError, match="boc_date"):
        ItcInputs()
    with pytest.raises(ValidationError, match="toll share \\+ floor share"):
        ContractInputs(toll=TOLL, floor=FLOOR.model_copy(update={"share": 0.6}))
    with pytest.raises(ValidationError, match="augmentation year"):
        AugmentationInputs(costs_usd={0: 1.0})


def test_revenue_table_validation(make_inputs, make_revenue):
    inputs = make_inputs()
    bad_nan = make_revenue()
    bad_nan.loc[3, "energy"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        build_pro_forma(inputs, bad_nan)
    with pytest.raises(ValueError, match="discharged_mwh"):
        build_pro_forma(inputs, make_revenue().drop(columns="discharged_mwh"))
    with pytest.raises(ValueError, match="operating years"):
        build_pro_forma(inputs, make_revenue().set_axis(range(0, N), axis=0))
    with pytest.raises(ValueError, match="tenor_years"):
        build_pro_forma(
            make_inputs(debt=DebtInputs(rate=0.05, tenor_years=25, max_gearing=0.5)),
            make_revenue(),
        )
    with pytest.raises(ValueError, match="augmentation year 25"):
        build_pro_forma(
            make_inputs(augmentation=AugmentationInputs(costs_usd={25: 1.0})), make_revenue()
        )


def test_lines_follow_the_catalogue(make_inputs):
    """Every line is catalogued, in catalogue order; signs and sums hold on the numbers."""
    pf = build_pro_forma(complex_inputs(make_inputs), varied_revenue())
    names = list(pf.annual.index)
    ranks = [LINE_SPECS.index(line_spec(n)) for n in names]
    assert ranks == sorted(ranks)
    assert {line_spec(n).name for n in names} == {s.name for s in LINE_SPECS}
    assert merchant_lines(names) == ["revenue: merchant energy", "revenue: merchant reg_up"]
    a = pf.annual
    for n in names:
        spec = line_spec(n)
        if spec.sign > 0:
            assert (a.loc[n] >= -1e-6).all(), n
        elif spec.sign < 0:
            assert (a.loc[n] <= 1e-6).all(), n
        if spec.sums is None:
            continue
        for year in a.columns:
            terms = sum_terms(n, names, int(year))
            assert a.loc[n, year] == pytest.approx(sum(a.loc[t, year] for t in terms),
                                                   rel=1e-12, abs=1e-6), (n, year)
    # a sum that is visibly non-trivial: revenue total has six terms here
    assert len(sum_terms("revenue: total", names, 1)) == 6
