"""Cell formats and the workbook state shared by the sheet writers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from bessfin.finance import ProForma
from bessfin.report.fmt import EXCEL_FORMATS

FIRST_YEAR_COL = 2  # column C holds year 0
HEADER_ROW = 2  # row 3 holds the project year numbers
CALENDAR_ROW = 3  # row 4 holds the calendar years
FIRST_ROW = 4  # first line row (row 5)

#: Number formats of kinds only the workbook uses (others: :data:`EXCEL_FORMATS`).
_LOCAL_FORMATS = {"pct4": "0.0000%", "flag": "0"}

#: Cell style of each format modifier.
_STYLES: dict[str, dict[str, object]] = {
    "bold": {"bold": True},
    "top": {"top": 1},
    "wrap": {"text_wrap": True, "valign": "top"},
    "head": {"bg_color": "#E8EEF2", "bold": True},
    "note": {"italic": True, "font_color": "#555555"},
    "title": {"font_size": 14, "bold": True},
    "input": {"font_color": "#0000CC", "bg_color": "#FFF7D6"},
    "lp": {"font_color": "#2F6B2F", "bg_color": "#EEF6EE"},
}


@dataclass
class Book:
    """A workbook being written: its formats and where each pro forma line was put."""

    wb: xlsxwriter.Workbook
    pf: ProForma
    fmts: dict[str, object] = field(default_factory=dict)
    where: dict[str, tuple[str, int]] = field(default_factory=dict)  # line -> home (sheet, row)
    local: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, line) -> row
    names: dict[str, float | str] = field(default_factory=dict)  # input name -> value

    def fmt(self, kind: str, *extra: str) -> object:
        """Cell format for display ``kind`` with modifiers (``bold``, ``top``, ``head`` ...)."""
        key = "|".join((kind, *extra))
        if key not in self.fmts:
            num = _LOCAL_FORMATS.get(kind) or EXCEL_FORMATS.get(kind, "General")
            spec: dict[str, object] = {"num_format": num}
            for e in extra:
                spec.update(_STYLES.get(e, {}))
            self.fmts[key] = self.wb.add_format(spec)
        return self.fmts[key]

    def ref(self, sheet: str, line: str, col: int) -> str:
        """Address of ``line`` in column ``col`` as seen from ``sheet``."""
        if (sheet, line) in self.local:
            return xl_rowcol_to_cell(self.local[(sheet, line)], col)
        home, row = self.where[line]
        return f"{quote_sheetname(home)}!{xl_rowcol_to_cell(row, col)}"


def cell_value(x: float | None) -> float | None:
    """A finite float, or None for a blank cell."""
    return None if x is None or not math.isfinite(float(x)) else float(x)
