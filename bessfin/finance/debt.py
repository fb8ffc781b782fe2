"""Senior debt sizing and amortisation (sculpted or level annuity).

Debt is drawn at year 0 and serviced in years 1..tenor. With ``v = 1/(1+r)``::

    sculpted:  DS_t = max(CFADS_t, 0) / DSCR_t,      D_dscr = sum_t DS_t v^t        [$]
    annuity:   A = min_t CFADS_t / DSCR_t,             D_dscr = A (1 - v^T) / r       [$]
    D = min(D_dscr, gearing_cap)                                                      [$]

When the gearing cap binds, sculpted debt service is scaled down proportionally (so DSCR exceeds
target by the same factor in every year) and the annuity is recomputed from ``D``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Repayment = Literal["sculpted", "annuity"]
SizingMode = Literal["lesser_of", "dscr", "gearing"]


@dataclass(frozen=True)
class DebtSchedule:
    """Debt amount and per-year schedule; arrays are indexed by project year 0..N, amounts positive.

    Attributes
    ----------
    amount
        Debt drawn at year 0 [$].
    dscr_sized_amount
        Debt the DSCR test alone would allow [$].
    gearing_cap
        Debt the gearing test alone would allow [$] (``inf`` when not applied).
    binding
        ``"dscr"`` or ``"gearing"``: the test that set ``amount``.
    target_dscr
        Target DSCR per year, NaN outside the tenor [-].
    debt_service, interest, principal, opening_balance, closing_balance
        Per-year amounts [$].
    upfront_fee
        Fee paid at year 0 [$].
    notes
        Sizing outcomes a reader must not miss, in words: debt above capex, or debt (or a
        year's debt service) at zero because sizing CFADS is not positive in a loan year.
    """

    amount: float
    dscr_sized_amount: float
    gearing_cap: float
    binding: str
    target_dscr: np.ndarray
    debt_service: np.ndarray
    interest: np.ndarray
    principal: np.ndarray
    opening_balance: np.ndarray
    closing_balance: np.ndarray
    upfront_fee: float
    notes: tuple[str, ...] = ()


def annuity_factor(rate: float, tenor: int) -> float:
    """Present value of 1 $/yr for ``tenor`` years at ``rate``: ``(1 - (1+r)^-T) / r`` [yr]."""
    if rate == 0.0:
        return float(tenor)
    return (1.0 - (1.0 + rate) ** -tenor) / rate


def blended_target_dscr(
    contracted_revenue: np.ndarray,
    merchant_revenue: np.ndarray,
    dscr_contracted: float,
    dscr_merchant: float,
) -> np.ndarray:
    """Per-year target DSCR when contracted and merchant cash flow carry different targets.

    Costs are allocated pro rata to revenue, so the allowed debt service is
    ``CFADS_t * (s_t / DSCR_c + (1 - s_t) / DSCR_m)`` with ``s_t`` the contracted share of
    (sizing) revenue, i.e. ``DSCR_t = 1 / (s_t / DSCR_c + (1 - s_t) / DSCR_m)`` [-]. Years with no
    revenue use the merchant target.
    """
    c = np.clip(np.asarray(contracted_revenue, dtype=float), 0.0, None)
    m = np.clip(np.asarray(merchant_revenue, dtype=float), 0.0, None)
    total = c + m
    share = np.divide(c, total, out=np.zeros_like(total), where=total > 0.0)
    return 1.0 / (share / dscr_contracted + (1.0 - share) / dscr_merchant)


def _sizing_notes(cf: np.ndarray, in_tenor: np.ndarray, repayment: str, sizing: str,
                  d_dscr: float, amount: float, capex: float | None) -> tuple[str, ...]:
    """Notes on a sizing: $0 debt or unserviced years from non-positive CFADS, debt > capex."""
    notes: list[str] = []
    weak = [int(t) for t in np.flatnonzero(in_tenor) if cf[t] <= 0.0]
    if weak:
        listed = ", ".join(str(t) for t in weak)
        if d_dscr <= 0.0 and sizing != "gearing":
            notes.append(
                f"debt sized to $0: sizing CFADS is <= 0 in loan year(s) {listed}, so no level "
                "(annuity) payment is covered" if repayment == "annuity" else
                f"debt sized to $0: sizing CFADS is <= 0 in every loan year ({listed})")
        elif repayment == "sculpted":
            notes.append(f"no debt service in loan year(s) {listed}: sizing CFADS <= 0 there")
    if capex is not None and amount > capex:
        notes.append(f"debt ${amount / 1e6:,.1f}M exceeds capex ${capex / 1e6:,.1f}M "
                     f"({amount / capex:.0%}): the lender funds more than the project costs")
    return tuple(notes)


def size_debt(
    sizing_cfads: np.ndarray,
    target_dscr: np.ndarray,
    rate: float,
    tenor: int,
    repayment: Repayment = "sculpted",
    gearing_cap: float = float("inf"),
    sizing: SizingMode = "lesser_of",
    upfront_fee_pct: float = 0.0,
    capex: float | None = None,
) -> DebtSchedule:
    """Size debt and build its schedule.

    Parameters
    ----------
    sizing_cfads
        CFADS used for sizing (e.g. merchant revenue at P90) for years 0..N [$].
    target_dscr
        Target DSCR for years 0..N (only years 1..tenor are used) [-].
    rate
        Interest rate per year [-].
    tenor
        Repayment years, ``1 <= tenor <= N``.
    repayment
        ``"sculpted"`` (DS_t = CFADS_t / DSCR_t) or ``"annuity"`` (level payment).
    gearing_cap
        Maximum debt from gearing x capex [$].
    sizing
        ``"lesser_of"`` both tests, or only ``"dscr"`` or only ``"gearing"``.
    upfront_fee_pct
        Fee as a fraction of debt, paid at year 0 [-].
    capex
        Initial capex [$]; when given, debt above it is noted.
    """
    cf = np.asarray(sizing_cfads, dtype=float)
    n = cf.size - 1
    if not 1 <= tenor <= n:
        raise ValueError(f"tenor must be between 1 and the project life {n}, got {tenor}")
    dscr = np.asarray(target_dscr, dtype=float)
    years = np.arange(n + 1)
    in_tenor = (years >= 1) & (years <= tenor)
    if np.any(dscr[in_tenor] < 1.0):
        raise ValueError(
            f"target DSCR must be >= 1.0 in every tenor year, got min {dscr[in_tenor].min()}"
        )
    v = (1.0 + rate) ** -years.astype(float)
    af = annuity_factor(rate, tenor)

    if repayment == "sculpted":
        ds_full = np.where(in_tenor, np.clip(cf, 0.0, None) / np.where(in_tenor, dscr, 1.0), 0.0)
        d_dscr = float(ds_full @ v)
    elif repayment == "annuity":
        payment = max(float(np.min(cf[in_tenor] / dscr[in_tenor])), 0.0)
        d_dscr = payment * af
    else:
        raise ValueError(f"repayment must be 'sculpted' or 'annuity', got {repayment!r}")

    if sizing == "dscr":
        amount, binding = d_dscr, "dscr"
    elif sizing == "gearing":
        if not np.isfinite(gearing_cap):
            raise ValueError("sizing='gearing' needs a finite gearing cap")
        amount, binding = gearing_cap, "gearing"
    elif sizing == "lesser_of":
        amount, binding = (d_dscr, "dscr") if d_dscr <= gearing_cap else (gearing_cap, "gearing")
    else:
        raise ValueError(f"sizing must be 'lesser_of', 'dscr' or 'gearing', got {sizing!r}")

    if repayment == "sculpted":
        if d_dscr > 0.0:
            ds = ds_full * (amount / d_dscr)
        else:
            ds = np.where(in_tenor, amount / af, 0.0) if amount > 0 else np.zeros(n + 1)
    else:
        ds = np.where(in_tenor, amount / af, 0.0)

    notes = _sizing_notes(cf, in_tenor, repayment, sizing, d_dscr, amount, capex)
    opening = np.zeros(n + 1)
    closing = np.zeros(n + 1)
    interest = np.zeros(n + 1)
    principal = np.zeros(n + 1)
    closing[0] = amount
    for t in range(1, n + 1):
        opening[t] = closing[t - 1]
        interest[t] = rate * opening[t]
        principal[t] = ds[t] - interest[t]
        closing[t] = opening[t] - principal[t]
    return DebtSchedule(
        amount=amount,
        dscr_sized_amount=d_dscr,
        gearing_cap=gearing_cap,
        binding=binding,
        target_dscr=np.where(in_tenor, dscr, np.nan),
        debt_service=ds,
        interest=interest,
        principal=principal,
        opening_balance=opening,
        closing_balance=closing,
        upfront_fee=upfront_fee_pct * amount,
        notes=notes,
    )
