"""NREL SAM Single Owner cross-check: bessfin under SAM's conventions equals SAM on every example.

SAM (PySAM, the ``sam`` extra) computes its own debt, depreciation, tax, cash flows, IRRs and NPVs
from the deal's annual lines; each example is dispatched once (screening mode: the check is on
the finance, not the dispatch).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bessfin.cli import app
from bessfin.deal import DealError, deal_from_dict, dispatch_deal, load_deal
from bessfin.finance import (
    CapexInputs,
    DebtInputs,
    FinanceInputs,
    ItcInputs,
    OpexInputs,
    TaxInputs,
    apply_conventions,
    build_pro_forma,
)

if os.environ.get("CI"):
    import PySAM.Singleowner  # noqa: F401  (CI installs the `sam` extra: never skip there)
else:
    pytest.importorskip("PySAM.Singleowner")

from bessfin.sam import TOL_IRR, compare_with_sam, crosscheck  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEALS = sorted(p.name for p in EXAMPLES.glob("*.toml") if not p.name.startswith("portfolio"))
M = 1e6


def reference(tax: TaxInputs | None = None, **kw) -> FinanceInputs:
    """$120M capex, $15M/yr revenue, $2M/yr O&M, 20 years, 30 % ITC (tests/finance)."""
    fields = dict(
        power_mw=100.0, energy_mwh=400.0,
        capex=CapexInputs(dc_block_usd_per_kwh=300.0, pcs_usd_per_kw=0.0),
        opex=OpexInputs(fixed_om_usd_per_kw_yr=20.0), itc=ItcInputs(rate_override=0.30),
        tax=tax or apply_conventions(TaxInputs(), "sam"), discount_rate=0.08)
    fields.update(kw)
    return FinanceInputs(**fields)


def flat(n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"energy": [15 * M] * n, "discharged_mwh": [1e5] * n},
                        index=pd.RangeIndex(1, n + 1, name="year"))


def test_sam_reproduces_the_hand_computed_reference_case():
    pf = build_pro_forma(reference(), flat())
    table, unsupported, _ = compare_with_sam(pf)
    assert not unsupported and table["agrees"].all()
    sam = table[table["item"] == "unlevered_after_tax_cash_flow_usd"].set_index("year")["sam"]
    # By hand (tests/finance/test_fin_reference_case.py): -120, then 13 - 0.21 x (13 - 20.4) + 36.
    assert sam[0] == pytest.approx(-120 * M, abs=0.01)
    assert sam[1] == pytest.approx(50.554 * M, abs=0.01)
    assert sam[7] == pytest.approx(13 * M * 0.79, abs=0.01)


def test_annuity_debt_and_state_tax_agree_and_sam_sizes_the_debt():
    debt = DebtInputs(rate=0.07, tenor_years=15, repayment="annuity", max_gearing=0.5)
    tax = apply_conventions(TaxInputs(state_rate=0.06), "sam")
    pf = build_pro_forma(reference(tax=tax, debt=debt), flat())
    table, unsupported, _ = compare_with_sam(pf)
    assert not unsupported and table["agrees"].all(), table[~table["agrees"]]
    debt_row = table.set_index("item").loc["debt_usd"]
    assert debt_row["sam"] == pytest.approx(60 * M, abs=0.01)  # 50 % of $120M, sized by SAM


def test_bessfin_default_conventions_differ_from_sam():
    """Losses carried forward and the credit sold at 92 cents are not SAM's: the check fails."""
    pf = build_pro_forma(reference(tax=TaxInputs()), flat())
    table, _, _ = compare_with_sam(pf)
    row = table.set_index("item").loc["project_irr_after_tax"]
    assert not row["agrees"] and abs(row["difference"]) > 10 * TOL_IRR


def test_a_debt_fee_is_reported_as_not_representable():
    debt = DebtInputs(rate=0.07, tenor_years=15, repayment="annuity", max_gearing=0.5,
                      upfront_fee_pct=0.02)
    pf = build_pro_forma(reference(debt=debt), flat())
    _, unsupported, _ = compare_with_sam(pf)
    assert len(unsupported) == 1 and "upfront_fee_pct" in unsupported[0]


def test_sam_preset_refuses_a_conflicting_tax_key():
    data = {**_example_dict("ercot_west_toll.toml")}
    data["finance"] = {**data.get("finance", {}), "conventions": "sam"}
    with pytest.raises(DealError, match="itc_monetisation"):
        deal_from_dict(data)
    del data["tax"]["itc_monetisation"]
    deal = deal_from_dict(data)
    assert deal.finance.conventions == "sam"


def _example_dict(name: str) -> dict:
    import tomllib

    return tomllib.loads((EXAMPLES / name).read_text())


@functools.cache
def dispatched(name: str):
    """(deal, screening-mode lifetime dispatch): each example is dispatched once per session."""
    deal = load_deal(EXAMPLES / name)
    return deal, dispatch_deal(deal, mode="screening")


@pytest.fixture(params=DEALS)
def example(request):
    return dispatched(request.param)


def test_every_example_agrees_with_sam(example):
    deal, lifetime = example
    result = crosscheck(deal, lifetime=lifetime)
    assert result.agrees, (result.unsupported, result.worst)
    years = result.table.dropna(subset=["year"])
    assert set(years["year"]) == set(range(deal.project.life_years + 1))
    # Not a trivial agreement: the deal has debt and tax, and SAM computed them.
    rows = result.table.set_index(["item", "year"])
    assert rows.loc[("debt_usd", pd.NA), "sam"] > 0
    fed = years[years["item"] == "tax_federal_usd"]["sam"].to_numpy()
    assert np.abs(fed).max() > 1e5
    # bessfin's own default conventions differ from SAM's (shown, not hidden).
    gap = result.defaults.loc["equity_irr_after_tax", "difference"]
    assert np.isfinite(gap) and gap != 0


def test_cli_json_and_exit_code(monkeypatch):
    _, lifetime = dispatched(DEALS[0])
    monkeypatch.setattr("bessfin.sam.compare.dispatch_deal", lambda d, mode: lifetime)
    res = CliRunner().invoke(app, ["crosscheck", str(EXAMPLES / DEALS[0]), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["agrees"] is True and data["rows"]


def test_cli_exits_1_when_the_deal_is_not_representable(monkeypatch, tmp_path):
    _, lifetime = dispatched(DEALS[0])
    text = (EXAMPLES / DEALS[0]).read_text().replace("[debt]\n", "[debt]\nupfront_fee_pct = 0.01\n")
    path = tmp_path / "fee.toml"
    path.write_text(text)
    monkeypatch.setattr("bessfin.sam.compare.dispatch_deal", lambda d, mode: lifetime)
    res = CliRunner().invoke(app, ["crosscheck", str(path)])
    assert res.exit_code == 1, res.output
    assert "NOT REPRESENTABLE IN SAM" in res.stdout and "upfront_fee_pct" in res.stdout


def test_cli_without_pysam_exits_2_with_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "PySAM.Singleowner", None)  # import fails
    res = CliRunner().invoke(app, ["crosscheck", str(EXAMPLES / DEALS[0])])
    assert res.exit_code == 2
    assert "pip install 'bessfin[sam]'" in res.output


@pytest.mark.parametrize(("macrs", "bonus"), [(5, 0.6), (15, 0.0), (7, 0.0)])
def test_sculpted_debt_state_tax_escalation_and_depreciation_options_agree(macrs, bonus):
    """SAM's own MACRS tables (5, 15) and bonus; 7-year goes through SAM's custom schedule.
    Interconnection and development are outside the ITC basis but depreciate."""
    tax = apply_conventions(TaxInputs(state_rate=0.05, macrs_class=macrs,
                                      bonus_depreciation=bonus), "sam")
    inputs = reference(
        tax=tax,
        capex=CapexInputs(dc_block_usd_per_kwh=300, pcs_usd_per_kw=50,
                          interconnection_usd_per_kw=40, development_usd=2e6),
        opex=OpexInputs(fixed_om_usd_per_kw_yr=20, escalation=0.03),
        itc=ItcInputs(rate_override=0.4),
        debt=DebtInputs(rate=0.065, tenor_years=18, max_gearing=0.7, merchant_haircut=0.8),
    )
    revenue = flat()
    revenue["energy"] *= 1.02 ** np.arange(20)
    pf = build_pro_forma(inputs, revenue)
    table, unsupported, notes = compare_with_sam(pf)
    assert not unsupported and table["agrees"].all(), table[~table["agrees"]]
    assert any("custom depreciation" in n for n in notes) == (macrs == 7)
