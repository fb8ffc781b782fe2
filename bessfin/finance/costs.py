"""Capital and operating cost lines, indexed by project year 0..N [$, positive = cost]."""

from __future__ import annotations

import numpy as np

from bessfin.finance.inputs import AugmentationInputs, CapexInputs, OpexInputs

KW_PER_MW = 1000.0
KWH_PER_MWH = 1000.0

#: Pro forma label of each capex line.
CAPEX_LABELS: dict[str, str] = {
    "dc_block": "capex: cells / DC block",
    "pcs": "capex: PCS",
    "bos": "capex: BOS",
    "epc": "capex: EPC",
    "interconnection": "capex: interconnection",
    "development": "capex: development",
}


def capex_lines(capex: CapexInputs, power_mw: float, energy_mwh: float) -> dict[str, float]:
    """Initial capex by line [$]: $/kWh x energy [kWh], $/kW x power [kW], or $.

    Parameters
    ----------
    capex
        Unit costs.
    power_mw
        Rated power [MW].
    energy_mwh
        Rated energy [MWh].
    """
    kw = power_mw * KW_PER_MW
    kwh = energy_mwh * KWH_PER_MWH
    return {
        "dc_block": capex.dc_block_usd_per_kwh * kwh,
        "pcs": capex.pcs_usd_per_kw * kw,
        "bos": capex.bos_usd_per_kwh * kwh,
        "epc": capex.epc_usd_per_kwh * kwh,
        "interconnection": capex.interconnection_usd_per_kw * kw,
        "development": capex.development_usd,
    }


def opex_index(n_years: int, escalation: float) -> np.ndarray:
    """Escalation index ``(1 + e)^(t - 1)`` for years 1..N, 0 in year 0 [-]."""
    t = np.arange(n_years + 1, dtype=float)
    return np.where(t >= 1, (1.0 + escalation) ** (t - 1.0), 0.0)


def opex_lines(
    opex: OpexInputs,
    power_mw: float,
    initial_capex: float,
    discharged_mwh: np.ndarray,
) -> dict[str, np.ndarray]:
    """Operating cost lines per year 0..N [$, positive].

    ``fixed_t = FOM [$/kW-yr] x power [kW] x idx_t``;
    ``variable_t = VOM [$/MWh] x discharged_t [MWh] x idx_t``;
    ``property_tax_t = pct x initial_capex x idx_t``; ``insurance_t`` likewise;
    ``land_t = lease [$/yr] x idx_t``; with ``idx_t = (1 + e)^(t-1)``.

    Parameters
    ----------
    discharged_mwh
        Energy discharged per year 0..N [MWh].
    """
    e = np.asarray(discharged_mwh, dtype=float)
    idx = opex_index(e.size - 1, opex.escalation)
    return {
        "fixed O&M": opex.fixed_om_usd_per_kw_yr * power_mw * KW_PER_MW * idx,
        "variable O&M": opex.variable_om_usd_per_mwh * e * idx,
        "property tax": opex.property_tax_pct_capex * initial_capex * idx,
        "insurance": opex.insurance_pct_capex * initial_capex * idx,
        "land lease": opex.land_lease_usd_per_yr * idx,
    }


def augmentation_costs(aug: AugmentationInputs, n_years: int) -> np.ndarray:
    """Augmentation cost per year 0..N [$]; years beyond N raise ``ValueError``."""
    out = np.zeros(n_years + 1)
    for year, cost in aug.by_year().items():
        if year > n_years:
            raise ValueError(f"augmentation year {year} is after the last operating year {n_years}")
        out[year] += cost
    return out
