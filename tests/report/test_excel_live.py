"""The live Excel model recalculated by LibreOffice: equal to bessfin to the cent, and still
equal after an input is changed in the workbook.

Each workbook goes through openpyxl (which drops every cached result, and sets the changed
inputs), then LibreOffice Calc recalculates and saves it; values are read back with
``data_only=True``. bessfin's side of a changed input is its own finance run on the same
dispatch revenue (no re-dispatch is needed for these levers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from openpyxl import load_workbook

from bessfin.finance import FinanceInputs, ProForma, build_pro_forma
from bessfin.finance.inputs import FloorInputs
from bessfin.report import write_excel
from bessfin.report.excel import home_sheet
from tests.report.calc import named_value, recalculate, strip_and_edit

CENT = 0.005  # $: "to the cent"
FIRST_ROW = 5  # 1-based first line row on the year sheets


@dataclass(frozen=True)
class Case:
    """A workbook variant: the deal fixture, the named inputs changed, and bessfin's inputs."""

    deal: str
    edits: dict
    change: object = None  # FinanceInputs -> FinanceInputs


def _capex_up(i: FinanceInputs) -> FinanceInputs:
    c = i.capex
    keys = ("dc_block_usd_per_kwh", "pcs_usd_per_kw", "bos_usd_per_kwh", "epc_usd_per_kwh",
            "interconnection_usd_per_kw", "development_usd")
    return i.model_copy(update={"capex": c.model_copy(
        update={k: getattr(c, k) * 1.1 for k in keys})})


def _sub(i: FinanceInputs, section: str, **kw) -> FinanceInputs:
    return i.model_copy(update={section: getattr(i, section).model_copy(update=kw)})


def _capex_edits(i: FinanceInputs) -> dict:
    c = i.capex
    return {"capex_dc_block_usd_per_kwh": c.dc_block_usd_per_kwh * 1.1,
            "capex_pcs_usd_per_kw": c.pcs_usd_per_kw * 1.1,
            "capex_bos_usd_per_kwh": c.bos_usd_per_kwh * 1.1,
            "capex_epc_usd_per_kwh": c.epc_usd_per_kwh * 1.1,
            "capex_interconnection_usd_per_kw": c.interconnection_usd_per_kw * 1.1,
            "capex_development_usd": c.development_usd * 1.1}


FLOOR = FloorInputs(floor_usd_per_kw_month=6.0, share=0.5, upside_share=0.25, tenor_years=7,
                    start_year=2, escalation=0.01)

CASES: dict[str, Case] = {
    "ercot": Case("result", {}),
    "caiso": Case("caiso_result", {}),
    "toll": Case("toll_result", {}),
    "ercot capex +10 %": Case("result", {"capex": None}, _capex_up),
    # Both examples lose money for tax: with losses carried forward no tax is ever paid and
    # the tax rate moves nothing, so the rate is also changed with losses used as they arise.
    "caiso federal tax 25 %": Case("caiso_result", {"tax_federal_rate": 0.25},
                                   lambda i: _sub(i, "tax", federal_rate=0.25)),
    "caiso losses used": Case("caiso_result", {"tax_loss_treatment": "used_as_arise"},
                              lambda i: _sub(i, "tax", loss_treatment="used_as_arise")),
    "caiso losses used, federal tax 25 %": Case(
        "caiso_result", {"tax_loss_treatment": "used_as_arise", "tax_federal_rate": 0.25},
        lambda i: _sub(i, "tax", loss_treatment="used_as_arise", federal_rate=0.25)),
    "ercot debt tenor 14": Case("result", {"debt_tenor_years": 14},
                                lambda i: _sub(i, "debt", tenor_years=14)),
    "caiso tax rate, tenor": Case("caiso_result",
                                  {"tax_state_rate": 0.05, "debt_tenor_years": 12},
                                  lambda i: _sub(_sub(i, "tax", state_rate=0.05), "debt",
                                                 tenor_years=12)),
    "caiso capex +10 %": Case("caiso_result", {"capex": None}, _capex_up),
    "caiso losses used, ITC direct": Case(
        "caiso_result", {"tax_loss_treatment": "used_as_arise", "itc_monetisation": "direct"},
        lambda i: _sub(i, "tax", loss_treatment="used_as_arise", itc_monetisation="direct")),
    # a 7-year annuity ends before the first augmentation year (8), so no year's sizing CFADS
    # is negative and the level payment is positive
    "caiso annuity, tenor 7": Case(
        "caiso_result", {"debt_repayment": "annuity", "debt_tenor_years": 7},
        lambda i: _sub(i, "debt", repayment="annuity", tenor_years=7)),
    "ercot ITC direct carried, 7-yr MACRS, bonus, gearing": Case(
        "result", {"itc_monetisation": "direct", "macrs_class": 7, "bonus_depreciation": 0.4,
                   "debt_sizing": "gearing", "aug_treatment": "expense"},
        lambda i: _sub(_sub(_sub(i, "tax", itc_monetisation="direct", macrs_class=7,
                                 bonus_depreciation=0.4), "debt", sizing="gearing"),
                       "augmentation", treatment="expense")),
    "ercot floor, no debt": Case(
        "result", {"floor_share": FLOOR.share, "floor_usd_per_kw_month": 6.0,
                   "floor_upside_share": 0.25, "floor_tenor_years": 7, "floor_start_year": 2,
                   "floor_escalation": 0.01, "debt_on": 0},
        lambda i: i.model_copy(update={"debt": None, "contracts": i.contracts.model_copy(
            update={"floor": FLOOR})})),
}


@pytest.fixture(scope="module")
def recalculated(request, out_dir):
    """Every case's workbook, recalculated by LibreOffice in one run: {case: (book, pf)}."""
    written, expected = [], {}
    base: dict[str, object] = {}
    for key, case in CASES.items():
        res = request.getfixturevalue(case.deal)
        if case.deal not in base:
            base[case.deal] = write_excel(res, out_dir / f"live-{case.deal}.xlsx")
        pf: ProForma = res.pro_forma
        edits = dict(case.edits)
        if "capex" in edits:
            del edits["capex"]
            edits.update(_capex_edits(pf.inputs))
        if case.change is not None:
            pf = build_pro_forma(case.change(pf.inputs), res.lifetime.revenue_table())
        slug = "".join(ch if ch.isalnum() else "_" for ch in key)
        written.append(strip_and_edit(base[case.deal], out_dir / f"case-{slug}.xlsx", edits))
        expected[key] = pf
    paths = recalculate(written, out_dir)
    return {key: (load_workbook(p, data_only=True), expected[key])
            for key, p in zip(CASES, paths, strict=True)}


def _line_rows(ws) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in range(FIRST_ROW, ws.max_row + 1):
        v = ws.cell(r, 1).value
        if isinstance(v, str):
            out.setdefault(v, r)
    return out


def line_differences(wb, pf: ProForma) -> tuple[float, list]:
    """Largest |workbook - bessfin| over every $ line and year, and the cells that differ."""
    worst, bad = 0.0, []
    rows = {s: _line_rows(wb[s]) for s in {home_sheet(n) for n in pf.annual.index}}
    for line in pf.annual.index:
        sheet = home_sheet(line)
        r = rows[sheet][line]
        for year, want in pf.annual.loc[line].items():
            got = wb[sheet].cell(r, 3 + int(year)).value
            if math.isnan(want):
                if got not in (None, ""):
                    bad.append((line, year, got, want))
                continue
            if not isinstance(got, int | float):
                bad.append((line, year, got, want))
                continue
            err = abs(got - want)
            tol = CENT if pf.annual.loc[line].abs().max() > 10 else 1e-9
            worst = max(worst, err) if tol == CENT else worst
            if err > tol:
                bad.append((line, year, got, want))
    return worst, bad


def summary_metrics(wb) -> dict[str, float | None]:
    ws = wb["Summary"]
    return {ws.cell(r, 2).value: ws.cell(r, 4).value for r in range(8, ws.max_row + 1)
            if isinstance(ws.cell(r, 2).value, str)}


@pytest.mark.parametrize("key", list(CASES))
def test_every_line_equals_bessfin_to_the_cent(recalculated, key):
    wb, pf = recalculated[key]
    worst, bad = line_differences(wb, pf)
    assert not bad, bad[:5]
    assert worst <= CENT


@pytest.mark.parametrize("key", list(CASES))
def test_live_metrics_equal_bessfin(recalculated, key):
    wb, pf = recalculated[key]
    m, got = pf.metrics, summary_metrics(wb)
    for label, want in (("Project IRR, pre-tax", m.project_irr_pre_tax),
                        ("Project IRR, after tax", m.project_irr_after_tax),
                        ("Equity IRR, after tax", m.equity_irr_after_tax),
                        ("LLCR", m.llcr), ("Minimum DSCR", m.min_dscr),
                        ("Average DSCR", m.avg_dscr),
                        ("LCOS without credits", m.lcos_usd_per_mwh),
                        ("LCOS with credits", m.lcos_with_credits_usd_per_mwh)):
        if math.isnan(want):
            assert got[label] in (None, ""), label
        else:
            assert got[label] == pytest.approx(want, rel=1e-9, abs=1e-10), label
    for label, want in (("Project NPV, after tax", m.project_npv_after_tax_usd),
                        ("Equity NPV, after tax", m.equity_npv_after_tax_usd),
                        ("Debt at COD", m.debt_usd)):
        assert abs(got[label] - want) <= CENT, label
    assert named_value(wb, "debt_amount_usd") == pytest.approx(m.debt_usd, abs=CENT)


def test_a_changed_input_changes_the_result(recalculated):
    """The variants are real changes: each moves the equity IRR or the debt."""
    for key, ref in (("ercot capex +10 %", "ercot"), ("ercot debt tenor 14", "ercot"),
                     ("caiso losses used, federal tax 25 %", "caiso losses used")):
        base = recalculated[ref][1].metrics
        m = recalculated[key][1].metrics
        assert (m.equity_irr_after_tax, m.debt_usd) != (base.equity_irr_after_tax,
                                                        base.debt_usd), key


def test_variants_exercise_their_branch(recalculated):
    """The annuity and gearing variants carry debt, so their schedules are really compared."""
    for key in ("caiso annuity, tenor 7", "ercot ITC direct carried, 7-yr MACRS, bonus, gearing"):
        debt = recalculated[key][1].debt
        assert debt is not None and debt.amount > 0, key
    annuity = recalculated["caiso annuity, tenor 7"][1].debt.debt_service[1:8]
    assert np.allclose(annuity, annuity[0]) and annuity[0] > 0


def test_debt_check_rows(recalculated):
    """Coverage per year against the target: base-case DSCR >= target in every service year,
    and the sculpted DSCR-sized loan sets sizing CFADS / debt service = target exactly."""
    wb, pf = recalculated["caiso"]
    ws = wb["Debt"]
    rows = _line_rows(ws)

    def row(label: str) -> np.ndarray:
        return np.array([ws.cell(rows[label], 3 + y).value or np.nan
                         for y in pf.annual.columns], dtype=float)
    service = pf.debt.debt_service > 0
    assert service.sum() > 0
    assert np.all(row("check: DSCR minus target")[service] >= -1e-9)
    assert pf.debt.binding == "dscr"
    sizing = row("memo: sizing CFADS")[service] / row("work: scheduled debt service")[service]
    assert sizing == pytest.approx(row("memo: target DSCR")[service], rel=1e-9)


def test_sources_equal_uses(recalculated):
    wb, pf = recalculated["ercot"]
    ws = wb["Sources and uses"]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    capex0 = -float(pf.annual.loc["capex: total", 0])
    fee = -float(pf.annual.loc["debt: upfront fee", 0])
    assert cells["total uses"] == pytest.approx(capex0 + fee, abs=CENT)
    assert cells["total sources"] == pytest.approx(capex0 + fee, abs=CENT)
    assert cells["senior debt"] == pytest.approx(pf.metrics.debt_usd, abs=CENT)
    assert cells["check: equity + cash flow to equity (pre-tax), year 0"] == pytest.approx(
        0.0, abs=CENT)
