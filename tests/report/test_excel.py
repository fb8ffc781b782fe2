"""The Excel model opened with openpyxl: sheets, inputs, the pro forma's numbers as cached
results, every line a formula. Recalculation by an independent engine: test_excel_live.py."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from openpyxl import load_workbook

from bessfin.finance.lines import LINE_SPECS
from bessfin.report.excel import SHEETS, home_sheet

#: Lines the catalogue defines as sums of other lines (written as formulas).
DERIVED = [s.name for s in LINE_SPECS if s.sums is not None]

YEAR_SHEETS = ("Revenue", "Opex", "Capex", "Tax & ITC", "Depreciation", "Debt", "Cash flow")
HEADER_ROW = 3  # 1-based row with the project year numbers
CALENDAR_ROW = 4  # 1-based row with the calendar years
REF = re.compile(r"(?:'((?:[^']|'')+)'!|([A-Za-z_][\w .]*)!)?\$?([A-Z]+)\$?(\d+)")


@pytest.fixture(scope="module")
def formulas(xlsx_path):
    return load_workbook(xlsx_path)


@pytest.fixture(scope="module")
def values(xlsx_path):
    return load_workbook(xlsx_path, data_only=True)


def _rows(ws) -> dict[str, int]:
    """Line label -> first row on the sheet (1-based)."""
    out: dict[str, int] = {}
    for row in range(CALENDAR_ROW + 1, ws.max_row + 1):
        label = ws.cell(row, 1).value
        if isinstance(label, str):
            out.setdefault(label, row)
    return out


def _year_col(ws, year: int) -> int:
    for col in range(3, ws.max_column + 1):
        if ws.cell(HEADER_ROW, col).value == year:
            return col
    raise KeyError(year)


def _cell(book, sheet: str, line: str, year: int):
    ws = book[sheet]
    return ws.cell(_rows(ws)[line], _year_col(ws, year))


def test_sheet_names(formulas):
    # Written out here, not read from SHEETS: the workbook a user opens, in order.
    assert formulas.sheetnames == [
        "Summary", "Inputs", "Sources and uses", "Assumptions", "Revenue", "Opex", "Capex",
        "Tax & ITC", "Depreciation", "Debt", "Cash flow", "Dispatch (year 1 monthly)",
        "Dispatch (annual)",
    ]
    assert tuple(formulas.sheetnames) == SHEETS


@pytest.mark.parametrize(("sheet", "line", "year"), [
    ("Cash flow", "EBITDA", 3),
    ("Cash flow", "CFADS", 1),
    ("Capex", "capex: total", 0),
    ("Capex", "capex: cells / DC block", 0),
    ("Revenue", "revenue: total", 1),
    ("Debt", "debt: interest", 2),
    ("Cash flow", "cash flow to equity", 1),
    ("Tax & ITC", "ITC: transfer proceeds", 1),
])
def test_sample_cells_equal_the_pro_forma(values, result, sheet, line, year):
    expected = float(result.pro_forma.annual.loc[line, year])
    got = _cell(values, sheet, line, year).value
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-6)


def test_every_line_on_its_home_sheet(values, result):
    annual = result.pro_forma.annual
    for line in annual.index:
        ws = values[home_sheet(line)]
        row = _rows(ws)[line]
        for year in annual.columns:
            want = float(annual.loc[line, year])
            got = ws.cell(row, _year_col(ws, int(year))).value
            if math.isnan(want):
                assert got is None, (line, year)
            else:
                assert got == pytest.approx(want, rel=1e-12, abs=1e-6), (line, year)


def test_every_line_is_a_formula(formulas, result):
    """No pro forma number is typed in: every year of every line is a formula."""
    annual = result.pro_forma.annual
    for line in annual.index:
        ws = formulas[home_sheet(line)]
        row = _rows(ws)[line]
        cells = [ws.cell(row, c).value for c in range(3, 3 + len(annual.columns))]
        assert all(isinstance(v, str) and v.startswith("=") for v in cells), (line, cells[:3])
    for sheet, line in (("Revenue", "revenue: total"), ("Opex", "opex: total"),
                        ("Capex", "capex: total")):
        assert _cell(formulas, sheet, line, 1).value.startswith("=SUM(")
    # derived lines follow the catalogue: EBITDA = revenue: total + opex: total
    f = _cell(formulas, "Cash flow", "EBITDA", 2).value
    rows = _rows(formulas["Cash flow"])
    assert f == f"=E{rows['revenue: total']}+E{rows['opex: total']}"


def test_formulas_use_named_inputs(formulas, result):
    """Lines read the Inputs sheet by name: capex, tax, debt, contracts."""
    for sheet, line, year, name in (
        ("Capex", "capex: PCS", 0, "capex_pcs_usd_per_kw"),
        ("Opex", "opex: fixed O&M", 1, "opex_fixed_om_usd_per_kw_yr"),
        ("Tax & ITC", "tax: federal", 1, "tax_federal_rate"),
        ("Tax & ITC", "ITC: transfer proceeds", 1, "itc_transfer_price"),
        ("Debt", "debt: interest", 1, "debt_rate"),
        ("Debt", "debt: drawdown", 0, "debt_amount_usd"),
        ("Revenue", "revenue: resource adequacy", 1, "ra_price_usd_per_kw_month"),
    ):
        assert name in _cell(formulas, sheet, line, year).value, (line, name)
    # merchant lines read the LP output rows of 'Dispatch (annual)'
    merchant = next(n for n in result.pro_forma.annual.index if n.startswith("revenue: merchant"))
    assert "'Dispatch (annual)'!" in _cell(formulas, "Revenue", merchant, 1).value


def test_inputs_sheet(formulas, values, result):
    """Every named input has a value, a unit and a source; names point at the Inputs sheet."""
    inputs = result.pro_forma.inputs
    ws = values["Inputs"]
    names = {}
    for row in ws.iter_rows(min_row=5):
        label, value, unit, name, source = (c.value for c in row[:5])
        if isinstance(name, str) and name and value is not None:
            names[name] = (value, unit, source)
            assert unit and source, name
    for name, want in (("tax_federal_rate", inputs.tax.federal_rate),
                       ("itc_rate", result.pro_forma.itc.rate),
                       ("debt_tenor_years", inputs.debt.tenor_years),
                       ("debt_rate", inputs.debt.rate),
                       ("capex_pcs_usd_per_kw", inputs.capex.pcs_usd_per_kw),
                       ("itc_basis_reduction", 0.5),
                       ("discount_rate", inputs.discount_rate),
                       ("tax_loss_treatment", inputs.tax.loss_treatment)):
        assert names[name][0] == pytest.approx(want) if not isinstance(want, str) else \
            names[name][0] == want, name
        (sheet, ref), = formulas.defined_names[name].destinations
        assert sheet == "Inputs"
    for rng in ("macrs_table", "macrs_classes", "macrs_selected", "macrs_cumulative"):
        assert rng in formulas.defined_names


def test_calendar_years(values, result):
    cod = result.deal.project.cod.year if result.deal.project.cod else \
        result.deal.project.boc_date.year
    for sheet in YEAR_SHEETS:
        ws = values[sheet]
        assert [ws.cell(CALENDAR_ROW, c).value for c in (3, 4)] == [cod, cod + 1]


def test_summary_irr_and_npv_checks(formulas, values, result):
    m = result.pro_forma.metrics
    wf, wv = formulas["Summary"], values["Summary"]
    rate = wv["C5"].value
    assert rate == pytest.approx(m.discount_rate)
    assert wf["C5"].value == "=discount_rate"
    found = {}
    for row in range(1, wf.max_row + 1):
        label, formula = wf.cell(row, 2).value, wf.cell(row, 4).value
        if isinstance(formula, str) and formula.startswith("="):
            found[label] = (formula, wv.cell(row, 3).value, wv.cell(row, 4).value)
    cf_ws = values["Cash flow"]
    for label, metric in (("Project IRR, after tax", m.project_irr_after_tax),
                          ("Equity IRR, after tax", m.equity_irr_after_tax),
                          ("Project NPV, after tax", m.project_npv_after_tax_usd)):
        formula, value, cached = found[label]
        assert value == pytest.approx(metric) and cached == pytest.approx(metric)
        refs = [REF.fullmatch(t) for t in re.findall(r"'Cash flow'!\$?[A-Z]+\$?\d+", formula)]
        row = int(refs[0].group(4))
        flows = np.array([cf_ws.cell(row, c).value for c in range(
            3, 3 + len(result.pro_forma.annual.columns))], dtype=float)
        if "IRR" in label:
            npv_at = float(flows @ (1 + metric) ** -np.arange(len(flows)))
            assert abs(npv_at) < 1e-3 * abs(flows[0])
        else:
            assert float(flows @ (1 + rate) ** -np.arange(len(flows))) == pytest.approx(metric)


def test_layout_frozen_and_formatted(formulas):
    for sheet in YEAR_SHEETS:
        ws = formulas[sheet]
        assert ws.freeze_panes == "C5"
        assert [ws.cell(HEADER_ROW, c).value for c in (3, 4, 5)] == [0, 1, 2]
    cell = _cell(formulas, "Capex", "capex: total", 0)
    assert "#,##0" in cell.number_format
    assert cell.font.b
    assert "x" in _cell(formulas, "Debt", "memo: DSCR", 1).number_format


def test_monthly_dispatch_adds_to_year_one(values, result):
    ws = values["Dispatch (year 1 monthly)"]
    rows = _rows(ws)
    total_col = max(c for c in range(3, ws.max_column + 1)
                    if ws.cell(HEADER_ROW, c).value == "year")
    for stream in result.lifetime.streams:
        if stream in rows:
            # year 1 is the mean over the price-year scenarios, month by month
            want = float(result.lifetime.annual.loc[1, stream])
            assert ws.cell(rows[stream], total_col).value == pytest.approx(want, rel=1e-9)
    # no contracts in this deal: year-1 merchant revenue is the pro forma's year-1 revenue
    assert ws.cell(rows["total"], total_col).value == pytest.approx(
        float(result.pro_forma.line("revenue: total").loc[1]), rel=1e-9)


def test_assumptions_sheet_has_sources(values, result):
    ws = values["Assumptions"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "§48E ITC policy table" in text and "26 USC 48E" in text
    assert result.deal.supply.option in text
    assert "policy_facts 1.28" in text
