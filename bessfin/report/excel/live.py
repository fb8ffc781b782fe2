"""The live pro forma: every line an Excel formula of the Inputs sheet and the dispatch lines.

Rows are laid out first (every line and working row gets its sheet and row), then written, so a
formula may point at any row. Each formula carries a cached result: bessfin's own number for
pro forma lines, and for working rows the value of the same bessfin function (tax, debt,
depreciation), so a viewer that does not recalculate shows the model's numbers.

Year columns: column C is project year 0 (COD), then operating years 1..N; row 3 holds the
project year ``t`` that formulas read, row 4 the calendar year. Scalars (initial capex, debt
amount ...) are single cells in column C with a workbook name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from bessfin.finance import contracts as ctr
from bessfin.finance import lines as L
from bessfin.finance.costs import CAPEX_LABELS, capex_lines, opex_index
from bessfin.finance.debt import annuity_factor, blended_target_dscr
from bessfin.finance.depreciation import (
    ITC_BASIS_REDUCTION,
    depreciable_basis,
    depreciation_schedule,
)
from bessfin.finance.inputs import DebtInputs
from bessfin.finance.tax import income_tax, monetise_credit
from bessfin.report.excel.formats import (
    FIRST_YEAR_COL,
    HEADER_ROW,
    Book,
)
from bessfin.report.excel.inputs_sheet import MACRS_YEARS

DISPATCH = "Dispatch (annual)"
DEPRECIATION = "Depreciation"
USED = 'tax_loss_treatment="used_as_arise"'

#: Pro forma lines linked onto the cash flow sheet from their home sheets.
CASH_FLOW_LINKS: tuple[str, ...] = (
    L.REVENUE_TOTAL, L.OPEX_TOTAL, L.CAPEX_TOTAL, L.DEBT_DRAWDOWN, L.DEBT_FEE, L.DEBT_SERVICE,
    L.TAX_STATE, L.TAX_FEDERAL, L.ITC_TRANSFER, L.ITC_USED,
)

_UNIT_TEXT = {"$": "$", "x": "x", "fraction": "fraction", "MWh": "MWh"}


class Ctx:
    """Cell references for one year column of one sheet."""

    def __init__(self, book: Book, sheet: str, col: int, n: int) -> None:
        self.book, self.sheet, self.col, self.n = book, sheet, col, n
        self.year = col - FIRST_YEAR_COL
        self.t = f"{xl_col_to_name(col)}${HEADER_ROW + 1}"

    def __call__(self, key: str) -> str:
        """``key`` in this column."""
        return self.book.ref(self.sheet, key, self.col)

    def prev(self, key: str) -> str:
        """``key`` in the previous year, ``0`` in year 0."""
        return "0" if self.year == 0 else self.book.ref(self.sheet, key, self.col - 1)

    def at(self, key: str, year: int) -> str:
        """``key`` in project year ``year``, absolute."""
        home, row = self.book.where[key]
        cell = xl_rowcol_to_cell(row, FIRST_YEAR_COL + year, True, True)
        return cell if home == self.sheet else f"{quote_sheetname(home)}!{cell}"

    def span(self, key: str, first: int = 0) -> str:
        """``key`` over years ``first``..N, absolute."""
        home, row = self.book.where[key]
        a = xl_rowcol_to_cell(row, FIRST_YEAR_COL + first, True, True)
        b = xl_rowcol_to_cell(row, FIRST_YEAR_COL + self.n, True, True)
        return f"{quote_sheetname(home)}!{a}:{b}"


Fn = Callable[[Ctx], str]


@dataclass
class Row:
    """One row of a year sheet: a pro forma line or a working row.

    ``fn`` gives the formula body per year (None: a heading); ``scalar`` rows are one cell in
    column C named ``name``; ``cached`` holds the value written with each formula.
    """

    key: str
    unit: str = "$"
    kind: str = "usd"
    fn: Fn | None = None
    cached: np.ndarray | float | str | None = None
    style: tuple[str, ...] = ()
    scalar: bool = False
    name: str | None = None
    sum_block: tuple[str, ...] | None = None  # SUM over these (contiguous) rows


def _active(c: Ctx, p: str) -> str:
    return f"AND({c.t}>={p}_start_year,{c.t}<{p}_start_year+{p}_tenor_years,{c.t}>=1)"


def _index(c: Ctx, p: str) -> str:
    return f"(1+{p}_escalation)^({c.t}-{p}_start_year)"


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


class Model:
    """Builds the rows of every year sheet from a pro forma and its inputs."""

    def __init__(self, book: Book, dispatch_rows: dict[str, int], streams: list[str],
                 whole_plant: np.ndarray) -> None:
        self.book, self.pf = book, book.pf
        self.n = len(self.pf.annual.columns) - 1
        self.streams = streams
        self.whole_plant = np.concatenate([[0.0], _arr(whole_plant)])
        self.dispatch_rows = dispatch_rows
        for col, row in dispatch_rows.items():
            book.where[f"dispatch: {col}"] = (DISPATCH, row)
        self._values()

    # -- cached values from bessfin's own functions -----------------------------------------
    def _values(self) -> None:
        pf, inp, n = self.pf, self.pf.inputs, self.n
        a = pf.annual
        self.A = {k: a.loc[k].to_numpy(dtype=float) for k in a.index}
        years = np.arange(n + 1)
        self.years = years
        capex = capex_lines(inp.capex, inp.power_mw, inp.energy_mwh)
        self.initial_capex = sum(capex.values())
        self.eligible = sum(capex[k] for k in inp.capex.itc_eligible)
        self.itc_initial = pf.itc.rate * self.eligible
        self.basis0 = depreciable_basis(self.initial_capex, self.itc_initial)
        aug = -self.A["capex: augmentation (capitalised)"]
        aug_credit = pf.itc.rate * aug if inp.augmentation.itc_eligible else np.zeros(n + 1)
        basis = np.where(years >= 1, aug - ITC_BASIS_REDUCTION * aug_credit, 0.0)
        basis[1] += self.basis0
        self.basis = basis
        t = inp.tax
        self.vintages = [depreciation_schedule(basis[s], n, s, t.macrs_class,
                                               t.bonus_depreciation, t.write_off_remaining)
                         for s in range(1, n + 1)]
        d = inp.debt
        self.has_debt = d is not None
        self.d = d or DebtInputs(rate=0.0, tenor_years=1, max_gearing=0.0)
        fee = pf.debt.upfront_fee if pf.debt else 0.0
        self.fee_amort = np.where((years >= 1) & (years <= self.d.tenor_years),
                                  fee / self.d.tenor_years, 0.0)
        ti = self.A["memo: taxable income"]
        self.levered_tax = income_tax(ti, t.federal_rate, t.state_rate, t.loss_treatment)
        self.u_ti = self.A[L.EBITDA] - self.A["memo: tax depreciation"]
        self.u_tax = income_tax(self.u_ti, t.federal_rate, t.state_rate, t.loss_treatment)
        self.u_credit = monetise_credit(self.A["memo: ITC generated"], self.u_tax.federal_tax,
                                        t.itc_monetisation, t.transfer_price, t.loss_treatment)
        contracted, at_risk = self.A["memo: contracted revenue"], self.A[
            "memo: merchant revenue at risk"]
        h = self.d.merchant_haircut
        c, m = np.clip(contracted, 0, None), np.clip(h * at_risk, 0, None)
        self.share = np.divide(c, c + m, out=np.zeros(n + 1), where=(c + m) > 0)
        self.blended = blended_target_dscr(contracted, h * at_risk, self.d.dscr_contracted,
                                           self.d.dscr_merchant)
        self.in_tenor = ((years >= 1) & (years <= self.d.tenor_years)).astype(float)
        sizing = self.A["memo: sizing CFADS"]
        self.allowed = np.where(self.in_tenor > 0, np.clip(sizing, 0, None) / self.blended, 0.0)
        self.test = np.where(self.in_tenor > 0, sizing / self.blended, 1e300)
        self.af = annuity_factor(self.d.rate, self.d.tenor_years)
        sched = pf.debt
        self.ds = sched.debt_service if sched else np.zeros(n + 1)
        self.opening = sched.opening_balance if sched else np.zeros(n + 1)
        if sched:
            self.dscr_sized, self.cap = sched.dscr_sized_amount, sched.gearing_cap
            self.binding = sched.binding
        else:
            self.dscr_sized, self.cap, self.binding = 0.0, 0.0, "no debt"
        self.amount = sched.amount if sched else 0.0
        self.fee = fee
        ds_years = np.where(self.ds > 0, years, 0)
        self.last_ds = int(ds_years.max())
        self.loan_life_cfads = np.where((years >= 1) & (years <= self.last_ds),
                                        self.A[L.CFADS], 0.0)

    # -- sheets ----------------------------------------------------------------------------
    def revenue(self) -> list[Row]:
        A = self.A
        rows: list[Row] = []
        merchant = [k for k in A if L.stream_of(k) is not None]
        for line in merchant:
            ref = f"dispatch: {L.stream_of(line)}"
            rows.append(Row(line, fn=lambda c, r=ref: f"{c(r)}*(1-{c('memo: tolled share')})"))
        rows += [
            Row("revenue: floor top-up", fn=lambda c: (
                f"IF({_active(c, 'floor')},MAX({c('work: floor level')}-floor_share*"
                f"{c('work: merchant revenue, whole plant')},0),0)")),
            Row("revenue: floor upside paid", fn=lambda c: (
                f"-IF({_active(c, 'floor')},floor_upside_share*MAX(floor_share*"
                f"{c('work: merchant revenue, whole plant')}-{c('work: floor level')},0),0)")),
            Row("revenue: tolling", fn=lambda c: (
                f"IF({_active(c, 'toll')},toll_price_usd_per_kw_month*12*(toll_share*power_mw)"
                f"*1000*{_index(c, 'toll')},0)")),
            Row("revenue: resource adequacy", fn=lambda c: (
                f"IF({_active(c, 'ra')},ra_price_usd_per_kw_month*12*ra_contracted_mw*1000*"
                f"{_index(c, 'ra')},0)")),
        ]
        block = tuple(r.key for r in rows)
        rows.append(Row(L.REVENUE_TOTAL, sum_block=block, style=("bold", "top")))
        rows += [Row("memo (not cash)", fn=None),
                 Row("memo: discharged MWh", "MWh", "mwh",
                     fn=lambda c: f"{c('dispatch: discharged_mwh')}", style=("lp",)),
                 Row("memo: tolled share", "fraction", "pct",
                     fn=lambda c: f"IF({_active(c, 'toll')},toll_share,0)"),
                 Row("memo: contracted revenue", fn=lambda c: (
                     f"{c('revenue: tolling')}+{c('revenue: resource adequacy')}+"
                     f"{c('work: floor level')}")),
                 Row("memo: merchant revenue at risk",
                     fn=lambda c: f"{c(L.REVENUE_TOTAL)}-{c('memo: contracted revenue')}"),
                 Row("working rows (not pro forma lines)", fn=None),
                 Row("work: merchant revenue, whole plant", cached=self.whole_plant,
                     fn=lambda c: "+".join(c(f"dispatch: {s}") for s in self.streams) or "0"),
                 Row("work: floor level", cached=ctr.floor_settlement(
                     self.pf.inputs.contracts.floor, self.pf.inputs.power_mw,
                     np.zeros(self.n + 1))[2],
                     fn=lambda c: (f"IF({_active(c, 'floor')},floor_usd_per_kw_month*12*"
                                   f"(floor_share*power_mw)*1000*{_index(c, 'floor')},0)"))]
        return rows

    def opex(self) -> list[Row]:
        idx = "work: opex escalation index"

        def line(key: str, body: Callable[[Ctx], str]) -> Row:
            return Row(key, fn=lambda c: f"-({body(c)})")
        rows = [
            line("opex: fixed O&M",
                 lambda c: f"opex_fixed_om_usd_per_kw_yr*power_mw*1000*{c(idx)}"),
            line("opex: variable O&M", lambda c: (
                f"opex_variable_om_usd_per_mwh*{c('memo: discharged MWh')}*{c(idx)}")),
            line("opex: property tax",
                 lambda c: f"opex_property_tax_pct_capex*initial_capex_usd*{c(idx)}"),
            line("opex: insurance",
                 lambda c: f"opex_insurance_pct_capex*initial_capex_usd*{c(idx)}"),
            line("opex: land lease", lambda c: f"opex_land_lease_usd_per_yr*{c(idx)}"),
            line("opex: augmentation (expensed)", lambda c: (
                f'IF(aug_treatment="expense",{c("work: augmentation cost")},0)')),
        ]
        rows.append(Row(L.OPEX_TOTAL, sum_block=tuple(r.key for r in rows),
                        style=("bold", "top")))
        rows += [Row("working rows (not pro forma lines)", fn=None),
                 Row(idx, "-", "number", cached=opex_index(self.n, self.pf.inputs.opex.escalation),
                     fn=lambda c: f"IF({c.t}>=1,(1+opex_escalation)^({c.t}-1),0)")]
        return rows

    def capex(self) -> list[Row]:
        size = {"dc_block": "energy_mwh", "pcs": "power_mw", "bos": "energy_mwh",
                "epc": "energy_mwh", "interconnection": "power_mw"}
        rows: list[Row] = []
        for key, label in CAPEX_LABELS.items():
            unit = "capex_development_usd" if key not in size else None
            if unit:
                body = unit
            else:
                name = f"capex_{key}_usd_per_{'kwh' if size[key] == 'energy_mwh' else 'kw'}"
                body = f"{name}*({size[key]}*1000)"
            rows.append(Row(label, fn=lambda c, b=body: f"IF({c.t}=0,-({b}),0)"))
        rows.append(Row("capex: augmentation (capitalised)", fn=lambda c: (
            f'-IF(aug_treatment="expense",0,{c("work: augmentation cost")})')))
        rows.append(Row(L.CAPEX_TOTAL, sum_block=tuple(r.key for r in rows),
                        style=("bold", "top")))
        first = CAPEX_LABELS.values()
        aug_cost = -self.A["capex: augmentation (capitalised)"] - self.A[
            "opex: augmentation (expensed)"]
        rows += [
            Row("working rows (not pro forma lines)", fn=None),
            Row("work: augmentation cost", cached=aug_cost, style=("lp",), fn=lambda c: (
                f"aug_usd_per_kwh*{c('dispatch: augmentation_mwh')}*1000")),
            Row("initial capex (year 0)", scalar=True, name="initial_capex_usd",
                cached=self.initial_capex,
                fn=lambda c: "-(" + "+".join(c.at(k, 0) for k in first) + ")"),
            Row("ITC-eligible capex", scalar=True, name="itc_eligible_capex_usd",
                cached=self.eligible, fn=lambda c: "-(" + "+".join(
                    f"itc_eligible_{k}*{c.at(lab, 0)}" for k, lab in CAPEX_LABELS.items()) + ")"),
        ]
        return rows

    def debt(self) -> list[Row]:
        sched = ds = "work: scheduled debt service"
        op = "work: opening balance"
        rows = [
            Row(L.DEBT_DRAWDOWN, fn=lambda c: f"IF({c.t}=0,debt_amount_usd,0)"),
            Row(L.DEBT_FEE, fn=lambda c: f"IF({c.t}=0,-debt_fee_usd,0)"),
            Row(L.DEBT_INTEREST, fn=lambda c: f"-(debt_rate*{c(op)})"),
            Row(L.DEBT_PRINCIPAL, fn=lambda c: f"-({c(sched)}-debt_rate*{c(op)})"),
            Row(L.DEBT_SERVICE, style=("bold", "top")),
            Row("memo (not cash)", fn=None),
            Row("memo: sizing CFADS", fn=lambda c: (
                f"IF(debt_on=1,{c(L.CFADS)}-(1-debt_merchant_haircut)*"
                f"MAX({c('memo: merchant revenue at risk')},0),0)")),
            Row(L.TARGET_DSCR, "x", "ratio", fn=lambda c: (
                f'IF(AND(debt_on=1,{c("work: in tenor")}=1),{c("work: blended target DSCR")},"")')),
            Row(L.DSCR, "x", "ratio",
                fn=lambda c: f'IF({c(ds)}>0,{c(L.CFADS)}/{c(ds)},"")'),
            Row("memo: debt balance (closing)", fn=lambda c: (
                "debt_amount_usd" if c.year == 0 else f"{c(op)}+{c(L.DEBT_PRINCIPAL)}")),
            Row("checks", fn=None),
            Row("check: DSCR minus target", "x", "ratio", cached=np.where(
                self.ds > 0, self.A[L.DSCR] - self.A[L.TARGET_DSCR], np.nan), fn=lambda c: (
                f'IF({c(ds)}>0,{c(L.DSCR)}-{c(L.TARGET_DSCR)},"")')),
            Row("check: DSCR minus lender minimum", "x", "ratio", cached=np.where(
                self.ds > 0, self.A[L.DSCR] - self._lender_min(), np.nan), fn=lambda c: (
                f'IF({c(ds)}>0,{c(L.DSCR)}-lender_min_dscr,"")')),
            Row("working rows (not pro forma lines)", fn=None),
            Row("work: in tenor", "1/0", "flag", cached=self.in_tenor, fn=lambda c: (
                f"IF(AND({c.t}>=1,{c.t}<=debt_tenor_years),1,0)")),
            Row("work: contracted share of sizing revenue", "fraction", "pct",
                cached=self.share, fn=self._share),
            Row("work: blended target DSCR", "x", "ratio", cached=self.blended, fn=lambda c: (
                f"1/({c('work: contracted share of sizing revenue')}/dscr_contracted+"
                f"(1-{c('work: contracted share of sizing revenue')})/dscr_merchant)")),
            Row("work: debt service allowed at target (sculpted)", cached=self.allowed,
                fn=lambda c: (f"IF({c('work: in tenor')}=1,MAX({c('memo: sizing CFADS')},0)/"
                              f"{c('work: blended target DSCR')},0)")),
            Row("work: discount factor at the debt rate", "-", "number",
                cached=(1 + self.d.rate) ** -self.years.astype(float),
                fn=lambda c: f"(1+debt_rate)^(-{c.t})"),
            Row("work: sizing CFADS / target (annuity test)", cached=self.test, fn=lambda c: (
                f"IF({c('work: in tenor')}=1,{c('memo: sizing CFADS')}/"
                f"{c('work: blended target DSCR')},1E+300)")),
            Row(sched, cached=self.ds, fn=lambda c: (
                f'IF(debt_repayment="sculpted",IF(debt_dscr_sized_usd>0,'
                f"{c('work: debt service allowed at target (sculpted)')}*"
                f"(debt_amount_usd/debt_dscr_sized_usd),IF(AND(debt_amount_usd>0,"
                f"{c('work: in tenor')}=1),debt_amount_usd/debt_annuity_factor,0)),"
                f"IF({c('work: in tenor')}=1,debt_amount_usd/debt_annuity_factor,0))")),
            Row(op, cached=self.opening,
                fn=lambda c: c.prev("memo: debt balance (closing)")),
            Row("work: year with debt service", "year", "year",
                cached=np.where(self.ds > 0, self.years, 0).astype(float),
                fn=lambda c: f"IF({c(ds)}>0,{c.t},0)"),
            Row("work: CFADS over the loan life", cached=self.loan_life_cfads, fn=lambda c: (
                f"IF(AND({c.t}>=1,{c.t}<=last_debt_service_year),{c(L.CFADS)},0)")),
            Row("debt sizing (single values, column C)", fn=None),
            Row("annuity factor", "years", "number", scalar=True, name="debt_annuity_factor",
                cached=self.af, fn=lambda c: (
                    "IF(debt_rate=0,debt_tenor_years,(1-(1+debt_rate)^(-debt_tenor_years))"
                    "/debt_rate)")),
            Row("debt the DSCR test allows", scalar=True, name="debt_dscr_sized_usd",
                cached=self.dscr_sized, fn=lambda c: (
                    f'IF(debt_repayment="sculpted",SUMPRODUCT('
                    f"{c.span('work: debt service allowed at target (sculpted)')},"
                    f"{c.span('work: discount factor at the debt rate')}),"
                    f"MAX(MIN({c.span('work: sizing CFADS / target (annuity test)')}),0)"
                    "*debt_annuity_factor)")),
            Row("debt the gearing cap allows", scalar=True, name="debt_gearing_cap_usd",
                cached=self.cap, fn=lambda c: "debt_max_gearing*initial_capex_usd"),
            Row("debt at COD", scalar=True, name="debt_amount_usd", cached=self.amount,
                style=("bold",), fn=lambda c: (
                    'IF(debt_on=1,IF(debt_sizing="dscr",debt_dscr_sized_usd,'
                    'IF(debt_sizing="gearing",debt_gearing_cap_usd,'
                    "MIN(debt_dscr_sized_usd,debt_gearing_cap_usd))),0)")),
            Row("binding test", "text", "text", scalar=True, name="debt_binding",
                cached=self.binding, fn=lambda c: (
                    'IF(debt_on=1,IF(debt_sizing="dscr","dscr",IF(debt_sizing="gearing",'
                    '"gearing",IF(debt_dscr_sized_usd<=debt_gearing_cap_usd,"dscr",'
                    '"gearing"))),"no debt")')),
            Row("upfront fee", scalar=True, name="debt_fee_usd", cached=self.fee,
                fn=lambda c: "debt_upfront_fee_pct*debt_amount_usd"),
            Row("last year with debt service", "year", "year", scalar=True,
                name="last_debt_service_year", cached=float(self.last_ds),
                fn=lambda c: f"MAX({c.span('work: year with debt service')})"),
        ]
        return rows

    def _lender_min(self) -> float:
        return float(self.book.names.get("lender_min_dscr", 0.0))

    @staticmethod
    def _share(c: Ctx) -> str:
        con = f"MAX({c('memo: contracted revenue')},0)"
        mer = f"MAX(debt_merchant_haircut*{c('memo: merchant revenue at risk')},0)"
        return f"IF({con}+{mer}>0,{con}/({con}+{mer}),0)"

    def tax(self) -> list[Row]:
        rows = [
            Row(L.TAX_STATE, fn=lambda c: "-({})".format(
                self._state(c, "memo: taxable income", "work: state NOL (closing)"))),
            Row(L.TAX_FEDERAL,
                fn=lambda c: f"-(tax_federal_rate*{c('memo: federal taxable income')})"),
            Row(L.ITC_TRANSFER, fn=lambda c: (
                f'IF(itc_monetisation="transfer",itc_transfer_price*'
                f'{c("memo: ITC generated")},0)')),
            Row(L.ITC_USED, fn=lambda c: self._itc_used(
                c, f"(-{c(L.TAX_FEDERAL)})", "memo: ITC carryforward (closing)")),
            Row("memo (not cash)", fn=None),
            Row("memo: tax depreciation", fn=self._dep_sum),
            Row("memo: taxable income", fn=lambda c: (
                f"{c(L.EBITDA)}-{c('memo: tax depreciation')}+{c(L.DEBT_INTEREST)}-"
                f"{c('work: debt fee amortisation')}")),
            Row("memo: federal taxable income", fn=lambda c: self._fed_ti(
                c, f"({c('memo: taxable income')}+{c(L.TAX_STATE)})",
                "memo: NOL federal (closing)")),
            Row("memo: NOL federal (closing)", fn=lambda c: self._nol(
                c, f"({c('memo: taxable income')}+{c(L.TAX_STATE)})",
                "memo: NOL federal (closing)")),
            Row("memo: ITC generated", fn=lambda c: (
                f"IF({c.t}=itc_year,itc_initial_usd,0)+IF(aug_itc_eligible=1,itc_rate*"
                f"(-{c('capex: augmentation (capitalised)')}),0)")),
            Row("memo: ITC carryforward (closing)", fn=lambda c: self._carry(
                c, "memo: ITC carryforward (closing)", L.ITC_USED)),
            Row("working rows (not pro forma lines)", fn=None),
            Row("work: debt fee amortisation", cached=self.fee_amort, fn=lambda c: (
                f"IF(AND({c.t}>=1,{c.t}<=debt_tenor_years),debt_fee_usd/debt_tenor_years,0)")),
            Row("work: state NOL (closing)", cached=self.levered_tax.nol_state,
                fn=lambda c: self._nol(c, c("memo: taxable income"),
                                       "work: state NOL (closing)")),
            Row("unlevered (no debt) tax, for the project IRR", fn=None),
            Row("work: unlevered taxable income", cached=self.u_ti, fn=lambda c: (
                f"{c(L.EBITDA)}-{c('memo: tax depreciation')}")),
            Row("work: unlevered state NOL (closing)", cached=self.u_tax.nol_state,
                fn=lambda c: self._nol(c, c("work: unlevered taxable income"),
                                       "work: unlevered state NOL (closing)")),
            Row("work: unlevered state tax", cached=self.u_tax.state_tax, fn=lambda c: (
                self._state(c, "work: unlevered taxable income",
                            "work: unlevered state NOL (closing)"))),
            Row("work: unlevered federal taxable income",
                cached=self.u_tax.federal_taxable_income, fn=lambda c: self._fed_ti(
                    c, f"({c('work: unlevered taxable income')}-"
                       f"{c('work: unlevered state tax')})",
                    "work: unlevered federal NOL (closing)")),
            Row("work: unlevered federal NOL (closing)", cached=self.u_tax.nol_federal,
                fn=lambda c: self._nol(
                    c, f"({c('work: unlevered taxable income')}-"
                       f"{c('work: unlevered state tax')})",
                    "work: unlevered federal NOL (closing)")),
            Row("work: unlevered federal tax", cached=self.u_tax.federal_tax, fn=lambda c: (
                f"tax_federal_rate*{c('work: unlevered federal taxable income')}")),
            Row("work: unlevered ITC used against tax", cached=self.u_credit.used_against_tax,
                fn=lambda c: self._itc_used(c, c("work: unlevered federal tax"),
                                            "work: unlevered ITC carryforward (closing)")),
            Row("work: unlevered ITC carryforward (closing)", cached=self.u_credit.carryforward,
                fn=lambda c: self._carry(c, "work: unlevered ITC carryforward (closing)",
                                         "work: unlevered ITC used against tax")),
            Row("ITC (single values, column C)", fn=None),
            Row("initial ITC", scalar=True, name="itc_initial_usd", cached=self.itc_initial,
                fn=lambda c: "itc_rate*itc_eligible_capex_usd"),
            Row("initial depreciable basis", scalar=True, name="initial_depreciable_basis_usd",
                cached=self.basis0,
                fn=lambda c: "initial_capex_usd-itc_basis_reduction*itc_initial_usd"),
        ]
        return rows

    def _dep_sum(self, c: Ctx) -> str:
        home, r1 = self.book.where["vintage 1"]
        r2 = self.book.where[f"vintage {self.n}"][1]
        return (f"SUM({quote_sheetname(home)}!{xl_rowcol_to_cell(r1, c.col)}:"
                f"{xl_rowcol_to_cell(r2, c.col)})")

    @staticmethod
    def _state(c: Ctx, ti_key: str, nol_key: str) -> str:
        ti, prev = c(ti_key), c.prev(nol_key)
        return (f"IF({USED},tax_state_rate*{ti},tax_state_rate*IF({ti}<=0,0,"
                f"{ti}-MIN({prev},{ti})))")

    @staticmethod
    def _fed_ti(c: Ctx, x: str, nol_key: str) -> str:
        prev = c.prev(nol_key)
        return f"IF({USED},{x},IF({x}<=0,0,{x}-MIN({prev},{x})))"

    @staticmethod
    def _nol(c: Ctx, x: str, nol_key: str) -> str:
        prev = c.prev(nol_key)
        return f"IF({USED},0,IF({x}<=0,{prev}-{x},{prev}-MIN({prev},{x})))"

    @staticmethod
    def _itc_used(c: Ctx, fed_tax: str, carry_key: str) -> str:
        credit = c("memo: ITC generated")
        return (f'IF(itc_monetisation="direct",IF({USED},{credit},'
                f"MIN({c.prev(carry_key)}+{credit},MAX({fed_tax},0))),0)")

    @staticmethod
    def _carry(c: Ctx, carry_key: str, used_key: str) -> str:
        return (f'IF(AND(itc_monetisation="direct",tax_loss_treatment="carry_forward"),'
                f"{c.prev(carry_key)}+{c('memo: ITC generated')}-{c(used_key)},0)")

    def depreciation(self) -> list[Row]:
        n = self.n
        rows = [Row("work: depreciable basis placed in service", cached=self.basis,
                    fn=lambda c: (
                        f"IF({c.t}=1,initial_depreciable_basis_usd,0)+IF({c.t}>=1,"
                        f"-{c('capex: augmentation (capitalised)')}-itc_basis_reduction*"
                        f"IF(aug_itc_eligible=1,itc_rate*"
                        f"(-{c('capex: augmentation (capitalised)')}),0),0)")),
                Row("depreciation by vintage (year placed in service)", fn=None)]
        for s in range(1, n + 1):
            rows.append(Row(f"vintage {s}", cached=self.vintages[s - 1],
                            fn=lambda c, s=s: self._vintage(c, s)))
        return rows

    def _vintage(self, c: Ctx, s: int) -> str:
        t, n = c.year, self.n
        if t < s:
            return "0"
        b = c.at("work: depreciable basis placed in service", s)
        k = t - s
        pct = f"INDEX(macrs_selected,1,{k + 1})" if k < MACRS_YEARS else "0"
        first = "bonus_depreciation+" if t == s else ""
        body = f"{b}*({first}(1-bonus_depreciation)*{pct})"
        if t == n:
            m = n - s + 1
            rest = (f"INDEX(macrs_cumulative,1,{MACRS_YEARS})-INDEX(macrs_cumulative,1,{m})"
                    if m < MACRS_YEARS else "0")
            body += f"+IF(write_off_remaining=1,{b}*(1-bonus_depreciation)*({rest}),0)"
        return body

    def cash_flow(self) -> list[Row]:
        rows: list[Row] = []
        order = (L.REVENUE_TOTAL, L.OPEX_TOTAL, L.EBITDA, L.CAPEX_TOTAL, L.CFADS,
                 L.DEBT_DRAWDOWN, L.DEBT_FEE, L.DEBT_SERVICE, L.EQUITY_PRE_TAX, L.TAX_STATE,
                 L.TAX_FEDERAL, L.ITC_TRANSFER, L.ITC_USED, L.EQUITY, None,
                 L.UNLEVERED_PRE_TAX, "unlevered tax: state", "unlevered tax: federal",
                 "unlevered ITC", L.UNLEVERED_AFTER_TAX)
        own = {
            "unlevered tax: state": lambda c: f"-{c('work: unlevered state tax')}",
            "unlevered tax: federal": lambda c: f"-{c('work: unlevered federal tax')}",
            "unlevered ITC": lambda c: (
                f"{c(L.ITC_TRANSFER)}+{c('work: unlevered ITC used against tax')}"),
        }
        for k in order:
            if k is None:
                rows.append(Row("unlevered (project) cash flows", fn=None))
            elif k in CASH_FLOW_LINKS:
                rows.append(Row(k, style=("link",)))
            elif k in own:
                rows.append(Row(k, fn=own[k]))
            else:
                rows.append(Row(k, style=("bold", "top")))
        return rows
