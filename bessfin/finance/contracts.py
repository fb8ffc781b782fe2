"""Contracted revenue: tolling, resource adequacy / capacity, floor with upside sharing.

Arrays are indexed by project year 0..N (year 0 is construction/COD and always zero). A contract
with ``start_year = s`` and ``tenor_years = T`` is active in years ``s..s+T-1`` (truncated at N) and
its price escalates from its first year: ``p_t = p (1 + e)^(t - s)``.

Tolling convention: a tolled share ``k`` of power capacity earns the toll, not the market, so
merchant streams are scaled by ``1 - k`` in toll years.
"""

from __future__ import annotations

import numpy as np

from bessfin.finance.inputs import (
    CapacityContractInputs,
    ContractInputs,
    FloorInputs,
    TollInputs,
)

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


def contracted_mw(contracts: ContractInputs, power_mw: float, n_years: int) -> np.ndarray:
    """Power committed to contracts in each year 0..``n_years`` [MW].

    Toll ``share x power``, capacity/RA ``contracted_mw`` and floor ``share x power``, summed
    over the contracts active in the year: each MW can be sold once, so this may not exceed the
    battery's power (:func:`contract_problems`).
    """
    total = np.zeros(n_years + 1)
    for c in (contracts.toll, contracts.capacity, contracts.floor):
        if c is None:
            continue
        mw = c.contracted_mw if isinstance(c, CapacityContractInputs) else c.share * power_mw
        total += np.where(active_years(n_years, c.start_year, c.tenor_years), mw, 0.0)
    return total


def contract_problems(
    contracts: ContractInputs, power_mw: float, life_years: int | None = None
) -> list[str]:
    """Why a set of contracts cannot be honoured by the battery (empty when it can).

    * the contracted MW of any year (:func:`contracted_mw`) exceeds ``power_mw``;
    * a contract runs past ``life_years`` (its last year ``start_year + tenor_years - 1``);
      contracts start in year >= 1 by their schema.
    """
    out = []
    parts = {
        "toll": contracts.toll, "capacity": contracts.capacity, "floor": contracts.floor,
    }
    if life_years is not None:
        for key, c in parts.items():
            if c is not None and c.start_year + c.tenor_years - 1 > life_years:
                out.append(
                    f"contracts.{key}: start_year {c.start_year} + tenor_years {c.tenor_years} "
                    f"runs to year {c.start_year + c.tenor_years - 1}, past project.life_years "
                    f"{life_years}; shorten the tenor"
                )
    horizon = max([life_years or 0] + [c.start_year + c.tenor_years - 1
                                        for c in parts.values() if c is not None])
    mw = contracted_mw(contracts, power_mw, horizon)
    over = np.flatnonzero(mw > power_mw * (1 + 1e-9))
    if len(over):
        y = int(over[0])
        terms = []
        for key, c in parts.items():
            if c is None or not active_years(horizon, c.start_year, c.tenor_years)[y]:
                continue
            terms.append(f"contracts.capacity.contracted_mw = {c.contracted_mw:g} MW"
                         if isinstance(c, CapacityContractInputs)
                         else f"contracts.{key}.share = {c.share:g} x {power_mw:g} MW")
        out.append(
            f"contracts sell {mw[y]:g} MW in year {y} ({' + '.join(terms)}), more than "
            f"battery.power_mw = {power_mw:g} MW (years over: {len(over)}); each MW can be "
            "contracted once"
        )
    return out
