"""The CSIS cell-level parity claim, evaluated exactly as quoted, at sourced cell prices.

CSIS, Cai and Nakano, "A New Phase for the U.S. Battery Industry" (2026) says only:
"recent industry analysis indicates that even with an estimated 58 percent tariff in place as
of January 2026, U.S.-produced LFP battery cells still require the 30 percent ITC to match
Chinese imports on cost." It gives no cell price and says nothing about project-level MACR.

Test, per price pairing (all $/kWh of cell capacity, freight excluded on both sides)::

    CN landed      = CN cell FOB x (1 + 0.58)
    ITC value      = 0.30 x US cell x k,   k = 1 (nominal)  or
                     k = transfer price - 0.5 x tax rate x PV(depreciation)   (cash value)
    holds          <=> US cell > CN landed  (an ITC is needed at all)
                       and US cell - ITC value <= CN landed  (30 % is enough)
    ITC needed     = (US cell - CN landed) / (US cell x k)        [fraction of cell cost]

The cash factor ``k``: a transferred credit sells at ``transfer_price`` per $ (pf 1.28: 92.0
cents, 2023 ITC average), and the depreciable basis falls by half the credit (§50(c)(3), pf
1.22), which costs ``0.5 x tax rate`` per $ of credit in lost depreciation deductions, at their
present value (1.0: 100 % bonus depreciation deducted in year 1, pf section 7, undiscounted).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["CSIS_QUOTE", "CSIS_SOURCE", "CellClaim", "CellPrice", "CELL_PAIRINGS",
           "cash_factor", "cell_claim_table", "evaluate_cell_claim"]

CSIS_QUOTE = ("recent industry analysis indicates that even with an estimated 58 percent tariff "
              "in place as of January 2026, U.S.-produced LFP battery cells still require the 30 "
              "percent ITC to match Chinese imports on cost.")
CSIS_SOURCE = "Cai and Nakano, \"A New Phase for the U.S. Battery Industry\", CSIS, 2026"

#: The quoted tariff and credit [fraction].
CSIS_TARIFF = 0.58
CSIS_ITC = 0.30
#: Transfer price per $ of ITC (pf 1.28, Crux: 2023 ITC average 92.0 cents).
TRANSFER_PRICE = 0.92
#: Federal corporate rate (IRC §11(b)); the basis reduction costs 0.5 x this per $ of credit.
FEDERAL_TAX_RATE = 0.21
#: PV of the lost deductions per $ of basis: 1.0 with 100 % bonus depreciation in year 1.
DEPRECIATION_PV = 1.0


@dataclass(frozen=True)
class CellPrice:
    """A sourced cell price [$/kWh] with its vintage and fact-sheet row."""

    usd_per_kwh: float
    label: str
    vintage: str
    source: str


def cash_factor(transfer_price: float = TRANSFER_PRICE, tax_rate: float = FEDERAL_TAX_RATE,
                depreciation_pv: float = DEPRECIATION_PV) -> float:
    """Cash value of $1 of ITC: ``transfer_price - 0.5 x tax_rate x depreciation_pv`` [-]."""
    return transfer_price - 0.5 * tax_rate * depreciation_pv


@dataclass(frozen=True)
class CellClaim:
    """The claim at one price pairing (money in $/kWh; rates as fractions)."""

    cn: CellPrice
    us: CellPrice
    tariff: float
    cn_landed: float
    itc_nominal: float
    itc_cash: float
    needed_nominal: float
    needed_cash_basis: float
    holds_nominal: bool
    holds_cash: bool

    @staticmethod
    def verdict(needed: float, itc: float = CSIS_ITC) -> str:
        """The claim's outcome in words for an ITC need ``needed`` [fraction of cell cost]."""
        if needed <= 0.0:
            return "does not hold: US cell already as cheap with no ITC"
        if needed <= itc:
            return f"holds: needs {needed:.1%} of cell cost, the 30 % ITC covers it"
        return f"does not hold: needs {needed:.1%}, more than 30 %"


def evaluate_cell_claim(cn: CellPrice, us: CellPrice, *, tariff: float = CSIS_TARIFF,
                        itc: float = CSIS_ITC, factor: float | None = None) -> CellClaim:
    """The quoted claim for one pairing: Chinese cell FOB ``cn`` landed at ``tariff`` against
    a US cell ``us`` less the ITC at nominal value and at cash value (``factor``, default
    :func:`cash_factor`)."""
    k = cash_factor() if factor is None else factor
    landed = cn.usd_per_kwh * (1.0 + tariff)
    gap = us.usd_per_kwh - landed
    nominal, cash = itc * us.usd_per_kwh, itc * us.usd_per_kwh * k
    return CellClaim(
        cn=cn, us=us, tariff=tariff, cn_landed=landed, itc_nominal=nominal, itc_cash=cash,
        needed_nominal=gap / us.usd_per_kwh, needed_cash_basis=gap / (us.usd_per_kwh * k),
        holds_nominal=bool(gap > 0 and us.usd_per_kwh - nominal <= landed),
        holds_cash=bool(gap > 0 and us.usd_per_kwh - cash <= landed),
    )


_CN_2025 = CellPrice(74.0, "global average cell", "2025", "pf 4.2 (BNEF)")
_CN_2024 = CellPrice(60.0, "LFP cell, just under $60", "2024", "pf 4.6 (S&P Global)")
_CN_RHO = CellPrice(100.0 / 1.65, "FOB implied by ~$100 landed at ~65 %", "Apr 2025",
                    "pf 4.7 (Rho Motion): 100 / 1.65")
_US_BENCH = CellPrice(111.18, "US average cell (Benchmark)", "2023/24", "pf 4.10")


def _plus56(cn: CellPrice) -> CellPrice:
    return CellPrice(round(cn.usd_per_kwh * 1.56, 4), f"US-made, 56 % above {cn.source}",
                     f"2025 ratio on {cn.vintage}", "pf 4.9 (Benchmark) x " + cn.source)


#: Price pairings (Chinese cell FOB, US cell) from the fact sheet, section 4.
CELL_PAIRINGS: tuple[tuple[CellPrice, CellPrice], ...] = (
    (_CN_2025, _plus56(_CN_2025)),
    (_CN_2024, _plus56(_CN_2024)),
    (_CN_2024, _US_BENCH),
    (_CN_2025, _US_BENCH),
    (_CN_RHO, _US_BENCH),
    (_CN_RHO, _plus56(_CN_RHO)),
)


def cell_claim_table(pairings: tuple[tuple[CellPrice, CellPrice], ...] = CELL_PAIRINGS,
                     *, tariff: float = CSIS_TARIFF, itc: float = CSIS_ITC,
                     factor: float | None = None) -> pd.DataFrame:
    """One row per pairing: prices with vintage and source, CN landed, US net of the ITC at
    nominal and cash value, the ITC needed and whether the claim holds."""
    rows = []
    for cn, us in pairings:
        c = evaluate_cell_claim(cn, us, tariff=tariff, itc=itc, factor=factor)
        rows.append({
            "CN cell FOB": f"{cn.usd_per_kwh:.2f} ({cn.vintage}, {cn.source})",
            "US cell": f"{us.usd_per_kwh:.2f} ({us.vintage}, {us.source})",
            "CN landed at 58 %": f"{c.cn_landed:.2f}",
            "US - 30 % nominal": f"{us.usd_per_kwh - c.itc_nominal:.2f}",
            "US - 30 % cash": f"{us.usd_per_kwh - c.itc_cash:.2f}",
            "ITC needed (nominal)": f"{max(c.needed_nominal, 0.0):.1%}",
            "ITC needed (cash basis)": f"{max(c.needed_cash_basis, 0.0):.1%}",
            "claim, nominal": CellClaim.verdict(c.needed_nominal, itc),
            "claim, cash value": CellClaim.verdict(c.needed_cash_basis, itc),
        })
    return pd.DataFrame(rows)
