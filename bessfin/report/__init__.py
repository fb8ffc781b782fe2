"""Reports of deal runs: a self-contained HTML report per deal or comparison, and an Excel
pro forma. See ``docs/reports.md``."""

from bessfin.report.excel import SHEETS, write_excel
from bessfin.report.html import write_comparison_html, write_html
from bessfin.report.tornado import check_tornado

__all__ = ["SHEETS", "check_tornado", "write_comparison_html", "write_excel", "write_html"]
