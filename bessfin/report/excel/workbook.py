"""Write a deal run's workbook: create the sheets, then fill them in dependency order."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from bessfin.deal import DealResult
from bessfin.report.excel.formats import Book
from bessfin.report.excel.proforma_sheets import pro_forma_sheets
from bessfin.report.excel.sheets import (
    annual_dispatch_sheet,
    assumptions_sheet,
    monthly_sheet,
    summary_sheet,
)

#: Sheet names in order.
SHEETS: tuple[str, ...] = (
    "Summary", "Assumptions", "Revenue", "Opex", "Capex", "Tax & ITC", "Debt", "Cash flow",
    "Dispatch (year 1 monthly)", "Dispatch (annual)",
)


def write_excel(result: DealResult, path: str | Path) -> Path:
    """Write the pro forma of a deal run as an Excel workbook.

    Sheets (:data:`SHEETS`): Summary (metrics with Excel IRR/NPV checks, lender checks, ITC
    explanation), Assumptions (with sources), one sheet per pro forma section with project
    years 0..N as columns (Revenue, Opex, Capex, Tax & ITC, Debt, Cash flow; lines and their
    sums from :mod:`bessfin.finance.lines`), year-1 monthly dispatch revenue and lifetime
    dispatch by year. Totals are formulas with cached values.

    Parameters
    ----------
    result
        A deal run (:func:`bessfin.deal.run_deal`).
    path
        Output ``.xlsx`` file (parent directories are created).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # User text (deal names, notes) is written as text: a name starting with "=" must not
    # become a live formula. The workbook's own formulas go through write_formula.
    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False,
                                        "strings_to_urls": False})
    wb.set_properties({"title": f"{result.deal.name} pro forma", "author": "bessfin"})
    book = Book(wb=wb, pf=result.pro_forma)
    for name in SHEETS:
        wb.add_worksheet(name)
    pro_forma_sheets(book, result.deal.name)
    summary_sheet(book, result)
    assumptions_sheet(book, result)
    monthly_sheet(book, result)
    annual_dispatch_sheet(book, result)
    wb.close()
    return out
