"""The pro forma sheets (Revenue, Opex, Capex, Tax & ITC, Debt, Cash flow): one row per line.

Each line of :attr:`ProForma.annual` has one *home* row (its numbers, as values) on the sheet
the line catalogue (:mod:`bessfin.finance.lines`) gives it. Lines that the catalogue defines
as sums of other lines are Excel formulas over the rows they add up, on the same sheet or
linked from the sheet where they live, with their cached result. A formula is only written
after checking that, evaluated on the pro forma's own numbers, it reproduces the line;
otherwise the value is written with a cell comment saying so.
"""

from __future__ import annotations

import math

from xlsxwriter.utility import xl_rowcol_to_cell

from bessfin.finance import lines as L
from bessfin.report.excel.formats import FIRST_YEAR_COL, HEADER_ROW, Book, cell_value

#: Sections written as their own sheet, in the order their values are written.
SECTION_SHEETS: tuple[str, ...] = ("Revenue", "Opex", "Capex", "Tax & ITC")

#: Lines linked onto the cash flow sheet from their home sheets.
CASH_FLOW_LINKS: tuple[str, ...] = (
    L.REVENUE_TOTAL, L.OPEX_TOTAL, L.CAPEX_TOTAL, L.DEBT_DRAWDOWN, L.DEBT_FEE, L.DEBT_SERVICE,
    L.TAX_STATE, L.TAX_FEDERAL, L.ITC_TRANSFER, L.ITC_USED,
)
#: Rows of the cash flow sheet in order (None: a blank row); other lines follow.
CASH_FLOW_ORDER: tuple[str | None, ...] = (
    L.REVENUE_TOTAL, L.OPEX_TOTAL, L.EBITDA, L.CAPEX_TOTAL, L.CFADS, L.DEBT_DRAWDOWN,
    L.DEBT_FEE, L.DEBT_SERVICE, L.EQUITY_PRE_TAX, L.TAX_STATE, L.TAX_FEDERAL, L.ITC_TRANSFER,
    L.ITC_USED, L.EQUITY, None, L.UNLEVERED_PRE_TAX, "unlevered tax: state",
    "unlevered tax: federal", "unlevered ITC", L.UNLEVERED_AFTER_TAX,
)

_UNIT_TEXT = {"$": "$", "x": "x", "fraction": "fraction", "MWh": "MWh"}


def home_sheet(line: str) -> str:
    """Sheet on which a pro forma line's numbers live."""
    return L.line_spec(line).sheet


def is_derived(line: str) -> bool:
    """True for a line the catalogue defines as a sum of other lines (written as formulas)."""
    return L.line_spec(line).sums is not None


def year_header(book: Book, ws, title: str, subtitle: str) -> None:
    """Title, subtitle and the row of project years 0..N; freezes the panes."""
    years = list(book.pf.annual.columns)
    ws.write(0, 0, title, book.fmt("text", "title"))
    ws.write(1, 0, subtitle, book.fmt("text", "note"))
    ws.write(HEADER_ROW, 0, "line", book.fmt("text", "head"))
    ws.write(HEADER_ROW, 1, "unit", book.fmt("text", "head"))
    for j, y in enumerate(years):
        ws.write_number(HEADER_ROW, FIRST_YEAR_COL + j, int(y), book.fmt("year", "head"))
    ws.freeze_panes(HEADER_ROW + 1, FIRST_YEAR_COL)
    ws.set_column(0, 0, 38)
    ws.set_column(1, 1, 14)
    ws.set_column(FIRST_YEAR_COL, FIRST_YEAR_COL + len(years) - 1, 13)


def _place(book: Book, sheet: str, row: int, line: str) -> None:
    book.local[(sheet, line)] = row
    book.where.setdefault(line, (sheet, row))


def write_values(book: Book, ws, sheet: str, row: int, line: str, *extra: str) -> None:
    """A line's numbers as values."""
    spec = L.line_spec(line)
    ws.write(row, 0, line, book.fmt("text", *extra))
    ws.write(row, 1, _UNIT_TEXT[spec.unit], book.fmt("text", *extra))
    for j, v in enumerate(book.pf.annual.loc[line]):
        x = cell_value(v)
        if x is None:
            ws.write_blank(row, FIRST_YEAR_COL + j, None, book.fmt(spec.kind, *extra))
        else:
            ws.write_number(row, FIRST_YEAR_COL + j, x, book.fmt(spec.kind, *extra))
    _place(book, sheet, row, line)


def write_formula_row(book: Book, ws, sheet: str, row: int, line: str,
                      block: tuple[int, int] | None = None) -> int:
    """A derived line as formulas; returns the number of formula cells written."""
    pf, spec = book.pf, L.line_spec(line)
    f = book.fmt(spec.kind, "bold", "top")
    ws.write(row, 0, line, book.fmt("text", "bold", "top"))
    ws.write(row, 1, _UNIT_TEXT[spec.unit], book.fmt("text", "bold", "top"))
    written = 0
    for j, year in enumerate(pf.annual.columns):
        col = FIRST_YEAR_COL + j
        target = float(pf.annual.loc[line, year])
        terms = L.sum_terms(line, pf.annual.index, int(year))
        computed = sum(float(pf.annual.loc[n, year]) for n in terms)
        if not math.isclose(computed, target, rel_tol=1e-9, abs_tol=1e-4):
            ws.write_number(row, col, target, f)
            ws.write_comment(row, col, f"value: the formula over {terms} "
                             f"gives {computed:,.2f}, not the pro forma's {target:,.2f}")
            continue
        if not terms:
            ws.write_formula(row, col, "=0", f, target)
        elif block is not None and spec.sums is not None and spec.sums.terms == L.SECTION_SUM:
            a, b = (xl_rowcol_to_cell(r, col) for r in block)
            ws.write_formula(row, col, f"=SUM({a}:{b})", f, target)
        else:
            body = "+".join(book.ref(sheet, n, col) for n in terms)
            ws.write_formula(row, col, "=" + body, f, target)
        written += 1
    _place(book, sheet, row, line)
    return written


def write_link_row(book: Book, ws, sheet: str, row: int, line: str) -> None:
    """A line linked from its home sheet (formula ``='Revenue'!C12`` with cached value)."""
    spec = L.line_spec(line)
    home = book.where[line][0]
    ws.write(row, 0, line, book.fmt("text"))
    ws.write(row, 1, f"{_UNIT_TEXT[spec.unit]} from {home}", book.fmt("text", "note"))
    for j, v in enumerate(book.pf.annual.loc[line]):
        col = FIRST_YEAR_COL + j
        ws.write_formula(row, col, "=" + book.ref("", line, col), book.fmt(spec.kind),
                         cell_value(v) or 0.0)
    book.local[(sheet, line)] = row


def _memo_rows(book: Book, ws, sheet: str, row: int, memo: list[str]) -> int:
    row += 1
    ws.write(row, 0, "memo (not cash)", book.fmt("text", "note"))
    row += 1
    for n in memo:
        write_values(book, ws, sheet, row, n)
        row += 1
    return row


def section_sheet(book: Book, sheet: str, lines: list[str]) -> int:
    """Write one section: value lines, then derived totals, then memo lines; returns the next
    free row."""
    ws = book.wb.get_worksheet_by_name(sheet)
    row = start = HEADER_ROW + 1
    for n in [n for n in lines if not is_derived(n) and not L.line_spec(n).is_memo]:
        write_values(book, ws, sheet, row, n)
        row += 1
    block = (start, row - 1) if row > start else None
    for n in [n for n in lines if is_derived(n)]:
        write_formula_row(book, ws, sheet, row, n, block)
        row += 1
    memo = [n for n in lines if L.line_spec(n).is_memo]
    return _memo_rows(book, ws, sheet, row, memo) if memo else row


def cash_flow_sheet(book: Book, lines: list[str]) -> None:
    """The cash flow sheet: linked totals, then its own derived and value lines."""
    sheet = "Cash flow"
    ws = book.wb.get_worksheet_by_name(sheet)
    row = HEADER_ROW + 1
    rest = [n for n in lines if n not in CASH_FLOW_ORDER]
    for n in [*CASH_FLOW_ORDER, *rest]:
        if n is None:
            row += 1
            continue
        if n in CASH_FLOW_LINKS:
            write_link_row(book, ws, sheet, row, n)
        elif is_derived(n):
            write_formula_row(book, ws, sheet, row, n)
        else:
            write_values(book, ws, sheet, row, n)
        row += 1


def pro_forma_sheets(book: Book, title: str) -> None:
    """All pro forma sheets, in an order that lets every formula point at written rows."""
    wb, pf = book.wb, book.pf
    groups: dict[str, list[str]] = {s: [] for s in (*SECTION_SHEETS, "Debt", "Cash flow")}
    for line in pf.annual.index:
        groups[home_sheet(line)].append(line)
    titles = {"Revenue": "revenue by line", "Opex": "operating costs (negative)",
              "Capex": "capital costs (negative)", "Tax & ITC": "income tax and the ITC",
              "Debt": "senior debt"}
    for sheet in ("Revenue", "Opex", "Capex", "Debt", "Tax & ITC"):
        year_header(book, wb.get_worksheet_by_name(sheet), f"{title}: {titles[sheet]}",
                    "project year 0 = COD; signed as the owner sees it (inflows +); $ unless "
                    "marked")
    # value rows first so that formulas on later sheets can point at them
    for sheet in SECTION_SHEETS:
        section_sheet(book, sheet, groups[sheet])
    year_header(book, wb.get_worksheet_by_name("Cash flow"), f"{title}: cash flow",
                "EBITDA, CFADS, equity and unlevered cash flows; linked lines come from their "
                "section sheets")
    # CFADS (on Cash flow) is needed by Debt's formulas and debt lines by Cash flow: write the
    # debt values first, then the cash flow sheet, then the debt sheet's derived lines.
    debt_lines = groups["Debt"]
    debt_ws = wb.get_worksheet_by_name("Debt")
    row = HEADER_ROW + 1
    for n in [n for n in debt_lines if not is_derived(n) and not L.line_spec(n).is_memo]:
        write_values(book, debt_ws, "Debt", row, n)
        row += 1
    derived_rows = {}
    for n in [n for n in debt_lines if is_derived(n)]:
        derived_rows[n] = row
        _place(book, "Debt", row, n)
        row += 1
    cash_flow_sheet(book, groups["Cash flow"])
    for n, r in derived_rows.items():
        write_formula_row(book, debt_ws, "Debt", r, n)
    _memo_rows(book, debt_ws, "Debt", row, [n for n in debt_lines if L.line_spec(n).is_memo])
    itc_note(book)


def itc_note(book: Book) -> None:
    """The ITC rate and its explanation under the Tax & ITC lines."""
    pf = book.pf
    tax_ws = book.wb.get_worksheet_by_name("Tax & ITC")
    row = max(r for (s, _), r in book.local.items() if s == "Tax & ITC") + 2
    tax_ws.write(row, 0, "ITC rate", book.fmt("text", "bold"))
    tax_ws.write_number(row, 2, pf.itc.rate, book.fmt("pct"))
    for i, line in enumerate(pf.itc.explain().splitlines()):
        tax_ws.write(row + 1 + i, 0, line, book.fmt("text", "note"))
