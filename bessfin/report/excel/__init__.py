"""Excel pro forma: one sheet per section, project years as columns, totals as formulas.

Modules: :mod:`~bessfin.report.excel.formats` (cell formats, workbook state),
:mod:`~bessfin.report.excel.proforma_sheets` (pro forma lines, placed and summed as the line
catalogue :mod:`bessfin.finance.lines` says), :mod:`~bessfin.report.excel.sheets` (summary,
assumptions, dispatch) and :mod:`~bessfin.report.excel.workbook` (:func:`write_excel`).
"""

from bessfin.report.excel.proforma_sheets import home_sheet
from bessfin.report.excel.workbook import SHEETS, write_excel

__all__ = ["SHEETS", "home_sheet", "write_excel"]
