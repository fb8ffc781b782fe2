"""Battery technical parameters for dispatch."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bessfin.common import FiniteFloat

#: Largest battery power a model accepts [MW]. A named bound, not a sourced fact: about ten
#: times the largest single battery plants in service by 2025 (under 2 GW, e.g. Moss Landing
#: ~750 MW), so a real project fits and a unit slip (kW typed as MW, 1e300) does not.
MAX_POWER_MW = 10_000.0
#: Largest energy capacity [MWh]: MAX_POWER_MW at a 10-hour duration.
MAX_ENERGY_MWH = 100_000.0


def _rte_schema(schema: dict) -> None:
    """Document the accepted ``round_trip_efficiency`` key (split evenly by ``_split_rte``)."""
    schema["properties"]["round_trip_efficiency"] = {
        "type": "number", "exclusiveMinimum": 0, "maximum": 1,
        "title": "Round Trip Efficiency",
        "description": "Round-trip efficiency [-], split evenly into the one-way pair; give "
        "it or charge_efficiency/discharge_efficiency, not both.",
    }


class Battery(BaseModel):
    """A grid-scale battery as the dispatch LP sees it.

    Power and energy are at the point of interconnection. Efficiencies are one-way:
    round-trip efficiency = ``charge_efficiency * discharge_efficiency``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_rte_schema)

    power_mw: FiniteFloat = Field(
        gt=0, le=MAX_POWER_MW, description="Maximum discharge power [MW], at most 10,000 MW."
    )
    energy_mwh: FiniteFloat = Field(
        gt=0, le=MAX_ENERGY_MWH,
        description="Usable nameplate energy capacity [MWh], at most 100,000 MWh.",
    )
    charge_power_mw: FiniteFloat | None = Field(
        None, gt=0, le=MAX_POWER_MW,
        description="Maximum charge power [MW]; defaults to power_mw.",
    )
    charge_efficiency: FiniteFloat = Field(
        math.sqrt(0.85), gt=0, le=1, description="One-way charge efficiency [-]."
    )
    discharge_efficiency: FiniteFloat = Field(
        math.sqrt(0.85), gt=0, le=1, description="One-way discharge efficiency [-]."
    )
    soc_min: FiniteFloat = Field(0.0, ge=0, lt=1, description="Minimum state of charge [fraction].")
    soc_max: FiniteFloat = Field(1.0, gt=0, le=1, description="Maximum state of charge [fraction].")
    soc_initial: FiniteFloat = Field(
        0.5, ge=0, le=1, description="Initial state of charge [fraction]."
    )
    soc_terminal: FiniteFloat | None = Field(
        None,
        ge=0,
        le=1,
        description="Minimum state of charge at the end of the horizon [fraction]; "
        "defaults to soc_initial.",
    )
    self_discharge_per_hour: FiniteFloat = Field(
        0.0, ge=0, lt=1, description="Fraction of stored energy lost per hour [1/h]."
    )
    max_cycles_per_day: FiniteFloat | None = Field(
        None, gt=0, description="Warranty limit: discharged energy per local day / energy_mwh [-]."
    )
    max_cycles_per_year: FiniteFloat | None = Field(
        None, gt=0, description="Warranty limit: discharged energy per year / energy_mwh [-]."
    )
    degradation_cost: FiniteFloat = Field(
        0.0, ge=0, description="Cost of discharged energy throughput [$/MWh]."
    )
    availability: FiniteFloat = Field(
        1.0, gt=0, le=1, description="Availability derate applied to power limits [-]."
    )

    @model_validator(mode="before")
    @classmethod
    def _split_rte(cls, data: object) -> object:
        """Accept ``round_trip_efficiency`` (split evenly) instead of the one-way pair."""
        if isinstance(data, dict) and "round_trip_efficiency" in data:
            data = dict(data)
            rte = data.pop("round_trip_efficiency")
            if "charge_efficiency" in data or "discharge_efficiency" in data:
                raise ValueError("give round_trip_efficiency or the one-way efficiencies, "
                                 "not both")
            if isinstance(rte, bool) or not isinstance(rte, int | float) or not 0 < rte <= 1:
                raise ValueError(f"round_trip_efficiency must be in (0, 1], got {rte!r}")
            data["charge_efficiency"] = data["discharge_efficiency"] = math.sqrt(rte)
        return data

    @model_validator(mode="after")
    def _check(self) -> Battery:
        if self.soc_min >= self.soc_max:
            raise ValueError(f"soc_min ({self.soc_min}) must be below soc_max ({self.soc_max})")
        for name in ("soc_initial", "soc_terminal"):
            v = getattr(self, name)
            if v is not None and not self.soc_min <= v <= self.soc_max:
                raise ValueError(
                    f"{name} must lie within [soc_min, soc_max] = "
                    f"[{self.soc_min}, {self.soc_max}], got {v}"
                )
        return self

    @classmethod
    def from_rte(cls, round_trip_efficiency: float, **kwargs: float) -> Battery:
        """Build a battery with a round-trip efficiency split evenly between the two ways."""
        if not 0 < round_trip_efficiency <= 1:
            raise ValueError(
                f"round_trip_efficiency must be in (0, 1], got {round_trip_efficiency}"
            )
        eta = math.sqrt(round_trip_efficiency)
        return cls(charge_efficiency=eta, discharge_efficiency=eta, **kwargs)

    @property
    def p_charge(self) -> float:
        """Charge power limit [MW]."""
        return self.charge_power_mw if self.charge_power_mw is not None else self.power_mw

    @property
    def round_trip_efficiency(self) -> float:
        """Round-trip efficiency [-]."""
        return self.charge_efficiency * self.discharge_efficiency

    @property
    def duration_h(self) -> float:
        """Energy-to-power ratio [h]."""
        return self.energy_mwh / self.power_mw

    @property
    def terminal_fraction(self) -> float:
        """Minimum end-of-horizon state of charge [fraction]."""
        return self.soc_initial if self.soc_terminal is None else self.soc_terminal
