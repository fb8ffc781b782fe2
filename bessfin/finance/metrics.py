"""Cash-flow metrics: NPV, IRR, LCOS, payback, DSCR, LLCR.

Cash flows are indexed by project year ``t = 0..N``; year 0 is undiscounted::

    NPV(r) = sum_t CF_t / (1 + r)^t            [$]

(Spreadsheet ``NPV()`` discounts its first value; this does not.)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ArrayLike = Sequence[float] | np.ndarray

# Rates scanned for sign changes of NPV(r), a safety net under the polynomial roots.
_RATE_GRID = np.unique(
    np.concatenate([np.linspace(-0.99, 1.0, 400), np.geomspace(1.0, 1000.0, 200)])
)


@functools.lru_cache(maxsize=8)
def _grid_discounts(n_years: int) -> np.ndarray:
    """Discount factors of every rate of ``_RATE_GRID`` (rows) for years 0..n_years [-]."""
    return (1.0 + _RATE_GRID)[:, None] ** -np.arange(n_years + 1, dtype=float)


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


#: IRRs are reported in this range of rates [-]; roots outside it are named in the note only.
IRR_RANGE = (-0.99, 1000.0)


@dataclass(frozen=True)
class IrrResult:
    """IRR with a note in words when it is undefined, not unique, or not a return.

    Attributes
    ----------
    value
        IRR [-]; NaN when no rate in :data:`IRR_RANGE` makes NPV zero.
    reason
        Empty for a unique, investment-type IRR; otherwise, in words: why it is NaN, that
        several rates make NPV zero (all listed), that NPV only touches zero (a double root),
        or that the flow is borrowing-type (NPV rises with the rate).
    roots
        Every rate in :data:`IRR_RANGE` at which NPV is zero, ascending [-].
    kind
        ``"unique"``, ``"multiple"``, ``"tangent"`` (NPV touches zero without changing sign),
        ``"borrowing"`` (one root, NPV rising with the rate) or ``"none"``.
    """

    value: float
    reason: str
    roots: tuple[float, ...]
    kind: str = "unique"

    @property
    def note(self) -> str:
        """The reason, under the name the reports use."""
        return self.reason


def _pct(r: float) -> str:
    return f"{r:.4%}"


#: Newton steps tried before a root is handed to ``brentq``.
_NEWTON_STEPS = 30


def _newton(cf: np.ndarray, r: float, a: float, b: float) -> float | None:
    """Newton's method on NPV from ``r``, kept inside ``[a, b]`` (where NPV changes sign).

    Stops when a step is below ``1e-14 (1 + |r|)``. Returns None when a step would leave the
    bracket, the slope is zero or it has not settled in :data:`_NEWTON_STEPS` steps: the
    caller then brackets with ``brentq``. Near a simple root Newton converges quadratically,
    so the polynomial roots need 1-3 steps, and scipy (about 0.4 s to import beside Pyomo,
    which also loads ``scipy.stats`` then) is loaded only when a root is hard."""
    t = np.arange(cf.size, dtype=float)
    tcf = t * cf
    for _ in range(_NEWTON_STEPS):
        d = (1.0 + r) ** -t
        slope = -float(tcf @ d) / (1.0 + r)
        if slope == 0.0 or not np.isfinite(slope):
            return None
        step = float(cf @ d) / slope
        r_next = r - step
        if not a <= r_next <= b:
            return None
        if abs(step) <= 1e-14 * (1.0 + abs(r)):
            return r_next
        r = r_next
    return None


def _brentq(cf: np.ndarray, a: float, b: float, **tol: float) -> float:
    """The root of NPV in ``[a, b]`` (opposite signs at the ends) by ``scipy.optimize.brentq``."""
    from scipy.optimize import brentq  # lazy: see _newton

    return float(brentq(npv, a, b, args=(cf,), **tol))


def _polish(cf: np.ndarray, r: float, lo: float, hi: float) -> tuple[float, bool] | None:
    """Refine a candidate root ``r`` of NPV; returns (root, crosses zero), or None if spurious.

    NPV is compared at ``r +- h`` with ``h = 1e-4 (1 + |r|)`` kept inside ``(lo, hi)`` (the
    midpoints to the neighbouring roots). Opposite signs: the root is refined by Newton's
    method inside that bracket, or by ``brentq`` when Newton leaves it. Same sign: ``r`` is a
    tangent (double) root if NPV there is zero to rounding
    (``|NPV| <= 1e-9 sum_t |CF_t| / (1+r)^t``), else it is dropped."""
    h = 1e-4 * (1.0 + abs(r))
    a, b = max(r - h, (lo + r) / 2), min(r + h, (hi + r) / 2)
    fa, fb = npv(a, cf), npv(b, cf)
    if fa * fb <= 0.0:
        if fa == 0.0 or fb == 0.0:
            return (a if fa == 0.0 else b), True
        root = _newton(cf, r, a, b)
        return (_brentq(cf, a, b, xtol=1e-15, rtol=1e-13) if root is None else root), True
    scale = float(np.abs(cf) @ discount_factors(r, cf.size - 1))
    return (r, False) if abs(npv(r, cf)) <= 1e-9 * scale else None


def _merge(rates: list[float]) -> list[float]:
    """Sorted rates with those closer than ``1e-6 (1 + |r|)`` merged (their mean)."""
    groups: list[list[float]] = []
    for r in sorted(rates):
        if groups and r - groups[-1][-1] <= 1e-6 * (1.0 + abs(r)):
            groups[-1].append(r)
        else:
            groups.append([r])
    return [float(np.mean(g)) for g in groups]


def _candidate_rates(cf: np.ndarray) -> list[float]:
    """Real rates ``r > -1`` that may zero the NPV, sorted and merged.

    ``NPV(r) = sum_t CF_t x^t`` with ``x = 1/(1+r)``: the real roots ``x > 0`` of this
    polynomial (numpy's companion-matrix roots) are the IRRs ``r = 1/x - 1``. The same roots are
    also taken from the reversed polynomial in ``y = 1 + r`` (well conditioned when late flows
    are tiny), and NPV is scanned for sign changes on a grid of rates: an interval that
    changes sign with no root found in it is solved by ``brentq``, so no root is lost to
    rounding. A form whose leading coefficient is below 1e-12 of the largest is skipped
    (ill-conditioned). A double root comes out as two nearly equal, possibly slightly complex
    roots."""
    scaled = cf / np.max(np.abs(cf))
    found: list[float] = []
    for coeffs, to_rate in ((scaled, lambda x: 1.0 / x - 1.0), (scaled[::-1], lambda y: y - 1.0)):
        nonzero = np.flatnonzero(coeffs)
        trimmed = coeffs[: nonzero[-1] + 1]
        if trimmed.size < 2 or abs(trimmed[-1]) < 1e-12:
            continue  # ill-conditioned form: the other form and the grid cover it
        for z in np.polynomial.polynomial.polyroots(trimmed):
            if z.real > 0.0 and abs(z.imag) <= 1e-6 * max(1.0, abs(z.real)):
                found.append(float(to_rate(z.real)))
    values = _grid_discounts(cf.size - 1) @ cf  # NPV at every grid rate at once
    roots = np.array(found)
    for i in np.flatnonzero(values[:-1] * values[1:] < 0.0):
        a, b = _RATE_GRID[i], _RATE_GRID[i + 1]
        near = 1e-6 * (1.0 + abs(b))
        if np.any((roots >= a - near) & (roots <= b + near)):
            continue
        # a root the forms missed; the grid's matrix product and npv() round differently, so
        # a high-multiplicity root may change sign on the grid but not in npv(): then it is
        # not bracketed and is left to the forms
        if npv(a, cf) * npv(b, cf) < 0.0:
            found.append(_brentq(cf, a, b))
    return _merge([r for r in found if r > -1.0 and np.isfinite(r)])


def irr_result(cash_flows: ArrayLike) -> IrrResult:
    """Internal rate of return: every rate at which :func:`npv` is zero, with a note in words.

    All roots are found at once as the positive real roots ``x`` of ``sum_t CF_t x^t``
    (``x = 1/(1+r)``), each refined by Newton's method (``scipy.optimize.brentq`` when that
    leaves the bracket) where NPV changes sign.
    Rates in :data:`IRR_RANGE` are reported (roots outside it are named only when none is
    inside). The value is

    * the root, when there is one and NPV falls through it (investment-type flow);
    * the root with a note, when NPV rises through it (borrowing-type: money in first, out
      later; a higher rate is then worse for the owner, so judge by NPV);
    * the root with a note, when NPV only touches zero there (a double root);
    * the root closest to zero with a note listing all, when several rates make NPV zero;
    * NaN with a note when no rate in the range makes NPV zero.

    Parameters
    ----------
    cash_flows
        Cash flow for years 0..N [$].
    """
    cf = np.asarray(cash_flows, dtype=float)
    if not np.all(np.isfinite(cf)):
        return IrrResult(float("nan"), "cash flows contain NaN or inf", (), "none")
    nz = cf[cf != 0.0]
    if nz.size == 0:
        return IrrResult(float("nan"), "all cash flows are zero: IRR undefined", (), "none")
    if np.all(nz > 0) or np.all(nz < 0):
        sign = "positive" if nz[0] > 0 else "negative"
        return IrrResult(
            float("nan"), f"cash flows are all {sign} (no sign change): IRR undefined", (), "none"
        )
    lo, hi = IRR_RANGE
    candidates = _candidate_rates(cf)
    inside = [r for r in candidates if lo < r < hi]
    outside = [r for r in candidates if not lo < r < hi
               and abs(npv(r, cf)) <= 1e-9 * float(np.abs(cf) @ discount_factors(r, cf.size - 1))]
    roots: list[float] = []
    crossing: list[bool] = []
    for i, r in enumerate(inside):
        left = lo if i == 0 else (inside[i - 1] + r) / 2
        right = hi if i == len(inside) - 1 else (inside[i + 1] + r) / 2
        polished = _polish(cf, r, left, right)
        if polished is not None:
            roots.append(polished[0])
            crossing.append(polished[1])
    beyond = (f" (NPV is zero at {', '.join(_pct(r) for r in outside)}, outside the range)"
              if outside else "")
    if not roots:
        return IrrResult(
            float("nan"),
            f"NPV does not change sign or touch zero for rates in ({lo:g}, {hi:g}): IRR "
            f"undefined{beyond}", (), "none")
    listed = ", ".join(_pct(r) for r in roots)
    if len(roots) > 1:
        return IrrResult(
            min(roots, key=abs),
            f"multiple IRRs ({listed}): NPV is zero at each, so no single rate of return "
            f"describes these flows; reported the one closest to zero, judge by NPV",
            tuple(roots), "multiple")
    r = roots[0]
    if not crossing[0]:
        side = "negative" if npv(r + 1e-3, cf) < 0 else "positive"
        return IrrResult(
            r, f"NPV touches zero at {_pct(r)} without changing sign (a double root): NPV is "
            f"{side} at every other rate", (r,), "tangent")
    step = max(1e-4, 1e-3 * abs(r))
    if npv(r + step, cf) > npv(max(r - step, lo), cf):
        return IrrResult(
            r, f"borrowing-type flow (money in first, out later): NPV rises with the rate, "
            f"positive above {_pct(r)} and negative below; this rate is a cost of funds, not "
            f"a return (judge by NPV)", (r,), "borrowing")
    return IrrResult(r, "", (r,), "unique")


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
