"""The non-pro-forma sheets: Summary (metrics with Excel IRR/NPV checks, lender checks, ITC),
Assumptions (with sources) and the dispatch sheets (year-1 monthly, lifetime annual)."""

from __future__ import annotations

import math

import pandas as pd
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from bessfin.deal import DealResult
from bessfin.finance import lines as L
from bessfin.report import assumptions as asm
from bessfin.report import data
from bessfin.report.excel.formats import FIRST_ROW, FIRST_YEAR_COL, HEADER_ROW, Book, cell_value
from bessfin.report.excel.proforma_sheets import year_header

#: Metrics the Summary sheet computes live, as formulas of the year sheets (see
#: :func:`metric_formula`).
LIVE_METRICS: tuple[str, ...] = (
    "project_irr_pre_tax", "project_irr_after_tax", "equity_irr_after_tax",
    "project_npv_pre_tax_usd", "project_npv_after_tax_usd", "equity_npv_after_tax_usd",
    "debt_usd", "gearing", "min_dscr", "avg_dscr", "llcr", "capex_usd", "lcos_usd_per_mwh",
    "lcos_with_credits_usd_per_mwh", "year1_revenue_usd", "itc_rate",
)


def span(book: Book, key: str, first: int = 0) -> str:
    """Row ``key`` over project years ``first``..N, absolute and sheet-qualified."""
    home, row = book.where[key]
    n = len(book.pf.annual.columns) - 1
    a = xl_rowcol_to_cell(row, FIRST_YEAR_COL + first, True, True)
    b = xl_rowcol_to_cell(row, FIRST_YEAR_COL + n, True, True)
    return f"{quote_sheetname(home)}!{a}:{b}"


def _cell(book: Book, key: str, year: int) -> str:
    home, row = book.where[key]
    return f"{quote_sheetname(home)}!{xl_rowcol_to_cell(row, FIRST_YEAR_COL + year, True, True)}"


def _pv(book: Book, rate: str, key: str) -> str:
    """Present value with year 0 undiscounted (bessfin's convention): ``y0 + NPV(r, y1..yN)``."""
    return f"({_cell(book, key, 0)}+NPV({rate},{span(book, key, 1)}))"


def metric_formula(book: Book, name: str, guess: float) -> str | None:
    """The Excel formula of a live metric (None for one computed only by bessfin).

    IRRs are ``IRR()`` over years 0..N with bessfin's value as the starting guess (Excel
    returns one root; bessfin returns the root closest to zero). NPVs keep year 0
    undiscounted: ``CF_0 + NPV(rate, CF_1..CF_N)``.
    """
    g = guess if math.isfinite(guess) else 0.1
    irr = {"project_irr_pre_tax": L.UNLEVERED_PRE_TAX,
           "project_irr_after_tax": L.UNLEVERED_AFTER_TAX,
           "equity_irr_after_tax": L.EQUITY}
    npv = {"project_npv_pre_tax_usd": L.UNLEVERED_PRE_TAX,
           "project_npv_after_tax_usd": L.UNLEVERED_AFTER_TAX,
           "equity_npv_after_tax_usd": L.EQUITY}
    cost = (f"(-{_cell(book, L.CAPEX_TOTAL, 0)}-NPV(discount_rate,{span(book, L.CAPEX_TOTAL, 1)})"
            f"-{_cell(book, L.OPEX_TOTAL, 0)}-NPV(discount_rate,{span(book, L.OPEX_TOTAL, 1)}))")
    mwh = _pv(book, "discount_rate", "memo: discharged MWh")
    dscr = span(book, L.DSCR, 1)
    loan_life = span(book, "work: CFADS over the loan life", 1)
    simple = {
        "debt_usd": "debt_amount_usd",
        "gearing": "IF(initial_capex_usd>0,debt_amount_usd/initial_capex_usd,\"\")",
        "min_dscr": f'IF(debt_amount_usd>0,MIN({dscr}),"")',
        "avg_dscr": f'IF(debt_amount_usd>0,AVERAGE({dscr}),"")',
        "llcr": (f"IF(debt_amount_usd>0,NPV(debt_rate,{loan_life})"
                 '/debt_amount_usd,"")'),
        "capex_usd": "initial_capex_usd",
        "lcos_usd_per_mwh": f'IF({mwh}>0,{cost}/{mwh},"")',
        "lcos_with_credits_usd_per_mwh": (
            f'IF({mwh}>0,({cost}-{_pv(book, "discount_rate", "unlevered ITC")})/{mwh},"")'),
        "year1_revenue_usd": _cell(book, L.REVENUE_TOTAL, 1),
        "itc_rate": "itc_rate",
    }
    if name in irr:
        return f"=IRR({span(book, irr[name])},{g:.6f})"
    if name in npv:
        return f"={_pv(book, 'discount_rate', npv[name])}"
    return "=" + simple[name] if name in simple else None


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
    verdict = (f"Investment view: {result.investment.headline}   |   "
               f"Lender view: {result.lender.headline}")
    ws.write(2, 0, verdict, book.fmt("text", "bold"))
    ws.write_string(3, 0, "Live metrics: column D is computed by the workbook's formulas from the "
                    "Inputs sheet; column C is bessfin's run (they agree until an input is "
                    "changed).", book.fmt("text", "note"))
    ws.write_string(4, 0, "Discount rate", book.fmt("text", "bold"))
    ws.write_formula(4, 2, "=discount_rate", book.fmt("pct"), m.discount_rate)
    row = 6
    for j, h in enumerate(("group", "metric", "bessfin value", "model (live formula)", "note")):
        ws.write_string(row, j, h, book.fmt("text", "head"))
    row += 1
    for metric in data.key_metrics(result):
        ws.write_string(row, 0, metric.group)
        ws.write_string(row, 1, metric.label)
        x = metric.value if isinstance(metric.value, str) else cell_value(metric.value)  # type: ignore[arg-type]
        fmt = book.fmt(metric.kind)
        if x is None:
            ws.write_string(row, 2, "n/a")
        elif isinstance(x, str):
            ws.write_string(row, 2, x)
        else:
            ws.write_number(row, 2, x, fmt)
        formula = (metric_formula(book, metric.name, x if isinstance(x, float) else math.nan)
                   if metric.name in LIVE_METRICS else None)
        if formula is not None:
            ws.write_formula(row, 3, formula, fmt, "" if x is None else x)
        ws.write_string(row, 4, metric.note, book.fmt("text", "note"))
        row += 1
    row += 1
    ws.write_string(row, 0, "ITC", book.fmt("text", "bold"))
    for line in result.pro_forma.itc.explain().splitlines():
        ws.write_string(row, 1, line)
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


def dispatch_rows(result: DealResult) -> dict[str, int]:
    """Row of each lifetime dispatch column on the 'Dispatch (annual)' sheet."""
    return {str(c): FIRST_ROW + i for i, c in enumerate(result.lifetime.annual.columns)}


def lp_source(result: DealResult) -> str:
    """Where the dispatch lines come from: prices, foresight and award limits."""
    m = result.deal.market
    limits = m.as_limits if isinstance(m.as_limits, str) else "custom"
    return (f"LP outputs (bessfin dispatch, HiGHS), values: {m.price_source()} "
            f"({m.price_path} of price years), escalated {m.escalation:.1%}/yr; foresight "
            f"{m.foresight} ({result.lifetime.first_year.horizon.label}); "
            f"ancillary-service award limits {limits}; dispatch mode {result.lifetime.mode}"
            + ("; day-ahead + real-time settlement (RT re-dispatch: "
               f"{m.rt_foresight})" if m.settlement == "da+rt" else ""))


def annual_dispatch_sheet(book: Book, result: DealResult) -> None:
    ws = book.wb.get_worksheet_by_name("Dispatch (annual)")
    year_header(book, ws, f"{result.deal.name}: lifetime dispatch by operating year",
                lp_source(result) + ". Revenue streams at full plant capacity before "
                "contracts [$]; year 0 empty.")
    annual = result.lifetime.annual
    units = {"price_years": "scenarios", "energy_price_scale": "x", "as_price_scale": "x",
             "capacity_factor": "fraction",
             "augmentation_mwh": "MWh", "discharged_mwh": "MWh", "cycles": "cycles"}
    rows = dispatch_rows(result)
    for col in annual.columns:
        row = rows[str(col)]
        kind = ("number" if col in ("price_years", "energy_price_scale", "as_price_scale",
                                    "capacity_factor", "cycles")
                else "mwh" if "mwh" in col else "usd")
        ws.write_string(row, 0, str(col), book.fmt("text", "lp"))
        ws.write_string(row, 1, f"{units.get(col, '$')} (LP)", book.fmt("text", "lp"))
        for y, v in annual[col].items():
            ws.write_number(row, FIRST_YEAR_COL + int(y), float(v), book.fmt(kind, "lp"))
    note = max(rows.values()) + 2
    ws.write_string(note, 0, "These rows are values: the dispatch LP's results. The pro forma "
                    "sheets read the revenue streams, discharged MWh and augmentation MWh from "
                    "here; re-run bessfin to change them.", book.fmt("text", "note"))


def sources_uses_sheet(book: Book, result: DealResult) -> None:
    """Sources and uses of funds at COD (year 0), as formulas of the year sheets."""
    ws = book.wb.get_worksheet_by_name("Sources and uses")
    ws.set_column(0, 0, 40)
    ws.set_column(1, 2, 18)
    ws.set_column(3, 3, 70)
    ws.write_string(0, 0, f"{result.deal.name}: sources and uses at COD (year 0)",
                    book.fmt("text", "title"))
    ws.write_string(1, 0, "Formulas of the Capex and Debt sheets; the ITC is realised in "
                    "project year itc_year, not at COD, so it is not a construction source.",
                    book.fmt("text", "note"))
    pf = book.pf
    fmt, pct = book.fmt("usd"), book.fmt("pct")
    row = 3
    for j, h in enumerate(("uses", "$", "share", "")):
        ws.write_string(row, j, h, book.fmt("text", "head"))
    row += 1
    first = row
    capex0 = float(-pf.annual.loc[L.CAPEX_TOTAL, 0])
    fee = float(-pf.annual.loc[L.DEBT_FEE, 0])
    total = capex0 + fee
    for line in [*L.section_lines(pf.annual.index, "capex"), L.DEBT_FEE]:
        if line == "capex: augmentation (capitalised)":
            continue
        ws.write_string(row, 0, L.short_label(line) if line != L.DEBT_FEE else "upfront debt fee")
        v = float(-pf.annual.loc[line, 0])
        ws.write_formula(row, 1, f"=-{_cell(book, line, 0)}", fmt, v)
        row += 1
    uses_total = row
    ws.write_string(row, 0, "total uses", book.fmt("text", "bold", "top"))
    ws.write_formula(row, 1, f"=SUM(B{first + 1}:B{row})", book.fmt("usd", "bold", "top"), total)
    row += 2
    for j, h in enumerate(("sources", "$", "share", "")):
        ws.write_string(row, j, h, book.fmt("text", "head"))
    row += 1
    s_first = row
    debt = pf.metrics.debt_usd
    ws.write_string(row, 0, "senior debt")
    ws.write_formula(row, 1, "=debt_amount_usd", fmt, debt)
    ws.write_string(row, 3, "Debt sheet: sized live from the Inputs", book.fmt("text", "note"))
    row += 1
    ws.write_string(row, 0, "sponsor equity")
    ws.write_formula(row, 1, f"=B{uses_total + 1}-B{s_first + 1}", fmt, total - debt)
    ws.write_string(row, 3, "total uses less debt", book.fmt("text", "note"))
    row += 1
    ws.write_string(row, 0, "total sources", book.fmt("text", "bold", "top"))
    ws.write_formula(row, 1, f"=SUM(B{s_first + 1}:B{row})", book.fmt("usd", "bold", "top"),
                     total)
    s_total = row
    for r in range(s_first, s_total):
        ws.write_formula(r, 2, f"=IF($B${s_total + 1}=0,0,B{r + 1}/$B${s_total + 1})", pct,
                         (debt if r == s_first else total - debt) / total if total else 0.0)
    for r in range(first, uses_total):
        ws.write_formula(r, 2, f"=IF($B${uses_total + 1}=0,0,B{r + 1}/$B${uses_total + 1})",
                         pct, float(-pf.annual.loc[_uses_line(pf, r - first), 0]) / total
                         if total else 0.0)
    row += 2
    ws.write_string(row, 0, "check: equity + cash flow to equity (pre-tax), year 0",
                    book.fmt("text", "note"))
    ws.write_formula(row, 1, f"=B{s_first + 2}+{_cell(book, L.EQUITY_PRE_TAX, 0)}", fmt, 0.0)
    ws.write_string(row, 3, "0 when the table and the cash flow sheet agree",
                    book.fmt("text", "note"))


def _uses_line(pf, i: int) -> str:
    lines = [n for n in L.section_lines(pf.annual.index, "capex")
             if n != "capex: augmentation (capitalised)"] + [L.DEBT_FEE]
    return lines[i]
