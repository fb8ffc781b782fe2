"""Income tax (federal + state, state deductible federally) and ITC monetisation.

Per year ``t`` with taxable income ``TI_t = EBITDA_t - depreciation_t - interest_t - fees_t`` [$]::

    used_as_arise:  state_t = s TI_t;              fed_t = f (TI_t - state_t)      (may be < 0)
    carry_forward:  state_t = s max(TI_t - NOL^s, 0); fed_t = f max(TI_t - state_t - NOL^f, 0)

NOLs are carried forward indefinitely and offset 100 % of later income (the post-2017 80 % limit is
not applied). Taxes are returned as positive payments; negative means a benefit to the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

LossTreatment = Literal["carry_forward", "used_as_arise"]
Monetisation = Literal["transfer", "direct"]


@dataclass(frozen=True)
class TaxResult:
    """Income tax per year 0..N.

    Attributes
    ----------
    state_tax, federal_tax
        Tax payable (+) or benefit (-) [$].
    federal_taxable_income
        Federal taxable income after state deduction and NOL use [$].
    nol_state, nol_federal
        Closing NOL balances [$].
    """

    state_tax: np.ndarray
    federal_tax: np.ndarray
    federal_taxable_income: np.ndarray
    nol_state: np.ndarray
    nol_federal: np.ndarray


def _apply_nol(income: float, balance: float) -> tuple[float, float]:
    """Taxable income after NOL and the new balance [$]."""
    if income <= 0.0:
        return 0.0, balance - income
    used = min(balance, income)
    return income - used, balance - used


def income_tax(
    taxable_income: np.ndarray,
    federal_rate: float,
    state_rate: float,
    loss_treatment: LossTreatment,
) -> TaxResult:
    """Federal and state income tax.

    Parameters
    ----------
    taxable_income
        Pre-tax taxable income per year 0..N [$].
    federal_rate, state_rate
        Tax rates [-].
    loss_treatment
        ``"carry_forward"`` (NOL) or ``"used_as_arise"`` (negative tax = benefit).
    """
    ti = np.asarray(taxable_income, dtype=float)
    n = ti.size
    state = np.zeros(n)
    fed = np.zeros(n)
    fed_ti = np.zeros(n)
    nol_s = np.zeros(n)
    nol_f = np.zeros(n)
    if loss_treatment == "used_as_arise":
        state = state_rate * ti
        fed_ti = ti - state
        fed = federal_rate * fed_ti
    elif loss_treatment == "carry_forward":
        bal_s = bal_f = 0.0
        for t in range(n):
            s_ti, bal_s = _apply_nol(ti[t], bal_s)
            state[t] = state_rate * s_ti
            fed_ti[t], bal_f = _apply_nol(ti[t] - state[t], bal_f)
            fed[t] = federal_rate * fed_ti[t]
            nol_s[t], nol_f[t] = bal_s, bal_f
    else:
        raise ValueError(
            f"loss_treatment must be 'carry_forward' or 'used_as_arise', got {loss_treatment!r}"
        )
    return TaxResult(state, fed, fed_ti, nol_s, nol_f)


@dataclass(frozen=True)
class CreditResult:
    """ITC cash value per year 0..N [$].

    Attributes
    ----------
    transfer_proceeds
        Cash from selling credits (not taxable, §6418).
    used_against_tax
        Credit applied against federal tax.
    carryforward
        Closing balance of unused credit; any balance left after year N is lost.
    """

    transfer_proceeds: np.ndarray
    used_against_tax: np.ndarray
    carryforward: np.ndarray

    @property
    def value(self) -> np.ndarray:
        """Total cash value of the credit per year [$]."""
        return self.transfer_proceeds + self.used_against_tax


def monetise_credit(
    credits: np.ndarray,
    federal_tax: np.ndarray,
    monetisation: Monetisation,
    transfer_price: float,
    loss_treatment: LossTreatment,
) -> CreditResult:
    """Turn credits generated per year into cash.

    ``transfer``: ``proceeds_t = price x credit_t``. ``direct`` with ``used_as_arise``: the owner
    uses the full credit in its year. ``direct`` with ``carry_forward``: the credit offsets the
    project's positive federal tax, ``used_t = min(available_t, max(fed_t, 0))``, the rest carries
    forward (the §38(c) general-business-credit limit is not applied).

    Parameters
    ----------
    credits
        Credit generated per year 0..N [$].
    federal_tax
        Federal tax before credits per year [$].
    transfer_price
        Cash per $ of credit [$/$].
    """
    c = np.asarray(credits, dtype=float)
    zeros = np.zeros_like(c)
    if monetisation == "transfer":
        return CreditResult(transfer_price * c, zeros, zeros.copy())
    if monetisation != "direct":
        raise ValueError(f"monetisation must be 'transfer' or 'direct', got {monetisation!r}")
    if loss_treatment == "used_as_arise":
        return CreditResult(zeros, c.copy(), zeros.copy())
    used = np.zeros_like(c)
    carry = np.zeros_like(c)
    balance = 0.0
    for t in range(c.size):
        balance += c[t]
        used[t] = min(balance, max(float(federal_tax[t]), 0.0))
        balance -= used[t]
        carry[t] = balance
    return CreditResult(zeros, used, carry)
