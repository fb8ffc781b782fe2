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
from bessfin.finance.costs import CAPEX_LABELS, augmentation_costs, capex_lines, opex_lines
from bessfin.finance.debt import DebtSchedule, blended_target_dscr, size_debt
from bessfin.finance.depreciation import depreciable_basis, depreciation_schedule
from bessfin.finance.inputs import FinanceInputs, ItcInputs
from bessfin.finance.itc import ItcOutcome, itc_rate
from bessfin.finance.metrics import dscr_series, irr_result, lcos, llcr, npv, payback_year
from bessfin.finance.tax import income_tax, monetise_credit

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
    project_npv_pre_tax, project_npv_after_tax, equity_npv_after_tax
        NPVs at ``discount_rate`` [$].
    debt_amount
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
    project_npv_pre_tax: float
    project_npv_after_tax: float
    equity_npv_after_tax: float
    debt_amount: float
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


def build_pro_forma(inputs: FinanceInputs, revenue: pd.DataFrame) -> ProForma:
    """Build the annual pro forma and metrics.

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
    years = np.arange(n + 1)
    zeros = np.zeros(n + 1)
    lines: dict[str, np.ndarray] = {}

    # --- revenue -------------------------------------------------------------------------------
    c = inputs.contracts
    merchant_scale = 1.0 - ctr.tolled_share(c.toll, n)
    merchant_full = sum(streams.values(), zeros.copy())
    for name, values in streams.items():
        lines[f"revenue: merchant {name}"] = values * merchant_scale
    top_up, upside, floor_level = ctr.floor_settlement(c.floor, inputs.power_mw, merchant_full)
    toll = ctr.tolling_revenue(c.toll, inputs.power_mw, n)
    capacity = ctr.capacity_revenue(c.capacity, n)
    lines["revenue: floor top-up"] = top_up
    lines["revenue: floor upside paid"] = -upside
    lines["revenue: tolling"] = toll
    lines["revenue: resource adequacy"] = capacity
    revenue_total = sum((v for k, v in lines.items() if k.startswith("revenue: ")), zeros.copy())
    lines["revenue: total"] = revenue_total

    # --- costs ---------------------------------------------------------------------------------
    capex = capex_lines(inputs.capex, inputs.power_mw, inputs.energy_mwh)
    initial_capex = sum(capex.values())
    aug = augmentation_costs(inputs.augmentation, n)
    expensed = inputs.augmentation.treatment == "expense"
    opex = opex_lines(inputs.opex, inputs.power_mw, initial_capex, mwh)
    opex["augmentation (expensed)"] = aug if expensed else zeros.copy()
    for name, values in opex.items():
        lines[f"opex: {name}"] = -values
    opex_total = sum(opex.values(), zeros.copy())
    lines["opex: total"] = -opex_total
    ebitda = revenue_total - opex_total
    lines["EBITDA"] = ebitda

    aug_capex = zeros.copy() if expensed else aug
    for key, label in CAPEX_LABELS.items():
        lines[label] = np.where(years == 0, -capex[key], 0.0)
    lines["capex: augmentation (capitalised)"] = -aug_capex
    capex_total = np.where(years == 0, initial_capex, 0.0) + aug_capex
    lines["capex: total"] = -capex_total
    cfads = np.where(years >= 1, ebitda - aug_capex, 0.0)
    lines["CFADS"] = cfads

    # --- ITC and depreciation ------------------------------------------------------------------
    itc = itc_outcome(inputs.itc, inputs.power_mw)
    eligible = sum(capex[k] for k in inputs.capex.itc_eligible)
    credit_initial = itc.rate * eligible
    credits = np.where(years == tax_in.itc_year, credit_initial, 0.0)
    aug_credit = itc.rate * aug_capex if inputs.augmentation.itc_eligible else zeros.copy()
    credits = credits + aug_credit
    depreciation = depreciation_schedule(
        depreciable_basis(initial_capex, credit_initial),
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

    # --- debt ----------------------------------------------------------------------------------
    contracted = toll + capacity + floor_level  # floor_level is zero outside the floor term
    at_risk = revenue_total - contracted
    debt: DebtSchedule | None = None
    interest = principal = debt_service = balance = sizing_cfads = zeros.copy()
    target = np.full(n + 1, np.nan)
    fee_amort = zeros.copy()
    drawdown = fee = 0.0
    if inputs.debt is not None:
        d = inputs.debt
        sizing_cfads = cfads - (1.0 - d.merchant_haircut) * np.clip(at_risk, 0.0, None)
        target = blended_target_dscr(
            contracted, d.merchant_haircut * at_risk, d.dscr_contracted, d.dscr_merchant
        )
        debt = size_debt(
            sizing_cfads,
            target,
            d.rate,
            d.tenor_years,
            d.repayment,
            d.max_gearing * initial_capex,
            d.sizing,
            d.upfront_fee_pct,
        )
        interest, principal, debt_service = debt.interest, debt.principal, debt.debt_service
        balance, target = debt.closing_balance, debt.target_dscr
        drawdown, fee = debt.amount, debt.upfront_fee
        fee_amort = np.where((years >= 1) & (years <= d.tenor_years), fee / d.tenor_years, 0.0)
    lines["debt: drawdown"] = np.where(years == 0, drawdown, 0.0)
    lines["debt: upfront fee"] = np.where(years == 0, -fee, 0.0)
    lines["debt: interest"] = -interest
    lines["debt: principal"] = -principal
    lines["debt service"] = -debt_service
    equity_pre_tax = np.where(years == 0, -initial_capex + drawdown - fee, cfads - debt_service)
    lines["cash flow to equity (pre-tax)"] = equity_pre_tax

    # --- tax (levered, owner view) -------------------------------------------------------------
    taxable = ebitda - depreciation - interest - fee_amort
    tax = income_tax(taxable, tax_in.federal_rate, tax_in.state_rate, tax_in.loss_treatment)
    credit = monetise_credit(
        credits,
        tax.federal_tax,
        tax_in.itc_monetisation,
        tax_in.transfer_price,
        tax_in.loss_treatment,
    )
    lines["tax: state"] = -tax.state_tax
    lines["tax: federal"] = -tax.federal_tax
    lines["ITC: transfer proceeds"] = credit.transfer_proceeds
    lines["ITC: used against tax"] = credit.used_against_tax
    equity = equity_pre_tax - tax.state_tax - tax.federal_tax + credit.value
    lines["cash flow to equity"] = equity

    # --- unlevered -----------------------------------------------------------------------------
    unlev_pre = np.where(years == 0, -initial_capex, cfads)
    u_tax = income_tax(
        ebitda - depreciation, tax_in.federal_rate, tax_in.state_rate, tax_in.loss_treatment
    )
    u_credit = monetise_credit(
        credits,
        u_tax.federal_tax,
        tax_in.itc_monetisation,
        tax_in.transfer_price,
        tax_in.loss_treatment,
    )
    unlev_post = unlev_pre - u_tax.state_tax - u_tax.federal_tax + u_credit.value
    lines["unlevered pre-tax cash flow"] = unlev_pre
    lines["unlevered tax: state"] = -u_tax.state_tax
    lines["unlevered tax: federal"] = -u_tax.federal_tax
    lines["unlevered ITC"] = u_credit.value
    lines["unlevered after-tax cash flow"] = unlev_post

    # --- memo ----------------------------------------------------------------------------------
    dscr = dscr_series(cfads, debt_service)
    lines["memo: discharged MWh"] = mwh
    lines["memo: tolled share"] = 1.0 - merchant_scale
    lines["memo: contracted revenue"] = contracted
    lines["memo: merchant revenue at risk"] = at_risk
    lines["memo: sizing CFADS"] = sizing_cfads
    lines["memo: target DSCR"] = target
    lines["memo: DSCR"] = dscr
    lines["memo: debt balance (closing)"] = balance
    lines["memo: tax depreciation"] = depreciation
    lines["memo: taxable income"] = taxable
    lines["memo: federal taxable income"] = tax.federal_taxable_income
    lines["memo: NOL federal (closing)"] = tax.nol_federal
    lines["memo: ITC generated"] = credits
    lines["memo: ITC carryforward (closing)"] = credit.carryforward

    annual = pd.DataFrame.from_dict(
        lines, orient="index", columns=pd.RangeIndex(0, n + 1, name="year")
    )
    annual = annual + 0.0  # turn -0.0 from negated zero lines into 0.0

    # --- metrics -------------------------------------------------------------------------------
    r = inputs.discount_rate
    irrs = {
        "project_irr_pre_tax": irr_result(unlev_pre),
        "project_irr_after_tax": irr_result(unlev_post),
        "equity_irr_after_tax": irr_result(equity),
    }
    costs = np.where(years == 0, initial_capex, 0.0) + opex_total + aug_capex
    with_debt = debt is not None and debt.amount > 0
    valid_dscr = dscr[np.isfinite(dscr)]
    metrics = Metrics(
        project_irr_pre_tax=irrs["project_irr_pre_tax"].value,
        project_irr_after_tax=irrs["project_irr_after_tax"].value,
        equity_irr_after_tax=irrs["equity_irr_after_tax"].value,
        irr_notes={k: v.reason for k, v in irrs.items() if v.reason},
        discount_rate=r,
        project_npv_pre_tax=npv(r, unlev_pre),
        project_npv_after_tax=npv(r, unlev_post),
        equity_npv_after_tax=npv(r, equity),
        debt_amount=drawdown,
        gearing=drawdown / initial_capex if initial_capex > 0 else float("nan"),
        min_dscr=float(valid_dscr.min()) if with_debt and valid_dscr.size else float("nan"),
        avg_dscr=float(valid_dscr.mean()) if with_debt and valid_dscr.size else float("nan"),
        llcr=llcr(inputs.debt.rate, cfads, debt_service, drawdown)
        if with_debt and inputs.debt
        else float("nan"),
        lcos_usd_per_mwh=lcos(r, costs, mwh),
        lcos_with_credits_usd_per_mwh=lcos(r, costs, mwh, u_credit.value),
        project_payback_year=payback_year(unlev_post),
        equity_payback_year=payback_year(equity),
    )
    return ProForma(annual=annual, metrics=metrics, itc=itc, debt=debt, inputs=inputs)
