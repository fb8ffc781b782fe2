"""The two verdicts: investment view (NPV, equity IRR vs hurdle) and lender view
(pass / fail / not assessed), each recomputed here from the pro forma lines."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from bessfin.deal import investment_verdict, lender_verdict, value_deal
from bessfin.deal.schema import LenderSection
from bessfin.finance import irr_result
from bessfin.finance import lines as L
from tests.deals.conftest import EXAMPLES


def _with(deal, **sections):
    return deal.model_copy(update=sections)


def test_investment_view_follows_npv_and_hurdle(short_deal, short_result):
    pf = short_result.pro_forma
    npv_now = pf.metrics.project_npv_after_tax_usd
    equity = pf.line(L.EQUITY).to_numpy()
    irr = irr_result(equity)
    assert irr.kind == "unique"
    v = investment_verdict(short_deal, pf)
    expected = npv_now >= 0 and irr.value >= short_deal.finance.discount_rate
    assert (v.status == "pass") == expected
    # A hurdle above the equity IRR fails the view even when NPV alone would not.
    high = _with(short_deal, finance=short_deal.finance.model_copy(
        update={"hurdle": irr.value + 0.01}))
    v_high = investment_verdict(high, pf)
    assert v_high.status == "fail" and "below hurdle" in v_high.headline
    # Hurdle defaults to the discount rate, and is reported as such.
    assert short_deal.finance.hurdle_rate == short_deal.finance.discount_rate
    assert any("(discount rate)" in r for r in v.reasons)


def test_negative_npv_is_an_investment_fail_even_when_lenders_pass(short_result):
    # The ERCOT example's cut: NPV < 0, lender checks pass -> two different verdicts.
    pf = short_result.pro_forma
    assert pf.metrics.project_npv_after_tax_usd < 0
    assert short_result.investment.status == "fail"
    assert "negative NPV" in short_result.investment.headline
    assert short_result.lender.status == "pass"
    s = short_result.summary_dict()
    assert s["verdicts"]["investment"]["status"] == "fail"
    assert s["verdicts"]["lender"]["status"] == "pass"
    json.dumps(s)


def test_no_lender_section_is_not_assessed_never_pass(short_deal, short_result):
    bare = _with(short_deal, lender=LenderSection())
    pf, checks = value_deal(bare, short_result.lifetime, short_result.supply)
    assert checks == []
    v = lender_verdict(bare, pf, checks)
    assert v.status == "not assessed" and "NOT ASSESSED" in v.headline


def test_dscr_sized_min_dscr_is_named_and_downside_runs_on_same_debt(short_deal, short_result):
    pf = short_result.pro_forma
    assert pf.debt is not None and pf.debt.binding == "dscr"
    check = next(c for c in short_result.checks if c.name == "min DSCR")
    assert "cannot fail by construction" in check.reason
    # Downside: CFADS with merchant revenue x factor, over the base case's debt service.
    only_min = _with(short_deal, lender=LenderSection(min_dscr=1.35))
    pf2, checks = value_deal(only_min, short_result.lifetime, short_result.supply)
    down = next(c for c in checks if c.name == "downside DSCR")
    assert down.threshold == 1.0 and "no downside_min_dscr set" in down.reason
    service = -pf2.line(L.DEBT_SERVICE).loc[1:4].to_numpy()
    assert np.allclose(service, -pf.line(L.DEBT_SERVICE).loc[1:4].to_numpy())
    # Hand check: a 75 % merchant case has less CFADS than base in every serviced year.
    base_cfads = pf2.line(L.CFADS).loc[1:4].to_numpy()
    served = service > 0
    assert down.value < float(np.min(base_cfads[served] / service[served]))


def test_downside_failure_fails_the_lender_view_with_reasons(short_deal, short_result):
    strict = _with(short_deal, lender=LenderSection(downside_min_dscr=50.0,
                                                     downside_revenue_factor=0.5))
    pf, checks = value_deal(strict, short_result.lifetime, short_result.supply)
    v = lender_verdict(strict, pf, checks)
    assert v.status == "fail" and any(r.startswith("downside DSCR:") for r in v.reasons)


def _short_toml(tmp_path, lender: str) -> str:
    """The ERCOT example cut to 4 years on 2024 prices, with the given [lender] body."""
    text = (EXAMPLES / "ercot_houston_2h_merchant.toml").read_text()
    text = (text.replace("life_years = 20", "life_years = 4")
            .replace("price_years = [2024, 2025]", "price_years = [2024]")
            .replace("years = [9]", "years = [3]")
            .replace("tenor_years = 10", "tenor_years = 4"))
    head, _, _ = text.partition("[lender]")
    path = tmp_path / f"deal_{abs(hash(lender))}.toml"
    path.write_text(head + ("[lender]\n" + lender if lender else ""))
    return str(path)


@pytest.mark.parametrize(("lender", "code", "lender_word"), [
    ("min_dscr = 1.35\ndownside_min_dscr = 1.0\n", 0, "PASS"),
    ("downside_min_dscr = 50.0\n", 1, "FAIL"),
    ("", 0, "NOT ASSESSED"),
])
def test_cli_prints_both_verdicts_first_and_exits_1_only_on_lender_fail(
        tmp_path, lender, code, lender_word):
    from bessfin.cli import app

    path = _short_toml(tmp_path, lender)
    res = CliRunner().invoke(app, ["run", path, "--mode", "screening", "--no-report",
                                   "--no-sensitivity"])
    assert res.exit_code == code, res.output
    # progress lines go to stderr (plain when not a terminal); the verdicts are the first output
    lines = [x for x in res.output.splitlines() if not x.startswith("bessfin: [")]
    # The investment view (a FAIL here: NPV < 0) is printed first, the lender view next.
    assert "investment view: FAIL" in lines[0]
    lender_line = next(i for i, x in enumerate(lines) if "lender view:" in x)
    assert lender_word in lines[lender_line]
    if code == 1:
        assert "downside DSCR" in lines[lender_line + 1]
    res_json = CliRunner().invoke(app, ["run", path, "--mode", "screening", "--no-report",
                                        "--no-sensitivity", "--json"])
    data = json.loads(res_json.stdout)
    assert data["verdicts"]["lender"]["status"] == lender_word.lower()
    assert data["verdicts"]["investment"]["status"] == "fail"


def _result(deal, base):
    from bessfin.deal import DealResult

    pf, checks = value_deal(deal, base.lifetime, base.supply)
    return DealResult(deal=deal, lifetime=base.lifetime, pro_forma=pf, supply=base.supply,
                      checks=checks)


def test_zero_debt_from_a_negative_loan_year_is_said_everywhere(short_deal, short_result):
    # A $1,000/kWh capitalised augmentation in year 3 makes that year's CFADS negative: an
    # annuity cannot cover a level payment, so the debt is $0 and the result says why.
    aug = short_deal.augmentation.model_copy(update={"usd_per_kwh": 1000.0})
    deal = _with(short_deal, augmentation=aug,
                 debt=short_deal.debt.model_copy(update={"repayment": "annuity"}))
    res = _result(deal, short_result)
    assert res.pro_forma.line(L.CFADS).loc[3] < 0
    assert res.pro_forma.metrics.debt_usd == 0.0
    note = next(n for n in res.pro_forma.debt.notes if "debt sized to $0" in n)
    assert "year(s) 3" in note
    assert note in res.summary_dict()["debt_sizing"]["notes"]
    assert note in res.lender.reasons


def test_debt_above_capex_is_said_everywhere(short_deal, short_result):
    deal = _with(short_deal, debt=short_deal.debt.model_copy(
        update={"max_gearing": 5.0, "sizing": "gearing"}))
    res = _result(deal, short_result)
    capex = -res.pro_forma.line(L.CAPEX_TOTAL).loc[0]
    assert res.pro_forma.metrics.debt_usd == pytest.approx(5.0 * capex)
    s = res.summary_dict()
    assert any("exceeds capex" in n for n in s["debt_sizing"]["notes"])
    assert s["debt_sizing"]["binding"] == "gearing"
    assert any("exceeds capex" in r for r in res.lender.reasons)


def test_report_shows_both_verdicts_above_the_checks(short_result):
    from bessfin.report.html import deal_report_html

    page = deal_report_html(short_result)
    body = page[page.index("<main>"):]
    inv, lend = body.index("Investment view: FAIL"), body.index("Lender view: PASS")
    assert inv < lend < body.index("<h2")
    assert 'class="banner fail" id="investment"' in body
    assert "set by the DSCR test" in body


def test_borrowing_type_equity_is_noted_and_judged_by_npv(short_deal, short_result):
    # Debt at 5x capex: equity receives cash at COD and pays later, a borrowing-type flow.
    deal = _with(short_deal, debt=short_deal.debt.model_copy(
        update={"max_gearing": 5.0, "sizing": "gearing"}))
    res = _result(deal, short_result)
    equity = res.pro_forma.line(L.EQUITY).to_numpy()
    assert equity[0] > 0
    irr = irr_result(equity)
    assert irr.kind != "unique"
    note = res.pro_forma.metrics.irr_notes["equity_irr_after_tax"]
    assert note == irr.note and res.summary_dict()["irr_notes"]["equity_irr_after_tax"] == note
    v = res.investment
    assert any("tested instead: equity NPV at the hurdle" in r for r in v.reasons)


def test_p90_case_uses_p90_revenue_across_price_years_on_the_same_debt(short_deal,
                                                                       short_result):
    from bessfin.deal import dispatch_deal, resolve_supply

    two = _with(short_deal, market=short_deal.market.model_copy(
        update={"price_years": (2024, 2025)}))
    lifetime = dispatch_deal(two, mode="screening")
    supply = resolve_supply(two)
    pf, checks = value_deal(two, lifetime, supply)
    check = next(c for c in checks if c.name == "P90 DSCR")
    # By hand: rank the two price years by life revenue; P90 (10th percentile, linear) is
    # 0.9 x the lower year's revenue table + 0.1 x the higher's.
    earning = [s for s in lifetime.streams if s != "degradation"]
    tables = {y: lifetime.scenario_revenue(y) for y in (2024, 2025)}
    low, high = sorted(tables, key=lambda y: tables[y][earning].to_numpy().sum())
    p90 = 0.9 * tables[low] + 0.1 * tables[high]
    from bessfin.finance import build_pro_forma

    cfads = build_pro_forma(pf.inputs.model_copy(update={"debt": None}), p90).line(L.CFADS)
    service = -pf.line(L.DEBT_SERVICE)
    served = [t for t in range(1, 5) if service.loc[t] > 0]
    assert served
    expected = min(cfads.loc[t] / service.loc[t] for t in served)
    assert check.value == pytest.approx(expected, rel=1e-9)
    assert check.passed == (expected >= check.threshold)
    assert f"90% {low} + 10% {high}" in check.reason
    # One price year: no distribution, no P90 check (the downside factor stands in).
    assert short_deal.market.price_years == (2024,)
    assert all(c.name != "P90 DSCR" for c in short_result.checks)
    assert any(c.name == "downside DSCR" for c in short_result.checks)


def test_pass_headline_counts_only_checks_that_could_fail(short_deal, short_result):
    """A check that cannot fail on the deal (DSCR-sized debt against its own target, a 100 %
    merchant limit) is not counted as evidence in the PASS headline."""
    checks = short_result.checks
    idle = [c.name for c in checks if not c.binding]
    assert "min DSCR" in idle  # DSCR-sized debt (previous test)
    v = lender_verdict(short_deal, short_result.pro_forma, checks)
    assert v.status == "pass"
    assert v.headline == (f"PASS: {len(checks) - len(idle)} binding lender check(s) met "
                          f"({len(idle)} more cannot fail on this deal)")
    binding = [dataclasses.replace(c, binding=True) for c in checks]
    assert lender_verdict(short_deal, short_result.pro_forma, binding).headline == (
        f"PASS: all {len(checks)} lender checks met")
