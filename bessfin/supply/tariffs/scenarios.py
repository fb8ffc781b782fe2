"""Named tariff scenarios (``tariff_scenarios.toml``): tags and parameter values."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from bessfin.supply.tariffs.common import _load_toml, to_date


class Scenario(BaseModel):
    """A named tariff scenario: enabled row/rule tags plus parameter values.

    Attributes
    ----------
    name : str
        Scenario name.
    description : str
        What the scenario assumes.
    tags : frozenset of str
        Tags enabling tagged rows of ``tariff_layers.csv`` / rules of ``tariff_stacking.toml``.
    params : dict
        Parameter values (percent for ``*_pct``, dates for ``*_from``).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    tags: frozenset[str] = frozenset()
    params: dict[str, float | date] = Field(default_factory=dict)


@cache
def _scenario_file() -> dict[str, Any]:
    return _load_toml("tariff_scenarios.toml")


def list_scenarios() -> dict[str, str]:
    """Scenario names and their descriptions."""
    return {k: v["description"] for k, v in _scenario_file()["scenarios"].items()}


def scenario_params() -> pd.DataFrame:
    """Parameter catalogue: default, unit, status and rationale for every scenario parameter."""
    rows = [{"param": k, **v} for k, v in _scenario_file()["params"].items()]
    return pd.DataFrame(rows).set_index("param")


def get_scenario(name: str = "current-law", **params: float | date | str) -> Scenario:
    """Build a scenario by name, optionally overriding parameters.

    Parameters
    ----------
    name : str
        One of :func:`list_scenarios`.
    **params
        Overrides, e.g. ``section301_excess_capacity_pct=50.0`` (percent) or
        ``section301_excess_capacity_from="2026-09-01"``.

    Returns
    -------
    Scenario

    Raises
    ------
    ValueError
        Unknown scenario or parameter name (the message lists the valid ones), or a negative rate.
    """
    raw = _scenario_file()
    scenarios = raw["scenarios"]
    if name not in scenarios:
        raise ValueError(f"unknown scenario {name!r}; valid scenarios: {', '.join(scenarios)}")
    spec = scenarios[name]
    values: dict[str, float | date] = {k: v["default"] for k, v in raw["params"].items()}
    values.update(spec.get("params", {}))
    for key, value in params.items():
        if key not in raw["params"]:
            raise ValueError(
                f"unknown scenario parameter {key!r}; valid parameters: {', '.join(raw['params'])}"
            )
        if raw["params"][key]["unit"] == "date":
            values[key] = to_date(value)  # type: ignore[arg-type]
        else:
            if isinstance(value, date | str) or float(value) < 0:
                raise ValueError(f"parameter {key!r} must be a non-negative percent, got {value!r}")
            values[key] = float(value)
    return Scenario(
        name=name,
        description=spec["description"],
        tags=frozenset(spec.get("tags", [])),
        params=values,
    )


def _resolve_scenario(scenario: str | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
