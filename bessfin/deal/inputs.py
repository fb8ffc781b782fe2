"""A deal's inputs to the pro forma: the priced supply option, the capex build-up and the ITC.

:func:`resolve_supply` prices the deal's supply option (:func:`bessfin.supply.price_option`),
:func:`deal_capex` builds the capex, :func:`itc_inputs` is the one ITC assembly (deal runs and
parity studies) and :func:`finance_inputs` puts them together with the augmentation a lifetime
dispatch decided.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bessfin.deal.schema import Deal, DealError
from bessfin.dispatch import LifetimeResult
from bessfin.finance import (
    AugmentationInputs,
    AugmentationPerKwh,
    CapexInputs,
    FinanceInputs,
    ItcInputs,
    apply_conventions,
)
from bessfin.supply import SupplyOutcome, price_option

__all__ = [
    "ItcTier", "deal_capex", "finance_inputs", "itc_contradictions", "itc_flags", "itc_inputs",
    "resolve_supply",
]


def resolve_supply(deal: Deal) -> SupplyOutcome | None:
    """Price the DC block of the deal's supply option on its import date."""
    s = deal.supply
    if s is None:
        return None
    on_date = s.import_date or deal.project.boc_date
    kwh = deal.battery.energy_mwh * 1000.0
    return price_option(
        s.option, kwh, on_date, deal.project.boc_date, steel_iron_us=s.steel_iron_us,
        scenario=s.tariff_scenario, pass_through_45x=s.pass_through_45x,
    )


@dataclasses.dataclass(frozen=True)
class ItcTier:
    """A counterfactual setting of the deal's ``[itc]`` section (used by parity studies).

    ``None`` keeps the deal's value. ``claim_dc`` passes the option's domestic-content percentage
    to the ITC rules (the bonus is then earned only if it meets the threshold); ``rate_override``
    fixes the rate (``0`` = no ITC) and bypasses the §48E rules, MACR included.
    """

    name: str
    description: str
    pwa: bool | None = None
    energy_community: bool | None = None
    claim_dc: bool = True
    rate_override: float | None = None


def itc_inputs(deal: Deal, supply: SupplyOutcome | None, tier: ItcTier | None = None) -> ItcInputs:
    """The ITC inputs of a deal priced with a supply option: the one ITC assembly.

    Precedence of the domestic-content percentage (``dc_adjusted_pct``) and MACR:

    * a deal run (``tier is None``): a value given explicitly in the deal's ``[itc]`` section
      wins; a missing one comes from the supply option's sourcing tests;
    * a counterfactual tier (parity studies compare several options): the option's own values
      always apply, because the deal's explicit values describe its own option, not the others;
      the option's DC % is claimed only if ``tier.claim_dc``; the tier's ``pwa``,
      ``energy_community`` and ``rate_override`` replace the deal's when set.

    ``dc_steel_iron_us`` comes from ``[supply].steel_iron_us`` (True without a section). Without a
    supply option and a tier the deal's ``[itc]`` section is returned unchanged.
    """
    itc = deal.itc
    update: dict[str, Any] = {}
    if supply is not None:
        update["dc_steel_iron_us"] = True if deal.supply is None else deal.supply.steel_iron_us
        if tier is None:
            itc_contradictions(deal, supply)  # raises unless [itc] override = true
            if itc.dc_adjusted_pct is None:
                update["dc_adjusted_pct"] = supply.dc_adjusted_pct
            if itc.macr is None:
                update["macr"] = supply.macr
        else:
            update["dc_adjusted_pct"] = supply.dc_adjusted_pct if tier.claim_dc else None
            update["macr"] = supply.macr
    if tier is not None:
        for key in ("pwa", "energy_community", "rate_override"):
            if getattr(tier, key) is not None:
                update[key] = getattr(tier, key)
    return itc.model_copy(update=update) if update else itc


#: Explicit [itc] values that may be checked against the supply option's sourcing tests.
_SOURCED = ("dc_adjusted_pct", "macr")


def itc_contradictions(deal: Deal, supply: SupplyOutcome | None) -> list[str]:
    """Explicit ``[itc]`` values that differ from what the deal's ``[supply]`` option computes.

    Returns one line per differing key when ``[itc] override = true`` (the caller reports
    them); raises :class:`DealError` naming the keys and both values otherwise: a
    Chinese-supplied DC block with ``dc_adjusted_pct = 1, macr = 1`` would earn 50 % ITC
    instead of 0 %.
    """
    if supply is None or deal.supply is None:
        return []
    lines = []
    for key in _SOURCED:
        given, computed = getattr(deal.itc, key), getattr(supply, key)
        if given is not None and abs(given - computed) > 1e-9:
            lines.append(f"itc.{key} = {given:g} but [supply] option {deal.supply.option!r} "
                         f"computes {computed:.4g}")
    if lines and not deal.itc.override:
        raise DealError(
            f"{deal.name}: {'; '.join(lines)}: the explicit value contradicts the supply "
            "chain. Remove it, or keep it with [itc] override = true and override_reason = "
            "\"...\" (printed with every result)"
        )
    return lines


def itc_flags(deal: Deal, supply: SupplyOutcome | None) -> dict[str, Any]:
    """What every output shows next to the ITC rate: the MACR status and any override."""
    itc = itc_inputs(deal, supply)
    overrides = itc_contradictions(deal, supply)
    return {
        "macr_status": itc.macr_status,
        "itc_override": ({"reason": deal.itc.override_reason, "differences": overrides}
                         if deal.itc.override else None),
    }


#: Capex amounts that ``capex.multiplier`` scales (every line of the build-up).
_CAPEX_AMOUNTS = ("dc_block_usd_per_kwh", "pcs_usd_per_kw", "bos_usd_per_kwh", "epc_usd_per_kwh",
                  "interconnection_usd_per_kw", "development_usd")


def deal_capex(deal: Deal, supply: SupplyOutcome | None) -> CapexInputs:
    """The deal's capex build-up: the DC block priced by its supply option when it has one,
    every line scaled by ``capex.multiplier``."""
    capex = deal.capex.model_dump(exclude={"multiplier"})
    if supply is not None:
        capex["dc_block_usd_per_kwh"] = supply.dc_block_usd_per_kwh
    for key in _CAPEX_AMOUNTS:
        capex[key] *= deal.capex.multiplier
    return CapexInputs(**capex)


def finance_inputs(
    deal: Deal,
    lifetime: LifetimeResult,
    supply: SupplyOutcome | None,
    tier: ItcTier | None = None,
) -> FinanceInputs:
    """Assemble the pro forma's inputs: the deal's sections, the supply-priced DC block, the
    ITC inputs (:func:`itc_inputs`, optionally under a counterfactual ``tier``) and the
    augmentation the lifetime dispatch decided."""
    itc = itc_inputs(deal, supply, tier)
    aug = deal.augmentation
    per_kwh = {
        y: AugmentationPerKwh(usd_per_kwh=aug.usd_per_kwh, energy_mwh=mwh)
        for y, mwh in lifetime.augmentation_mwh().items()
    }
    return FinanceInputs(
        power_mw=deal.battery.power_mw,
        energy_mwh=deal.battery.energy_mwh,
        capex=deal_capex(deal, supply),
        opex=deal.opex,
        itc=itc,
        tax=apply_conventions(deal.tax, deal.finance.conventions),
        debt=deal.debt,
        contracts=deal.contracts,
        augmentation=AugmentationInputs(per_kwh=per_kwh),
        discount_rate=deal.finance.discount_rate,
    )
