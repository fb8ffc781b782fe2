"""Pydantic v2 input models for the pro forma. All money is nominal US$; rates are fractions.

Defaults cite shared/docs/policy_facts.md rows ("row 5.13") or say that no source exists, in which
case the default is a neutral value (usually 0) that users should set.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bessfin.common import FiniteFloat, StrictInt
from bessfin.finance.itc import DEFAULT_POLICY, Itc48ePolicy

CapexLine = Literal["dc_block", "pcs", "bos", "epc", "interconnection", "development"]

#: Capex lines in the ITC-eligible basis by default: the storage equipment and its installation.
#: Interconnection network upgrades and development costs are excluded (conservative; §48E counts
#: interconnection property only for facilities <= 5 MW).
DEFAULT_ITC_ELIGIBLE: frozenset[str] = frozenset({"dc_block", "pcs", "bos", "epc"})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _fraction(name: str, value: float, low_open: bool = False) -> float:
    ok = (0.0 < value <= 1.0) if low_open else (0.0 <= value <= 1.0)
    if not ok:
        hint = f" (did you mean {value / 100:g}?)" if 1.0 < value <= 100.0 else ""
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(f"{name} must be a fraction in {interval}, got {value}{hint}")
    return value


class CapexInputs(_Model):
    """Initial capital cost build-up, spent at year 0 (COD)."""

    dc_block_usd_per_kwh: FiniteFloat = Field(
        ge=0, description="Cells / DC block incl. containers [$/kWh]."
    )
    pcs_usd_per_kw: FiniteFloat = Field(ge=0, description="Power conversion system [$/kW].")
    bos_usd_per_kwh: FiniteFloat = Field(
        0.0,
        ge=0,
        description="Balance of system [$/kWh]; 0 if bundled in a turnkey price (row 4.14).",
    )
    epc_usd_per_kwh: FiniteFloat = Field(
        0.0, ge=0, description="EPC / installation [$/kWh]; 0 if bundled."
    )
    interconnection_usd_per_kw: FiniteFloat = Field(
        0.0, ge=0, description="Interconnection [$/kW]; no source."
    )
    development_usd: FiniteFloat = Field(0.0, ge=0, description="Development cost [$]; no source.")
    itc_eligible: frozenset[CapexLine] = Field(
        DEFAULT_ITC_ELIGIBLE, description="Capex lines in the ITC-eligible basis."
    )


class OpexInputs(_Model):
    """Operating costs; every line escalates from year 1: ``x_t = x_1 (1 + e)^(t - 1)``."""

    fixed_om_usd_per_kw_yr: FiniteFloat = Field(
        ge=0,
        description="Fixed O&M [$/kW-yr]. Benchmarks: ATB 2.5 % of $/kW capex incl. augmentation "
        "(row 4.19, VERIFIED); $46.5/kW-yr 2025 (row 4.20, UNCERTAIN).",
    )
    variable_om_usd_per_mwh: FiniteFloat = Field(
        0.0, ge=0, description="Variable O&M per MWh discharged [$/MWh]; ATB uses none (row 4.19)."
    )
    property_tax_pct_capex: FiniteFloat = Field(
        0.0,
        ge=0,
        le=1,
        description="Property tax per year, fraction of initial capex [-/yr]; no source.",
    )
    insurance_pct_capex: FiniteFloat = Field(
        0.0,
        ge=0,
        le=1,
        description="Insurance per year, fraction of initial capex [-/yr]; no source.",
    )
    land_lease_usd_per_yr: FiniteFloat = Field(
        0.0, ge=0, description="Land lease [$/yr]; no source."
    )
    escalation: FiniteFloat = Field(0.0, gt=-1, description="Escalation of all opex lines [-/yr].")


class AugmentationPerKwh(_Model):
    """Augmentation priced per kWh added."""

    usd_per_kwh: FiniteFloat = Field(ge=0, description="Price of added energy capacity [$/kWh].")
    energy_mwh: FiniteFloat = Field(ge=0, description="Energy capacity added [MWh].")


class AugmentationInputs(_Model):
    """Augmentation capex in chosen operating years (nominal $ of that year, not escalated)."""

    costs_usd: dict[int, FiniteFloat] = Field(default_factory=dict, description="Year -> cost [$].")
    per_kwh: dict[int, AugmentationPerKwh] = Field(
        default_factory=dict, description="Year -> $/kWh x MWh added."
    )
    treatment: Literal["capitalise", "expense"] = Field(
        "capitalise",
        description="'capitalise': below EBITDA, depreciated on the MACRS class from its year; "
        "'expense': an opex line.",
    )
    itc_eligible: bool = Field(
        False, description="Capitalised augmentation earns the project ITC rate in its year."
    )

    @model_validator(mode="after")
    def _years_positive(self) -> AugmentationInputs:
        for year, cost in self.costs_usd.items():
            if year < 1:
                raise ValueError(f"augmentation year must be >= 1, got {year}")
            if cost < 0:
                raise ValueError(f"augmentation cost must be >= 0, got {cost} in year {year}")
        for year in self.per_kwh:
            if year < 1:
                raise ValueError(f"augmentation year must be >= 1, got {year}")
        return self

    def by_year(self) -> dict[int, float]:
        """Total augmentation cost per year [$]."""
        out: dict[int, float] = dict(self.costs_usd)
        for year, item in self.per_kwh.items():
            out[year] = out.get(year, 0.0) + item.usd_per_kwh * item.energy_mwh * 1000.0
        return out


class TaxInputs(_Model):
    """Income tax, depreciation and credit monetisation."""

    federal_rate: FiniteFloat = Field(
        0.21, ge=0, le=1, description="Federal income tax, IRC §11(b) [-]."
    )
    state_rate: FiniteFloat = Field(
        0.0, ge=0, le=1, description="State income tax, deductible federally [-]."
    )
    macrs_class: Literal[5, 7, 15, 20] = Field(
        5,
        description="MACRS recovery period [yr]: 5 for §48E EST (row 1.24); OBBBA effect "
        "DISPUTED (row 1.25).",
    )
    bonus_depreciation: FiniteFloat = Field(
        0.0,
        ge=0,
        le=1,
        description="Bonus depreciation fraction [-]. Row 1.26: 100 % available for property "
        "acquired and placed in service after 2025-01-19; default 0 (off) so results do not depend "
        "on the acquisition date; set 1.0 to claim.",
    )
    loss_treatment: Literal["carry_forward", "used_as_arise"] = Field(
        "carry_forward",
        description="'carry_forward': NOL offsets later taxable income (no 80 % limit); "
        "'used_as_arise': a loss is a tax benefit in its year (owner has other income).",
    )
    itc_monetisation: Literal["transfer", "direct"] = Field(
        "transfer",
        description="'transfer': sold for cash at transfer_price (§6418); 'direct': used against "
        "federal tax (carried forward under 'carry_forward').",
    )
    transfer_price: FiniteFloat = Field(
        0.92,
        gt=0,
        le=1,
        description="Cash per $ of credit [$/$]; 2023 ITC average 92.0 ¢ (row 1.28).",
    )
    itc_year: StrictInt = Field(
        1, ge=0, description="Project year in which the initial credit is realised."
    )
    write_off_remaining: bool = Field(
        True, description="Undepreciated basis at end of life is deducted in the last year."
    )


class ItcInputs(_Model):
    """Inputs to :func:`bessfin.finance.itc.itc_rate`, or a fixed rate."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    rate_override: FiniteFloat | None = Field(
        None, ge=0, le=1, description="Use this ITC rate [-] instead of the §48E rules."
    )
    boc_date: date | None = Field(None, description="Beginning-of-construction date.")
    pwa: bool = Field(
        True, description="Prevailing wage & apprenticeship met (usual for utility scale)."
    )
    energy_community: bool = Field(
        False, description="Placed in service in an energy community."
    )
    dc_adjusted_pct: FiniteFloat | None = Field(
        None,
        ge=0,
        le=1,
        description="Domestic-content adjusted percentage [-]; None = not claimed.",
    )
    macr: FiniteFloat | None = Field(
        None, ge=0, le=1, description="Material assistance cost ratio [-]."
    )
    dc_steel_iron_us: bool = Field(True, description="All structural steel/iron US-made.")
    prohibited_foreign_entity_taxpayer: bool = Field(
        False, description="Taxpayer is an SFE/FIE."
    )
    policy: Itc48ePolicy = Field(DEFAULT_POLICY, description="§48E policy table.")
    override: bool = Field(
        False, description="The explicit dc_adjusted_pct / macr knowingly differ from what the "
        "deal's [supply] option computes (needs override_reason; printed in every output)."
    )
    override_reason: str | None = Field(
        None, min_length=1, description="Why the explicit values replace the supply option's."
    )

    @model_validator(mode="after")
    def _rate_or_date(self) -> ItcInputs:
        if self.rate_override is None and self.boc_date is None:
            raise ValueError("ItcInputs needs boc_date (to apply §48E rules) or rate_override")
        if self.override and not (self.override_reason or "").strip():
            raise ValueError("itc.override = true needs itc.override_reason (why the explicit "
                             "values replace the supply option's)")
        if self.override_reason is not None and not self.override:
            raise ValueError("itc.override_reason is given but itc.override is not true")
        return self

    @property
    def macr_applies(self) -> bool:
        """The §48E MACR test applies (BOC on or after ``policy.macr_applies_from``) and the
        rate comes from the rules (no ``rate_override``)."""
        return (self.rate_override is None and self.boc_date is not None
                and self.boc_date >= self.policy.macr_applies_from)

    @property
    def macr_status(self) -> str:
        """``"not applicable"``, ``"not assessed"`` (applies but no MACR was given: the rate
        is computed as if it passed, and every output says so) or ``"assessed"``."""
        if not self.macr_applies:
            return "not applicable"
        return "not assessed" if self.macr is None else "assessed"


class _ContractTerm(_Model):
    escalation: FiniteFloat = Field(
        0.0, gt=-1, description="Price escalation from start_year [-/yr]."
    )
    start_year: StrictInt = Field(1, ge=1, description="First operating year of the contract.")
    tenor_years: StrictInt = Field(ge=1, description="Contract length [yr].")


class TollInputs(_ContractTerm):
    """Tolling agreement on a share of power capacity: that share earns the toll, not the market."""

    price_usd_per_kw_month: FiniteFloat = Field(
        ge=0, description="Toll [$/kW-month]; ERCOT West 2-h benchmark ~8-11 (row 5.9)."
    )
    share: FiniteFloat = Field(description="Tolled share of power capacity [-], in (0, 1].")

    @field_validator("share")
    @classmethod
    def _share(cls, v: float) -> float:
        return _fraction("toll share", v, low_open=True)


class CapacityContractInputs(_ContractTerm):
    """Resource adequacy / capacity contract; additive to merchant revenue."""

    price_usd_per_kw_month: FiniteFloat = Field(
        ge=0, description="Capacity price [$/kW-month] (rows 5.6-5.7)."
    )
    contracted_mw: FiniteFloat = Field(
        ge=0, description="Qualifying capacity sold [MW] (row 4.27)."
    )


class FloorInputs(_ContractTerm):
    """Revenue floor with upside sharing on the merchant revenue of a share of capacity."""

    floor_usd_per_kw_month: FiniteFloat = Field(
        ge=0, description="Guaranteed revenue [$/kW-month]."
    )
    share: FiniteFloat = Field(description="Share of power capacity covered [-], in (0, 1].")
    upside_share: FiniteFloat = Field(
        0.0,
        description="Share of covered merchant revenue above the floor paid to the provider [-].",
    )

    @field_validator("share")
    @classmethod
    def _share(cls, v: float) -> float:
        return _fraction("floor share", v, low_open=True)

    @field_validator("upside_share")
    @classmethod
    def _upside(cls, v: float) -> float:
        return _fraction("upside_share", v)


class ContractInputs(_Model):
    """Contracted revenue structures (each optional)."""

    toll: TollInputs | None = None
    capacity: CapacityContractInputs | None = None
    floor: FloorInputs | None = None

    @model_validator(mode="after")
    def _shares(self) -> ContractInputs:
        if (
            self.toll is not None
            and self.floor is not None
            and self.toll.share + self.floor.share > 1.0
        ):
            raise ValueError(
                f"toll share + floor share must be <= 1, got {self.toll.share} + {self.floor.share}"
            )
        return self


class DebtInputs(_Model):
    """Senior term loan drawn at COD (year 0)."""

    rate: FiniteFloat = Field(
        ge=0, description="All-in interest rate [-/yr]; SOFR 4.29 % Jan-2025 (row 5.14) + spread."
    )
    tenor_years: StrictInt = Field(ge=1, description="Repayment period [yr].")
    upfront_fee_pct: FiniteFloat = Field(
        0.0, ge=0, le=0.2, description="Upfront fee, fraction of debt [-]."
    )
    repayment: Literal["sculpted", "annuity"] = Field("sculpted", description="Repayment profile.")
    dscr_contracted: FiniteFloat = Field(
        1.20, description="Target DSCR on contracted CFADS [-] (row 5.13, UNCERTAIN)."
    )
    dscr_merchant: FiniteFloat = Field(
        1.30, description="Target DSCR on merchant CFADS [-] (row 5.13, UNCERTAIN)."
    )
    max_gearing: FiniteFloat = Field(description="Debt cap as a fraction of initial capex [-].")
    merchant_haircut: FiniteFloat = Field(
        1.0, description="Fraction of merchant revenue counted for sizing (P90/P50) [-]; no source."
    )
    sizing: Literal["lesser_of", "dscr", "gearing"] = Field(
        "lesser_of", description="Debt = lesser of DSCR- and gearing-sized, or one test only."
    )

    @field_validator("dscr_contracted", "dscr_merchant")
    @classmethod
    def _dscr(cls, v: float, info: ValidationInfo) -> float:
        if v < 1.0:
            raise ValueError(f"{info.field_name} (dscr_target) must be >= 1.0, got {v}")
        return v

    @field_validator("max_gearing")
    @classmethod
    def _gearing(cls, v: float) -> float:
        return _fraction("max_gearing", v)

    @field_validator("merchant_haircut")
    @classmethod
    def _haircut(cls, v: float) -> float:
        return _fraction("merchant_haircut", v)


class FinanceInputs(_Model):
    """Everything the pro forma needs besides the dispatch revenue table."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    power_mw: FiniteFloat = Field(gt=0, description="Rated power [MW].")
    energy_mwh: FiniteFloat = Field(gt=0, description="Rated energy [MWh].")
    capex: CapexInputs
    opex: OpexInputs
    itc: ItcInputs
    tax: TaxInputs = Field(default_factory=TaxInputs)
    debt: DebtInputs | None = Field(None, description="None for an all-equity project.")
    contracts: ContractInputs = Field(default_factory=ContractInputs)
    augmentation: AugmentationInputs = Field(default_factory=AugmentationInputs)
    discount_rate: FiniteFloat = Field(
        gt=-1, description="Rate for NPV and LCOS [-/yr]; user assumption."
    )

    @model_validator(mode="after")
    def _contracts_fit(self) -> FinanceInputs:
        from bessfin.finance.contracts import contract_problems  # contracts imports this module

        problems = contract_problems(self.contracts, self.power_mw)
        if problems:
            raise ValueError("; ".join(problems))
        return self
