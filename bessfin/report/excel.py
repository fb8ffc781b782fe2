"""Excel pro forma: one sheet per section, project years as columns, totals as formulas.

Each line of :attr:`ProForma.annual` has one *home* row (its numbers, as values). Lines that
are sums of other lines (``revenue: total``, ``EBITDA``, ``CFADS``, ``cash flow to equity``,
...) are Excel formulas over the rows they add up, on the same sheet or linked from the sheet
where they live, so an analyst can trace every total. Formulas are written with their cached
result (the pro forma's number), so a reader that does not recalculate sees the same values.
A formula is only written after checking that, evaluated on the pro forma's own numbers, it
reproduces the line; otherwise the value is written with a cell comment saying so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from bessfin.deal import DealResult
from bessfin.finance import ProForma
from bessfin.report import assumptions as asm
from bessfin.report import data
from bessfin.report.fmt import EXCEL_FORMATS

#: Sheet names in order.
SHEETS: tuple[str, ...] = (
    "Summary", "Assumptions", "Revenue", "Opex", "Capex", "Tax & ITC", "Debt", "Cash flow",
    "Dispatch (year 1 monthly)", "Dispatch (annual)",
)
FIRST_YEAR_COL = 2  # column C holds year 0
HEADER_ROW = 2  # row 3 holds the year numbers
Terms = list[tuple[int, str]]  # (sign, line)


def _sum_of(prefix: str, total: str) -> Callable[[ProForma, int], Terms]:
    def rule(pf: ProForma, year: int) -> Terms:
        return [(1, n) for n in pf.annual.index if n.startswith(prefix) and n != total]
    return rule


def _fixed(*terms: str, year0: tuple[str, ...] | None = None) -> Callable[[ProForma, int], Terms]:
    def rule(pf: ProForma, year: int) -> Terms:
        names = year0 if (year == 0 and year0 is not None) else terms
        return [(1, n) for n in names]
    return rule


#: Lines that are sums of other lines, by the pro forma's sign convention (docs/finance.md).
RULES: dict[str, Callable[[ProForma, int], Terms]] = {
    "revenue: total": _sum_of("revenue: ", "revenue: total"),
    "opex: total": _sum_of("opex: ", "opex: total"),
    "capex: total": _sum_of("capex: ", "capex: total"),
    "EBITDA": _fixed("revenue: total", "opex: total"),
    "CFADS": _fixed("EBITDA", "capex: total", year0=()),
    "debt service": _fixed("debt: interest", "debt: principal"),
    "cash flow to equity (pre-tax)": _fixed(
        "CFADS", "debt service", year0=("capex: total", "debt: drawdown", "debt: upfront fee")),
    "cash flow to equity": _fixed(
        "cash flow to equity (pre-tax)", "tax: state", "tax: federal", "ITC: transfer proceeds",
        "ITC: used against tax"),
    "unlevered pre-tax cash flow": _fixed("CFADS", year0=("capex: total",)),
    "unlevered after-tax cash flow": _fixed(
        "unlevered pre-tax cash flow", "unlevered tax: state", "unlevered tax: federal",
        "unlevered ITC"),
}

_MEMO_HOME = {
    "memo: discharged MWh": "Revenue", "memo: tolled share": "Revenue",
    "memo: contracted revenue": "Revenue", "memo: merchant revenue at risk": "Revenue",
    "memo: sizing CFADS": "Debt", "memo: target DSCR": "Debt", "memo: DSCR": "Debt",
    "memo: debt balance (closing)": "Debt",
}


def home_sheet(line: str) -> str:
    """Sheet on which a pro forma line's numbers live (grouped by line prefix)."""
    if line in _MEMO_HOME:
        return _MEMO_HOME[line]
    for prefix, sheet in (("revenue:", "Revenue"), ("opex:", "Opex"), ("capex:", "Capex"),
                          ("debt", "Debt"), ("tax:", "Tax & ITC"), ("ITC", "Tax & ITC"),
                          ("memo:", "Tax & ITC")):
        if line.startswith(prefix):
            return sheet
    return "Cash flow"


#: Lines linked onto the cash flow sheet from their home sheets, in order, before its own.
CASH_FLOW_LINKS: tuple[str, ...] = (
    "revenue: total", "opex: total", "capex: total", "debt: drawdown", "debt: upfront fee",
    "debt service", "tax: state", "tax: federal", "ITC: transfer proceeds",
    "ITC: used against tax",
)


def line_kind(line: str) -> str:
    """Formatting kind of a pro forma line."""
    if "DSCR" in line:
        return "ratio"
    if "share" in line:
        return "pct"
    if "MWh" in line:
        return "mwh"
    return "usd"


@dataclass
class _Book:
    wb: xlsxwriter.Workbook
    pf: ProForma
    fmts: dict[str, object] = field(default_factory=dict)
    where: dict[str, tuple[str, int]] = field(default_factory=dict)  # line -> home (sheet, row)
    local: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, line) -> row

    def fmt(self, kind: str, *extra: str) -> object:
        key = "|".join((kind, *extra))
        if key not in self.fmts:
            spec: dict[str, object] = {"num_format": EXCEL_FORMATS.get(kind, "General")}
            for e in extra:
                spec.update({"bold": True} if e == "bold" else {"top": 1} if e == "top"
                            else {"text_wrap": True, "valign": "top"} if e == "wrap"
                            else {"bg_color": "#E8EEF2", "bold": True} if e == "head"
                            else {"italic": True, "font_color": "#555555"} if e == "note"
                            else {"font_size": 14, "bold": True} if e == "title" else {})
            self.fmts[key] = self.wb.add_format(spec)
        return self.fmts[key]

    def ref(self, sheet: str, line: str, col: int) -> str:
        """Address of ``line`` in column ``col`` as seen from ``sheet``."""
        if (sheet, line) in self.local:
            return xl_rowcol_to_cell(self.local[(sheet, line)], col)
        home, row = self.where[line]
        return f"{quote_sheetname(home)}!{xl_rowcol_to_cell(row, col)}"


def _value(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _year_header(book: _Book, ws, title: str, subtitle: str) -> None:
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


def _unit(kind: str) -> str:
    return {"usd": "$", "ratio": "x", "pct": "fraction", "mwh": "MWh"}.get(kind, "")


def _write_values(book: _Book, ws, sheet: str, row: int, line: str, *extra: str) -> None:
    kind = line_kind(line)
    ws.write(row, 0, line, book.fmt("text", *extra))
    ws.write(row, 1, _unit(kind), book.fmt("text", *extra))
    for j, v in enumerate(book.pf.annual.loc[line]):
        x = _value(v)
        if x is None:
            ws.write_blank(row, FIRST_YEAR_COL + j, None, book.fmt(kind, *extra))
        else:
            ws.write_number(row, FIRST_YEAR_COL + j, x, book.fmt(kind, *extra))
    book.local[(sheet, line)] = row
    book.where.setdefault(line, (sheet, row))


def _write_formula_row(book: _Book, ws, sheet: str, row: int, line: str,
                       block: tuple[int, int] | None = None) -> int:
    """A derived line as formulas; returns the number of formula cells written."""
    pf, rule = book.pf, RULES[line]
    kind = line_kind(line)
    f = book.fmt(kind, "bold", "top")
    ws.write(row, 0, line, book.fmt("text", "bold", "top"))
    ws.write(row, 1, _unit(kind), book.fmt("text", "bold", "top"))
    written = 0
    for j, year in enumerate(pf.annual.columns):
        col = FIRST_YEAR_COL + j
        target = float(pf.annual.loc[line, year])
        terms = rule(pf, int(year))
        computed = sum(s * float(pf.annual.loc[n, year]) for s, n in terms)
        if not math.isclose(computed, target, rel_tol=1e-9, abs_tol=1e-4):
            ws.write_number(row, col, target, f)
            ws.write_comment(row, col, f"value: the formula over {[n for _, n in terms]} "
                             f"gives {computed:,.2f}, not the pro forma's {target:,.2f}")
            continue
        if not terms:
            ws.write_formula(row, col, "=0", f, target)
        elif block is not None and line.endswith("total"):
            a, b = (xl_rowcol_to_cell(r, col) for r in block)
            ws.write_formula(row, col, f"=SUM({a}:{b})", f, target)
        else:
            body = "".join(f"{'+' if s > 0 else '-'}{book.ref(sheet, n, col)}" for s, n in terms)
            ws.write_formula(row, col, "=" + body.removeprefix("+"), f, target)
        written += 1
    book.local[(sheet, line)] = row
    book.where.setdefault(line, (sheet, row))
    return written


def _write_link_row(book: _Book, ws, sheet: str, row: int, line: str) -> None:
    """A line linked from its home sheet (formula ``='Revenue'!C12`` with cached value)."""
    kind = line_kind(line)
    home = book.where[line][0]
    ws.write(row, 0, line, book.fmt("text"))
    ws.write(row, 1, f"{_unit(kind)} from {home}", book.fmt("text", "note"))
    for j, v in enumerate(book.pf.annual.loc[line]):
        col = FIRST_YEAR_COL + j
        ws.write_formula(row, col, "=" + book.ref("", line, col), book.fmt(kind),
                         _value(v) or 0.0)
    book.local[(sheet, line)] = row


def _section_sheet(book: _Book, sheet: str, lines: list[str], title: str) -> int:
    """Write one section: value lines, then derived totals, then memo lines; returns the next
    free row."""
    ws = book.wb.get_worksheet_by_name(sheet)
    row = HEADER_ROW + 1
    main = [n for n in lines if n not in RULES and not n.startswith("memo:")]
    derived = [n for n in lines if n in RULES]
    memo = [n for n in lines if n.startswith("memo:")]
    start = row
    for n in main:
        _write_values(book, ws, sheet, row, n)
        row += 1
    block = (start, row - 1) if row > start else None
    for n in derived:
        _write_formula_row(book, ws, sheet, row, n, block)
        row += 1
    if memo:
        row += 1
        ws.write(row, 0, "memo (not cash)", book.fmt("text", "note"))
        row += 1
        for n in memo:
            _write_values(book, ws, sheet, row, n)
            row += 1
    del title
    return row


def _cash_flow_sheet(book: _Book, lines: list[str]) -> None:
    sheet = "Cash flow"
    ws = book.wb.get_worksheet_by_name(sheet)
    row = HEADER_ROW + 1
    order = ["revenue: total", "opex: total", "EBITDA", "capex: total", "CFADS",
             "debt: drawdown", "debt: upfront fee", "debt service",
             "cash flow to equity (pre-tax)", "tax: state", "tax: federal",
             "ITC: transfer proceeds", "ITC: used against tax", "cash flow to equity", None,
             "unlevered pre-tax cash flow", "unlevered tax: state", "unlevered tax: federal",
             "unlevered ITC", "unlevered after-tax cash flow"]
    rest = [n for n in lines if n not in order]
    for n in [*order, *rest]:
        if n is None:
            row += 1
            continue
        if n in CASH_FLOW_LINKS:
            _write_link_row(book, ws, sheet, row, n)
        elif n in RULES:
            _write_formula_row(book, ws, sheet, row, n)
        else:
            _write_values(book, ws, sheet, row, n)
        row += 1


def _write_table(book: _Book, ws, row: int, frame: pd.DataFrame, title: str,
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
                x = _value(v)
                if x is None:
                    ws.write_string(row, j, "n/a", book.fmt("text"))
                else:
                    ws.write_number(row, j, x, book.fmt(k))
            else:
                ws.write(row, j, v if isinstance(v, int | float) else str(v),
                         book.fmt("text", "wrap"))
        row += 1
    return row + 1


def _summary_sheet(book: _Book, result: DealResult) -> None:
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
    checks = {
        "Project IRR, pre-tax": ("irr", "unlevered pre-tax cash flow"),
        "Project IRR, after tax": ("irr", "unlevered after-tax cash flow"),
        "Equity IRR, after tax": ("irr", "cash flow to equity"),
        "Project NPV, after tax": ("npv", "unlevered after-tax cash flow"),
        "Equity NPV, after tax": ("npv", "cash flow to equity"),
    }
    last = FIRST_YEAR_COL + len(book.pf.annual.columns) - 1
    for metric in data.key_metrics(result):
        ws.write(row, 0, metric.group)
        ws.write(row, 1, metric.label)
        x = metric.value if isinstance(metric.value, str) else _value(metric.value)  # type: ignore[arg-type]
        fmt = book.fmt(metric.kind)
        if x is None:
            ws.write(row, 2, "n/a")
        else:
            ws.write(row, 2, x, fmt)
        how = checks.get(metric.label)
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
    _write_table(book, ws, row, checks_frame, "Lender checks",
                 {"value": "number", "threshold": "number"})


def _assumptions_sheet(book: _Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Assumptions")
    ws.set_column(0, 1, 24)
    ws.set_column(2, 2, 50)
    ws.set_column(3, 3, 14)
    ws.set_column(4, 6, 60)
    ws.write(0, 0, f"{result.deal.name}: assumptions and sources", book.fmt("text", "title"))
    row = 2
    row = _write_table(book, ws, row, asm.key_assumptions(result), "Key assumptions")
    row = _write_table(book, ws, row, asm.all_inputs(result), "All inputs")
    row = _write_table(book, ws, row, asm.policy_sources(result), "§48E ITC policy table")
    duties = asm.duty_sources(result)
    if not duties.empty:
        _write_table(book, ws, row, duties, "Duty layers and sources")


def _monthly_sheet(book: _Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Dispatch (year 1 monthly)")
    fy = result.lifetime.first_year
    monthly = fy.monthly_revenue
    local = fy.schedule.index.tz_convert(fy.timezone).tz_localize(None).to_period("M")
    extra = pd.DataFrame({
        "discharged MWh (scheduled)": fy.schedule["discharge_mw"].groupby(local).sum(),
        "mean energy price": fy.schedule["energy_price"].groupby(local).mean(),
    })
    ws.write(0, 0, f"{result.deal.name}: year-1 merchant dispatch revenue by month",
             book.fmt("text", "title"))
    ws.write(1, 0, f"price year {int(result.lifetime.annual.loc[1, 'price_year'])}, local time "
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


def _annual_dispatch_sheet(book: _Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Dispatch (annual)")
    _year_header(book, ws, f"{result.deal.name}: lifetime dispatch by operating year",
                 "revenue streams at full plant capacity before contracts [$]; year 0 empty")
    annual = result.lifetime.annual
    units = {"price_year": "year", "price_scale": "x", "capacity_factor": "fraction",
             "augmentation_mwh": "MWh", "discharged_mwh": "MWh", "cycles": "cycles"}
    for i, col in enumerate(annual.columns):
        row = HEADER_ROW + 1 + i
        kind = ("year" if col == "price_year" else "number" if col in (
            "price_scale", "capacity_factor", "cycles") else "mwh" if "mwh" in col else "usd")
        ws.write(row, 0, col)
        ws.write(row, 1, units.get(col, "$"))
        for y, v in annual[col].items():
            ws.write_number(row, FIRST_YEAR_COL + int(y), float(v), book.fmt(kind))


def write_excel(result: DealResult, path: str | Path) -> Path:
    """Write the pro forma of a deal run as an Excel workbook.

    Sheets (:data:`SHEETS`): Summary (metrics with Excel IRR/NPV checks, lender checks, ITC
    explanation), Assumptions (with sources), one sheet per pro forma section with project
    years 0..N as columns (Revenue, Opex, Capex, Tax & ITC, Debt, Cash flow), year-1 monthly
    dispatch revenue and lifetime dispatch by year. Totals are formulas with cached values.

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
    pf = result.pro_forma
    wb = xlsxwriter.Workbook(str(out))
    wb.set_properties({"title": f"{result.deal.name} pro forma", "author": "bessfin"})
    book = _Book(wb=wb, pf=pf)
    for name in SHEETS:
        wb.add_worksheet(name)
    groups: dict[str, list[str]] = {s: [] for s in SHEETS}
    for line in pf.annual.index:
        groups[home_sheet(line)].append(line)
    titles = {"Revenue": "revenue by line", "Opex": "operating costs (negative)",
              "Capex": "capital costs (negative)", "Tax & ITC": "income tax and the ITC",
              "Debt": "senior debt", "Cash flow": "cash flow"}
    for sheet in ("Revenue", "Opex", "Capex", "Debt", "Tax & ITC"):
        ws = wb.get_worksheet_by_name(sheet)
        _year_header(book, ws, f"{result.deal.name}: {titles[sheet]}",
                     "project year 0 = COD; signed as the owner sees it (inflows +); $ unless "
                     "marked")
    # value rows first so that formulas on later sheets can point at them
    for sheet in ("Revenue", "Opex", "Capex", "Tax & ITC"):
        _section_sheet(book, sheet, groups[sheet], titles[sheet])
    ws = wb.get_worksheet_by_name("Cash flow")
    _year_header(book, ws, f"{result.deal.name}: cash flow", "EBITDA, CFADS, equity and "
                 "unlevered cash flows; linked lines come from their section sheets")
    # CFADS (on Cash flow) is needed by Debt's formulas and debt lines by Cash flow: write the
    # debt values first, then the cash flow sheet, then the debt sheet's derived lines.
    debt_lines = groups["Debt"]
    debt_ws = wb.get_worksheet_by_name("Debt")
    row = HEADER_ROW + 1
    for n in [n for n in debt_lines if n not in RULES and not n.startswith("memo:")]:
        _write_values(book, debt_ws, "Debt", row, n)
        row += 1
    derived_rows = {}
    for n in [n for n in debt_lines if n in RULES]:
        derived_rows[n] = row
        book.where.setdefault(n, ("Debt", row))
        book.local[("Debt", n)] = row
        row += 1
    _cash_flow_sheet(book, groups["Cash flow"])
    for n, r in derived_rows.items():
        _write_formula_row(book, debt_ws, "Debt", r, n)
    row += 1
    debt_ws.write(row, 0, "memo (not cash)", book.fmt("text", "note"))
    row += 1
    for n in [n for n in debt_lines if n.startswith("memo:")]:
        _write_values(book, debt_ws, "Debt", row, n)
        row += 1
    tax_ws = wb.get_worksheet_by_name("Tax & ITC")
    row = max(r for (s, _), r in book.local.items() if s == "Tax & ITC") + 2
    tax_ws.write(row, 0, "ITC rate", tax_ws and book.fmt("text", "bold"))
    tax_ws.write_number(row, 2, pf.itc.rate, book.fmt("pct"))
    for i, line in enumerate(pf.itc.explain().splitlines()):
        tax_ws.write(row + 1 + i, 0, line, book.fmt("text", "note"))
    _summary_sheet(book, result)
    _assumptions_sheet(book, result)
    _monthly_sheet(book, result)
    _annual_dispatch_sheet(book, result)
    wb.close()
    return out
