"""Contracted revenue: tolling, resource adequacy / capacity, floor with upside sharing.

Arrays are indexed by project year 0..N (year 0 is construction/COD and always zero). A contract
with ``start_year = s`` and ``tenor_years = T`` is active in years ``s..s+T-1`` (truncated at N) and
its price escalates from its first year: ``p_t = p (1 + e)^(t - s)``.

Tolling convention: a tolled share ``k`` of power capacity earns the toll, not the market, so
merchant streams are scaled by ``1 - k`` in toll years.
"""

from __future__ import annotations

import numpy as np

from bessfin.finance.inputs import CapacityContractInputs, FloorInputs, TollInputs

KW_PER_MW = 1000.0
MONTHS = 12.0


def active_years(n_years: int, start_year: int, tenor_years: int) -> np.ndarray:
    """Boolean mask of contract years over years 0..``n_years``."""
    t = np.arange(n_years + 1)
    return (t >= start_year) & (t < start_year + tenor_years) & (t >= 1)


def contract_price_index(n_years: int, start_year: int, escalation: float) -> np.ndarray:
    """``(1 + e)^(t - start_year)`` for years 0..``n_years`` [-]."""
    t = np.arange(n_years + 1, dtype=float)
    return (1.0 + escalation) ** (t - start_year)


def _monthly_capacity_payment(
    price_usd_per_kw_month: float, mw: float, n_years: int, start: int, tenor: int, esc: float
) -> np.ndarray:
    mask = active_years(n_years, start, tenor)
    annual = price_usd_per_kw_month * MONTHS * mw * KW_PER_MW
    return np.where(mask, annual * contract_price_index(n_years, start, esc), 0.0)


def tolling_revenue(toll: TollInputs | None, power_mw: float, n_years: int) -> np.ndarray:
    """Toll payments ``price [$/kW-mo] x 12 x share x power [kW] x escalation`` per year [$]."""
    if toll is None:
        return np.zeros(n_years + 1)
    return _monthly_capacity_payment(
        toll.price_usd_per_kw_month,
        toll.share * power_mw,
        n_years,
        toll.start_year,
        toll.tenor_years,
        toll.escalation,
    )


def tolled_share(toll: TollInputs | None, n_years: int) -> np.ndarray:
    """Share of capacity under the toll in each year [-]."""
    if toll is None:
        return np.zeros(n_years + 1)
    return np.where(active_years(n_years, toll.start_year, toll.tenor_years), toll.share, 0.0)


def capacity_revenue(contract: CapacityContractInputs | None, n_years: int) -> np.ndarray:
    """RA / capacity payments ``price [$/kW-mo] x 12 x contracted [kW] x escalation`` [$]."""
    if contract is None:
        return np.zeros(n_years + 1)
    return _monthly_capacity_payment(
        contract.price_usd_per_kw_month,
        contract.contracted_mw,
        n_years,
        contract.start_year,
        contract.tenor_years,
        contract.escalation,
    )


def floor_settlement(
    floor: FloorInputs | None, power_mw: float, merchant_full: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Floor top-up and upside payment on the covered share of merchant revenue.

    With ``M_t`` merchant revenue of the whole plant [$], covered revenue ``C_t = share x M_t`` and
    floor ``F_t = floor [$/kW-mo] x 12 x share x power [kW] x escalation`` in contract years::

        top_up_t  = max(F_t - C_t, 0)                      (paid to the project)   [$]
        upside_t  = upside_share x max(C_t - F_t, 0)       (paid to the provider)  [$]

    Returns
    -------
    tuple of numpy.ndarray
        ``(top_up, upside_paid, floor_level)`` per year 0..N, all >= 0 [$].
    """
    m = np.asarray(merchant_full, dtype=float)
    n_years = m.size - 1
    if floor is None:
        z = np.zeros(n_years + 1)
        return z, z.copy(), z.copy()
    level = _monthly_capacity_payment(
        floor.floor_usd_per_kw_month,
        floor.share * power_mw,
        n_years,
        floor.start_year,
        floor.tenor_years,
        floor.escalation,
    )
    mask = active_years(n_years, floor.start_year, floor.tenor_years)
    covered = floor.share * m
    top_up = np.where(mask, np.clip(level - covered, 0.0, None), 0.0)
    upside = np.where(mask, floor.upside_share * np.clip(covered - level, 0.0, None), 0.0)
    return top_up, upside, level
