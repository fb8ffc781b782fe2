"""Cash-flow metrics: NPV, IRR, LCOS, payback, DSCR, LLCR.

Cash flows are indexed by project year ``t = 0..N``; year 0 is undiscounted::

    NPV(r) = sum_t CF_t / (1 + r)^t            [$]

(Spreadsheet ``NPV()`` discounts its first value; this does not.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

ArrayLike = Sequence[float] | np.ndarray

# Rates scanned for sign changes of NPV(r); IRRs outside (-0.99, 1000) are not reported.
_RATE_GRID = np.unique(
    np.concatenate([np.linspace(-0.99, 1.0, 400), np.geomspace(1.0, 1000.0, 200)])
)


def discount_factors(rate: float, n_years: int) -> np.ndarray:
    """``1 / (1 + rate)^t`` for ``t = 0..n_years`` [-]."""
    if rate <= -1.0:
        raise ValueError(f"rate must be > -1, got {rate}")
    return (1.0 + rate) ** -np.arange(n_years + 1, dtype=float)


def npv(rate: float, cash_flows: ArrayLike) -> float:
    """Net present value with year 0 undiscounted.

    Parameters
    ----------
    rate
        Discount rate per year [-].
    cash_flows
        Cash flow for years 0..N [$].

    Returns
    -------
    float
        NPV [$].
    """
    cf = np.asarray(cash_flows, dtype=float)
    return float(cf @ discount_factors(rate, len(cf) - 1))


@dataclass(frozen=True)
class IrrResult:
    """IRR with a reason when it is undefined.

    Attributes
    ----------
    value
        IRR [-]; NaN when undefined.
    reason
        Empty when a unique IRR was found; otherwise why it is NaN or which root was chosen.
    roots
        Every IRR found in (-0.99, 1000) [-].
    """

    value: float
    reason: str
    roots: tuple[float, ...]


def irr_result(cash_flows: ArrayLike) -> IrrResult:
    """Internal rate of return: the rate at which :func:`npv` is zero.

    NPV is evaluated on a grid of rates in (-0.99, 1000); each sign change is refined with
    ``scipy.optimize.brentq``. No sign change in the cash flows gives NaN with a reason. With
    several roots the one closest to zero is returned and the reason lists all of them.

    Parameters
    ----------
    cash_flows
        Cash flow for years 0..N [$].
    """
    cf = np.asarray(cash_flows, dtype=float)
    if not np.all(np.isfinite(cf)):
        return IrrResult(float("nan"), "cash flows contain NaN or inf", ())
    nz = cf[cf != 0.0]
    if nz.size == 0:
        return IrrResult(float("nan"), "all cash flows are zero: IRR undefined", ())
    if np.all(nz > 0) or np.all(nz < 0):
        sign = "positive" if nz[0] > 0 else "negative"
        return IrrResult(
            float("nan"), f"cash flows are all {sign} (no sign change): IRR undefined", ()
        )
    values = np.array([npv(r, cf) for r in _RATE_GRID])
    roots: list[float] = []
    for i in range(len(_RATE_GRID) - 1):
        a, b = values[i], values[i + 1]
        if a == 0.0:
            roots.append(float(_RATE_GRID[i]))
        elif a * b < 0.0:
            roots.append(
                float(
                    brentq(
                        npv, _RATE_GRID[i], _RATE_GRID[i + 1], args=(cf,), xtol=1e-14, rtol=1e-12
                    )
                )
            )
    if values[-1] == 0.0:
        roots.append(float(_RATE_GRID[-1]))
    if not roots:
        return IrrResult(
            float("nan"), "NPV does not change sign for rates in (-0.99, 1000): IRR undefined", ()
        )
    best = min(roots, key=abs)
    reason = ""
    if len(roots) > 1:
        listed = ", ".join(f"{r:.6g}" for r in roots)
        reason = f"multiple IRRs ({listed}); returned the one closest to zero"
    return IrrResult(best, reason, tuple(roots))


def irr(cash_flows: ArrayLike) -> float:
    """IRR [-] of cash flows for years 0..N; NaN when undefined (see :func:`irr_result`)."""
    return irr_result(cash_flows).value


def lcos(
    rate: float, costs: ArrayLike, discharged_mwh: ArrayLike, credits: ArrayLike | None = None
) -> float:
    """Levelised cost of storage.

    ``LCOS = (PV(costs) - PV(credits)) / PV(discharged_mwh)`` [$/MWh], i.e. the constant price per
    MWh discharged whose revenue has the same present value as the costs net of credits.

    Parameters
    ----------
    rate
        Discount rate [-].
    costs
        Costs for years 0..N as positive numbers [$].
    discharged_mwh
        Energy discharged for years 0..N [MWh].
    credits
        Tax-credit value for years 0..N as positive numbers [$]; ``None`` for none.
    """
    c = np.asarray(costs, dtype=float)
    e = np.asarray(discharged_mwh, dtype=float)
    if c.shape != e.shape:
        raise ValueError(
            f"costs and discharged_mwh must have the same length, got {c.shape} and {e.shape}"
        )
    pv_e = npv(rate, e)
    if pv_e <= 0.0:
        return float("nan")
    pv_c = npv(rate, c) - (npv(rate, credits) if credits is not None else 0.0)
    return pv_c / pv_e


def payback_year(cash_flows: ArrayLike) -> int | None:
    """First year from which cumulative (undiscounted) cash flow stays >= 0; ``None`` if never."""
    cum = np.cumsum(np.asarray(cash_flows, dtype=float))
    negative = np.flatnonzero(cum < 0.0)
    if negative.size == 0:
        return 0
    last = int(negative[-1])
    return last + 1 if last + 1 < cum.size else None


def dscr_series(cfads: ArrayLike, debt_service: ArrayLike) -> np.ndarray:
    """``DSCR_t = CFADS_t / DS_t`` where ``DS_t > 0`` (DS positive), NaN elsewhere [-]."""
    c = np.asarray(cfads, dtype=float)
    d = np.asarray(debt_service, dtype=float)
    out = np.full(c.shape, np.nan)
    mask = d > 0.0
    out[mask] = c[mask] / d[mask]
    return out


def llcr(rate: float, cfads: ArrayLike, debt_service: ArrayLike, debt_amount: float) -> float:
    """Loan-life coverage ratio at financial close.

    ``LLCR = PV_rate(CFADS_t over years with DS_t > 0) / D`` [-], with ``cfads`` and
    ``debt_service`` indexed by years 0..N and ``D`` the initial debt [$].
    """
    if debt_amount <= 0.0:
        return float("nan")
    c = np.asarray(cfads, dtype=float)
    d = np.asarray(debt_service, dtype=float)
    mask = d > 0.0
    if not mask.any():
        return float("nan")
    last = int(np.flatnonzero(mask)[-1])
    window = np.where(np.arange(c.size) <= last, c, 0.0)
    window[0] = 0.0
    return npv(rate, window) / debt_amount
