"""Named supply cases (equipment lists per kWh) and their side-by-side comparison.

The cases live in ``supply_options.toml``; each line carries its policy_facts.md section 4 row.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import pandas as pd

from bessfin.supply.landed import EquipmentItem
from bessfin.supply.sourcing import SourcingResult

__all__ = [
    "cost_record",
    "list_supply_options",
    "supply_option",
    "supply_option_lines",
]

_LINE_META = ("usd_per_kwh", "x45", "status")


@cache
def _data() -> dict[str, Any]:
    text = files("bessfin.supply").joinpath("supply_options.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["options"]


def _spec(name: str) -> dict[str, Any]:
    opts = _data()
    if name not in opts:
        raise ValueError(f"unknown supply option {name!r}; valid options: {', '.join(opts)}")
    return opts[name]


def list_supply_options() -> dict[str, str]:
    """Supply option names and descriptions."""
    return {k: v["description"] for k, v in _data().items()}


def supply_option_lines(name: str) -> pd.DataFrame:
    """The shipped lines of a supply option, with unit costs, status and source.

    Parameters
    ----------
    name : str
        One of :func:`list_supply_options`.

    Returns
    -------
    pandas.DataFrame
        One row per line; ``usd_per_kwh`` [USD/kWh].
    """
    return pd.DataFrame(_spec(name)["lines"])


def supply_option(
    name: str,
    energy_kwh: float,
    *,
    line_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[EquipmentItem]:
    """Equipment list of a supply option for a DC block of ``energy_kwh``.

    Parameters
    ----------
    name : str
        One of :func:`list_supply_options`.
    energy_kwh : float
        Energy capacity [kWh]; line FOB cost = ``usd_per_kwh * energy_kwh``.
    line_overrides : mapping, optional
        ``{line name: {field: value}}`` to change any EquipmentItem field or ``usd_per_kwh``
        of a line, e.g. ``{"cells": {"origin": "japan"}}``.

    Returns
    -------
    list of EquipmentItem
    """
    if energy_kwh <= 0:
        raise ValueError(f"energy_kwh must be > 0, got {energy_kwh!r}")
    lines = _spec(name)["lines"]
    overrides = dict(line_overrides or {})
    names = [ln["name"] for ln in lines]
    unknown = set(overrides) - set(names)
    if unknown:
        raise ValueError(f"line_overrides for unknown lines {sorted(unknown)}; lines: {names}")
    items = []
    for ln in lines:
        spec = {**ln, **overrides.get(ln["name"], {})}
        fields = {k: v for k, v in spec.items() if k not in _LINE_META}
        fields["fob_cost_usd"] = float(spec["usd_per_kwh"]) * energy_kwh
        fields["source"] = f"[{spec['status']}] {spec['source']}"
        items.append(EquipmentItem(**fields))
    return items


def cost_record(
    landed: pd.DataFrame, x45_effect_usd: float, sourcing: SourcingResult, energy_kwh: float
) -> dict[str, Any]:
    """One supply option's totals: FOB, freight, duty, landed, 45X effect and net [$] and per
    kWh [$/kWh], with its domestic-content and MACR results.

    Parameters
    ----------
    landed : per-line landed cost (:func:`bessfin.supply.landed_cost`).
    x45_effect_usd : 45X price effect passed to the buyer [$] (negative = cheaper).
    sourcing : domestic-content and MACR assessment of the same lines.
    energy_kwh : DC block energy [kWh].
    """
    rec: dict[str, Any] = {
        "fob_usd": float(landed["fob_usd"].sum()),
        "freight_usd": float(landed["freight_usd"].sum()),
        "duty_usd": float(landed["duty_total_usd"].sum()),
        "landed_usd": float(landed["landed_usd"].sum()),
        "x45_price_effect_usd": float(x45_effect_usd),
    }
    rec["net_usd"] = rec["landed_usd"] + rec["x45_price_effect_usd"]
    for key in ("fob_usd", "duty_usd", "landed_usd", "x45_price_effect_usd", "net_usd"):
        rec[f"{key}_per_kwh"] = rec[key] / energy_kwh
    rec.update(
        dc_adjusted_pct=sourcing.dc_adjusted_pct,
        dc_threshold=sourcing.dc_threshold,
        dc_passes=sourcing.dc_passes,
        macr=sourcing.macr,
        macr_threshold=sourcing.macr_threshold,
        macr_passes=sourcing.macr_passes,
    )
    return rec
