"""Equipment list and landed cost (FOB + freight + each duty layer).

Duty is charged on the FOB value: US customs value is the transaction value, which excludes
international freight and insurance. Merchandise processing and harbor maintenance fees are not
modelled (see docs/supply_chain.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bessfin.supply.tariffs import (
    LAYERS,
    Scenario,
    duty,
    get_scenario,
    normalize_item,
    normalize_origin,
)

__all__ = ["DUTY_LAYER_COLUMNS", "EquipmentItem", "LANDED_COLUMNS", "landed_cost",
           "landed_cost_with_layers"]


class EquipmentItem(BaseModel):
    """One line of a project equipment list.

    Attributes
    ----------
    name : str
        Free-text description of the line.
    item : str
        Tariff item (``battery``, ``pcs``, ``transformer``, ``enclosure``, ``copper_cable`` or an
        alias); normalised to the canonical name.
    origin : str
        Country of origin (``us`` for US-made); normalised to the canonical name.
    fob_cost_usd : float
        Free-on-board cost of the whole line [USD], the customs value for duty.
    freight_pct : float, optional
        Freight and insurance as a FRACTION of FOB (0.05 = 5 %). Give exactly one of
        ``freight_pct`` / ``freight_usd``.
    freight_usd : float, optional
        Freight and insurance for the line [USD].
    supplier_is_pfe : bool
        Costs attributable to a prohibited foreign entity (for MACR).
    us_manufactured : bool
        Manufactured product produced in the US (for domestic content). Requires ``origin="us"``.
    manufactured_product : bool
        True for manufactured products/components (counted in DC and MACR); False for items that
        are neither (e.g. services, or structural steel/iron, which is a separate DC test).
    steel_aluminium_share, copper_share : float, optional
        Metal content as a fraction of FOB, used by Section 232 content layers.
    pre_june_2025_contract : bool
        Bought under a binding written contract before 2025-06-16 (MACR carve-out, pf 1.20).
    source : str
        Where the cost comes from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    item: str
    origin: str
    fob_cost_usd: float = Field(ge=0)
    freight_pct: float | None = Field(default=None, ge=0, le=1)
    freight_usd: float | None = Field(default=None, ge=0)
    supplier_is_pfe: bool = False
    us_manufactured: bool = False
    manufactured_product: bool = True
    steel_aluminium_share: float | None = Field(default=None, ge=0, le=1)
    copper_share: float | None = Field(default=None, ge=0, le=1)
    pre_june_2025_contract: bool = False
    source: str = ""

    @field_validator("item")
    @classmethod
    def _item(cls, v: str) -> str:
        return normalize_item(v)

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: str) -> str:
        return normalize_origin(v)

    @model_validator(mode="after")
    def _consistent(self) -> EquipmentItem:
        if (self.freight_pct is None) == (self.freight_usd is None):
            raise ValueError(
                f"{self.name!r}: give exactly one of freight_pct (fraction of FOB) or freight_usd"
            )
        if self.us_manufactured and self.origin != "us":
            raise ValueError(
                f"{self.name!r}: us_manufactured=True requires origin='us', got {self.origin!r}"
            )
        return self

    @property
    def freight_cost_usd(self) -> float:
        """Freight for the line [USD]."""
        if self.freight_usd is not None:
            return self.freight_usd
        assert self.freight_pct is not None
        return self.freight_pct * self.fob_cost_usd


#: Columns of :func:`landed_cost` in order.
LANDED_COLUMNS: tuple[str, ...] = (
    "name",
    "item",
    "origin",
    "fob_usd",
    "freight_usd",
    "duty_rate",
    *(f"duty_{k}_usd" for k in LAYERS),
    "duty_total_usd",
    "landed_usd",
)


#: Columns of the tidy duty-layer frame (:func:`landed_cost_with_layers`).
DUTY_LAYER_COLUMNS: tuple[str, ...] = (
    "line", "layer", "rate", "base_share", "status", "source", "note",
)


def landed_cost(
    items: Sequence[EquipmentItem],
    on_date: date | str,
    scenario: str | Scenario = "current-law",
) -> pd.DataFrame:
    """Landed cost of an equipment list, per line and per duty layer.

    Parameters
    ----------
    items : sequence of EquipmentItem
        Equipment lines.
    on_date : date or str
        Date of entry for all imported lines.
    scenario : str or Scenario
        Tariff scenario name or object.

    Returns
    -------
    pandas.DataFrame
        One row per line with :data:`LANDED_COLUMNS`: ``fob_usd``, ``freight_usd`` [USD],
        ``duty_rate`` [fraction of FOB], ``duty_<layer>_usd`` for every layer [USD],
        ``duty_total_usd`` (= sum of layer columns) and ``landed_usd`` (= FOB + freight + duty).
    """
    return landed_cost_with_layers(items, on_date, scenario)[0]


def landed_cost_with_layers(
    items: Sequence[EquipmentItem],
    on_date: date | str,
    scenario: str | Scenario = "current-law",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`landed_cost` and, from the same duty calls, the provenance of every duty layer.

    Returns
    -------
    (landed, layers) : tuple of DataFrame
        ``landed`` as :func:`landed_cost`; ``layers`` one row per line and layer in force with
        :data:`DUTY_LAYER_COLUMNS`: ``line`` (line name), ``layer`` (display name), ``rate``
        (effective rate on the line's customs value [fraction]), ``base_share`` (share of the
        customs value the layer applies to [fraction]), ``status``, ``source``, ``note``.
    """
    sc = scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
    if len(items) == 0:
        raise ValueError("landed_cost needs at least one EquipmentItem")
    recs = []
    layers = []
    for eq in items:
        if not isinstance(eq, EquipmentItem):
            raise TypeError(f"expected EquipmentItem, got {type(eq).__name__}")
        res = duty(
            eq.item,
            eq.origin,
            on_date,
            sc,
            steel_aluminium_share=eq.steel_aluminium_share,
            copper_share=eq.copper_share,
        )
        layer_usd = {f"duty_{k}_usd": r * eq.fob_cost_usd for k, r in res.by_layer().items()}
        total = sum(layer_usd.values())
        recs.append(
            {
                "name": eq.name,
                "item": eq.item,
                "origin": eq.origin,
                "fob_usd": eq.fob_cost_usd,
                "freight_usd": eq.freight_cost_usd,
                "duty_rate": res.total_rate,
                **layer_usd,
                "duty_total_usd": total,
                "landed_usd": eq.fob_cost_usd + eq.freight_cost_usd + total,
            }
        )
        layers.extend(
            {"line": eq.name, "layer": ch.layer_name, "rate": ch.rate,
             "base_share": ch.base_share, "status": ch.status, "source": ch.source,
             "note": ch.note}
            for ch in res.layers
        )
    return (pd.DataFrame(recs, columns=list(LANDED_COLUMNS)),
            pd.DataFrame(layers, columns=list(DUTY_LAYER_COLUMNS)))
