"""Section 48E investment tax credit rate for energy storage technology, as data.

The numbers live in ``bessfin/common/itc_48e.toml``, shared with supply's DC/MACR tests (one
row per value, each with source, status and the
policy_facts.md row). :func:`load_policy` reads them into an :class:`Itc48ePolicy`, which users copy
and modify (``DEFAULT_POLICY.model_copy(update={"base_rate": 0.07})``). :func:`itc_rate` applies the
rules to one project and returns the rate with a readable breakdown.

Rule order (all fractions)::

    tier     = bonus_rate if (PWA or capacity < small_capacity_mw or BOC < pwa_guidance_cutoff)
               else base_rate
    adders   = EC adder (+0.10 at the 30 % tier, +0.02 at 6 %) if energy community
             + DC adder (+0.10 / +0.02) if adjusted percentage >= threshold(BOC) and US steel/iron
    rate     = (tier + adders) * phase_down(BOC)
    rate     = 0 if BOC >= macr_applies_from and MACR < macr_threshold(BOC)
    rate     = 0 if the taxpayer is a specified / foreign-influenced entity
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bessfin.common import policy_table

_SCALAR_KEYS = (
    "base_rate",
    "bonus_rate",
    "small_capacity_mw",
    "pwa_guidance_cutoff",
    "ec_adder_base",
    "ec_adder_bonus",
    "dc_adder_base",
    "dc_adder_bonus",
    "macr_applies_from",
)
_SCHEDULE_KEYS = ("dc_threshold", "phase_down", "macr_threshold")


class SourceNote(BaseModel):
    """Where a policy number comes from."""

    model_config = ConfigDict(frozen=True)

    effective: str = Field("", description="Date or period the value applies to.")
    status: str = Field("", description="VERIFIED / DERIVED / UNCERTAIN / DISPUTED label.")
    source: str = Field("", description="Source name and date.")
    facts_row: str = Field("", description="Row number in shared/docs/policy_facts.md.")


class Step(SourceNote):
    """One row of a step schedule keyed by beginning-of-construction date."""

    start: date = Field(description="Applies to BOC on or after this date.")
    value: float = Field(ge=0.0, le=1.0, description="Fraction applying from `start` [-].")


class Itc48ePolicy(BaseModel):
    """All §48E numbers used by :func:`itc_rate`; every field is overridable.

    Rates, adders and thresholds are fractions [-]. ``sources`` maps a field name to its
    :class:`SourceNote` for scalars; schedule rows carry their own source.
    """

    model_config = ConfigDict(frozen=True)

    base_rate: float = Field(ge=0, le=1, description="Base credit rate [-].")
    bonus_rate: float = Field(ge=0, le=1, description="Alternative (PWA / <1 MW) rate [-].")
    small_capacity_mw: float = Field(
        gt=0, description="Capacity below which the bonus tier applies [MW]."
    )
    pwa_guidance_cutoff: date = Field(description="BOC before this date earns the bonus tier.")
    ec_adder_base: float = Field(ge=0, le=1, description="Energy-community adder at base tier [-].")
    ec_adder_bonus: float = Field(
        ge=0, le=1, description="Energy-community adder at bonus tier [-]."
    )
    dc_adder_base: float = Field(ge=0, le=1, description="Domestic-content adder at base tier [-].")
    dc_adder_bonus: float = Field(
        ge=0, le=1, description="Domestic-content adder at bonus tier [-]."
    )
    macr_applies_from: date = Field(description="MACR test applies to BOC on or after this date.")
    dc_threshold: tuple[Step, ...] = Field(description="DC adjusted-percentage threshold by BOC.")
    phase_down: tuple[Step, ...] = Field(description="Credit multiplier by BOC.")
    macr_threshold: tuple[Step, ...] = Field(description="EST MACR threshold by BOC.")
    sources: dict[str, SourceNote] = Field(default_factory=dict, description="Sources of scalars.")

    @field_validator("dc_threshold", "phase_down", "macr_threshold")
    @classmethod
    def _sorted(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        starts = [s.start for s in steps]
        if not steps or any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            raise ValueError(
                f"schedule must be non-empty with strictly increasing start dates, got {starts}"
            )
        return steps

    @model_validator(mode="after")
    def _first_rows_cover_history(self) -> Itc48ePolicy:
        for name in ("dc_threshold", "phase_down"):
            first = getattr(self, name)[0].start
            if first > date(2000, 1, 1):
                raise ValueError(
                    f"{name} must start on or before 2000-01-01 to cover every BOC date, "
                    f"got {first}"
                )
        return self


def load_policy(path: str | Path | None = None) -> Itc48ePolicy:
    """Read a §48E policy table from TOML.

    Parameters
    ----------
    path
        TOML file laid out like the shipped ``itc_48e.toml``; ``None`` reads the shipped file.
    """
    raw = policy_table() if path is None else tomllib.loads(Path(path).read_text(encoding="utf-8"))
    fields: dict[str, Any] = {}
    sources: dict[str, SourceNote] = {}
    for key in _SCALAR_KEYS:
        row = dict(raw[key])
        fields[key] = row.pop("value")
        sources[key] = SourceNote(**row)
    for key in _SCHEDULE_KEYS:
        fields[key] = tuple(Step(**row) for row in raw[key])
    return Itc48ePolicy(**fields, sources=sources)


DEFAULT_POLICY: Itc48ePolicy = load_policy()


def step_value(steps: tuple[Step, ...], when: date) -> float | None:
    """Value of the last step whose start is on or before ``when`` (``None`` if before all) [-]."""
    value = None
    for step in steps:
        if step.start <= when:
            value = step.value
        else:
            break
    return value


@dataclass(frozen=True)
class ItcOutcome:
    """Result of :func:`itc_rate`.

    Attributes
    ----------
    rate
        Credit as a fraction of ITC-eligible basis [-].
    tier
        ``"bonus"`` (30 % tier) or ``"base"`` (6 % tier).
    tier_rate, ec_adder, dc_adder
        Components before phase-down [-].
    phase_down
        Multiplier for the BOC date [-].
    dc_threshold
        Domestic-content adjusted-percentage threshold for the BOC date [-].
    macr_threshold
        MACR threshold for the BOC date, ``None`` when the test does not apply [-].
    reasons
        One human-readable line per decision.
    """

    rate: float
    tier: str
    tier_rate: float
    ec_adder: float
    dc_adder: float
    phase_down: float
    dc_threshold: float
    macr_threshold: float | None
    reasons: tuple[str, ...]

    def explain(self) -> str:
        """Multi-line explanation ending with the final rate."""
        return "\n".join((*self.reasons, f"ITC rate = {self.rate:.2%}"))


def _fraction(name: str, value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        hint = f" (did you mean {value / 100:g}?)" if 1.0 < value <= 100.0 else ""
        raise ValueError(f"{name} must be a fraction in [0, 1], got {value}{hint}")


def _bonus_tier(
    boc: date, capacity_mw: float, pwa: bool, p: Itc48ePolicy
) -> tuple[bool, str]:
    """Whether the bonus tier applies (PWA met, small project or early BOC), and why."""
    if pwa:
        return True, "PWA requirements met"
    if capacity_mw < p.small_capacity_mw:
        return True, f"capacity {capacity_mw:g} MW < {p.small_capacity_mw:g} MW"
    if boc < p.pwa_guidance_cutoff:
        return True, f"BOC {boc} before PWA guidance cutoff {p.pwa_guidance_cutoff}"
    return False, f"no PWA and capacity {capacity_mw:g} MW >= {p.small_capacity_mw:g} MW"


def _dc_adder(
    boc: date,
    dc_adjusted_pct: float | None,
    dc_steel_iron_us: bool,
    dc_thr: float,
    bonus: bool,
    p: Itc48ePolicy,
    reasons: list[str],
) -> float:
    """Domestic-content adder [-] (0 when not claimed or not met); appends the reason."""
    if dc_adjusted_pct is None:
        return 0.0
    if not dc_steel_iron_us:
        reasons.append("domestic content: steel/iron not 100% US-made: no adder")
        return 0.0
    if dc_adjusted_pct >= dc_thr:
        dc = p.dc_adder_bonus if bonus else p.dc_adder_base
        reasons.append(
            f"domestic content {dc_adjusted_pct:.0%} >= {dc_thr:.0%} threshold "
            f"for BOC {boc}: +{dc:.0%}"
        )
        return dc
    reasons.append(
        f"domestic content {dc_adjusted_pct:.0%} < {dc_thr:.0%} threshold "
        f"for BOC {boc}: no adder"
    )
    return 0.0


def _macr_passes(boc: date, macr: float | None, macr_thr: float, reasons: list[str]) -> bool:
    """MACR test where it applies: False zeroes the credit; a missing MACR passes with a warning."""
    if macr is None:
        reasons.append(
            f"MACR test applies (BOC {boc}, threshold {macr_thr:.0%}) but MACR not given: "
            "credit assumed allowed"
        )
        return True
    if macr < macr_thr:
        reasons.append(
            f"MACR {macr:.0%} < {macr_thr:.0%} threshold for BOC {boc.year}: credit is zero"
        )
        return False
    reasons.append(f"MACR {macr:.0%} >= {macr_thr:.0%} threshold for BOC {boc.year}: passes")
    return True


def itc_rate(
    boc_date: date | str,
    capacity_mw: float,
    pwa: bool,
    energy_community: bool = False,
    dc_adjusted_pct: float | None = None,
    macr: float | None = None,
    *,
    dc_steel_iron_us: bool = True,
    prohibited_foreign_entity_taxpayer: bool = False,
    policy: Itc48ePolicy = DEFAULT_POLICY,
) -> ItcOutcome:
    """§48E ITC rate for an energy-storage project.

    Parameters
    ----------
    boc_date
        Beginning-of-construction date (``date`` or ISO string).
    capacity_mw
        Storage capacity [MW]; below ``policy.small_capacity_mw`` earns the bonus tier.
    pwa
        Prevailing wage & apprenticeship requirements met.
    energy_community
        Placed in service within an energy community.
    dc_adjusted_pct
        Domestic-content manufactured-products adjusted percentage [-] (fraction, e.g. 0.52);
        ``None`` if the bonus is not claimed.
    macr
        Material assistance cost ratio [-]; ``None`` if not assessed (the credit is then kept and a
        warning reason is added when the test applies).
    dc_steel_iron_us
        All structural steel and iron is US-made (required for the DC bonus).
    prohibited_foreign_entity_taxpayer
        Taxpayer is a specified or foreign-influenced entity (credit denied, row 1.13).
    policy
        Policy numbers; defaults to the shipped table.

    Returns
    -------
    ItcOutcome
        Rate [-] with breakdown and reasons.
    """
    boc = date.fromisoformat(boc_date) if isinstance(boc_date, str) else boc_date
    if capacity_mw <= 0:
        raise ValueError(f"capacity_mw must be > 0, got {capacity_mw}")
    _fraction("dc_adjusted_pct", dc_adjusted_pct)
    _fraction("macr", macr)
    p = policy
    reasons: list[str] = []
    if boc.year < 2025:
        reasons.append(
            f"BOC {boc} is before 2025: legacy §48 may apply instead; "
            "rates computed with §48E rules"
        )

    bonus, why = _bonus_tier(boc, capacity_mw, pwa, p)
    tier_rate = p.bonus_rate if bonus else p.base_rate
    reasons.append(f"{'bonus' if bonus else 'base'} tier {tier_rate:.0%}: {why}")

    ec = (p.ec_adder_bonus if bonus else p.ec_adder_base) if energy_community else 0.0
    if energy_community:
        reasons.append(f"energy community adder +{ec:.0%}")

    dc_thr = step_value(p.dc_threshold, boc)
    assert dc_thr is not None  # validator guarantees the first row covers history
    dc = _dc_adder(boc, dc_adjusted_pct, dc_steel_iron_us, dc_thr, bonus, p, reasons)

    phase = step_value(p.phase_down, boc)
    assert phase is not None
    if phase < 1.0:
        reasons.append(f"phase-down for BOC year {boc.year}: x{phase:g}")
    rate = (tier_rate + ec + dc) * phase

    macr_thr = step_value(p.macr_threshold, boc) if boc >= p.macr_applies_from else None
    if macr_thr is not None and not _macr_passes(boc, macr, macr_thr, reasons):
        rate = 0.0
    if prohibited_foreign_entity_taxpayer:
        reasons.append("taxpayer is a specified / foreign-influenced entity: credit is zero")
        rate = 0.0

    return ItcOutcome(
        rate=rate,
        tier="bonus" if bonus else "base",
        tier_rate=tier_rate,
        ec_adder=ec,
        dc_adder=dc,
        phase_down=phase,
        dc_threshold=dc_thr,
        macr_threshold=macr_thr,
        reasons=tuple(reasons),
    )
