"""Tax depreciation: MACRS half-year tables, bonus depreciation, ITC basis reduction."""

from __future__ import annotations

import numpy as np

#: MACRS general depreciation system, half-year convention, IRS Publication 946 Table A-1 [-].
#: 5-year is the working default for §48E storage (policy_facts.md rows 1.24/1.25; the OBBBA effect
#: is DISPUTED, so 7/15/20-year are offered as options).
MACRS_HALF_YEAR: dict[int, tuple[float, ...]] = {
    5: (0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576),
    7: (0.1429, 0.2449, 0.1749, 0.1249, 0.0893, 0.0892, 0.0893, 0.0446),
    15: (
        0.05,
        0.095,
        0.0855,
        0.077,
        0.0693,
        0.0623,
        0.059,
        0.059,
        0.0591,
        0.059,
        0.0591,
        0.059,
        0.0591,
        0.059,
        0.0591,
        0.0295,
    ),
    20: (
        0.0375,
        0.07219,
        0.06677,
        0.06177,
        0.05713,
        0.05285,
        0.04888,
        0.04522,
        0.04462,
        0.04461,
        0.04462,
        0.04461,
        0.04462,
        0.04461,
        0.04462,
        0.04461,
        0.04462,
        0.04461,
        0.04462,
        0.04461,
        0.02231,
    ),
}

#: Share of the ITC that reduces depreciable basis, §50(c)(3) (policy_facts.md row 1.22) [-].
ITC_BASIS_REDUCTION = 0.5


def depreciable_basis(
    cost: float, itc_amount: float, reduction: float = ITC_BASIS_REDUCTION
) -> float:
    """Depreciable basis after the ITC basis reduction.

    ``basis = cost - reduction * itc_amount`` [$].

    Parameters
    ----------
    cost
        Depreciable cost [$].
    itc_amount
        Credit claimed on the property [$].
    reduction
        Fraction of the credit deducted from basis [-].
    """
    return cost - reduction * itc_amount


def depreciation_schedule(
    basis: float,
    n_years: int,
    start_year: int = 1,
    macrs_class: int = 5,
    bonus_fraction: float = 0.0,
    write_off_remaining: bool = True,
) -> np.ndarray:
    """Tax depreciation by project year 0..``n_years``.

    Bonus depreciation ``bonus_fraction * basis`` is taken in ``start_year`` (the year placed in
    service); the rest follows the MACRS half-year table from ``start_year``. Depreciation
    that would fall after ``n_years`` is written off in ``n_years`` when
    ``write_off_remaining`` (disposal at end of life), else dropped.

    Parameters
    ----------
    basis
        Depreciable basis [$].
    n_years
        Last project year.
    start_year
        Project year placed in service (first depreciation year).
    macrs_class
        Recovery period [years]: one of ``MACRS_HALF_YEAR``.
    bonus_fraction
        Share of basis expensed in the first year [-].

    Returns
    -------
    numpy.ndarray
        Depreciation per year, length ``n_years + 1`` [$].
    """
    if macrs_class not in MACRS_HALF_YEAR:
        raise ValueError(f"macrs_class must be one of {sorted(MACRS_HALF_YEAR)}, got {macrs_class}")
    if not 0.0 <= bonus_fraction <= 1.0:
        raise ValueError(f"bonus_fraction must be in [0, 1], got {bonus_fraction}")
    if not 0 <= start_year <= n_years:
        raise ValueError(f"start_year must be in [0, {n_years}], got {start_year}")
    dep = np.zeros(n_years + 1)
    dep[start_year] += bonus_fraction * basis
    rest = (1.0 - bonus_fraction) * basis
    for i, pct in enumerate(MACRS_HALF_YEAR[macrs_class]):
        year = start_year + i
        if year <= n_years:
            dep[year] += pct * rest
        elif write_off_remaining:
            dep[n_years] += pct * rest
    return dep
