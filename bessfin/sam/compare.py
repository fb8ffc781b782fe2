"""bessfin's pro forma under SAM's conventions against NREL SAM Single Owner, line by line."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from bessfin.deal import (
    Deal,
    DealResult,
    deal_from_dict,
    dispatch_deal,
    load_deal,
    resolve_supply,
    value_deal,
)
from bessfin.dispatch import LifetimeResult
from bessfin.finance import CONVENTIONS, ProForma

#: Agreement tolerances: IRRs [-] (0.01 percentage point), money [$], DSCR [-].
TOL_IRR = 1e-4
TOL_USD = 1.0
TOL_DSCR = 1e-6

#: Metrics compared: (catalogue name = :class:`bessfin.finance.Metrics` field, SAM source, unit).
_METRICS = (
    ("project_irr_after_tax", "unlevered IRR", "fraction"),
    ("equity_irr_after_tax", "levered IRR", "fraction"),
    ("project_npv_after_tax_usd", "unlevered NPV", "usd"),
    ("equity_npv_after_tax_usd", "levered NPV", "usd"),
    ("debt_usd", "size_of_debt", "usd"),
    ("min_dscr", "min CFADS / debt service", "x"),
)


@dataclasses.dataclass(frozen=True)
class CrosscheckResult:
    """Both sides of the NREL SAM cross-check.

    Attributes
    ----------
    deal
        The deal as given (its own conventions).
    table
        Tidy comparison: one row per metric (``year`` NA) and per year of each annual line, with
        columns ``item``, ``year``, ``unit``, ``bessfin``, ``sam``, ``difference``, ``tolerance``,
        ``agrees``. IRRs are fractions (unit ``fraction``: 0.1 = 10 %).
    unsupported
        Structures of the deal SAM cannot represent, each with the reason; non-empty means no
        agreement is claimed.
    notes
        How the deal was entered in SAM where that is not one-to-one.
    defaults
        bessfin's headline metrics under the deal's own conventions and under SAM's, to show
        what the conventions are worth on this deal (columns ``deal_conventions``, ``sam``,
        ``difference``).
    pro_forma
        bessfin's pro forma under SAM's conventions (the side compared).
    """

    deal: Deal
    table: pd.DataFrame
    unsupported: tuple[str, ...]
    notes: tuple[str, ...]
    defaults: pd.DataFrame
    pro_forma: ProForma

    @property
    def agrees(self) -> bool:
        """Every compared item is within tolerance and the deal is fully representable."""
        return not self.unsupported and bool(self.table["agrees"].all())

    @property
    def worst(self) -> pd.DataFrame:
        """The rows that disagree."""
        return self.table[~self.table["agrees"]]

    def summary_dict(self) -> dict:
        """JSON-serialisable summary (``--json``)."""

        def num(x: object) -> object:
            if x is None or (isinstance(x, float) and not math.isfinite(x)):
                return None
            return float(x) if isinstance(x, (float, np.floating)) else x

        rows = [{k: num(v) if k != "year" else (None if pd.isna(v) else int(v))
                 for k, v in r.items()} for r in self.table.to_dict(orient="records")]
        return {
            "deal": self.deal.name,
            "agrees": self.agrees,
            "unsupported": list(self.unsupported),
            "notes": list(self.notes),
            "tolerances": {"irr_pct_points": TOL_IRR * 100, "usd": TOL_USD, "dscr": TOL_DSCR},
            "rows": rows,
            "conventions_gap": [
                {"metric": m, **{k: num(v) for k, v in r.items()}}
                for m, r in self.defaults.to_dict(orient="index").items()],
        }

    def __repr__(self) -> str:
        state = "agrees" if self.agrees else "DIFFERS"
        return (f"CrosscheckResult({self.deal.name!r}: {state} with NREL SAM Single Owner; "
                f"{len(self.table)} items, {len(self.worst)} outside tolerance, "
                f"{len(self.unsupported)} unsupported)")


def sam_conventions_deal(deal: Deal) -> Deal:
    """The deal with ``finance.conventions = "sam"`` (tax keys the preset sets are dropped)."""
    data = deal.model_dump(exclude_unset=True)
    tax = {k: v for k, v in data.get("tax", {}).items() if k not in CONVENTIONS["sam"]}
    return deal_from_dict({**data, "tax": tax,
                           "finance": {**data.get("finance", {}), "conventions": "sam"}},
                          f"{deal.name} (SAM conventions)")


def _representable(pf: ProForma) -> tuple[list[str], list[str]]:
    """(unsupported structures, notes on how the deal is entered in SAM)."""
    inputs, n = pf.inputs, pf.annual.shape[1] - 1
    unsupported, notes = [], []
    if inputs.debt is not None and inputs.debt.upfront_fee_pct > 0:
        unsupported.append(
            f"debt.upfront_fee_pct = {inputs.debt.upfront_fee_pct:g}: SAM pays the debt fee at "
            "year 0 and never deducts it for tax (cost_debt_fee is not in SAM's depreciable "
            "basis); bessfin amortises it over the tenor")
    if inputs.tax.itc_year < 1:
        unsupported.append("tax.itc_year = 0: SAM's credits start in operating year 1")
    aug = -pf.line("capex: augmentation (capitalised)").to_numpy()
    if (aug > 0).any():
        notes.append(
            "capitalised augmentation (years "
            + ", ".join(str(int(y)) for y in np.flatnonzero(aug > 0))
            + ") has no SAM counterpart (no capital spending after COD): it is entered as SAM "
            "O&M in its year, and SAM's custom depreciation schedule carries bessfin's tax "
            "depreciation less that deduction")
    elif inputs.tax.macrs_class not in (5, 15) or n < inputs.tax.macrs_class + 1:
        notes.append(f"MACRS {inputs.tax.macrs_class}-year over {n} years: entered as SAM's "
                     "custom depreciation schedule")
    if inputs.debt is not None and pf.metrics.debt_usd > 0:
        notes.append(
            "SAM sculpts debt service to one DSCR on its CFADS; bessfin's per-year debt service "
            "(haircut merchant revenue, blended targets, gearing cap) is carried by splitting "
            "revenue into a capacity payment available for debt service and a taxable "
            "production incentive that is not (pbi_oth_for_ds = 0); SAM sizes the debt itself")
    return unsupported, notes


def _sam_case(pf: ProForma):
    from bessfin.sam.model import SamCase

    inputs = pf.inputs
    custom = bool((pf.line("capex: augmentation (capitalised)") < 0).any())
    n = pf.annual.shape[1] - 1
    macrs = inputs.tax.macrs_class
    use_table = not custom and macrs in (5, 15) and n >= macrs + 1
    return SamCase(
        revenue=pf.line("revenue: total").to_numpy(),
        opex=-pf.line("opex: total").to_numpy(),
        augmentation=-pf.line("capex: augmentation (capitalised)").to_numpy(),
        cfads=pf.line("CFADS").to_numpy(),
        debt_service=-pf.line("debt service").to_numpy(),
        depreciation=pf.line("memo: tax depreciation").to_numpy(),
        credit=pf.line("memo: ITC generated").to_numpy(),
        capex=float(-pf.line("capex: total").iloc[0]),
        federal_rate=inputs.tax.federal_rate,
        state_rate=inputs.tax.state_rate,
        discount_rate=inputs.discount_rate,
        debt_rate=inputs.debt.rate if inputs.debt is not None else 0.0,
        tenor=inputs.debt.tenor_years if inputs.debt is not None and pf.metrics.debt_usd > 0
        else 0,
        macrs_class=macrs if use_table else None,
        bonus=inputs.tax.bonus_depreciation,
    )


def _row(item: str, year: int | None, unit: str, ours: float, theirs: float) -> dict:
    tol = {"fraction": TOL_IRR, "usd": TOL_USD, "x": TOL_DSCR}[unit]
    both_nan = not np.isfinite(ours) and not np.isfinite(theirs)
    diff = float(theirs - ours) if not both_nan else 0.0
    return {"item": item, "year": year, "unit": unit, "bessfin": float(ours),
            "sam": float(theirs), "difference": diff, "tolerance": tol,
            "agrees": bool(both_nan or abs(diff) <= tol)}


def compare_with_sam(pf: ProForma) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Run SAM levered and all-equity on ``pf``'s lines; the tidy comparison table."""
    from bessfin.sam.model import run_sam

    unsupported, notes = _representable(pf)
    case = _sam_case(pf)
    lev = run_sam(case, levered=True)
    unlev = run_sam(case, levered=False)
    ds = lev.lines["debt_service"]
    with np.errstate(divide="ignore", invalid="ignore"):
        dscr = np.where(ds > 0, lev.lines["cfads"] / ds, np.nan)
    sam_min_dscr = float(np.nanmin(dscr)) if case.tenor > 0 and np.isfinite(dscr).any() \
        else float("nan")
    sam = {"unlevered IRR": unlev.irr, "levered IRR": lev.irr, "unlevered NPV": unlev.npv,
           "levered NPV": lev.npv, "size_of_debt": lev.debt if case.tenor > 0 else 0.0,
           "min CFADS / debt service": sam_min_dscr}
    m = pf.metrics
    rows = [_row(name, None, unit, getattr(m, name), sam[src]) for name, src, unit in _METRICS]
    annual = (
        ("cash_flow_to_equity_usd", "cash flow to equity", lev, "after_tax_cash_flow"),
        ("unlevered_after_tax_cash_flow_usd", "unlevered after-tax cash flow", unlev,
         "after_tax_cash_flow"),
        ("cfads_usd", "CFADS", lev, "cfads"),
        ("debt_service_usd", "debt service", lev, "debt_service"),
        ("tax_state_usd", "tax: state", lev, "state_tax"),
        ("tax_federal_usd", "tax: federal", lev, "federal_tax"),
    )
    n = pf.annual.shape[1] - 1
    for item, line, run, key in annual:
        ours = pf.line(line).to_numpy()
        if line == "debt service":
            ours = -ours
        theirs = run.lines[key]
        for t in range(n + 1):
            rows.append(_row(item, t, "usd", ours[t], theirs[t]))
    table = pd.DataFrame(rows)
    table["year"] = table["year"].astype("Int64")
    return table, unsupported, notes


def conventions_gap(own: ProForma, sam: ProForma) -> pd.DataFrame:
    """Headline metrics under the deal's own conventions and SAM's, and the difference."""
    rows = {name: {"deal_conventions": getattr(own.metrics, name),
                   "sam": getattr(sam.metrics, name)} for name, _, _ in _METRICS}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["difference"] = out["sam"] - out["deal_conventions"]
    return out


def crosscheck(
    deal: Deal | DealResult | str | Path,
    *,
    lifetime: LifetimeResult | None = None,
    mode: Literal["full", "screening"] = "full",
) -> CrosscheckResult:
    """Cross-check a deal's finance against NREL SAM Single Owner (needs the ``sam`` extra).

    The deal is dispatched once (or ``lifetime`` / a :class:`DealResult`'s dispatch is reused);
    bessfin's pro forma is rebuilt with ``finance.conventions = "sam"``; SAM runs on that pro
    forma's annual revenue, cost, capex, credit and debt-service lines with every other SAM cash
    item off, and computes its own debt, depreciation, tax, cash flows, IRRs and NPVs.
    """
    from bessfin.sam.model import _singleowner

    _singleowner()  # fail fast, before any dispatch, when PySAM is missing
    supply = None
    if isinstance(deal, (str, Path)):
        deal = load_deal(deal)
    if isinstance(deal, DealResult):
        lifetime, supply, deal = deal.lifetime, deal.supply, deal.deal
    else:
        supply = resolve_supply(deal)
    if lifetime is None:
        lifetime = dispatch_deal(deal, mode=mode)
    own, _ = value_deal(deal, lifetime, supply)
    sam_deal = sam_conventions_deal(deal)
    pf, _ = value_deal(sam_deal, lifetime, supply)
    table, unsupported, notes = compare_with_sam(pf)
    return CrosscheckResult(deal=deal, table=table, unsupported=tuple(unsupported),
                            notes=tuple(notes), defaults=conventions_gap(own, pf), pro_forma=pf)
