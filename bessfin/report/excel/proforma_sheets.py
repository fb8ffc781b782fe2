"""The year sheets (Revenue, Opex, Capex, Tax & ITC, Depreciation, Debt, Cash flow): layout,
then formulas.

Each pro forma line of :attr:`ProForma.annual` has one *home* row, on the sheet the line
catalogue (:mod:`bessfin.finance.lines`) gives it, holding a formula per year
(:mod:`~bessfin.report.excel.live`). Lines the catalogue defines as sums of other lines are
written from the catalogue (``SUM`` over the section block, or ``a+b``). Every row is placed
before any formula is written, so a formula may point at any row of any sheet.
"""

from __future__ import annotations

import math

import numpy as np
from xlsxwriter.utility import xl_rowcol_to_cell

from bessfin.finance import lines as L
from bessfin.report.excel.formats import (
    CALENDAR_ROW,
    FIRST_ROW,
    FIRST_YEAR_COL,
    HEADER_ROW,
    Book,
)
from bessfin.report.excel.live import DEPRECIATION, Ctx, Model, Row

#: Year sheets in the order they are laid out, with their subtitles.
YEAR_SHEETS: dict[str, str] = {
    "Revenue": "revenue by line",
    "Opex": "operating costs (negative)",
    "Capex": "capital costs (negative)",
    "Tax & ITC": "income tax and the ITC",
    DEPRECIATION: "tax depreciation (MACRS, Inputs sheet)",
    "Debt": "senior debt: sizing, schedule, coverage",
    "Cash flow": "EBITDA, CFADS, equity and unlevered cash flows",
}

_UNIT_TEXT = {"$": "$", "x": "x", "fraction": "fraction", "MWh": "MWh"}


def home_sheet(line: str) -> str:
    """Sheet on which a pro forma line's formulas live."""
    return L.line_spec(line).sheet


def is_line(key: str) -> bool:
    """True when ``key`` is a pro forma line (not a working row or heading)."""
    try:
        L.line_spec(key)
    except KeyError:
        return False
    return True


def year_header(book: Book, ws, title: str, subtitle: str) -> None:
    """Title, subtitle, the project years 0..N and calendar years; freezes the panes."""
    years = list(book.pf.annual.columns)
    ws.write_string(0, 0, title, book.fmt("text", "title"))
    ws.write_string(1, 0, subtitle, book.fmt("text", "note"))
    ws.write_string(HEADER_ROW, 0, "line", book.fmt("text", "head"))
    ws.write_string(HEADER_ROW, 1, "unit", book.fmt("text", "head"))
    ws.write_string(CALENDAR_ROW, 0, "calendar year (cod_year + project year)",
                    book.fmt("text", "note"))
    ws.write_string(CALENDAR_ROW, 1, "year", book.fmt("text", "note"))
    cod = int(book.names.get("cod_year", 0))
    for j, y in enumerate(years):
        col = FIRST_YEAR_COL + j
        ws.write_number(HEADER_ROW, col, int(y), book.fmt("year", "head"))
        ws.write_formula(CALENDAR_ROW, col, f"=cod_year+{xl_rowcol_to_cell(HEADER_ROW, col)}",
                         book.fmt("year", "note"), cod + int(y))
    ws.freeze_panes(FIRST_ROW, FIRST_YEAR_COL)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 14)
    ws.set_column(FIRST_YEAR_COL, FIRST_YEAR_COL + len(years) - 1, 13)


def _builders(model: Model) -> dict[str, list[Row]]:
    return {"Revenue": model.revenue(), "Opex": model.opex(), "Capex": model.capex(),
            "Tax & ITC": model.tax(), DEPRECIATION: model.depreciation(),
            "Debt": model.debt(), "Cash flow": model.cash_flow()}


def layout(book: Book, sheets: dict[str, list[Row]]) -> None:
    """Give every row its sheet and row number (headings get a blank row above)."""
    for sheet, rows in sheets.items():
        r = FIRST_ROW
        for row in rows:
            if _is_heading(row):
                r += 1
            book.local[(sheet, row.key)] = r
            if not is_line(row.key) or home_sheet(row.key) == sheet:
                book.where.setdefault(row.key, (sheet, r))
            r += 1


def _is_heading(row: Row) -> bool:
    return (row.fn is None and row.sum_block is None and "link" not in row.style
            and not is_line(row.key))


def _cached(x: float | str | None) -> float | str:
    if isinstance(x, str):
        return x
    if x is None or not math.isfinite(float(x)):
        return ""
    return float(x)


def _sum_formula(book: Book, sheet: str, row: Row, col: int) -> str:
    """A derived line from the catalogue: SUM over its section block or a sum of lines."""
    year = col - FIRST_YEAR_COL
    terms = L.sum_terms(row.key, book.pf.annual.index, year)
    if not terms:
        return "=0"
    if row.sum_block is not None:
        rows = [book.local[(sheet, k)] for k in row.sum_block]
        a, b = xl_rowcol_to_cell(min(rows), col), xl_rowcol_to_cell(max(rows), col)
        return f"=SUM({a}:{b})"
    return "=" + "+".join(book.ref(sheet, n, col) for n in terms)


def write_rows(book: Book, sheet: str, rows: list[Row]) -> None:
    """Write the rows of one year sheet (after :func:`layout`)."""
    ws = book.wb.get_worksheet_by_name(sheet)
    annual = book.pf.annual
    n = len(annual.columns) - 1
    for row in rows:
        r = book.local[(sheet, row.key)]
        if _is_heading(row):
            ws.write_string(r, 0, row.key, book.fmt("text", "note", "bold"))
            continue
        line = is_line(row.key)
        spec = L.line_spec(row.key) if line else None
        kind = spec.kind if spec else row.kind
        unit = _UNIT_TEXT[spec.unit] if spec else row.unit
        style = tuple(s for s in row.style if s != "link")
        ws.write_string(r, 0, row.key, book.fmt("text", *style))
        if "link" in row.style:
            unit = f"{unit} from {book.where[row.key][0]}"
        if "lp" in row.style:
            unit = f"{unit} (LP)"
        ws.write_string(r, 1, unit, book.fmt("text", "note" if "link" in row.style else
                                              "text", *style))
        fmt = book.fmt(kind, *style)
        if row.scalar:
            c = Ctx(book, sheet, FIRST_YEAR_COL, n)
            assert row.fn is not None and row.name is not None
            value = row.cached if isinstance(row.cached, str) else _cached(row.cached)
            ws.write_formula(r, FIRST_YEAR_COL, "=" + row.fn(c), fmt, value)
            book.wb.define_name(row.name,
                                f"='{sheet}'!{xl_rowcol_to_cell(r, FIRST_YEAR_COL, True, True)}")
            continue
        values = (annual.loc[row.key].to_numpy(dtype=float) if line
                  else np.broadcast_to(np.asarray(row.cached if row.cached is not None
                                                  else np.nan, dtype=float), (n + 1,)))
        for j in range(n + 1):
            col = FIRST_YEAR_COL + j
            c = Ctx(book, sheet, col, n)
            if "link" in row.style:
                formula = "=" + book.ref("", row.key, col)
            elif row.fn is None:
                formula = _sum_formula(book, sheet, row, col)
            else:
                formula = "=" + row.fn(c)
            ws.write_formula(r, col, formula, fmt, _cached(values[j]))


def pro_forma_sheets(book: Book, model: Model, title: str) -> None:
    """Lay out and write every year sheet."""
    sheets = _builders(model)
    layout(book, sheets)
    for sheet, rows in sheets.items():
        ws = book.wb.get_worksheet_by_name(sheet)
        year_header(book, ws, f"{title}: {YEAR_SHEETS[sheet]}",
                    "project year 0 = COD; signed as the owner sees it (inflows +); $ unless "
                    "marked; every cell is a formula of the Inputs sheet and the LP dispatch "
                    "lines ('Dispatch (annual)')")
        write_rows(book, sheet, rows)
    itc_note(book)


def itc_note(book: Book) -> None:
    """The ITC rate's explanation under the Tax & ITC rows."""
    pf = book.pf
    tax_ws = book.wb.get_worksheet_by_name("Tax & ITC")
    row = max(r for (s, _), r in book.local.items() if s == "Tax & ITC") + 2
    tax_ws.write_string(row, 0, f"ITC rate {pf.itc.rate:.2%} from bessfin's §48E rules "
                        "(the itc_rate input):", book.fmt("text", "bold"))
    for i, line in enumerate(pf.itc.explain().splitlines()):
        tax_ws.write_string(row + 1 + i, 0, line, book.fmt("text", "note"))
