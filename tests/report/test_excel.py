"""The Excel pro forma opened with openpyxl: sheets, the pro forma's numbers, live formulas."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from bessfin.finance.lines import LINE_SPECS
from bessfin.report.excel import SHEETS, home_sheet

#: Lines the catalogue defines as sums of other lines (written as formulas).
DERIVED = [s.name for s in LINE_SPECS if s.sums is not None]

YEAR_SHEETS = ("Revenue", "Opex", "Capex", "Tax & ITC", "Debt", "Cash flow")
HEADER_ROW = 3  # 1-based row with the year numbers
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
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
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
        "Summary", "Assumptions", "Revenue", "Opex", "Capex", "Tax & ITC", "Debt", "Cash flow",
        "Dispatch (year 1 monthly)", "Dispatch (annual)",
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


def test_totals_are_formulas(formulas, result):
    for line in DERIVED:
        ws = formulas[home_sheet(line)]
        row = _rows(ws)[line]
        cells = [ws.cell(row, c).value for c in range(3, 3 + len(result.pro_forma.annual.columns))]
        assert all(isinstance(v, str) and v.startswith("=") for v in cells), (line, cells[:3])
    for sheet, line in (("Revenue", "revenue: total"), ("Opex", "opex: total"),
                        ("Capex", "capex: total")):
        assert _cell(formulas, sheet, line, 1).value.startswith("=SUM(")


def _evaluate(formula: str, sheet: str, values) -> float:
    """Value of a '=SUM(range)', '=a+b-c' or '=0' formula from the workbook's cached values."""
    body = formula.removeprefix("=")

    def at(m: re.Match[str]) -> tuple[str, int, int]:
        name = (m.group(1) or m.group(2) or sheet).replace("''", "'")
        return name, int(m.group(4)), column_index_from_string(m.group(3))

    if body.startswith("SUM("):
        a, b = body[4:-1].split(":")
        ma, mb = REF.fullmatch(a), REF.fullmatch(b)
        name, r1, c1 = at(ma)
        _, r2, c2 = at(mb)
        ws = values[name]
        return float(sum(ws.cell(r, c).value or 0.0 for r in range(r1, r2 + 1)
                         for c in range(c1, c2 + 1)))
    total, pos = 0.0, 0
    for token in re.finditer(r"([+-]?)([^+-]+)", body):
        sign, term = token.group(1), token.group(2)
        assert token.start() == pos
        pos = token.end()
        if term == "0":
            continue
        m = REF.fullmatch(term)
        assert m, f"unexpected term {term!r} in {formula!r}"
        name, r, c = at(m)
        total += (-1 if sign == "-" else 1) * float(values[name].cell(r, c).value or 0.0)
    return total


def test_formulas_reproduce_their_cached_values(formulas, values, result):
    """Every formula on the year sheets, evaluated on the cells it points at, gives the value
    cached with it, which is the pro forma's number."""
    checked = 0
    for sheet in (*YEAR_SHEETS, "Dispatch (year 1 monthly)"):
        wf, wv = formulas[sheet], values[sheet]
        for row in wf.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    cached = wv.cell(c.row, c.column).value
                    assert cached is not None, (sheet, c.coordinate)
                    got = _evaluate(c.value, sheet, values)
                    assert got == pytest.approx(cached, rel=1e-9, abs=1e-4), (
                        sheet, c.coordinate, c.value)
                    checked += 1
    n_years = len(result.pro_forma.annual.columns)
    assert checked >= len(DERIVED) * n_years


def test_summary_irr_and_npv_checks(formulas, values, result):
    m = result.pro_forma.metrics
    wf, wv = formulas["Summary"], values["Summary"]
    rate = wv["C5"].value
    assert rate == pytest.approx(m.discount_rate)
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
        assert ws.freeze_panes == "C4"
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
