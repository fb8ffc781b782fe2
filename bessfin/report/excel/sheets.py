"""The non-pro-forma sheets: Summary (metrics with Excel IRR/NPV checks, lender checks, ITC),
Assumptions (with sources) and the dispatch sheets (year-1 monthly, lifetime annual)."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from bessfin.deal import DealResult
from bessfin.finance import lines as L
from bessfin.report import assumptions as asm
from bessfin.report import data
from bessfin.report.excel.formats import FIRST_YEAR_COL, HEADER_ROW, Book, cell_value
from bessfin.report.excel.proforma_sheets import year_header

#: Metrics checked on the Summary sheet by an Excel formula: how, and over which cash flow.
SUMMARY_CHECKS: dict[str, tuple[str, str]] = {
    "project_irr_pre_tax": ("irr", L.UNLEVERED_PRE_TAX),
    "project_irr_after_tax": ("irr", L.UNLEVERED_AFTER_TAX),
    "equity_irr_after_tax": ("irr", L.EQUITY),
    "project_npv_after_tax_usd": ("npv", L.UNLEVERED_AFTER_TAX),
    "equity_npv_after_tax_usd": ("npv", L.EQUITY),
}


def write_table(book: Book, ws, row: int, frame: pd.DataFrame, title: str,
                 kinds: dict[str, str] | None = None) -> int:
    """A plain table (header row, then rows) starting at ``row``; returns the next free row."""
    kinds = kinds or {}
    ws.write(row, 0, title, book.fmt("text", "bold"))
    row += 1
    for j, c in enumerate(frame.columns):
        ws.write(row, j, str(c), book.fmt("text", "head"))
    row += 1
    for _, r in frame.iterrows():
        for j, (c, v) in enumerate(r.items()):
            k = kinds.get(str(c), "text")
            if isinstance(v, bool) or v is None:
                ws.write(row, j, "" if v is None else ("yes" if v else "no"),
                         book.fmt("text", "wrap"))
            elif isinstance(v, int | float) and k != "text":
                x = cell_value(v)
                if x is None:
                    ws.write_string(row, j, "n/a", book.fmt("text"))
                else:
                    ws.write_number(row, j, x, book.fmt(k))
            else:
                ws.write(row, j, v if isinstance(v, int | float) else str(v),
                         book.fmt("text", "wrap"))
        row += 1
    return row + 1


def summary_sheet(book: Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Summary")
    d, m = result.deal, result.pro_forma.metrics
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 3, 16)
    ws.set_column(4, 4, 70)
    ws.write(0, 0, d.name, book.fmt("text", "title"))
    ws.write(1, 0, f"{d.market.iso.upper()} {d.market.node}, {d.battery.power_mw:g} MW / "
             f"{d.battery.energy_mwh:g} MWh, {d.project.life_years}-year life, dispatch mode "
             f"{result.lifetime.mode}", book.fmt("text", "note"))
    verdict = ("PASS: all lender checks met" if result.passed else "FAIL: lender checks not "
               "met") if result.checks else "no lender criteria set"
    ws.write(2, 0, verdict, book.fmt("text", "bold"))
    ws.write(4, 0, "Discount rate", book.fmt("text", "bold"))
    ws.write_number(4, 2, m.discount_rate, book.fmt("pct"))
    rate_cell = "$C$5"
    row = 6
    for j, h in enumerate(("group", "metric", "bessfin value", "Excel check", "note")):
        ws.write(row, j, h, book.fmt("text", "head"))
    row += 1
    cf = "Cash flow"
    last = FIRST_YEAR_COL + len(book.pf.annual.columns) - 1
    for metric in data.key_metrics(result):
        ws.write(row, 0, metric.group)
        ws.write(row, 1, metric.label)
        x = metric.value if isinstance(metric.value, str) else cell_value(metric.value)  # type: ignore[arg-type]
        fmt = book.fmt(metric.kind)
        if x is None:
            ws.write(row, 2, "n/a")
        else:
            ws.write(row, 2, x, fmt)
        how = SUMMARY_CHECKS.get(metric.name)
        if how is not None and x is not None:
            r = book.local[(cf, how[1])]
            first = xl_rowcol_to_cell(r, FIRST_YEAR_COL)
            second = xl_rowcol_to_cell(r, FIRST_YEAR_COL + 1)
            end = xl_rowcol_to_cell(r, last)
            sheet = quote_sheetname(cf)
            formula = (f"=IRR({sheet}!{first}:{end},{x:.6f})" if how[0] == "irr" else
                       f"={sheet}!{first}+NPV({rate_cell},{sheet}!{second}:{end})")
            ws.write_formula(row, 3, formula, fmt, x)
        ws.write(row, 4, metric.note, book.fmt("text", "note"))
        row += 1
    row += 1
    ws.write(row, 0, "ITC", book.fmt("text", "bold"))
    for line in result.pro_forma.itc.explain().splitlines():
        ws.write(row, 1, line)
        row += 1
    row += 1
    checks_frame = pd.DataFrame([{"check": c.name, "passed": c.passed, "value": c.value,
                                  "threshold": c.threshold, "reason": c.reason}
                                 for c in result.checks],
                                columns=["check", "passed", "value", "threshold", "reason"])
    write_table(book, ws, row, checks_frame, "Lender checks",
                 {"value": "number", "threshold": "number"})


def assumptions_sheet(book: Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Assumptions")
    ws.set_column(0, 1, 24)
    ws.set_column(2, 2, 50)
    ws.set_column(3, 3, 14)
    ws.set_column(4, 6, 60)
    ws.write(0, 0, f"{result.deal.name}: assumptions and sources", book.fmt("text", "title"))
    row = 2
    row = write_table(book, ws, row, asm.key_assumptions(result), "Key assumptions")
    row = write_table(book, ws, row, asm.all_inputs(result), "All inputs")
    row = write_table(book, ws, row, asm.policy_sources(result), "§48E ITC policy table")
    duties = asm.duty_sources(result)
    if not duties.empty:
        write_table(book, ws, row, duties, "Duty layers and sources")


def monthly_sheet(book: Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Dispatch (year 1 monthly)")
    lt = result.lifetime
    fy = lt.first_year
    table = lt.year_one_monthly()
    monthly = table.drop(columns=["discharged_mwh", "mean_energy_price"])
    extra = table[["discharged_mwh", "mean_energy_price"]].set_axis(
        ["discharged MWh (scheduled)", "mean energy price"], axis=1)
    years = sorted(lt.first_years) or [lt.first_price_year]
    ws.write(0, 0, f"{result.deal.name}: year-1 merchant dispatch revenue by month",
             book.fmt("text", "title"))
    which = (f"price year {years[0]}" if len(years) == 1 else
             "mean over price years " + ", ".join(map(str, years)))
    ws.write(1, 0, f"{which}, local time "
             f"{fy.timezone}; $ unless marked", book.fmt("text", "note"))
    ws.write(HEADER_ROW, 0, "stream", book.fmt("text", "head"))
    ws.write(HEADER_ROW, 1, "unit", book.fmt("text", "head"))
    months = [str(p) for p in monthly.index]
    for j, mth in enumerate(months):
        ws.write(HEADER_ROW, FIRST_YEAR_COL + j, mth, book.fmt("text", "head"))
    total_col = FIRST_YEAR_COL + len(months)
    ws.write(HEADER_ROW, total_col, "year", book.fmt("text", "head"))
    ws.freeze_panes(HEADER_ROW + 1, FIRST_YEAR_COL)
    ws.set_column(0, 0, 30)
    ws.set_column(FIRST_YEAR_COL, total_col, 12)
    row = HEADER_ROW + 1
    first = row
    fmt = book.fmt("usd")
    for stream in monthly.columns:
        ws.write(row, 0, stream)
        ws.write(row, 1, "$")
        for j, v in enumerate(monthly[stream]):
            ws.write_number(row, FIRST_YEAR_COL + j, float(v), fmt)
        a, b = xl_rowcol_to_cell(row, FIRST_YEAR_COL), xl_rowcol_to_cell(row, total_col - 1)
        ws.write_formula(row, total_col, f"=SUM({a}:{b})", fmt, float(monthly[stream].sum()))
        row += 1
    bold = book.fmt("usd", "bold", "top")
    ws.write(row, 0, "total", book.fmt("text", "bold", "top"))
    ws.write(row, 1, "$", book.fmt("text", "bold", "top"))
    for j in range(len(months) + 1):
        col = FIRST_YEAR_COL + j
        a, b = xl_rowcol_to_cell(first, col), xl_rowcol_to_cell(row - 1, col)
        value = float(monthly.sum(axis=1).iloc[j]) if j < len(months) else float(
            monthly.to_numpy().sum())
        ws.write_formula(row, col, f"=SUM({a}:{b})", bold, value)
    row += 2
    for name, kind, unit in (("discharged MWh (scheduled)", "mwh", "MWh"),
                             ("mean energy price", "usd_per_mwh", "$/MWh")):
        ws.write(row, 0, name)
        ws.write(row, 1, unit)
        for j, v in enumerate(extra[name]):
            ws.write_number(row, FIRST_YEAR_COL + j, float(v), book.fmt(kind))
        row += 1


def annual_dispatch_sheet(book: Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Dispatch (annual)")
    year_header(book, ws, f"{result.deal.name}: lifetime dispatch by operating year",
                 "revenue streams at full plant capacity before contracts [$]; year 0 empty")
    annual = result.lifetime.annual
    units = {"price_years": "scenarios", "energy_price_scale": "x", "as_price_scale": "x",
             "capacity_factor": "fraction",
             "augmentation_mwh": "MWh", "discharged_mwh": "MWh", "cycles": "cycles"}
    for i, col in enumerate(annual.columns):
        row = HEADER_ROW + 1 + i
        kind = ("number" if col in ("price_years", "energy_price_scale", "as_price_scale",
                                    "capacity_factor", "cycles")
                else "mwh" if "mwh" in col else "usd")
        ws.write(row, 0, col)
        ws.write(row, 1, units.get(col, "$"))
        for y, v in annual[col].items():
            ws.write_number(row, FIRST_YEAR_COL + int(y), float(v), book.fmt(kind))


