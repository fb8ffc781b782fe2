"""Domestic content adjusted percentage and material assistance cost ratio (MACR).

Both are cost shares over the manufactured products of an equipment list:

* DC adjusted percentage = cost of US-manufactured products / cost of all manufactured products.
  The separate 100 % US steel/iron requirement is a boolean input.
* MACR = (total direct costs of manufactured products - PFE-attributable costs) / total
  (pf 1.18), after the pre-June-2025 binding-contract carve-out (pf 1.20).

Thresholds by BOC date come from the one §48E table, ``bessfin/common/itc_48e.toml`` (the
finance layer's ITC rules read the same rows). These are inputs for the finance layer's
ITC rate function; no ITC rate is computed here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bessfin.common import policy_table, schedule_value
from bessfin.supply.landed import EquipmentItem, landed_cost
from bessfin.supply.tariffs import Scenario, to_date

__all__ = [
    "SourcingResult",
    "assess_sourcing",
    "dc_adjusted_pct",
    "dc_threshold",
    "macr",
    "macr_threshold_est",
]

CostBasis = Literal["fob", "landed"]


@cache
def _data() -> dict[str, Any]:
    text = files("bessfin.supply").joinpath("sourcing.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def dc_threshold(boc_date: date | str) -> float:
    """Domestic-content adjusted-percentage threshold for a 48E EST by BOC date.

    Parameters
    ----------
    boc_date : date or str
        Beginning-of-construction date.

    Returns
    -------
    float
        0.40 before 2025-06-16, 0.45 to 2025-12-31, 0.50 in 2026, 0.55 after 2026 [fraction].
    """
    value = schedule_value("dc_threshold", to_date(boc_date))
    assert value is not None  # first step starts 1900-01-01
    return value


def macr_threshold_est(boc_date: date | str) -> float | None:
    """EST (project) MACR threshold by BOC date.

    Returns
    -------
    float or None
        0.55 (2026), 0.60 (2027), 0.65 (2028), 0.70 (2029), 0.75 (2030+) [fraction];
        None if BOC is on or before 2025-12-31 (test not applicable).
    """
    boc = to_date(boc_date)
    if boc < policy_table()["macr_applies_from"]["value"]:
        return None
    return schedule_value("macr_threshold", boc)


def _costs(
    items: Sequence[EquipmentItem],
    cost_basis: CostBasis,
    on_date: date | str | None,
    scenario: str | Scenario,
) -> np.ndarray:
    if len(items) == 0:
        raise ValueError("equipment list is empty")
    if cost_basis == "fob":
        return np.array([eq.fob_cost_usd for eq in items], dtype=float)
    if cost_basis == "landed":
        if on_date is None:
            raise ValueError("cost_basis='landed' needs on_date (date of entry for duties)")
        return landed_cost(items, on_date, scenario)["landed_usd"].to_numpy(dtype=float)
    raise ValueError(f"unknown cost_basis {cost_basis!r}; valid: 'fob', 'landed'")


def _mfg_mask(items: Sequence[EquipmentItem]) -> np.ndarray:
    mask = np.array([eq.manufactured_product for eq in items], dtype=bool)
    if not mask.any():
        raise ValueError("equipment list has no manufactured products (manufactured_product=True)")
    return mask


def dc_adjusted_pct(
    items: Sequence[EquipmentItem],
    *,
    cost_basis: CostBasis = "fob",
    on_date: date | str | None = None,
    scenario: str | Scenario = "current-law",
) -> float:
    """Domestic-content adjusted percentage of the manufactured products.

    Parameters
    ----------
    items : sequence of EquipmentItem
        Equipment list.
    cost_basis : {"fob", "landed"}
        Cost used for each line: FOB, or landed (FOB + freight + duties, needs ``on_date``).
    on_date : date or str, optional
        Date of entry, for ``cost_basis="landed"``.
    scenario : str or Scenario
        Tariff scenario, for ``cost_basis="landed"``.

    Returns
    -------
    float
        US-manufactured cost / total manufactured-product cost [fraction].
    """
    cost = _costs(items, cost_basis, on_date, scenario)
    mfg = _mfg_mask(items)
    us = np.array([eq.us_manufactured for eq in items], dtype=bool)
    total = cost[mfg].sum()
    if total <= 0:
        raise ValueError("total manufactured-product cost is zero")
    return float(cost[mfg & us].sum() / total)


def _macr_parts(
    items: Sequence[EquipmentItem],
    placed_in_service: date | str | None,
    cost: np.ndarray,
) -> tuple[float, float, list[str]]:
    spec = _data()["pre_existing_contract"]
    mfg = _mfg_mask(items)
    carve = np.array([eq.pre_june_2025_contract for eq in items], dtype=bool) & mfg
    notes: list[str] = []
    if carve.any():
        pis = None if placed_in_service is None else to_date(placed_in_service)
        if pis is not None and pis < spec["pis_before"]:
            mfg = mfg & ~carve
            notes.append(
                f"{int(carve.sum())} line(s) under binding contracts before "
                f"{spec['contract_before']} excluded from MACR (PIS {pis} < {spec['pis_before']})"
            )
        else:
            notes.append(
                "pre-June-2025 contract carve-out NOT applied: placed_in_service "
                f"{'not given' if pis is None else pis} (needs PIS before {spec['pis_before']})"
            )
    pfe = np.array([eq.supplier_is_pfe for eq in items], dtype=bool)
    return float(cost[mfg].sum()), float(cost[mfg & pfe].sum()), notes


def macr(
    items: Sequence[EquipmentItem],
    *,
    placed_in_service: date | str | None = None,
    cost_basis: CostBasis = "fob",
    on_date: date | str | None = None,
    scenario: str | Scenario = "current-law",
) -> float:
    """Material assistance cost ratio of an equipment list.

    Parameters
    ----------
    items : sequence of EquipmentItem
        Equipment list; ``supplier_is_pfe`` marks PFE-attributable lines.
    placed_in_service : date or str, optional
        PIS date, needed for the pre-2025-06-16 binding-contract carve-out.
    cost_basis, on_date, scenario
        As in :func:`dc_adjusted_pct`.

    Returns
    -------
    float
        (total - PFE) / total over manufactured products [fraction]; 1.0 if every
        manufactured-product line is carved out.
    """
    cost = _costs(items, cost_basis, on_date, scenario)
    total, pfe, _ = _macr_parts(items, placed_in_service, cost)
    return 1.0 if total <= 0 else (total - pfe) / total


class SourcingResult(BaseModel):
    """Domestic content and MACR results for the finance layer.

    Attributes
    ----------
    dc_adjusted_pct : float
        DC adjusted percentage [fraction, 0..1].
    dc_threshold : float
        Threshold for the BOC date [fraction].
    steel_iron_us : bool
        100 % US steel/iron structural components (input).
    dc_passes : bool
        ``steel_iron_us and dc_adjusted_pct >= dc_threshold``.
    macr : float
        Material assistance cost ratio [fraction, 0..1].
    macr_threshold : float or None
        EST threshold for the BOC date; None if not applicable.
    macr_applicable : bool
        BOC after 2025-12-31.
    macr_passes : bool
        True if not applicable or ``macr >= macr_threshold``.
    reasons : tuple of str
        Pass/fail reasons.
    cost_basis : str
        Cost basis used.
    """

    model_config = ConfigDict(frozen=True)

    dc_adjusted_pct: float
    dc_threshold: float
    steel_iron_us: bool
    dc_passes: bool
    macr: float
    macr_threshold: float | None
    macr_applicable: bool
    macr_passes: bool
    reasons: tuple[str, ...]
    cost_basis: str

    def finance_inputs(self) -> dict[str, float | bool]:
        """Keyword arguments for ``bessfin.finance.itc.itc_rate``.

        Returns
        -------
        dict
            ``dc_adjusted_pct``, ``macr`` (fractions) and ``dc_steel_iron_us``.
        """
        return {
            "dc_adjusted_pct": self.dc_adjusted_pct,
            "macr": self.macr,
            "dc_steel_iron_us": self.steel_iron_us,
        }


def assess_sourcing(
    items: Sequence[EquipmentItem],
    boc_date: date | str,
    steel_iron_us: bool,
    *,
    placed_in_service: date | str | None = None,
    cost_basis: CostBasis = "fob",
    on_date: date | str | None = None,
    scenario: str | Scenario = "current-law",
) -> SourcingResult:
    """Domestic content and MACR of an equipment list against the BOC-date thresholds.

    Parameters
    ----------
    items : sequence of EquipmentItem
        Equipment list.
    boc_date : date or str
        Beginning-of-construction date (selects thresholds).
    steel_iron_us : bool
        Whether all structural steel/iron is US-made (DC requirement, pf 1.5).
    placed_in_service : date or str, optional
        PIS date for the MACR binding-contract carve-out.
    cost_basis : {"fob", "landed"}
        Cost basis for both ratios.
    on_date : date or str, optional
        Date of entry for ``cost_basis="landed"``.
    scenario : str or Scenario
        Tariff scenario for ``cost_basis="landed"``.

    Returns
    -------
    SourcingResult
    """
    boc = to_date(boc_date)
    cost = _costs(items, cost_basis, on_date, scenario)
    mfg = _mfg_mask(items)
    us = np.array([eq.us_manufactured for eq in items], dtype=bool)
    dc_pct = float(cost[mfg & us].sum() / cost[mfg].sum())
    dc_thr = dc_threshold(boc)
    reasons: list[str] = []
    dc_ok = dc_pct >= dc_thr
    reasons.append(
        f"DC adjusted percentage {dc_pct:.1%} {'>=' if dc_ok else '<'} threshold {dc_thr:.0%} "
        f"(BOC {boc})"
    )
    if not steel_iron_us:
        reasons.append("DC fails: structural steel/iron not 100% US-made")
    total, pfe, notes = _macr_parts(items, placed_in_service, cost)
    ratio = 1.0 if total <= 0 else (total - pfe) / total
    reasons.extend(notes)
    thr = macr_threshold_est(boc)
    if thr is None:
        macr_ok = True
        reasons.append(f"MACR {ratio:.1%}: test not applicable (BOC {boc} on/before 2025-12-31)")
    else:
        macr_ok = ratio >= thr
        reasons.append(
            f"MACR {ratio:.1%} {'>=' if macr_ok else '<'} EST threshold {thr:.0%} (BOC {boc})"
            + ("" if macr_ok else ": credit lost")
        )
    return SourcingResult(
        dc_adjusted_pct=dc_pct,
        dc_threshold=dc_thr,
        steel_iron_us=steel_iron_us,
        dc_passes=bool(dc_ok and steel_iron_us),
        macr=ratio,
        macr_threshold=thr,
        macr_applicable=thr is not None,
        macr_passes=bool(macr_ok),
        reasons=tuple(reasons),
        cost_basis=cost_basis,
    )
