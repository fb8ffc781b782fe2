"""Parity catalogues and shared settings: ITC tiers, comparison metrics, the deal context."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bessfin.deal import Deal, ItcTier
from bessfin.dispatch import LifetimeResult
from bessfin.finance import metric as catalogue_metric
from bessfin.supply import (
    OptionLike,
    Scenario,
    SupplyOutcome,
    get_scenario,
    list_supply_options,
    option_name,
    price_option,
    to_date,
)

# --------------------------------------------------------------------------------------------
# Options, tiers, metrics
# --------------------------------------------------------------------------------------------


#: ITC tiers by name. Rates for a utility-scale project (>= 1 MW) with BOC before 2034.
ITC_TIERS: dict[str, ItcTier] = {
    t.name: t
    for t in (
        ItcTier("deal", "the deal's [itc] section; DC bonus claimed if the option earns it"),
        ItcTier("none", "no ITC (rate fixed at 0)", rate_override=0.0),
        ItcTier("base", "6% base tier: no PWA, no energy community, no DC bonus",
                pwa=False, energy_community=False, claim_dc=False),
        ItcTier("base+dc", "6% base tier + 2 pp DC bonus if earned",
                pwa=False, energy_community=False, claim_dc=True),
        ItcTier("pwa", "30% PWA tier, no energy community, no DC bonus",
                pwa=True, energy_community=False, claim_dc=False),
        ItcTier("pwa+ec", "30% PWA tier + 10 pp energy community",
                pwa=True, energy_community=True, claim_dc=False),
        ItcTier("pwa+dc", "30% PWA tier + 10 pp DC bonus if earned",
                pwa=True, energy_community=False, claim_dc=True),
        ItcTier("pwa+ec+dc", "30% PWA tier + 10 pp energy community + 10 pp DC if earned",
                pwa=True, energy_community=True, claim_dc=True),
    )
}


@dataclasses.dataclass(frozen=True)
class Metric:
    """A comparison metric: its label, unit, whether higher is better, and whether it needs a
    pro forma (a lifetime dispatch)."""

    name: str
    label: str
    unit: str
    higher_is_better: bool
    needs_dispatch: bool


def _catalogued(name: str, needs_dispatch: bool) -> Metric:
    """A comparison metric labelled as in :data:`bessfin.finance.METRIC_CATALOGUE`."""
    spec = catalogue_metric(name)
    unit = "-" if spec.unit == "fraction" else spec.unit
    return Metric(name, spec.label, unit, spec.direction == "higher", needs_dispatch)


#: Pro forma metrics (:class:`bessfin.finance.Metrics` fields) a comparison can use.
_PF_METRICS = (
    "project_irr_after_tax", "project_irr_pre_tax", "equity_irr_after_tax",
    "project_npv_after_tax_usd", "lcos_usd_per_mwh", "lcos_with_credits_usd_per_mwh",
)
#: Metrics accepted by the break-even solvers and :func:`parity_curves`.
METRICS: dict[str, Metric] = {
    **{n: _catalogued(n, True) for n in _PF_METRICS},
    **{n: _catalogued(n, False)
       for n in ("net_dc_block_usd_per_kwh", "dc_block_net_of_itc_usd_per_kwh")},
}


def _check_metric(metric: str, lifetime: LifetimeResult | None) -> Metric:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid metrics: {', '.join(METRICS)}")
    m = METRICS[metric]
    if m.needs_dispatch and lifetime is None:
        raise ValueError(f"metric {metric!r} needs a lifetime dispatch (pass lifetime=...)")
    return m


def _check_tier(tier: str) -> ItcTier:
    if tier not in ITC_TIERS:
        raise ValueError(f"unknown ITC tier {tier!r}; valid tiers: {', '.join(ITC_TIERS)}")
    return ITC_TIERS[tier]


def _check_options(options: Sequence[OptionLike]) -> None:
    valid = list(list_supply_options())
    for o in options:
        if isinstance(o, str) and o not in valid:
            raise ValueError(f"unknown supply option {o!r}; valid options: {', '.join(valid)}")
    names = [option_name(o) for o in options]
    if len(set(names)) != len(names):
        raise ValueError(f"option names must be unique, got {names}")


@dataclasses.dataclass(frozen=True)
class _Context:
    """Deal-level settings shared by every option: dates, scenario, 45X, steel."""

    energy_kwh: float
    on_date: date
    boc_date: date
    scenario: Scenario
    steel_iron_us: bool
    pass_through_45x: float

    @classmethod
    def of(
        cls,
        deal: Deal,
        tariff_scenario: str | Scenario | None,
        on_date: date | str | None,
        pass_through_45x: float | None,
    ) -> _Context:
        s = deal.supply
        sc = tariff_scenario if tariff_scenario is not None else (
            s.tariff_scenario if s is not None else "current-law")
        when = on_date if on_date is not None else (
            s.import_date if s is not None and s.import_date is not None else deal.project.boc_date)
        return cls(
            energy_kwh=deal.battery.energy_mwh * 1000.0,
            on_date=to_date(when),
            boc_date=deal.project.boc_date,
            scenario=sc if isinstance(sc, Scenario) else get_scenario(sc),
            steel_iron_us=True if s is None else s.steel_iron_us,
            pass_through_45x=(s.pass_through_45x if s is not None else 0.0)
            if pass_through_45x is None else pass_through_45x,
        )

    def price(
        self,
        option: OptionLike,
        import_duty_rate: float | None = None,
        line_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> SupplyOutcome:
        return price_option(
            option, self.energy_kwh, self.on_date, self.boc_date, scenario=self.scenario,
            import_duty_rate=import_duty_rate, line_overrides=line_overrides,
            steel_iron_us=self.steel_iron_us, pass_through_45x=self.pass_through_45x,
        )
