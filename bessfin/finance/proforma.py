"""Annual pro forma (revenue -> EBITDA -> CFADS -> debt -> tax, credits -> equity) and metrics.

Sign convention: every cash line is signed as seen by the project owner, inflows positive and
outflows negative. Hence ``revenue: total + opex: total = EBITDA`` and
``CFADS + debt service = cash flow to equity (pre-tax)``. ``memo:`` lines are not cash.

Year 0 is construction / COD: all initial capex, debt drawdown and upfront fee. Operating years are
1..N (the dispatch revenue table's index). The project is treated as a pass-through entity: CFADS is
pre-tax (EBITDA less capitalised augmentation) and income tax and credits flow to the owner below
debt service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bessfin.finance import contracts as ctr
from bessfin.finance import lines as L
from bessfin.finance.costs import CAPEX_LABELS, augmentation_costs, capex_lines, opex_lines
from bessfin.finance.debt import DebtSchedule, blended_target_dscr, size_debt
from bessfin.finance.depreciation import depreciable_basis, depreciation_schedule
from bessfin.finance.inputs import FinanceInputs, ItcInputs
from bessfin.finance.itc import ItcOutcome, itc_rate
from bessfin.finance.metrics import dscr_series, irr_result, lcos, llcr, npv, payback_year
from bessfin.finance.tax import CreditResult, TaxResult, income_tax, monetise_credit

DISCHARGED_COLUMN = "discharged_mwh"


@dataclass(frozen=True)
class Metrics:
    """Headline results of a pro forma.

    Attributes
    ----------
    project_irr_pre_tax
        Unlevered pre-tax project IRR [-] (``unlevered pre-tax cash flow``).
    project_irr_after_tax
        Unlevered after-tax project IRR [-], with credits (``unlevered after-tax cash flow``).
    equity_irr_after_tax
        Levered after-tax equity IRR [-] (``cash flow to equity``).
    irr_notes
        Why an IRR is NaN or which of several roots was chosen, by metric name.
    discount_rate
        Rate used for NPVs and LCOS [-].
    project_npv_pre_tax_usd, project_npv_after_tax_usd, equity_npv_after_tax_usd
        NPVs at ``discount_rate`` [$].
    debt_usd
        Debt drawn at COD [$]; 0 without debt.
    gearing
        Debt / initial capex [-].
    min_dscr, avg_dscr
        Minimum and mean DSCR on base-case CFADS over years with debt service [-]; NaN without debt.
    llcr
        Loan-life coverage ratio at COD, discounted at the debt rate [-]; NaN without debt.
    lcos_usd_per_mwh
        PV(capex + opex + augmentation) / PV(discharged MWh) at ``discount_rate`` [$/MWh].
    lcos_with_credits_usd_per_mwh
        As above, with the PV of the credit's cash value deducted from costs [$/MWh].
    project_payback_year, equity_payback_year
        First year from which cumulative after-tax cash flow stays >= 0; None if never.
    """

    project_irr_pre_tax: float
    project_irr_after_tax: float
    equity_irr_after_tax: float
    irr_notes: dict[str, str]
    discount_rate: float
    project_npv_pre_tax_usd: float
    project_npv_after_tax_usd: float
    equity_npv_after_tax_usd: float
    debt_usd: float
    gearing: float
    min_dscr: float
    avg_dscr: float
    llcr: float
    lcos_usd_per_mwh: float
    lcos_with_credits_usd_per_mwh: float
    project_payback_year: int | None
    equity_payback_year: int | None


@dataclass(frozen=True)
class ProForma:
    """Pro forma result.

    Attributes
    ----------
    annual
        Rows = named signed lines, columns = project year 0..N [$ unless the line says otherwise].
    metrics
        Headline metrics.
    itc
        ITC rate outcome with reasons.
    debt
        Debt schedule, or None for an all-equity project.
    inputs
        The inputs used.
    """

    annual: pd.DataFrame
    metrics: Metrics
    itc: ItcOutcome
    debt: DebtSchedule | None
    inputs: FinanceInputs = field(repr=False)

    def line(self, name: str) -> pd.Series:
        """One line of ``annual`` by name."""
        return self.annual.loc[name]


def read_revenue(revenue: pd.DataFrame) -> tuple[int, dict[str, np.ndarray], np.ndarray]:
    """Validate the dispatch revenue table and return arrays over years 0..N.

    Parameters
    ----------
    revenue
        Index: operating year 1..N (contiguous integers). Columns: one per merchant stream [$/yr]
        and ``discharged_mwh`` [MWh/yr]. NaN is refused.

    Returns
    -------
    tuple
        ``(N, {stream: array}, discharged_mwh array)``; arrays have year 0 set to 0.
    """
    if not isinstance(revenue, pd.DataFrame):
        raise TypeError(f"revenue must be a pandas DataFrame, got {type(revenue).__name__}")
    if DISCHARGED_COLUMN not in revenue.columns:
        raise ValueError(
            f"revenue table needs a '{DISCHARGED_COLUMN}' column, got {list(revenue.columns)}"
        )
    n = len(revenue)
    if n == 0:
        raise ValueError("revenue table is empty")
    years = list(revenue.index)
    if years != list(range(1, n + 1)):
        raise ValueError(
            f"revenue index must be operating years 1..{n} in order, got {years[:5]}..."
        )
    values = revenue.apply(pd.to_numeric, errors="raise").astype(float)
    if values.isna().any().any():
        bad = values.columns[values.isna().any()].tolist()
        raise ValueError(
            f"revenue table has NaN in columns {bad}; fill explicitly (e.g. 0) if intended"
        )
    mwh = np.concatenate([[0.0], values[DISCHARGED_COLUMN].to_numpy()])
    if np.any(mwh < 0):
        raise ValueError("discharged_mwh must be >= 0")
    streams = {
        str(c): np.concatenate([[0.0], values[c].to_numpy()])
        for c in values.columns
        if c != DISCHARGED_COLUMN
    }
    return n, streams, mwh


def itc_outcome(itc: ItcInputs, power_mw: float) -> ItcOutcome:
    """The ITC outcome of an ``[itc]`` section: its rate override, else the §48E rules.

    Parameters
    ----------
    itc : ItcInputs
        The ITC inputs (assembled for a deal by :func:`bessfin.deal.itc_inputs`).
    power_mw : float
        Project nameplate power [MW] (the 1 MW small-project test).
    """
    if itc.rate_override is not None:
        return ItcOutcome(
            rate=itc.rate_override,
            tier="override",
            tier_rate=itc.rate_override,
            ec_adder=0.0,
            dc_adder=0.0,
            phase_down=1.0,
            dc_threshold=float("nan"),
            macr_threshold=None,
            reasons=(f"rate override {itc.rate_override:.2%} (§48E rules not applied)",),
        )
    assert itc.boc_date is not None  # guaranteed by ItcInputs validation
    return itc_rate(
        itc.boc_date,
        power_mw,
        itc.pwa,
        itc.energy_community,
        itc.dc_adjusted_pct,
        itc.macr,
        dc_steel_iron_us=itc.dc_steel_iron_us,
        prohibited_foreign_entity_taxpayer=itc.prohibited_foreign_entity_taxpayer,
        policy=itc.policy,
    )


Lines = dict[str, np.ndarray]


@dataclass(frozen=True)
class _Revenue:
    """Revenue section results over years 0..N [$]."""

    merchant_scale: np.ndarray  # 1 - tolled share [-]
    total: np.ndarray
    contracted: np.ndarray  # toll + capacity + floor level (zero outside the floor term)


@dataclass(frozen=True)
class _Costs:
    """Cost section results over years 0..N [$, positive = cost]."""

    capex: dict[str, float]
    initial_capex: float
    opex_total: np.ndarray
    aug_capex: np.ndarray
    ebitda: np.ndarray
    cfads: np.ndarray


@dataclass(frozen=True)
class _Credits:
    """ITC outcome, credits generated [$/yr] and tax depreciation [$/yr]."""

    itc: ItcOutcome
    credits: np.ndarray
    depreciation: np.ndarray


@dataclass(frozen=True)
class _Debt:
    """Debt section results over years 0..N [$, positive]."""

    schedule: DebtSchedule | None
    interest: np.ndarray
    debt_service: np.ndarray
    balance: np.ndarray
    sizing_cfads: np.ndarray
    target: np.ndarray  # blended target DSCR [-]
    fee_amort: np.ndarray
    drawdown: float
    equity_pre_tax: np.ndarray


def _revenue_section(inputs: FinanceInputs, n: int, streams: dict[str, np.ndarray],
                     lines: Lines) -> _Revenue:
    """Merchant streams scaled by the tolled share, floor settlement, toll and capacity."""
    zeros = np.zeros(n + 1)
    c = inputs.contracts
    merchant_scale = 1.0 - ctr.tolled_share(c.toll, n)
    merchant_full = sum(streams.values(), zeros.copy())
    for name, values in streams.items():
        lines[L.merchant_line(name)] = values * merchant_scale
    top_up, upside, floor_level = ctr.floor_settlement(c.floor, inputs.power_mw, merchant_full)
    toll = ctr.tolling_revenue(c.toll, inputs.power_mw, n)
    capacity = ctr.capacity_revenue(c.capacity, n)
    lines["revenue: floor top-up"] = top_up
    lines["revenue: floor upside paid"] = -upside
    lines["revenue: tolling"] = toll
    lines["revenue: resource adequacy"] = capacity
    total = sum((lines[k] for k in L.revenue_lines(lines)), zeros.copy())
    lines[L.REVENUE_TOTAL] = total
    return _Revenue(merchant_scale, total, toll + capacity + floor_level)


def _cost_section(inputs: FinanceInputs, n: int, mwh: np.ndarray, revenue: _Revenue,
                  lines: Lines) -> _Costs:
    """Opex (with expensed augmentation), EBITDA, capex (with capitalised augmentation), CFADS."""
    years = np.arange(n + 1)
    zeros = np.zeros(n + 1)
    capex = capex_lines(inputs.capex, inputs.power_mw, inputs.energy_mwh)
    initial_capex = sum(capex.values())
    aug = augmentation_costs(inputs.augmentation, n)
    expensed = inputs.augmentation.treatment == "expense"
    opex = opex_lines(inputs.opex, inputs.power_mw, initial_capex, mwh)
    opex["augmentation (expensed)"] = aug if expensed else zeros.copy()
    for name, values in opex.items():
        lines[f"opex: {name}"] = -values
    opex_total = sum(opex.values(), zeros.copy())
    lines[L.OPEX_TOTAL] = -opex_total
    ebitda = revenue.total - opex_total
    lines[L.EBITDA] = ebitda

    aug_capex = zeros.copy() if expensed else aug
    for key, label in CAPEX_LABELS.items():
        lines[label] = np.where(years == 0, -capex[key], 0.0)
    lines["capex: augmentation (capitalised)"] = -aug_capex
    capex_total = np.where(years == 0, initial_capex, 0.0) + aug_capex
    lines[L.CAPEX_TOTAL] = -capex_total
    cfads = np.where(years >= 1, ebitda - aug_capex, 0.0)
    lines[L.CFADS] = cfads
    return _Costs(capex, initial_capex, opex_total, aug_capex, ebitda, cfads)


def _credit_section(inputs: FinanceInputs, n: int, costs: _Costs) -> _Credits:
    """ITC rate, credits generated by year and MACRS depreciation (basis net of half the ITC)."""
    tax_in = inputs.tax
    years = np.arange(n + 1)
    zeros = np.zeros(n + 1)
    aug_capex = costs.aug_capex
    itc = itc_outcome(inputs.itc, inputs.power_mw)
    eligible = sum(costs.capex[k] for k in inputs.capex.itc_eligible)
    credit_initial = itc.rate * eligible
    credits = np.where(years == tax_in.itc_year, credit_initial, 0.0)
    aug_credit = itc.rate * aug_capex if inputs.augmentation.itc_eligible else zeros.copy()
    credits = credits + aug_credit
    depreciation = depreciation_schedule(
        depreciable_basis(costs.initial_capex, credit_initial),
        n,
        1,
        tax_in.macrs_class,
        tax_in.bonus_depreciation,
        tax_in.write_off_remaining,
    )
    for t in np.flatnonzero(aug_capex > 0):
        depreciation = depreciation + depreciation_schedule(
            depreciable_basis(aug_capex[t], aug_credit[t]),
            n,
            int(t),
            tax_in.macrs_class,
            tax_in.bonus_depreciation,
            tax_in.write_off_remaining,
        )
    return _Credits(itc, credits, depreciation)


def _debt_section(inputs: FinanceInputs, n: int, revenue: _Revenue, costs: _Costs,
                  lines: Lines) -> _Debt:
    """Size and schedule the senior debt on haircut CFADS; cash flow to equity before tax."""
    years = np.arange(n + 1)
    zeros = np.zeros(n + 1)
    cfads = costs.cfads
    at_risk = revenue.total - revenue.contracted
    debt: DebtSchedule | None = None
    interest = principal = debt_service = balance = sizing_cfads = zeros.copy()
    target = np.full(n + 1, np.nan)
    fee_amort = zeros.copy()
    drawdown = fee = 0.0
    if inputs.debt is not None:
        d = inputs.debt
        sizing_cfads = cfads - (1.0 - d.merchant_haircut) * np.clip(at_risk, 0.0, None)
        target = blended_target_dscr(
            revenue.contracted, d.merchant_haircut * at_risk, d.dscr_contracted, d.dscr_merchant
        )
        debt = size_debt(
            sizing_cfads,
            target,
            d.rate,
            d.tenor_years,
            d.repayment,
            d.max_gearing * costs.initial_capex,
            d.sizing,
            d.upfront_fee_pct,
            capex=costs.initial_capex,
        )
        interest, principal, debt_service = debt.interest, debt.principal, debt.debt_service
        balance, target = debt.closing_balance, debt.target_dscr
        drawdown, fee = debt.amount, debt.upfront_fee
        fee_amort = np.where((years >= 1) & (years <= d.tenor_years), fee / d.tenor_years, 0.0)
    lines[L.DEBT_DRAWDOWN] = np.where(years == 0, drawdown, 0.0)
    lines[L.DEBT_FEE] = np.where(years == 0, -fee, 0.0)
    lines[L.DEBT_INTEREST] = -interest
    lines[L.DEBT_PRINCIPAL] = -principal
    lines[L.DEBT_SERVICE] = -debt_service
    equity_pre_tax = np.where(
        years == 0, -costs.initial_capex + drawdown - fee, cfads - debt_service
    )
    lines[L.EQUITY_PRE_TAX] = equity_pre_tax
    return _Debt(debt, interest, debt_service, balance, sizing_cfads, target, fee_amort,
                 drawdown, equity_pre_tax)


def build_pro_forma(inputs: FinanceInputs, revenue: pd.DataFrame) -> ProForma:
    """Build the annual pro forma and metrics.

    The lines and their order are those of :data:`bessfin.finance.lines.LINE_SPECS`.

    Parameters
    ----------
    inputs
        Finance inputs.
    revenue
        Dispatch revenue table (see :func:`read_revenue`): merchant streams [$/yr] and
        ``discharged_mwh`` [MWh/yr] for operating years 1..N at full plant capacity.

    Returns
    -------
    ProForma
        ``annual`` lines for years 0..N, ``metrics``, ``itc`` outcome and ``debt`` schedule.
    """
    n, streams, mwh = read_revenue(revenue)
    tax_in = inputs.tax
    if tax_in.itc_year > n:
        raise ValueError(f"tax.itc_year must be <= project life {n}, got {tax_in.itc_year}")
    if inputs.debt is not None and inputs.debt.tenor_years > n:
        raise ValueError(
            f"debt.tenor_years must be <= project life {n}, got {inputs.debt.tenor_years}"
        )
    lines: Lines = {}
    rev = _revenue_section(inputs, n, streams, lines)
    costs = _cost_section(inputs, n, mwh, rev, lines)
    cr = _credit_section(inputs, n, costs)
    debt = _debt_section(inputs, n, rev, costs, lines)
    tax, credit, equity, taxable = _tax_section(inputs, costs, cr, debt, lines)
    u_credit, unlev_pre, unlev_post = _unlevered_section(inputs, n, costs, cr, lines)

    dscr = dscr_series(costs.cfads, debt.debt_service)
    lines["memo: discharged MWh"] = mwh
    lines["memo: tolled share"] = 1.0 - rev.merchant_scale
    lines["memo: contracted revenue"] = rev.contracted
    lines["memo: merchant revenue at risk"] = rev.total - rev.contracted
    lines["memo: sizing CFADS"] = debt.sizing_cfads
    lines[L.TARGET_DSCR] = debt.target
    lines[L.DSCR] = dscr
    lines["memo: debt balance (closing)"] = debt.balance
    lines["memo: tax depreciation"] = cr.depreciation
    lines["memo: taxable income"] = taxable
    lines["memo: federal taxable income"] = tax.federal_taxable_income
    lines["memo: NOL federal (closing)"] = tax.nol_federal
    lines["memo: ITC generated"] = cr.credits
    lines["memo: ITC carryforward (closing)"] = credit.carryforward

    annual = pd.DataFrame.from_dict(
        L.order_lines(lines), orient="index", columns=pd.RangeIndex(0, n + 1, name="year")
    )
    annual = annual + 0.0  # turn -0.0 from negated zero lines into 0.0
    metrics = _metrics(inputs, n, mwh, costs, debt, dscr, equity, unlev_pre, unlev_post, u_credit)
    return ProForma(annual=annual, metrics=metrics, itc=cr.itc, debt=debt.schedule, inputs=inputs)


def _tax_section(inputs: FinanceInputs, costs: _Costs, cr: _Credits, debt: _Debt,
                 lines: Lines) -> tuple[TaxResult, CreditResult, np.ndarray, np.ndarray]:
    """Levered income tax (owner view) and the credit's cash value; returns the tax, the
    credit, cash flow to equity and taxable income [$/yr]."""
    tax_in = inputs.tax
    taxable = costs.ebitda - cr.depreciation - debt.interest - debt.fee_amort
    tax = income_tax(taxable, tax_in.federal_rate, tax_in.state_rate, tax_in.loss_treatment)
    credit = monetise_credit(
        cr.credits,
        tax.federal_tax,
        tax_in.itc_monetisation,
        tax_in.transfer_price,
        tax_in.loss_treatment,
    )
    lines[L.TAX_STATE] = -tax.state_tax
    lines[L.TAX_FEDERAL] = -tax.federal_tax
    lines[L.ITC_TRANSFER] = credit.transfer_proceeds
    lines[L.ITC_USED] = credit.used_against_tax
    equity = debt.equity_pre_tax - tax.state_tax - tax.federal_tax + credit.value
    lines[L.EQUITY] = equity
    return tax, credit, equity, taxable


def _unlevered_section(inputs: FinanceInputs, n: int, costs: _Costs, cr: _Credits,
                       lines: Lines) -> tuple[CreditResult, np.ndarray, np.ndarray]:
    """Unlevered cash flows before and after tax and credits (no interest deduction)."""
    tax_in = inputs.tax
    years = np.arange(n + 1)
    unlev_pre = np.where(years == 0, -costs.initial_capex, costs.cfads)
    u_tax = income_tax(
        costs.ebitda - cr.depreciation, tax_in.federal_rate, tax_in.state_rate,
        tax_in.loss_treatment,
    )
    u_credit = monetise_credit(
        cr.credits,
        u_tax.federal_tax,
        tax_in.itc_monetisation,
        tax_in.transfer_price,
        tax_in.loss_treatment,
    )
    unlev_post = unlev_pre - u_tax.state_tax - u_tax.federal_tax + u_credit.value
    lines[L.UNLEVERED_PRE_TAX] = unlev_pre
    lines["unlevered tax: state"] = -u_tax.state_tax
    lines["unlevered tax: federal"] = -u_tax.federal_tax
    lines["unlevered ITC"] = u_credit.value
    lines[L.UNLEVERED_AFTER_TAX] = unlev_post
    return u_credit, unlev_pre, unlev_post


def _metrics(inputs: FinanceInputs, n: int, mwh: np.ndarray, costs: _Costs, debt: _Debt,
             dscr: np.ndarray, equity: np.ndarray, unlev_pre: np.ndarray,
             unlev_post: np.ndarray, u_credit: CreditResult) -> Metrics:
    """Headline metrics (names from :data:`bessfin.finance.METRIC_CATALOGUE`)."""
    years = np.arange(n + 1)
    r = inputs.discount_rate
    irrs = {
        "project_irr_pre_tax": irr_result(unlev_pre),
        "project_irr_after_tax": irr_result(unlev_post),
        "equity_irr_after_tax": irr_result(equity),
    }
    initial_capex, drawdown = costs.initial_capex, debt.drawdown
    all_costs = np.where(years == 0, initial_capex, 0.0) + costs.opex_total + costs.aug_capex
    with_debt = debt.schedule is not None and debt.schedule.amount > 0
    valid_dscr = dscr[np.isfinite(dscr)]
    return Metrics(
        project_irr_pre_tax=irrs["project_irr_pre_tax"].value,
        project_irr_after_tax=irrs["project_irr_after_tax"].value,
        equity_irr_after_tax=irrs["equity_irr_after_tax"].value,
        irr_notes={k: v.reason for k, v in irrs.items() if v.reason},
        discount_rate=r,
        project_npv_pre_tax_usd=npv(r, unlev_pre),
        project_npv_after_tax_usd=npv(r, unlev_post),
        equity_npv_after_tax_usd=npv(r, equity),
        debt_usd=drawdown,
        gearing=drawdown / initial_capex if initial_capex > 0 else float("nan"),
        min_dscr=float(valid_dscr.min()) if with_debt and valid_dscr.size else float("nan"),
        avg_dscr=float(valid_dscr.mean()) if with_debt and valid_dscr.size else float("nan"),
        llcr=llcr(inputs.debt.rate, costs.cfads, debt.debt_service, drawdown)
        if with_debt and inputs.debt
        else float("nan"),
        lcos_usd_per_mwh=lcos(r, all_costs, mwh),
        lcos_with_credits_usd_per_mwh=lcos(r, all_costs, mwh, u_credit.value),
        project_payback_year=payback_year(unlev_post),
        equity_payback_year=payback_year(equity),
    )
