"""NREL SAM Single Owner (PySAM) set up from a bessfin pro forma: inputs in, SAM's own lines out.

SAM receives the pro forma's annual cash lines as user schedules and computes its own debt,
depreciation, tax, credits, cash flows, IRRs and NPVs. The mapping (docs/finance.md, "Cross-check
against NREL SAM"):

* revenue_t [$] -> ``cp_capacity_payment_amount`` (type 1: fixed $/yr, annual schedule), except
  the part of revenue that SAM must not see as cash available for debt service (see debt), which
  goes to a production-based incentive ``pbi_oth_amount`` [$/kWh] x 8,760 kWh/yr (``gen`` = 1 kW
  every hour), taxable federally and by the state, ``pbi_oth_for_ds = 0``.
* opex_t + capitalised augmentation_t [$] -> ``om_fixed`` annual schedule (an array of N values
  is used as given, without escalation or inflation).
* initial capex [$] -> ``total_installed_cost``; credit [$] -> ``itc_fed_amount`` in its year,
  with the 50 % basis reduction (``itc_fed_amount_deprbas_fed/sta``).
* depreciation: 100 % 5- or 15-year MACRS half-year (SAM's own table) when the deal has no
  capitalised augmentation; otherwise a custom schedule (``depr_custom_schedule``, % of the
  depreciable basis per year) carrying bessfin's tax depreciation less the augmentation SAM
  already deducted as O&M.
* debt: SAM sculpts ``DS_t = CFADS_t / DSCR`` to one DSCR. bessfin's debt service schedule
  ``DS_t`` is carried by putting ``c DS_t + O&M_t`` of revenue in the capacity payment
  (``c`` = the lowest CFADS/DS ratio) and the rest in the PBI line; SAM then sizes the debt as the
  present value of its debt service at the loan rate, splits interest and principal and runs tax.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOURS = 8760
#: SAM Single Owner inputs that put a cash item into the model unless set. Every one is set
#: explicitly here (the value after the name); most are ON in SAM's defaults.
SAM_CASH_ITEMS_OFF: dict[str, float] = {
    "inflation_rate": 0.0,  # SAM escalates O&M, insurance and reserves by inflation + escalation
    "om_fixed_escal": 0.0, "om_capacity_escal": 0.0, "om_production_escal": 0.0,
    "om_capacity": 0.0, "om_production": 0.0, "om_fuel_cost": 0.0,
    "insurance_rate": 0.0,  # SAM default 0.5 % of installed cost per year
    "property_tax_rate": 0.0,  # SAM default 2 % of assessed value per year
    "prop_tax_cost_assessed_percent": 100.0, "prop_tax_assessed_decline": 0.0,
    "salvage_percentage": 0.0,  # salvage value as revenue in the last year
    "construction_financing_cost": 0.0,  # added to installed cost and depreciated
    "cost_debt_closing": 0.0,  # SAM default $450,000 at year 0
    "cost_debt_fee": 0.0,  # SAM default 2.75 % of debt at year 0, never deducted for tax
    "cost_other_financing": 0.0,
    "dscr_reserve_months": 0.0,  # SAM default 6-month debt service reserve
    "months_working_reserve": 0.0,  # SAM default 6-month O&M reserve
    "months_receivables_reserve": 0.0,
    "reserves_interest": 0.0,
    "equip1_reserve_cost": 0.0, "equip1_reserve_freq": 0,
    "equip2_reserve_cost": 0.0, "equip2_reserve_freq": 0,
    "equip3_reserve_cost": 0.0, "equip3_reserve_freq": 0,
    "equip_reserve_depr_fed": 0, "equip_reserve_depr_sta": 0,
    "loan_moratorium": 0,
    "dscr_limit_debt_fraction": 0, "dscr_maximum_debt_fraction": 100.0,
    "system_use_recapitalization": 0, "system_recapitalization_cost": 0.0,
    "system_recapitalization_escalation": 0.0,
    "om_land_lease": 0.0, "land_area": 0.0, "om_land_lease_escal": 0.0,
    "grid_curtailment_price": 0.0, "grid_curtailment_price_esc": 0.0,
    "ppa_escalation": 0.0,
    "itc_fed_percent": 0.0, "itc_sta_percent": 0.0, "itc_sta_amount": 0.0,
    "ptc_fed_amount": 0.0, "ptc_sta_amount": 0.0,
    "ibi_fed_amount": 0.0, "ibi_sta_amount": 0.0, "ibi_uti_amount": 0.0, "ibi_oth_amount": 0.0,
    "ibi_fed_percent": 0.0, "ibi_sta_percent": 0.0, "ibi_uti_percent": 0.0,
    "ibi_oth_percent": 0.0,
    "cbi_fed_amount": 0.0, "cbi_sta_amount": 0.0, "cbi_uti_amount": 0.0, "cbi_oth_amount": 0.0,
    "pbi_fed_amount": 0.0, "pbi_sta_amount": 0.0, "pbi_uti_amount": 0.0,
    "depr_bonus_fed": 0.0, "depr_bonus_sta": 0.0,
}


class SamNotInstalledError(ImportError):
    """PySAM (the ``sam`` extra) is not installed."""


INSTALL_HINT = "the NREL SAM cross-check needs PySAM: pip install 'bessfin[sam]' (nrel-pysam)"


def _singleowner():
    try:
        import PySAM.Singleowner as singleowner
    except ImportError:
        raise SamNotInstalledError(INSTALL_HINT) from None
    return singleowner


@dataclass(frozen=True)
class SamCase:
    """What SAM is given, besides the cash items switched off.

    Attributes
    ----------
    revenue, opex, augmentation, cfads, debt_service, depreciation, credit
        bessfin's lines over years 0..N [$]; costs positive, augmentation the capitalised part.
    capex
        Initial capex at year 0 [$].
    federal_rate, state_rate, discount_rate, debt_rate
        Fractions [-].
    tenor
        Debt tenor [yr]; 0 without debt.
    macrs_class
        5 or 15 to use SAM's own MACRS table; None for the custom schedule.
    bonus
        Bonus depreciation fraction [-] (with SAM's MACRS table only).
    """

    revenue: np.ndarray
    opex: np.ndarray
    augmentation: np.ndarray
    cfads: np.ndarray
    debt_service: np.ndarray
    depreciation: np.ndarray
    credit: np.ndarray
    capex: float
    federal_rate: float
    state_rate: float
    discount_rate: float
    debt_rate: float
    tenor: int
    macrs_class: int | None
    bonus: float

    @property
    def years(self) -> int:
        return self.revenue.size - 1


def dscr_carrier(case: SamCase) -> float:
    """The one DSCR ``c`` SAM sculpts to: the lowest CFADS / DS over years with debt service
    (1.0 when that is not positive)."""
    ds = case.debt_service[1 : case.tenor + 1]
    cf = case.cfads[1 : case.tenor + 1]
    ratios = cf[ds > 0] / ds[ds > 0]
    c = float(ratios.min()) if ratios.size else 1.0
    return c if c > 0 else 1.0


def sam_inputs(case: SamCase, levered: bool) -> dict[str, object]:
    """SAM Single Owner inputs for ``case``: levered (with bessfin's debt service) or all equity."""
    n = case.years
    yrs = slice(1, n + 1)
    revenue, opex = case.revenue[yrs], (case.opex + case.augmentation)[yrs]
    cp = revenue.copy()
    c = 1.0
    if levered and case.tenor > 0:
        c = dscr_carrier(case)
        t = case.tenor
        cp[:t] = c * case.debt_service[1 : t + 1] + opex[:t]
    pbi = revenue - cp
    credit = case.credit[yrs]
    basis = case.capex - 0.5 * credit.sum()
    values: dict[str, object] = dict(SAM_CASH_ITEMS_OFF)
    values.update({
        "analysis_period": n,
        "system_use_lifetime_output": 0,
        "gen": [1.0] * HOURS,  # 1 kW every hour: 8,760 kWh/yr carries the PBI line
        "degradation": [0.0],
        "system_capacity": 1.0,
        "annual_energy_pre_curtailment_ac": float(HOURS),
        "ppa_soln_mode": 1,
        "ppa_price_input": [0.0],
        "ppa_multiplier_model": 0,
        "dispatch_factors_ts": [1.0] * HOURS,
        "dispatch_tod_factors": [1.0] * 9,
        "dispatch_sched_weekday": [[1.0] * 24] * 12,
        "dispatch_sched_weekend": [[1.0] * 24] * 12,
        "cp_capacity_payment_type": 1,
        "cp_capacity_payment_amount": [float(x) for x in cp],
        "cp_capacity_payment_esc": 0.0,
        "cp_capacity_credit_percent": [100.0],
        "cp_system_nameplate": 1.0,
        "cp_battery_nameplate": 0.0,
        "pbi_oth_amount": [float(x) / HOURS for x in pbi],
        "pbi_oth_escal": 0.0, "pbi_oth_term": n,
        "pbi_oth_for_ds": 0, "pbi_oth_tax_fed": 1, "pbi_oth_tax_sta": 1,
        "om_fixed": [float(x) for x in opex],
        "total_installed_cost": case.capex,
        "federal_tax_rate": [100.0 * case.federal_rate],
        "state_tax_rate": [100.0 * case.state_rate],
        "real_discount_rate": 100.0 * case.discount_rate,
        "itc_fed_amount": [float(x) for x in credit],
        "itc_fed_amount_deprbas_fed": 1, "itc_fed_amount_deprbas_sta": 1,
        "itc_fed_percent_deprbas_fed": 0, "itc_fed_percent_deprbas_sta": 0,
        "depr_fedbas_method": 1, "depr_stabas_method": 1,
        "term_int_rate": 100.0 * case.debt_rate,
    })
    classes = {"macrs_5": 0.0, "macrs_15": 0.0, "sl_5": 0.0, "sl_15": 0.0, "sl_20": 0.0,
               "sl_39": 0.0, "custom": 0.0}
    if case.macrs_class is not None:
        classes[f"macrs_{case.macrs_class}"] = 100.0
        values["depr_custom_schedule"] = [0.0]
    else:
        classes["custom"] = 100.0
        deduction = case.depreciation[yrs] - case.augmentation[yrs]
        values["depr_custom_schedule"] = [float(x) for x in 100.0 * deduction / basis]
    for k, pct in classes.items():
        values[f"depr_alloc_{k}_percent"] = pct
        on = int(pct > 0)
        for side in ("fed", "sta"):
            values[f"depr_itc_{side}_{k}"] = on
            values[f"depr_bonus_{side}_{k}"] = on if case.macrs_class is not None else 0
    if case.macrs_class is not None:
        values["depr_bonus_fed"] = values["depr_bonus_sta"] = 100.0 * case.bonus
    if levered and case.tenor > 0:
        values.update({"debt_option": 1, "dscr": c, "term_tenor": case.tenor,
                       "payment_option": 0, "debt_percent": 0.0})
    else:
        values.update({"debt_option": 0, "debt_percent": 0.0, "term_tenor": max(case.tenor, 1),
                       "payment_option": 0, "dscr": 1.0})
    return values


#: SAM output arrays read back, by bessfin-side name.
_OUTPUTS = {
    "revenue": ("cf_total_revenue", "cf_pbi_total"),
    "cfads": ("cf_ebitda", "cf_pbi_total"),  # = cf_cash_for_ds in tenor years (no reserves)
    "debt_service": ("cf_debt_payment_total",),
    "interest": ("cf_debt_payment_interest",),
    "depreciation": ("cf_feddepr_total",),
    "state_tax": ("cf_statax",),
    "federal_tax": ("cf_fedtax",),
    "credit": ("cf_itc_total",),
    "after_tax_cash_flow": ("cf_project_return_aftertax",),
}


@dataclass(frozen=True)
class SamRun:
    """SAM's own results for one run [$ unless stated]; arrays over years 0..N."""

    lines: dict[str, np.ndarray]
    irr: float  # after-tax IRR [-] (SAM's project_return_aftertax_irr / 100)
    npv: float  # after-tax NPV at the nominal discount rate [$]
    debt: float  # size_of_debt [$]
    inputs: dict[str, object]


def run_sam(case: SamCase, levered: bool) -> SamRun:
    """Execute SAM Single Owner on ``case`` and read back its lines."""
    so = _singleowner()
    inputs = sam_inputs(case, levered)
    model = so.new()
    for name, value in inputs.items():
        try:
            model.value(name, value)
        except TypeError:  # SAM wants an array (a one-value array = a constant)
            model.value(name, [value])
    model.execute(0)
    out = model.Outputs
    n = case.years
    lines: dict[str, np.ndarray] = {}
    for key, names in _OUTPUTS.items():
        total = np.zeros(n + 1)
        for name in names:
            arr = np.asarray(getattr(out, name), dtype=float)
            total[: arr.size] += arr[: n + 1]
        lines[key] = total
    return SamRun(
        lines=lines,
        irr=float(out.project_return_aftertax_irr) / 100.0,
        npv=float(out.project_return_aftertax_npv),
        debt=float(out.size_of_debt),
        inputs=inputs,
    )
