"""Write a deal run's workbook: create the sheets, then fill them in dependency order."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from bessfin.deal import DealResult
from bessfin.report.excel.formats import Book
from bessfin.report.excel.inputs_sheet import inputs_sheet, model_inputs
from bessfin.report.excel.live import Model
from bessfin.report.excel.proforma_sheets import pro_forma_sheets
from bessfin.report.excel.sheets import (
    annual_dispatch_sheet,
    assumptions_sheet,
    dispatch_rows,
    monthly_sheet,
    sources_uses_sheet,
    summary_sheet,
)

#: Sheet names in order.
SHEETS: tuple[str, ...] = (
    "Summary", "Inputs", "Sources and uses", "Assumptions", "Revenue", "Opex", "Capex",
    "Tax & ITC", "Depreciation", "Debt", "Cash flow", "Dispatch (year 1 monthly)",
    "Dispatch (annual)",
)


def _check_augmentation(result: DealResult) -> None:
    """The workbook prices augmentation as ``aug_usd_per_kwh`` x the LP's MWh added; refuse a
    run whose augmentation costs that formula cannot reproduce."""
    price = result.deal.augmentation.usd_per_kwh
    want = result.pro_forma.inputs.augmentation.by_year()
    mwh = result.lifetime.augmentation_mwh()
    got = {y: price * v * 1000.0 for y, v in mwh.items()}
    if set(want) != set(got) or any(abs(want[y] - got[y]) > 1e-6 * max(1.0, want[y])
                                    for y in want):
        raise ValueError("write_excel: augmentation costs are not deal augmentation.usd_per_kwh "
                         "x the dispatch's MWh added; the live workbook cannot express them")


def _inputs(result: DealResult):
    _check_augmentation(result)
    deal, pf = result.deal, result.pro_forma
    supply = result.supply
    dc_source = (f"supply option {supply.option}: landed DC block price "
                 f"(Assumptions sheet, duty layers)" if supply is not None else "")
    if deal.capex.multiplier != 1.0:
        dc_source += f"; every capex line x capex.multiplier {deal.capex.multiplier:g}"
    first = pf.itc.explain().splitlines()[0] if pf.itc.explain() else ""
    cod = deal.project.cod
    cod_year, cod_source = ((cod.year, "deal [project] cod") if cod is not None else
                            (deal.project.boc_date.year, "deal sets no [project] cod: the "
                             "BOC year is shown; set cod_year for calendar headers"))
    lender = deal.lender.min_dscr if getattr(deal, "lender", None) is not None else None
    return model_inputs(
        pf.inputs, itc_rate=pf.itc.rate,
        itc_source=f"bessfin §48E rules (value, not a formula): {first}",
        dc_source=dc_source, aug_price=deal.augmentation.usd_per_kwh, cod_year=cod_year,
        cod_source=cod_source, discount_rate=pf.metrics.discount_rate, lender_min_dscr=lender)


def write_excel(result: DealResult, path: str | Path) -> Path:
    """Write a deal run as a live Excel model.

    Sheets (:data:`SHEETS`): Summary (bessfin's metrics beside the workbook's live metric
    formulas, lender checks, ITC explanation), Inputs (every finance input as a named cell with
    unit and source), Sources and uses, Assumptions (with sources), one sheet per pro forma
    section with project years 0..N and calendar years as columns (Revenue, Opex, Capex,
    Tax & ITC, Depreciation, Debt, Cash flow; every cell a formula of the Inputs and of the
    dispatch lines), year-1 monthly dispatch revenue and the lifetime dispatch by year (LP
    outputs, values). Formulas carry bessfin's numbers as cached values.

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
    inputs_sheet(book, result.deal.name, _inputs(result))
    table = result.lifetime.revenue_table()
    streams = [str(c) for c in table.columns if c != "discharged_mwh"]
    model = Model(book, dispatch_rows(result), streams,
                  table[streams].sum(axis=1).to_numpy() if streams else
                  [0.0] * len(table))
    pro_forma_sheets(book, model, result.deal.name)
    summary_sheet(book, result)
    sources_uses_sheet(book, result)
    assumptions_sheet(book, result)
    monthly_sheet(book, result)
    annual_dispatch_sheet(book, result)
    wb.close()
    return out
