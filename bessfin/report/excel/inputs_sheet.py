"""The Inputs sheet: every finance input of the live model as a named cell, with unit and source.

Each input is one row (label, value, unit, Excel name, source note). The value cell is a
workbook-level named range (``tax_federal_rate`` ...) that the pro forma formulas use, so an
analyst changes a value here and the whole model recalculates. Text inputs (loss treatment,
ITC monetisation, repayment, sizing) are written as strings with a drop-down list. The MACRS
tables (IRS Publication 946 Table A-1) follow, with the row of the selected class.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import xl_rowcol_to_cell

from bessfin.finance import FinanceInputs
from bessfin.finance.depreciation import ITC_BASIS_REDUCTION, MACRS_HALF_YEAR
from bessfin.finance.inputs import (
    CapacityContractInputs,
    CapexInputs,
    DebtInputs,
    FloorInputs,
    OpexInputs,
    TaxInputs,
    TollInputs,
)
from bessfin.report.excel.formats import Book

#: Recovery years of the longest MACRS table (20-year class: 21 half-year entries).
MACRS_YEARS = max(len(v) for v in MACRS_HALF_YEAR.values())

#: Drop-down choices of text inputs.
CHOICES: dict[str, tuple[str, ...]] = {
    "tax_loss_treatment": ("carry_forward", "used_as_arise"),
    "itc_monetisation": ("transfer", "direct"),
    "aug_treatment": ("capitalise", "expense"),
    "debt_repayment": ("sculpted", "annuity"),
    "debt_sizing": ("lesser_of", "dscr", "gearing"),
}


@dataclass(frozen=True)
class Input:
    """One named input: Excel name, label, value, unit, display kind and source note."""

    name: str
    label: str
    value: float | str
    unit: str
    kind: str
    source: str


def _doc(model: type, field: str) -> str:
    return model.model_fields[field].description or ""


def _flag(x: bool) -> int:
    return 1 if x else 0


def _capex(inputs: FinanceInputs, dc_source: str) -> list[Input]:
    c = inputs.capex
    rows = [
        Input("capex_dc_block_usd_per_kwh", "cells / DC block", c.dc_block_usd_per_kwh, "$/kWh",
              "number", dc_source or _doc(CapexInputs, "dc_block_usd_per_kwh")),
        Input("capex_pcs_usd_per_kw", "PCS", c.pcs_usd_per_kw, "$/kW", "number",
              _doc(CapexInputs, "pcs_usd_per_kw")),
        Input("capex_bos_usd_per_kwh", "BOS", c.bos_usd_per_kwh, "$/kWh", "number",
              _doc(CapexInputs, "bos_usd_per_kwh")),
        Input("capex_epc_usd_per_kwh", "EPC", c.epc_usd_per_kwh, "$/kWh", "number",
              _doc(CapexInputs, "epc_usd_per_kwh")),
        Input("capex_interconnection_usd_per_kw", "interconnection",
              c.interconnection_usd_per_kw, "$/kW", "number",
              _doc(CapexInputs, "interconnection_usd_per_kw")),
        Input("capex_development_usd", "development", c.development_usd, "$", "usd",
              _doc(CapexInputs, "development_usd")),
    ]
    for key in ("dc_block", "pcs", "bos", "epc", "interconnection", "development"):
        rows.append(Input(f"itc_eligible_{key}", f"{key} in the ITC basis (1 = yes)",
                          _flag(key in c.itc_eligible), "1/0", "number",
                          _doc(CapexInputs, "itc_eligible")))
    return rows


def _itc_tax(inputs: FinanceInputs, itc_rate: float, itc_source: str) -> list[Input]:
    t = inputs.tax
    return [
        Input("itc_rate", "ITC rate", itc_rate, "fraction", "pct", itc_source),
        Input("itc_basis_reduction", "ITC basis reduction (share of the credit)",
              ITC_BASIS_REDUCTION, "fraction", "pct",
              "IRC §50(c)(3): basis reduced by half the credit (policy_facts row 1.22)"),
        Input("itc_year", "project year the initial ITC is realised", t.itc_year, "year",
              "number", _doc(TaxInputs, "itc_year")),
        Input("itc_monetisation", "ITC monetisation", t.itc_monetisation, "text", "text",
              _doc(TaxInputs, "itc_monetisation")),
        Input("itc_transfer_price", "ITC transfer price", t.transfer_price, "$/$", "number",
              _doc(TaxInputs, "transfer_price")),
        Input("tax_federal_rate", "federal income tax rate", t.federal_rate, "fraction", "pct",
              _doc(TaxInputs, "federal_rate")),
        Input("tax_state_rate", "state income tax rate", t.state_rate, "fraction", "pct",
              _doc(TaxInputs, "state_rate")),
        Input("tax_loss_treatment", "tax losses", t.loss_treatment, "text", "text",
              _doc(TaxInputs, "loss_treatment")),
        Input("macrs_class", "MACRS class", t.macrs_class, "years", "number",
              _doc(TaxInputs, "macrs_class")),
        Input("bonus_depreciation", "bonus depreciation", t.bonus_depreciation, "fraction",
              "pct", _doc(TaxInputs, "bonus_depreciation")),
        Input("write_off_remaining", "write off remaining basis in the last year (1 = yes)",
              _flag(t.write_off_remaining), "1/0", "number",
              _doc(TaxInputs, "write_off_remaining")),
    ]


def _opex(inputs: FinanceInputs, aug_price: float) -> list[Input]:
    o, a = inputs.opex, inputs.augmentation
    return [
        Input("opex_fixed_om_usd_per_kw_yr", "fixed O&M", o.fixed_om_usd_per_kw_yr, "$/kW-yr",
              "number", _doc(OpexInputs, "fixed_om_usd_per_kw_yr")),
        Input("opex_variable_om_usd_per_mwh", "variable O&M", o.variable_om_usd_per_mwh,
              "$/MWh", "number", _doc(OpexInputs, "variable_om_usd_per_mwh")),
        Input("opex_property_tax_pct_capex", "property tax", o.property_tax_pct_capex,
              "fraction of capex / yr", "pct", _doc(OpexInputs, "property_tax_pct_capex")),
        Input("opex_insurance_pct_capex", "insurance", o.insurance_pct_capex,
              "fraction of capex / yr", "pct", _doc(OpexInputs, "insurance_pct_capex")),
        Input("opex_land_lease_usd_per_yr", "land lease", o.land_lease_usd_per_yr, "$/yr",
              "usd", _doc(OpexInputs, "land_lease_usd_per_yr")),
        Input("opex_escalation", "opex escalation (from year 1)", o.escalation, "fraction / yr",
              "pct", _doc(OpexInputs, "escalation")),
        Input("aug_usd_per_kwh", "augmentation price", aug_price, "$/kWh", "number",
              "deal [augmentation] usd_per_kwh; MWh added by year are LP outputs "
              "(Dispatch (annual))"),
        Input("aug_treatment", "augmentation treatment", a.treatment, "text", "text",
              "capitalise: below EBITDA, depreciated from its year; expense: an opex line"),
        Input("aug_itc_eligible", "capitalised augmentation earns the ITC (1 = yes)",
              _flag(a.itc_eligible), "1/0", "number",
              "bessfin default: no (augmentation placed in service later may not qualify)"),
    ]


def _term(prefix: str, c: TollInputs | CapacityContractInputs | FloorInputs | None,
          model: type) -> list[Input]:
    none = " (no such contract in this deal: 0)" if c is None else ""
    return [
        Input(f"{prefix}_escalation", f"{prefix} escalation", c.escalation if c else 0.0,
              "fraction / yr", "pct", _doc(model, "escalation") + none),
        Input(f"{prefix}_start_year", f"{prefix} first operating year",
              c.start_year if c else 1, "year", "number", _doc(model, "start_year") + none),
        Input(f"{prefix}_tenor_years", f"{prefix} tenor", c.tenor_years if c else 0, "years",
              "number", _doc(model, "tenor_years") + none),
    ]


def _contracts(inputs: FinanceInputs) -> list[Input]:
    k = inputs.contracts
    t, c, f = k.toll, k.capacity, k.floor
    none = " (no such contract in this deal: 0)"
    return [
        Input("toll_share", "tolled share of power", t.share if t else 0.0, "fraction", "pct",
              _doc(TollInputs, "share") + ("" if t else none)),
        Input("toll_price_usd_per_kw_month", "toll price", t.price_usd_per_kw_month if t else 0.0,
              "$/kW-month", "number",
              _doc(TollInputs, "price_usd_per_kw_month") + ("" if t else none)),
        *_term("toll", t, TollInputs),
        Input("ra_contracted_mw", "RA / capacity contracted", c.contracted_mw if c else 0.0,
              "MW", "number", _doc(CapacityContractInputs, "contracted_mw") + ("" if c else none)),
        Input("ra_price_usd_per_kw_month", "RA / capacity price",
              c.price_usd_per_kw_month if c else 0.0, "$/kW-month", "number",
              _doc(CapacityContractInputs, "price_usd_per_kw_month") + ("" if c else none)),
        *_term("ra", c, CapacityContractInputs),
        Input("floor_share", "floor: covered share of power", f.share if f else 0.0, "fraction",
              "pct", _doc(FloorInputs, "share") + ("" if f else none)),
        Input("floor_usd_per_kw_month", "floor level", f.floor_usd_per_kw_month if f else 0.0,
              "$/kW-month", "number",
              _doc(FloorInputs, "floor_usd_per_kw_month") + ("" if f else none)),
        Input("floor_upside_share", "floor: upside paid to provider",
              f.upside_share if f else 0.0, "fraction", "pct",
              _doc(FloorInputs, "upside_share") + ("" if f else none)),
        *_term("floor", f, FloorInputs),
    ]


def _debt(inputs: FinanceInputs, lender_min_dscr: float | None) -> list[Input]:
    d = inputs.debt
    on = d is not None
    # Without debt the terms are neutral placeholders (debt_on = 0 switches the loan off).
    d = d or DebtInputs(rate=0.0, tenor_years=1, max_gearing=0.0)
    ph = "" if on else " (placeholder: the deal has no debt; set debt_on = 1 to add it)"
    return [
        Input("debt_on", "senior debt (1 = yes)", _flag(on), "1/0", "number",
              "deal [debt] section present"),
        Input("debt_rate", "interest rate", d.rate, "fraction / yr", "pct",
              _doc(DebtInputs, "rate") + ph),
        Input("debt_tenor_years", "tenor", d.tenor_years, "years", "number",
              _doc(DebtInputs, "tenor_years") + ph),
        Input("debt_upfront_fee_pct", "upfront fee", d.upfront_fee_pct, "fraction of debt",
              "pct", _doc(DebtInputs, "upfront_fee_pct") + " Paid by equity at COD (not "
              "financed); amortised for tax over the tenor." + ph),
        Input("debt_repayment", "repayment profile", d.repayment, "text", "text",
              _doc(DebtInputs, "repayment") + ph),
        Input("debt_sizing", "sizing test", d.sizing, "text", "text",
              _doc(DebtInputs, "sizing") + ph),
        Input("dscr_contracted", "target DSCR, contracted CFADS", d.dscr_contracted, "x",
              "ratio", _doc(DebtInputs, "dscr_contracted") + ph),
        Input("dscr_merchant", "target DSCR, merchant CFADS", d.dscr_merchant, "x", "ratio",
              _doc(DebtInputs, "dscr_merchant") + ph),
        Input("debt_max_gearing", "maximum gearing (debt / initial capex)", d.max_gearing,
              "fraction", "pct", _doc(DebtInputs, "max_gearing") + ph),
        Input("debt_merchant_haircut", "merchant revenue counted for sizing",
              d.merchant_haircut, "fraction", "pct", _doc(DebtInputs, "merchant_haircut") + ph),
        Input("lender_min_dscr", "lender minimum DSCR (check only)",
              lender_min_dscr if lender_min_dscr is not None else 0.0, "x", "ratio",
              "deal [lender] min_dscr" if lender_min_dscr is not None
              else "deal sets no [lender] min_dscr: 0"),
    ]


def model_inputs(inputs: FinanceInputs, *, itc_rate: float, itc_source: str, dc_source: str,
                 aug_price: float, cod_year: int, cod_source: str, discount_rate: float,
                 lender_min_dscr: float | None) -> list[tuple[str, list[Input]]]:
    """The inputs of the live model, in groups (heading, rows)."""
    return [
        ("Project", [
            Input("power_mw", "rated power", inputs.power_mw, "MW", "number",
                  "deal [battery] power_mw"),
            Input("energy_mwh", "rated energy", inputs.energy_mwh, "MWh", "number",
                  "deal [battery] energy_mwh"),
            Input("cod_year", "calendar year of project year 0 (COD)", cod_year, "year", "year",
                  cod_source),
        ]),
        ("Capex (spent at COD, year 0)", _capex(inputs, dc_source)),
        ("ITC, tax and depreciation", _itc_tax(inputs, itc_rate, itc_source)),
        ("Opex and augmentation", _opex(inputs, aug_price)),
        ("Contracts", _contracts(inputs)),
        ("Senior debt", _debt(inputs, lender_min_dscr)),
        ("Discounting", [
            Input("discount_rate", "discount (hurdle) rate for NPVs", discount_rate,
                  "fraction / yr", "pct", "deal [finance] discount_rate (user assumption); "
                  "year 0 undiscounted"),
        ]),
    ]


def inputs_sheet(book: Book, title: str, groups: list[tuple[str, list[Input]]]) -> None:
    """Write the Inputs sheet and define one workbook name per input and the MACRS ranges."""
    wb = book.wb
    ws = wb.get_worksheet_by_name("Inputs")
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 20)
    ws.set_column(3, 3, 32)
    ws.set_column(4, 4, 100)
    ws.write_string(0, 0, f"{title}: model inputs", book.fmt("text", "title"))
    ws.write_string(1, 0, "Change a value in column B and every pro forma line, tax, the debt "
                    "and the metrics recalculate. Dispatch revenue (LP outputs) stays as values "
                    "on 'Dispatch (annual)'.", book.fmt("text", "note"))
    row = 3
    for j, h in enumerate(("input", "value", "unit", "Excel name", "source / note")):
        ws.write_string(row, j, h, book.fmt("text", "head"))
    row += 1
    inp = book.fmt("input")
    for heading, rows in groups:
        ws.write_string(row, 0, heading, book.fmt("text", "bold"))
        row += 1
        for i in rows:
            ws.write_string(row, 0, i.label)
            if isinstance(i.value, str):
                ws.write_string(row, 1, i.value, book.fmt("text", "input"))
                ws.data_validation(row, 1, row, 1, {"validate": "list",
                                                    "source": list(CHOICES[i.name])})
            else:
                ws.write_number(row, 1, float(i.value), book.fmt(i.kind, "input") if i.kind
                                != "text" else inp)
            ws.write_string(row, 2, i.unit)
            ws.write_string(row, 3, i.name, book.fmt("text", "note"))
            ws.write_string(row, 4, i.source, book.fmt("text", "note"))
            wb.define_name(i.name, f"=Inputs!{xl_rowcol_to_cell(row, 1, True, True)}")
            book.names[i.name] = i.value
            row += 1
        row += 1
    _macrs(book, ws, row)


def _macrs(book: Book, ws, row: int) -> None:
    """The MACRS half-year tables, the selected class's row and its running total."""
    ws.write_string(row, 0, "MACRS half-year tables (IRS Publication 946, Table A-1)",
                    book.fmt("text", "bold"))
    row += 1
    ws.write_string(row, 0, "class [years] \\ recovery year", book.fmt("text", "head"))
    for k in range(MACRS_YEARS):
        ws.write_number(row, 1 + k, k + 1, book.fmt("year", "head"))
    row += 1
    first = row
    for cls, pcts in MACRS_HALF_YEAR.items():
        ws.write_number(row, 0, cls, book.fmt("year"))
        for k in range(MACRS_YEARS):
            ws.write_number(row, 1 + k, pcts[k] if k < len(pcts) else 0.0, book.fmt("pct4"))
        row += 1
    last = row - 1
    end = 1 + MACRS_YEARS - 1

    def rng(r0: int, c0: int, r1: int, c1: int) -> str:
        return (f"=Inputs!{xl_rowcol_to_cell(r0, c0, True, True)}:"
                f"{xl_rowcol_to_cell(r1, c1, True, True)}")

    book.wb.define_name("macrs_classes", rng(first, 0, last, 0))
    book.wb.define_name("macrs_table", rng(first, 1, last, end))
    sel = book.fmt("pct4", "bold")
    ws.write_string(row, 0, "selected class (macrs_class)", book.fmt("text", "bold"))
    chosen = MACRS_HALF_YEAR[int(book.names["macrs_class"])]  # type: ignore[arg-type]
    for k in range(MACRS_YEARS):
        ws.write_formula(row, 1 + k, f"=INDEX(macrs_table,MATCH(macrs_class,macrs_classes,0),"
                         f"{k + 1})", sel, chosen[k] if k < len(chosen) else 0.0)
    book.wb.define_name("macrs_selected", rng(row, 1, row, end))
    row += 1
    ws.write_string(row, 0, "selected class, cumulative", book.fmt("text", "note"))
    total = 0.0
    for k in range(MACRS_YEARS):
        total += chosen[k] if k < len(chosen) else 0.0
        a = xl_rowcol_to_cell(row - 1, 1)
        b = xl_rowcol_to_cell(row - 1, 1 + k)
        ws.write_formula(row, 1 + k, f"=SUM({a}:{b})", book.fmt("pct4"), total)
    book.wb.define_name("macrs_cumulative", rng(row, 1, row, end))
