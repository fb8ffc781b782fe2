"""Typed results of a duty computation: one charge per layer and the total per item."""

from __future__ import annotations

from datetime import date

import pandas as pd
from pydantic import BaseModel, ConfigDict

from bessfin.supply.tariffs.common import LAYERS


class LayerCharge(BaseModel):
    """One duty layer applied to one item.

    Attributes
    ----------
    layer : str
        Layer key (see :data:`LAYERS`).
    row_id : str
        Row of ``tariff_layers.csv`` that supplied the rate.
    statutory_rate : float
        Rate of the layer on the value it applies to [fraction].
    base_share : float
        Share of customs value the layer applies to [fraction, 0..1] (e.g. metal content).
    rate : float
        Effective ad-valorem contribution on total customs value = statutory_rate * base_share.
    status, source, note : str
        Provenance from the data row (and stacking rule, if one changed the charge).
    """

    model_config = ConfigDict(frozen=True)

    layer: str
    row_id: str
    statutory_rate: float
    base_share: float
    rate: float
    status: str
    source: str
    note: str = ""

    @property
    def layer_name(self) -> str:
        """Display name of the layer."""
        return LAYERS[self.layer]


class DutyResult(BaseModel):
    """Total duty on one item and its breakdown by layer.

    Attributes
    ----------
    item, origin : str
        Canonical names.
    on_date : date
        Entry date.
    scenario : str
        Scenario name.
    total_rate : float
        Sum of ``layers[*].rate`` [fraction of customs value].
    layers : tuple of LayerCharge
        Layers in force (rate 0 rows included for provenance).
    notes : tuple of str
        Warnings, e.g. a date past the last sourced fact.
    """

    model_config = ConfigDict(frozen=True)

    item: str
    origin: str
    on_date: date
    scenario: str
    total_rate: float
    layers: tuple[LayerCharge, ...]
    notes: tuple[str, ...] = ()

    def by_layer(self) -> dict[str, float]:
        """Effective rate per layer key, all :data:`LAYERS` keys present [fraction]."""
        out = dict.fromkeys(LAYERS, 0.0)
        for ch in self.layers:
            out[ch.layer] += ch.rate
        return out

    def breakdown(self) -> pd.DataFrame:
        """Breakdown as a DataFrame (one row per applied layer)."""
        return pd.DataFrame(
            [{"layer_name": c.layer_name, **c.model_dump()} for c in self.layers],
            columns=[
                "layer",
                "layer_name",
                "row_id",
                "statutory_rate",
                "base_share",
                "rate",
                "status",
                "source",
                "note",
            ],
        )

